/**
 * Lifting: definitions.py's "Loading" and "Flat Lifting" sections and
 * `lift_flat_values`. Guest data that breaks a rule traps (the project's
 * `Trap`) exactly where the spec traps: a bad discriminant, an invalid char,
 * a string that is not valid in its encoding or too long, a list too long,
 * an unaligned or out-of-bounds pointer. Values come out in jco's JS
 * conventions (see `js.ts`).
 */
import { Trap } from '../../canon/errors.js';
import type { CaseType, CoreValType, FieldType, ValType } from '../types.js';
import type { CanonString, LiftLowerContext, PtrType } from './context.js';
import {
  MAX_LIST_BYTE_LENGTH,
  MAX_STRING_BYTE_LENGTH,
  alignTo,
  alignment,
  despecialize,
  discriminantType,
  elemSize,
  elemSizeFlags,
  flattenType,
  flattenTypes,
  maxCaseAlignment,
} from './layout.js';
import { LITTLE_ENDIAN, mapOfEntries, maybeNull, toLowerCamelCase, typedArrayFor } from './js.js';
import { UTF8_DECODE_MIN_BYTES, decodeValidUtf8, validUtf16, type StringMaker } from './utf8-decode.js';

/** A core wasm value: i32, f32 and f64 as numbers, i64 as a bigint. */
export type FlatValue = number | bigint;

/** definitions.py `CANONICAL_FLOAT32_NAN`. */
export const CANONICAL_FLOAT32_NAN = 0x7fc00000;
/** definitions.py `CANONICAL_FLOAT64_NAN`. */
export const CANONICAL_FLOAT64_NAN = 0x7ff8000000000000n;

/** Eight bytes seen as f32/u32/f64/u64, for reinterpreting a float's bits (lift and lower share them). */
const scratch = new ArrayBuffer(8);
export const scratchF32 = new Float32Array(scratch);
export const scratchU32 = new Uint32Array(scratch);
export const scratchF64 = new Float64Array(scratch);
export const scratchU64 = new BigUint64Array(scratch);

/** definitions.py `canonicalize_nan32`. (A JS number has no NaN payload to keep: any NaN is the canonical one.) */
export function canonicalizeNan32(f: number): number {
  return Number.isNaN(f) ? NaN : f;
}

/** definitions.py `canonicalize_nan64`. */
export function canonicalizeNan64(f: number): number {
  return Number.isNaN(f) ? NaN : f;
}

/** definitions.py `core_f32_reinterpret_i32`. */
export function coreF32ReinterpretI32(i: number): number {
  scratchU32[0] = i;
  return scratchF32[0]!;
}

/** definitions.py `core_f64_reinterpret_i64`. */
export function coreF64ReinterpretI64(i: bigint): number {
  scratchU64[0] = i;
  return scratchF64[0]!;
}

/** definitions.py `decode_i32_as_float`. */
export function decodeI32AsFloat(i: number): number {
  return canonicalizeNan32(coreF32ReinterpretI32(i));
}

/** definitions.py `decode_i64_as_float`. */
export function decodeI64AsFloat(i: bigint): number {
  return canonicalizeNan64(coreF64ReinterpretI64(i));
}

/** definitions.py `convert_int_to_bool`. */
export function convertIntToBool(i: number): boolean {
  return i !== 0;
}

/** definitions.py `convert_i32_to_char`: traps on a value that is not a Unicode scalar value. */
export function convertI32ToChar(i: number): string {
  if (i >= 0x110000) throw new Trap('invalid-char', { detail: `char ${i} (0x${i.toString(16)}) is beyond U+10FFFF` });
  if (i >= 0xd800 && i <= 0xdfff) throw new Trap('invalid-char', { detail: `char 0x${i.toString(16)} is a surrogate` });
  return String.fromCodePoint(i);
}

function outOfBounds(what: string, ptr: number, len: number, cx: LiftLowerContext): Trap {
  return new Trap('out-of-bounds', { detail: `${what} [${ptr}, ${ptr + len}) is outside linear memory of ${cx.memory.length} bytes` });
}
function unaligned(what: string, ptr: number, align: number): Trap {
  return new Trap('unaligned-pointer', { detail: `${what} pointer ${ptr} is not ${align}-byte aligned` });
}

