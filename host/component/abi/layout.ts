/**
 * Despecialization, alignment, element size and flattening of value types:
 * definitions.py's "Despecialization", "Alignment", "Element Size" and
 * "Flattening" sections, one function per spec function. Results are cached
 * per type object (types are immutable), so the hot paths of lifting and
 * lowering do not recompute them.
 */
import type { CaseType, CoreFuncType, CoreValType, FieldType, FuncType, ValType } from '../types.js';
import { Prim } from '../types.js';
import { ptrSize, type PtrType } from './context.js';

/** definitions.py `MAX_FLAT_PARAMS`. */
export const MAX_FLAT_PARAMS = 16;
/** definitions.py `MAX_FLAT_ASYNC_PARAMS`. */
export const MAX_FLAT_ASYNC_PARAMS = 4;
/** definitions.py `MAX_FLAT_RESULTS`. */
export const MAX_FLAT_RESULTS = 1;
/** definitions.py `MAX_STRING_BYTE_LENGTH`. */
export const MAX_STRING_BYTE_LENGTH = (1 << 28) - 1;
/** definitions.py `MAX_LIST_BYTE_LENGTH`. */
export const MAX_LIST_BYTE_LENGTH = (1 << 28) - 1;
/** definitions.py `REALLOC_I32_MAX`. */
export const REALLOC_I32_MAX = 2 ** 32 - 1;

/** A despecialized type: what `despecialize` returns (no tuple, enum, option, result or map). */
export type DespecializedType = Exclude<ValType, { kind: 'tuple' | 'enum' | 'option' | 'result' | 'map' }>;

const despecialized = new WeakMap<ValType, DespecializedType>();

/**
 * definitions.py `despecialize`: tuple -> record with fields "0", "1"...;
 * enum -> variant of payload-less cases; option -> variant none/some;
 * result -> variant ok/error; map -> list of (key, value) tuples.
 */
export function despecialize(t: ValType): DespecializedType {
  let d = despecialized.get(t);
  if (d !== undefined) return d;
  switch (t.kind) {
    case 'tuple':
      d = { kind: 'record', fields: t.ts.map((u, i): FieldType => ({ label: String(i), t: u })) };
      break;
    case 'enum':
      d = { kind: 'variant', cases: t.labels.map((l): CaseType => ({ label: l, t: undefined })) };
      break;
    case 'option':
      d = { kind: 'variant', cases: [{ label: 'none', t: undefined }, { label: 'some', t: t.t }] };
      break;
    case 'result':
      d = { kind: 'variant', cases: [{ label: 'ok', t: t.ok }, { label: 'error', t: t.error }] };
      break;
    case 'map':
      d = { kind: 'list', t: despecialize({ kind: 'tuple', ts: [t.k, t.v] }) };
      break;
    default:
      d = t;
  }
  despecialized.set(t, d);
  return d;
}

/** definitions.py `contains`. */
export function contains(t: ValType | undefined, p: (u: ValType) => boolean): boolean {
  if (t === undefined) return false;
  const d = despecialize(t);
  switch (d.kind) {
    case 'list':
    case 'stream':
    case 'future':
      return p(d) || contains(d.t, p);
    case 'record':
      return p(d) || d.fields.some((f) => contains(f.t, p));
    case 'variant':
      return p(d) || d.cases.some((c) => contains(c.t, p));
    default:
      return p(d);
  }
}

/** definitions.py `contains_borrow`. */
export function containsBorrow(t: ValType | undefined): boolean {
  return contains(t, (u) => u.kind === 'borrow');
}

/** definitions.py `contains_async_value`. */
export function containsAsyncValue(t: ValType | undefined): boolean {
  return contains(t, (u) => u.kind === 'stream' || u.kind === 'future');
}

// ---------------------------------------------------------------- alignment

const alignCache = { i32: new WeakMap<ValType, number>(), i64: new WeakMap<ValType, number>() };
const sizeCache = { i32: new WeakMap<ValType, number>(), i64: new WeakMap<ValType, number>() };

/** definitions.py `alignment`. */
export function alignment(t: ValType, ptrType: PtrType = 'i32'): number {
  const cache = alignCache[ptrType];
  let a = cache.get(t);
  if (a !== undefined) return a;
  const d = despecialize(t);
  switch (d.kind) {
    case 'bool':
    case 's8':
    case 'u8':
      a = 1;
      break;
    case 's16':
    case 'u16':
      a = 2;
      break;
    case 's32':
    case 'u32':
    case 'f32':
    case 'char':
    case 'error-context':
    case 'own':
    case 'borrow':
    case 'stream':
    case 'future':
      a = 4;
      break;
    case 's64':
    case 'u64':
    case 'f64':
      a = 8;
      break;
    case 'string':
      a = ptrSize(ptrType);
      break;
    case 'list':
      a = alignmentList(d.t, d.l, ptrType);
      break;
    case 'record':
      a = alignmentRecord(d.fields, ptrType);
      break;
    case 'variant':
      a = alignmentVariant(d.cases, ptrType);
      break;
    case 'flags':
      a = alignmentFlags(d.labels);
      break;
  }
  cache.set(t, a);
  return a;
}