/** Traps unless [ptr, ptr+size) is aligned to `align` and inside memory (the checks callers of `load`/`store` make). */
export function checkRange(cx: LiftLowerContext, ptr: number, align: number, size: number, what: string): void {
  if (ptr !== alignTo(ptr, align)) throw unaligned(what, ptr, align);
  if (ptr + size > cx.memory.length) throw outOfBounds(what, ptr, size, cx);
}

// ---------------------------------------------------------------- loading

/**
 * definitions.py `load`: the value of type `t` at `ptr`. The spec asserts
 * that `ptr` is aligned and in bounds (its callers trap first); as an entry
 * point (a stream or future copy lifting one element) this traps instead.
 */
export function load(cx: LiftLowerContext, ptr: number, t: ValType): unknown {
  const pt = cx.ptrType();
  checkRange(cx, ptr, alignment(t, pt), elemSize(t, pt), 'value');
  return loadValid(cx, ptr, t);
}

/** `load` without its precondition checks (made by every caller). */
function loadValid(cx: LiftLowerContext, ptr: number, t: ValType): unknown {
  switch (t.kind) {
    case 'bool':
      return convertIntToBool(cx.memory.view.getUint8(ptr));
    case 'u8':
      return cx.memory.view.getUint8(ptr);
    case 'u16':
      return cx.memory.view.getUint16(ptr, true);
    case 'u32':
      return cx.memory.view.getUint32(ptr, true);
    case 'u64':
      return cx.memory.view.getBigUint64(ptr, true);
    case 's8':
      return cx.memory.view.getInt8(ptr);
    case 's16':
      return cx.memory.view.getInt16(ptr, true);
    case 's32':
      return cx.memory.view.getInt32(ptr, true);
    case 's64':
      return cx.memory.view.getBigInt64(ptr, true);
    case 'f32':
      return decodeI32AsFloat(cx.memory.view.getUint32(ptr, true));
    case 'f64':
      return decodeI64AsFloat(cx.memory.view.getBigUint64(ptr, true));
    case 'char':
      return convertI32ToChar(cx.memory.view.getUint32(ptr, true));
    case 'string':
      return loadString(cx, ptr);
    case 'error-context':
      return liftErrorContext(cx, cx.memory.view.getUint32(ptr, true));
    case 'list':
      return loadList(cx, ptr, t.t, t.l);
    case 'map':
      return listToMap(loadList(cx, ptr, mapEntryType(t), undefined) as unknown[][]);
    case 'record':
      return loadRecord(cx, ptr, t.fields);
    case 'tuple':
      return loadTuple(cx, ptr, t.ts);
    case 'variant':
    case 'enum':
    case 'option':
    case 'result': {
      const d = despecialize(t) as { kind: 'variant'; cases: readonly CaseType[] };
      const [index, value] = loadVariant(cx, ptr, d.cases);
      return caseToJs(t, index, value);
    }
    case 'flags':
      return loadFlags(cx, ptr, t.labels);
    case 'own':
      return liftOwn(cx, cx.memory.view.getUint32(ptr, true), t);
    case 'borrow':
      return liftBorrow(cx, cx.memory.view.getUint32(ptr, true), t);
    case 'stream':
      return liftStream(cx, cx.memory.view.getUint32(ptr, true), t.t);
    case 'future':
      return liftFuture(cx, cx.memory.view.getUint32(ptr, true), t.t);
  }
}

const mapEntries = new WeakMap<ValType, ValType>();
/** The `tuple<k, v>` element of a map's list. */
export function mapEntryType(t: { kind: 'map'; k: ValType; v: ValType }): ValType {
  let e = mapEntries.get(t);
  if (e === undefined) {
    e = { kind: 'tuple', ts: [t.k, t.v] };
    mapEntries.set(t, e);
  }
  return e;
}

function listToMap(entries: unknown[][]): Map<unknown, unknown> {
  return mapOfEntries(entries as [unknown, unknown][]);
}

/** definitions.py `load_int` of a pointer-sized integer. */
function loadPtr(cx: LiftLowerContext, ptr: number): number {
  const m = cx.memory;
  return m.addrtype === 'i32' ? m.view.getUint32(ptr, true) : Number(m.view.getBigUint64(ptr, true));
}

/** definitions.py `load_string`. */
export function loadString(cx: LiftLowerContext, ptr: number): string | CanonString {
  const m = cx.memory;
  const ps = m.ptrSize();
  const begin = loadPtr(cx, ptr);
  const tagged = m.addrtype === 'i32' ? m.view.getUint32(ptr + ps, true) : m.view.getBigUint64(ptr + ps, true);
  return loadStringFromRange(cx, begin, tagged);
}

/** definitions.py `utf16_tag`. */
export function utf16Tag(ptrType: PtrType): number | bigint {
  return ptrType === 'i32' ? 2 ** 31 : 1n << 63n;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16Decoder = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });
interface NodeBufferModule {
  Buffer: { from(b: ArrayBufferLike, o: number, l: number): { toString(enc: string): string }; byteLength(s: string, enc: 'utf8'): number };
  isAscii?: (v: Uint8Array) => boolean;
  isUtf8?: (v: Uint8Array) => boolean;
}
/** Node's `buffer` module when there is one: its SIMD ASCII check and Latin-1 decoder are the fast path for strings. */
let nodeBuffer: NodeBufferModule | undefined;
try {
  nodeBuffer = (await import('node:' + 'buffer')) as unknown as NodeBufferModule;
} catch {
  nodeBuffer = undefined;
}
const NodeBuffer = nodeBuffer?.Buffer;
const isAscii = nodeBuffer?.isAscii;
const isUtf8 = nodeBuffer?.isUtf8;
/** Node's UTF-8 length of a JS string (native; about 5× faster than a regex scan for a non-ASCII character). */
export const utf8ByteLength: ((s: string) => number) | undefined =
  NodeBuffer !== undefined ? (s: string) => NodeBuffer.byteLength(s, 'utf8') : undefined;
/** After `isUtf8` has validated the bytes, a non-fatal decoder gives the same text, faster. */
const utf8Validated = new TextDecoder('utf-8', { ignoreBOM: true });

function decodeLatin1(bytes: Uint8Array, ptr: number, len: number): string {
  if (NodeBuffer !== undefined) return NodeBuffer.from(bytes.buffer, bytes.byteOffset + ptr, len).toString('latin1');
  let s = '';
  for (let i = 0; i < len; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(ptr + i, ptr + Math.min(len, i + 8192)));
  }
  return s;
}

/** Strings from the UTF-8 module's output: Latin-1 bytes, or UTF-16 code units. */
const MAKE_STRING: StringMaker<string> = {
  latin1: decodeLatin1,
  utf16: (bytes, ptr, units) =>
    NodeBuffer !== undefined ? NodeBuffer.from(bytes.buffer, bytes.byteOffset + ptr, 2 * units).toString('utf16le') : utf16Validated.decode(bytes.subarray(ptr, ptr + 2 * units)),
};
const utf16Validated = new TextDecoder('utf-16le', { ignoreBOM: true });

/**
 * definitions.py `load_string_from_range`: decodes `tagged_code_units` of the
 * context's encoding at `ptr`; traps if the string is longer than
 * `MAX_STRING_BYTE_LENGTH`, unaligned, out of bounds, or not valid in its
 * encoding (bad UTF-8, an unpaired UTF-16 surrogate).
 */