/** definitions.py `alignment_list`. */
export function alignmentList(elemType: ValType, maybeLength: number | undefined, ptrType: PtrType = 'i32'): number {
  if (maybeLength !== undefined) return alignment(elemType, ptrType);
  return ptrSize(ptrType);
}

/** definitions.py `alignment_record`. */
export function alignmentRecord(fields: readonly FieldType[], ptrType: PtrType = 'i32'): number {
  let a = 1;
  for (const f of fields) a = Math.max(a, alignment(f.t, ptrType));
  return a;
}

/** definitions.py `alignment_variant`. */
export function alignmentVariant(cases: readonly CaseType[], ptrType: PtrType = 'i32'): number {
  return Math.max(alignment(discriminantType(cases), ptrType), maxCaseAlignment(cases, ptrType));
}

/** definitions.py `discriminant_type`: u8 up to 256 cases, u16 up to 65536, else u32. */
export function discriminantType(cases: readonly CaseType[]): ValType {
  const n = cases.length;
  if (!(0 < n && n < 2 ** 32)) throw new RangeError(`a variant has 1 to 2^32-1 cases, not ${n}`);
  switch (Math.ceil(Math.log2(n) / 8)) {
    case 0:
    case 1:
      return Prim.u8;
    case 2:
      return Prim.u16;
    default:
      return Prim.u32;
  }
}

/** definitions.py `max_case_alignment`. */
export function maxCaseAlignment(cases: readonly CaseType[], ptrType: PtrType = 'i32'): number {
  let a = 1;
  for (const c of cases) if (c.t !== undefined) a = Math.max(a, alignment(c.t, ptrType));
  return a;
}

/** definitions.py `alignment_flags`. */
export function alignmentFlags(labels: readonly string[]): number {
  const n = labels.length;
  if (!(0 < n && n <= 32)) throw new RangeError(`a flags type has 1 to 32 labels, not ${n}`);
  if (n <= 8) return 1;
  if (n <= 16) return 2;
  return 4;
}

// ---------------------------------------------------------------- element size

/** definitions.py `elem_size`. */
export function elemSize(t: ValType, ptrType: PtrType = 'i32'): number {
  const cache = sizeCache[ptrType];
  let s = cache.get(t);
  if (s !== undefined) return s;
  const d = despecialize(t);
  switch (d.kind) {
    case 'bool':
    case 's8':
    case 'u8':
      s = 1;
      break;
    case 's16':
    case 'u16':
      s = 2;
      break;
    case 's32':
    case 'u32':
    case 'f32':
    case 'char':
    case 'error-context':
    case 'own':
    case 'borrow':
    case 'stream':
    case 'future':
      s = 4;
      break;
    case 's64':
    case 'u64':
    case 'f64':
      s = 8;
      break;
    case 'string':
      s = 2 * ptrSize(ptrType);
      break;
    case 'list':
      s = elemSizeList(d.t, d.l, ptrType);
      break;
    case 'record':
      s = elemSizeRecord(d.fields, ptrType);
      break;
    case 'variant':
      s = elemSizeVariant(d.cases, ptrType);
      break;
    case 'flags':
      s = elemSizeFlags(d.labels);
      break;
  }
  cache.set(t, s);
  return s;
}

/** definitions.py `elem_size_list`. */
export function elemSizeList(elemType: ValType, maybeLength: number | undefined, ptrType: PtrType = 'i32'): number {
  if (maybeLength !== undefined) return maybeLength * elemSize(elemType, ptrType);
  return 2 * ptrSize(ptrType);
}

/** definitions.py `elem_size_record`. */
export function elemSizeRecord(fields: readonly FieldType[], ptrType: PtrType = 'i32'): number {
  let s = 0;
  for (const f of fields) {
    s = alignTo(s, alignment(f.t, ptrType));
    s += elemSize(f.t, ptrType);
  }
  if (!(s > 0)) throw new RangeError('a record (or tuple) has a non-zero size');
  return alignTo(s, alignmentRecord(fields, ptrType));
}

/** definitions.py `align_to`. */
export function alignTo(ptr: number, alignment: number): number {
  return Math.ceil(ptr / alignment) * alignment;
}

/** definitions.py `elem_size_variant`. */
export function elemSizeVariant(cases: readonly CaseType[], ptrType: PtrType = 'i32'): number {
  let s = elemSize(discriminantType(cases), ptrType);
  s = alignTo(s, maxCaseAlignment(cases, ptrType));
  let cs = 0;
  for (const c of cases) if (c.t !== undefined) cs = Math.max(cs, elemSize(c.t, ptrType));
  s += cs;
  return alignTo(s, alignmentVariant(cases, ptrType));
}

/** definitions.py `elem_size_flags`. */
export function elemSizeFlags(labels: readonly string[]): number {
  return alignmentFlags(labels);
}

// ---------------------------------------------------------------- flattening

/** The options flattening looks at: the memory's pointer type and, for function types, async and callback. */
export interface FlattenOptions {
  readonly ptrType?: PtrType;
  readonly async?: boolean;
  readonly callback?: boolean;
}