export function loadStringFromRange(cx: LiftLowerContext, ptr: number, taggedCodeUnits: number | bigint): string | CanonString {
  const m = cx.memory;
  let align: number;
  let byteLength: number;
  let encoding: 'utf-8' | 'utf-16-le' | 'latin-1';
  let canonTagged = Number(taggedCodeUnits); // a CanonString's tag is always 2**31
  switch (cx.opts.stringEncoding) {
    case 'utf8':
      align = 1;
      byteLength = Number(taggedCodeUnits);
      encoding = 'utf-8';
      break;
    case 'utf16':
      align = 2;
      byteLength = 2 * Number(taggedCodeUnits);
      encoding = 'utf-16-le';
      break;
    case 'latin1+utf16': {
      align = 2;
      const tag = utf16Tag(m.addrtype);
      const isUtf16 =
        typeof taggedCodeUnits === 'bigint' ? (taggedCodeUnits & (tag as bigint)) !== 0n : taggedCodeUnits >= (tag as number);
      if (isUtf16) {
        const units = typeof taggedCodeUnits === 'bigint' ? Number(taggedCodeUnits ^ (tag as bigint)) : taggedCodeUnits - (tag as number);
        byteLength = 2 * units;
        encoding = 'utf-16-le';
        canonTagged = units + 2 ** 31;
      } else {
        byteLength = Number(taggedCodeUnits);
        encoding = 'latin-1';
      }
      break;
    }
  }
  if (byteLength > MAX_STRING_BYTE_LENGTH) {
    throw new Trap('string-too-long', { detail: `a string of ${byteLength} bytes exceeds MAX_STRING_BYTE_LENGTH (${MAX_STRING_BYTE_LENGTH})` });
  }
  if (ptr !== alignTo(ptr, align)) throw unaligned('string', ptr, align);
  const bytes = m.bytes;
  if (ptr + byteLength > bytes.byteLength) throw outOfBounds('string', ptr, byteLength, cx);
  let s: string;
  let valid16: boolean | undefined;
  if (encoding === 'latin-1') {
    s = decodeLatin1(bytes, ptr, byteLength);
  } else if (encoding === 'utf-8' && isAscii !== undefined && isAscii(bytes.subarray(ptr, ptr + byteLength))) {
    s = decodeLatin1(bytes, ptr, byteLength); // ASCII: the same text, decoded faster
  } else if (encoding === 'utf-8' && isUtf8 !== undefined) {
    const view = bytes.subarray(ptr, ptr + byteLength);
    if (!isUtf8(view)) throw new Trap('invalid-string', { detail: `the ${byteLength} bytes at ${ptr} are not valid UTF-8` });
    // Valid: a long string is decoded by the SIMD module when it can be, else by the general decoder.
    s = (byteLength >= UTF8_DECODE_MIN_BYTES ? decodeValidUtf8(bytes, ptr, byteLength, MAKE_STRING) : undefined) ?? utf8Validated.decode(view);
  } else if (
    encoding === 'utf-16-le' &&
    NodeBuffer !== undefined &&
    byteLength >= UTF8_DECODE_MIN_BYTES &&
    (valid16 = validUtf16(bytes, ptr, byteLength / 2)) !== undefined
  ) {
    // Checked for unpaired surrogates by the SIMD module; then one copy into a JS string.
    if (!valid16) throw new Trap('invalid-string', { detail: `the ${byteLength} bytes at ${ptr} are not valid UTF-16 (an unpaired surrogate)` });
    s = NodeBuffer.from(bytes.buffer, bytes.byteOffset + ptr, byteLength).toString('utf16le');
  } else {
    try {
      s = (encoding === 'utf-8' ? utf8Decoder : utf16Decoder).decode(bytes.subarray(ptr, ptr + byteLength));
    } catch (e) {
      throw new Trap('invalid-string', {
        detail: `the ${byteLength} bytes at ${ptr} are not valid ${encoding === 'utf-8' ? 'UTF-8' : 'UTF-16 (an unpaired surrogate)'}`,
        cause: e,
      });
    }
  }
  if (cx.keepStringEncoding) return { s, encoding: cx.opts.stringEncoding, taggedCodeUnits: canonTagged };
  return s;
}

/** definitions.py `lift_error_context`: the table lookup is the handle table's. */
export function liftErrorContext(cx: LiftLowerContext, i: number): unknown {
  return cx.handles.liftErrorContext(i, cx);
}

/** definitions.py `load_list`. */
export function loadList(cx: LiftLowerContext, ptr: number, elemType: ValType, maybeLength: number | undefined): unknown {
  if (maybeLength !== undefined) return loadListFromValidRange(cx, ptr, maybeLength, elemType, true);
  const ps = cx.memory.ptrSize();
  const begin = loadPtr(cx, ptr);
  const length = loadPtr(cx, ptr + ps);
  return loadListFromRange(cx, begin, length, elemType);
}

/** definitions.py `load_list_from_range`: traps if the list is too long, unaligned or out of bounds. */
export function loadListFromRange(cx: LiftLowerContext, ptr: number, length: number, elemType: ValType): unknown {
  const pt = cx.ptrType();
  const size = elemSize(elemType, pt);
  if (length * size > MAX_LIST_BYTE_LENGTH) {
    throw new Trap('list-too-long', { detail: `a list of ${length} elements of ${size} bytes exceeds MAX_LIST_BYTE_LENGTH (${MAX_LIST_BYTE_LENGTH})` });
  }
  const align = alignment(elemType, pt);
  if (ptr !== alignTo(ptr, align)) throw unaligned('list', ptr, align);
  if (ptr + length * size > cx.memory.length) throw outOfBounds('list', ptr, length * size, cx);
  return loadListFromValidRange(cx, ptr, length, elemType, false);
}