const flatCache = { i32: new WeakMap<ValType, readonly CoreValType[]>(), i64: new WeakMap<ValType, readonly CoreValType[]>() };

/** definitions.py `flatten_functype`: the core signature of a lifted or lowered function. */
export function flattenFunctype(opts: FlattenOptions, ft: FuncType, context: 'lift' | 'lower'): CoreFuncType {
  const ptr = opts.ptrType ?? 'i32';
  return spillFunctype(flattenTypes(ft.params.map(([, t]) => t), ptr), flattenTypes(ft.result === undefined ? [] : [ft.result], ptr), opts, context);
}

/**
 * The spilling rules of definitions.py `flatten_functype`, applied to
 * parameters and results already flattened (the validator flattens with a
 * bound of its own, so it shares only these rules).
 */
export function spillFunctype(
  params: readonly CoreValType[],
  results: readonly CoreValType[],
  opts: FlattenOptions,
  context: 'lift' | 'lower',
): CoreFuncType {
  const ptr = opts.ptrType ?? 'i32';
  let flatParams = params;
  let flatResults = results;
  if (!opts.async) {
    if (flatParams.length > MAX_FLAT_PARAMS) flatParams = [ptr];
    if (flatResults.length > MAX_FLAT_RESULTS) {
      if (context === 'lift') {
        flatResults = [ptr];
      } else {
        flatParams = [...flatParams, ptr];
        flatResults = [];
      }
    }
    return { params: flatParams, results: flatResults };
  }
  if (context === 'lift') {
    if (flatParams.length > MAX_FLAT_PARAMS) flatParams = [ptr];
    flatResults = opts.callback ? ['i32'] : [];
  } else {
    if (flatParams.length > MAX_FLAT_ASYNC_PARAMS) flatParams = [ptr];
    if (flatResults.length > 0) flatParams = [...flatParams, ptr];
    flatResults = ['i32'];
  }
  return { params: flatParams, results: flatResults };
}

/** definitions.py `flatten_types`. */
export function flattenTypes(ts: readonly ValType[], ptrType: PtrType = 'i32'): CoreValType[] {
  const out: CoreValType[] = [];
  for (const t of ts) for (const ft of flattenType(t, ptrType)) out.push(ft);
  return out;
}

/** definitions.py `flatten_type`. The returned array is shared: do not modify it. */
export function flattenType(t: ValType, ptrType: PtrType = 'i32'): readonly CoreValType[] {
  const cache = flatCache[ptrType];
  let f = cache.get(t);
  if (f !== undefined) return f;
  const d = despecialize(t);
  switch (d.kind) {
    case 'bool':
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32':
    case 'char':
    case 'error-context':
    case 'flags':
    case 'own':
    case 'borrow':
    case 'stream':
    case 'future':
      f = ['i32'];
      break;
    case 's64':
    case 'u64':
      f = ['i64'];
      break;
    case 'f32':
      f = ['f32'];
      break;
    case 'f64':
      f = ['f64'];
      break;
    case 'string':
      f = [ptrType, ptrType];
      break;
    case 'list':
      f = flattenList(d.t, d.l, ptrType);
      break;
    case 'record':
      f = flattenRecord(d.fields, ptrType);
      break;
    case 'variant':
      f = flattenVariant(d.cases, ptrType);
      break;
  }
  cache.set(t, f);
  return f;
}

/** definitions.py `flatten_list`. */
export function flattenList(elemType: ValType, maybeLength: number | undefined, ptrType: PtrType = 'i32'): CoreValType[] {
  if (maybeLength !== undefined) {
    const e = flattenType(elemType, ptrType);
    const out: CoreValType[] = [];
    for (let i = 0; i < maybeLength; i++) out.push(...e);
    return out;
  }
  return [ptrType, ptrType];
}

/** definitions.py `flatten_record`. */
export function flattenRecord(fields: readonly FieldType[], ptrType: PtrType = 'i32'): CoreValType[] {
  const flat: CoreValType[] = [];
  for (const f of fields) flat.push(...flattenType(f.t, ptrType));
  return flat;
}

/** definitions.py `flatten_variant`: the discriminant, then the case payloads joined slot by slot. */
export function flattenVariant(cases: readonly CaseType[], ptrType: PtrType = 'i32'): CoreValType[] {
  const flat: CoreValType[] = [];
  for (const c of cases) {
    if (c.t === undefined) continue;
    const ft = flattenType(c.t, ptrType);
    for (let i = 0; i < ft.length; i++) {
      if (i < flat.length) flat[i] = join(flat[i]!, ft[i]!);
      else flat.push(ft[i]!);
    }
  }
  return [...flattenType(discriminantType(cases), ptrType), ...flat];
}

/** definitions.py `join`: the core type that can hold both. */
export function join(a: CoreValType, b: CoreValType): CoreValType {
  if (a === b) return a;
  if ((a === 'i32' && b === 'f32') || (a === 'f32' && b === 'i32')) return 'i32';
  return 'i64';
}