/**
 * definitions.py `load_list_from_valid_range`. A list of numbers comes out
 * as a typed array (as in jco), copied out of memory, with NaNs canonicalised;
 * a fixed-length list is always a plain array (as in jco).
 */
export function loadListFromValidRange(cx: LiftLowerContext, ptr: number, length: number, elemType: ValType, fixed = false): unknown[] | ArrayBufferView {
  const Ctor = fixed ? undefined : typedArrayFor(elemType);
  if (Ctor !== undefined && LITTLE_ENDIAN) {
    const bytes = cx.memory.bytes;
    const n = length * Ctor.BYTES_PER_ELEMENT;
    if (elemType.kind === 'u8') return bytes.slice(ptr, ptr + n);
    const copy = bytes.buffer.slice(bytes.byteOffset + ptr, bytes.byteOffset + ptr + n);
    if (elemType.kind === 'f32') canonicalizeNans32(new Uint32Array(copy));
    else if (elemType.kind === 'f64') canonicalizeNans64(new Uint32Array(copy));
    return new Ctor(copy);
  }
  const size = elemSize(elemType, cx.ptrType());
  const a: unknown[] = new Array(length);
  for (let i = 0; i < length; i++) a[i] = loadValid(cx, ptr + i * size, elemType);
  if (Ctor !== undefined) return (Ctor as unknown as { from(a: unknown[]): ArrayBufferView }).from(a);
  return a;
}

function canonicalizeNans32(u: Uint32Array): void {
  for (let i = 0; i < u.length; i++) {
    const x = u[i]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) u[i] = CANONICAL_FLOAT32_NAN;
  }
}
function canonicalizeNans64(u: Uint32Array): void {
  for (let i = 0; i < u.length; i += 2) {
    const hi = u[i + 1]!;
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) !== 0 || u[i] !== 0)) {
      u[i] = 0;
      u[i + 1] = 0x7ff80000;
    }
  }
}

/** definitions.py `load_record`: an object keyed by the fields' camelCase names. */
export function loadRecord(cx: LiftLowerContext, ptr: number, fields: readonly FieldType[]): Record<string, unknown> {
  const pt = cx.ptrType();
  const record: Record<string, unknown> = {};
  for (const f of fields) {
    ptr = alignTo(ptr, alignment(f.t, pt));
    record[toLowerCamelCase(f.label)] = loadValid(cx, ptr, f.t);
    ptr += elemSize(f.t, pt);
  }
  return record;
}

/** `load_record` of a despecialized tuple: a JS array. */
export function loadTuple(cx: LiftLowerContext, ptr: number, ts: readonly ValType[]): unknown[] {
  const pt = cx.ptrType();
  const out: unknown[] = new Array(ts.length);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    ptr = alignTo(ptr, alignment(t, pt));
    out[i] = loadValid(cx, ptr, t);
    ptr += elemSize(t, pt);
  }
  return out;
}

/**
 * definitions.py `load_variant`: traps on a case index past the last case.
 * Returns `[case_index, payload]` (the spec's `{ label: payload }`); `caseToJs`
 * turns it into the JS value of the original (specialized) type.
 */
export function loadVariant(cx: LiftLowerContext, ptr: number, cases: readonly CaseType[]): [number, unknown] {
  const pt = cx.ptrType();
  const discSize = elemSize(discriminantType(cases), pt);
  const view = cx.memory.view;
  const caseIndex = discSize === 1 ? view.getUint8(ptr) : discSize === 2 ? view.getUint16(ptr, true) : view.getUint32(ptr, true);
  ptr += discSize;
  if (caseIndex >= cases.length) {
    throw new Trap('invalid-discriminant', { detail: `case index ${caseIndex} of a type with ${cases.length} cases` });
  }
  const c = cases[caseIndex]!;
  ptr = alignTo(ptr, maxCaseAlignment(cases, pt));
  if (c.t === undefined) return [caseIndex, undefined];
  return [caseIndex, loadValid(cx, ptr, c.t)];
}

/**
 * The JS value of case `index` with `payload` of a variant, enum, option or
 * result type `t` (jco's conventions).
 */
export function caseToJs(t: ValType, index: number, payload: unknown): unknown {
  switch (t.kind) {
    case 'enum':
      return t.labels[index];
    case 'option':
      if (maybeNull(t.t)) return index === 0 ? { tag: 'none' } : { tag: 'some', val: payload };
      return index === 0 ? undefined : payload;
    case 'result':
      return index === 0 ? { tag: 'ok', val: payload } : { tag: 'err', val: payload };
    case 'variant': {
      const c = t.cases[index]!;
      return c.t === undefined ? { tag: c.label } : { tag: c.label, val: payload };
    }
    default:
      throw new TypeError(`not a variant-like type: ${t.kind}`);
  }
}

/** definitions.py `load_flags`. */
export function loadFlags(cx: LiftLowerContext, ptr: number, labels: readonly string[]): Record<string, boolean> {
  const n = elemSizeFlags(labels);
  const view = cx.memory.view;
  const i = n === 1 ? view.getUint8(ptr) : n === 2 ? view.getUint16(ptr, true) : view.getUint32(ptr, true);
  return unpackFlagsFromInt(i, labels);
}

/** definitions.py `unpack_flags_from_int`: bits past the last label are ignored. */
export function unpackFlagsFromInt(i: number, labels: readonly string[]): Record<string, boolean> {
  const record: Record<string, boolean> = {};
  for (const l of labels) {
    record[toLowerCamelCase(l)] = (i & 1) !== 0;
    i >>>= 1;
  }
  return record;
}

/** definitions.py `lift_own`: the handle table removes and checks the handle. */
export function liftOwn(cx: LiftLowerContext, i: number, t: { kind: 'own'; rt: import('../types.js').ResourceType }): unknown {
  return cx.handles.liftOwn(t.rt, i, cx);
}

/** definitions.py `lift_borrow`. */
export function liftBorrow(cx: LiftLowerContext, i: number, t: { kind: 'borrow'; rt: import('../types.js').ResourceType }): unknown {
  return cx.handles.liftBorrow(t.rt, i, cx);
}

/** definitions.py `lift_stream`: `t` is the element type (undefined for `stream`). */
export function liftStream(cx: LiftLowerContext, i: number, t: ValType | undefined): unknown {
  return cx.handles.liftStream(t, i, cx);
}

/** definitions.py `lift_future`. */
export function liftFuture(cx: LiftLowerContext, i: number, t: ValType | undefined): unknown {
  return cx.handles.liftFuture(t, i, cx);
}

// ---------------------------------------------------------------- flat lifting

/** An internal invariant of the flat calling convention broke (a host bug, not a guest trap). */
export class FlatValueError extends TypeError {
  constructor(detail: string) {
    super(`[flat-value] ${detail}`);
    this.name = 'FlatValueError';
  }
}

/**
 * definitions.py `CoreValueIter`: the flat core values of a call, consumed in
 * order. Accepts what a wasm call gives: i32 as a (possibly negative) number,
 * i64 as a (possibly negative) bigint; yields them unsigned, as the spec has them.
 */
export class CoreValueIter {
  readonly values: readonly FlatValue[];
  i = 0;

  constructor(vs: readonly FlatValue[]) {
    this.values = vs;
  }

  next(t: CoreValType): FlatValue {
    if (this.i >= this.values.length) throw new FlatValueError(`expected a ${t} at position ${this.i}, but there are only ${this.values.length} core values`);
    const v = this.values[this.i++]!;
    switch (t) {
      case 'i32':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw new FlatValueError(`core value ${this.i - 1} should be an i32 number, not ${typeof v} ${String(v)}`);
        return v >>> 0;
      case 'i64':
        if (typeof v !== 'bigint') throw new FlatValueError(`core value ${this.i - 1} should be an i64 bigint, not ${typeof v} ${String(v)}`);
        return BigInt.asUintN(64, v);
      case 'f32':
      case 'f64':
        if (typeof v !== 'number') throw new FlatValueError(`core value ${this.i - 1} should be an ${t} number, not ${typeof v}`);
        return v;
    }
  }

  done(): boolean {
    return this.i === this.values.length;
  }
}

/** What `lift_flat` reads from: a `CoreValueIter` or the variant's `CoerceValueIter`. */
export interface ValueIter {
  next(t: CoreValType): FlatValue;
}

/** The pointer-typed next value as a number. */
function nextPtr(cx: LiftLowerContext, vi: ValueIter): number {
  return Number(vi.next(cx.ptrType()));
}

/** definitions.py `lift_flat`. */
export function liftFlat(cx: LiftLowerContext, vi: ValueIter, t: ValType): unknown {
  switch (t.kind) {
    case 'bool':
      return convertIntToBool(vi.next('i32') as number);
    case 'u8':
      return liftFlatUnsigned(vi, 32, 8);
    case 'u16':
      return liftFlatUnsigned(vi, 32, 16);
    case 'u32':
      return liftFlatUnsigned(vi, 32, 32);
    case 'u64':
      return liftFlatUnsigned(vi, 64, 64);
    case 's8':
      return liftFlatSigned(vi, 32, 8);
    case 's16':
      return liftFlatSigned(vi, 32, 16);
    case 's32':
      return liftFlatSigned(vi, 32, 32);
    case 's64':
      return liftFlatSigned(vi, 64, 64);
    case 'f32':
      return canonicalizeNan32(vi.next('f32') as number);
    case 'f64':
      return canonicalizeNan64(vi.next('f64') as number);
    case 'char':
      return convertI32ToChar(vi.next('i32') as number);
    case 'string':
      return liftFlatString(cx, vi);
    case 'error-context':
      return liftErrorContext(cx, vi.next('i32') as number);
    case 'list':
      return liftFlatList(cx, vi, t.t, t.l);
    case 'map': {
      const ptr = nextPtr(cx, vi);
      const length = nextPtr(cx, vi);
      return listToMap(loadListFromRange(cx, ptr, length, mapEntryType(t)) as unknown[][]);
    }
    case 'record':
      return liftFlatRecord(cx, vi, t.fields);
    case 'tuple':
      return t.ts.map((u) => liftFlat(cx, vi, u));
    case 'variant':
    case 'enum':
    case 'option':
    case 'result': {
      const d = despecialize(t) as { kind: 'variant'; cases: readonly CaseType[] };
      const [index, value] = liftFlatVariant(cx, vi, d.cases);
      return caseToJs(t, index, value);
    }
    case 'flags':
      return liftFlatFlags(vi, t.labels);
    case 'own':
      return liftOwn(cx, vi.next('i32') as number, t);
    case 'borrow':
      return liftBorrow(cx, vi.next('i32') as number, t);
    case 'stream':
      return liftStream(cx, vi.next('i32') as number, t.t);
    case 'future':
      return liftFuture(cx, vi.next('i32') as number, t.t);
  }
}

/** definitions.py `lift_flat_unsigned`. */
export function liftFlatUnsigned(vi: ValueIter, coreWidth: 32 | 64, tWidth: number): number | bigint {
  const i = vi.next(coreWidth === 32 ? 'i32' : 'i64');
  if (coreWidth === 64) return BigInt.asUintN(tWidth, i as bigint);
  return tWidth === 32 ? (i as number) : (i as number) % 2 ** tWidth;
}

/** definitions.py `lift_flat_signed`. */
export function liftFlatSigned(vi: ValueIter, coreWidth: 32 | 64, tWidth: number): number | bigint {
  const i = vi.next(coreWidth === 32 ? 'i32' : 'i64');
  if (coreWidth === 64) return BigInt.asIntN(tWidth, i as bigint);
  let n = (i as number) % 2 ** tWidth;
  if (n >= 2 ** (tWidth - 1)) n -= 2 ** tWidth;
  return n;
}

/** definitions.py `lift_flat_string`. */
export function liftFlatString(cx: LiftLowerContext, vi: ValueIter): string | CanonString {
  const ptr = nextPtr(cx, vi);
  const packedLength = vi.next(cx.ptrType());
  return loadStringFromRange(cx, ptr, packedLength);
}

/** definitions.py `lift_flat_list`. */
export function liftFlatList(cx: LiftLowerContext, vi: ValueIter, elemType: ValType, maybeLength: number | undefined): unknown {
  if (maybeLength !== undefined) {
    const a: unknown[] = [];
    for (let i = 0; i < maybeLength; i++) a.push(liftFlat(cx, vi, elemType));
    return a;
  }
  const ptr = nextPtr(cx, vi);
  const length = nextPtr(cx, vi);
  return loadListFromRange(cx, ptr, length, elemType);
}

/** definitions.py `lift_flat_record`. */
export function liftFlatRecord(cx: LiftLowerContext, vi: ValueIter, fields: readonly FieldType[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const f of fields) record[toLowerCamelCase(f.label)] = liftFlat(cx, vi, f.t);
  return record;
}

const caseFlats = { i32: new WeakMap<readonly CaseType[], readonly CoreValType[]>(), i64: new WeakMap<readonly CaseType[], readonly CoreValType[]>() };
/** `flatten_variant(cases)`, cached per cases array. */
function flattenCases(cases: readonly CaseType[], pt: PtrType): readonly CoreValType[] {
  let f = caseFlats[pt].get(cases);
  if (f === undefined) {
    f = flattenType({ kind: 'variant', cases }, pt);
    caseFlats[pt].set(cases, f);
  }
  return f;
}

const flatsOfTypes = { i32: new WeakMap<readonly ValType[], number>(), i64: new WeakMap<readonly ValType[], number>() };
/** `len(flatten_types(ts))`, cached per types array. */
export function flatCount(ts: readonly ValType[], pt: PtrType): number {
  let n = flatsOfTypes[pt].get(ts);
  if (n === undefined) {
    n = flattenTypes(ts, pt).length;
    flatsOfTypes[pt].set(ts, n);
  }
  return n;
}

/** definitions.py `wrap_i64_to_i32`. */
export function wrapI64ToI32(i: bigint): number {
  return Number(BigInt.asUintN(32, i));
}

/**
 * definitions.py `lift_flat_variant`: the case index, then the payload read
 * through the joined flat types (coerced back to the case's own types), then
 * the unused slots skipped. Traps on a case index past the last case.
 * Returns `[case_index, payload]`.
 */
export function liftFlatVariant(cx: LiftLowerContext, vi: ValueIter, cases: readonly CaseType[]): [number, unknown] {
  const flatTypes = flattenCases(cases, cx.ptrType());
  let k = 1; // flat_types.pop(0) == 'i32', the discriminant
  const caseIndex = vi.next('i32') as number;
  if (caseIndex >= cases.length) {
    throw new Trap('invalid-discriminant', { detail: `case index ${caseIndex} of a type with ${cases.length} cases` });
  }
  const coerce: ValueIter = {
    next(want: CoreValType): FlatValue {
      const have = flatTypes[k++]!;
      const x = vi.next(have);
      if (have === 'i32' && want === 'f32') return decodeI32AsFloat(x as number);
      if (have === 'i64' && want === 'i32') return wrapI64ToI32(x as bigint);
      if (have === 'i64' && want === 'f32') return decodeI32AsFloat(wrapI64ToI32(x as bigint));
      if (have === 'i64' && want === 'f64') return decodeI64AsFloat(x as bigint);
      if (have !== want) throw new FlatValueError(`variant payload slot is ${have}, the case wants ${want}`);
      return x;
    },
  };
  const c = cases[caseIndex]!;
  const v = c.t === undefined ? undefined : liftFlat(cx, coerce, c.t);
  for (; k < flatTypes.length; k++) vi.next(flatTypes[k]!);
  return [caseIndex, v];
}

/** definitions.py `lift_flat_flags`. */
export function liftFlatFlags(vi: ValueIter, labels: readonly string[]): Record<string, boolean> {
  return unpackFlagsFromInt(vi.next('i32') as number, labels);
}

// ---------------------------------------------------------------- values

const tupleTypes = new WeakMap<readonly ValType[], ValType>();
/** definitions.py `TupleType(ts)`, one object per `ts` array (so layouts stay cached). */
export function tupleOf(ts: readonly ValType[]): ValType {
  let t = tupleTypes.get(ts);
  if (t === undefined) {
    t = { kind: 'tuple', ts };
    tupleTypes.set(ts, t);
  }
  return t;
}

/**
 * definitions.py `lift_flat_values`: the values of types `ts`, from flat
 * values, or (when they flatten to more than `max_flat`) from the tuple a
 * pointer points to (trapping if it is unaligned or out of bounds).
 */
export function liftFlatValues(cx: LiftLowerContext, maxFlat: number, vi: ValueIter, ts: readonly ValType[]): unknown[] {
  const pt = cx.ptrType();
  if (flatCount(ts, pt) > maxFlat) {
    const ptr = nextPtr(cx, vi);
    const tupleType = tupleOf(ts);
    checkRange(cx, ptr, alignment(tupleType, pt), elemSize(tupleType, pt), 'spilled values');
    return loadTuple(cx, ptr, ts);
  }
  return ts.map((t) => liftFlat(cx, vi, t));
}
