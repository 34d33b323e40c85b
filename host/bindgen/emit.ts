/**
 * AssemblyScript code for lifting and lowering values of the canonical ABI,
 * statement by statement. The layouts (sizes, alignments, field offsets,
 * discriminant types, flattening and the joined flat types of variants) all
 * come from the host's own implementation of definitions.py
 * (host/component/abi/layout.ts), computed while generating: the generated
 * code only holds the resulting constants.
 *
 * The function names follow definitions.py: `load` / `store` (memory),
 * `lift_flat` / `lower_flat` (core values), plus `free` (releasing the
 * buffers a stored value owns, after the other side copied it).
 */
import {
  alignment, alignTo, despecialize, discriminantType, elemSize, flattenType, maxCaseAlignment,
} from '../component/abi/layout.js';
import type { CaseType, CoreValType, FieldType, ValType } from '../component/types.js';
import { BindgenError } from './wit.js';

/** The AssemblyScript view of WIT types: names of generated classes and how handles are wrapped. */
export interface TypeNames {
  /** The AssemblyScript type of a WIT type. */
  asType(t: ValType): string;
  /** For a named variant (not option/result/enum): the generated class. */
  variantClass(t: ValType): string | undefined;
  /** For a record or tuple: the generated class (fields in order, constructor taking them all). */
  recordClass(t: ValType): string;
  /** The field names of a record (or tuple) class, in order. */
  fieldNames(t: ValType): string[];
  /** For a named variant: the payload field names per case. */
  caseFields(t: ValType): string[];
  /** For an enum: the AssemblyScript enum name. */
  enumName(t: ValType): string;
  /** Lifting a handle (own/borrow): the expression making the value from the u32 handle. */
  liftHandle(t: ValType, h: string): string;
  /** Lowering a handle: the u32 handle of the value. */
  lowerHandle(t: ValType, v: string): string;
}

const asCore: Record<CoreValType, string> = { i32: 'i32', i64: 'i64', f32: 'f32', f64: 'f64' };

/** A function body under construction: lines, indentation, fresh names. */
export class Body {
  readonly lines: string[] = [];
  private depth: number;
  constructor(
    private readonly counter: { n: number },
    depth = 1,
  ) {
    this.depth = depth;
  }
  line(s: string): void {
    this.lines.push('  '.repeat(this.depth) + s);
  }
  open(s: string): void {
    this.line(s);
    this.depth++;
  }
  close(s = '}'): void {
    this.depth--;
    this.line(s);
  }
  /** Inserts a line at index `at`, at the current depth. */
  insertAt(at: number, s: string): void {
    this.lines.splice(at, 0, '  '.repeat(this.depth) + s);
  }
  /** A fresh local name: `_` and a prefix (no WIT name starts with `_`). */
  tmp(prefix = 't'): string {
    return `_${prefix}${this.counter.n++}`;
  }
  /** `const` a fresh name bound to `expr` (returns the name). */
  bind(expr: string, type?: string, prefix = 't'): string {
    if (/^[A-Za-z_$][\w$]*$/.test(expr) || expr === 'this') return expr;
    const n = this.tmp(prefix);
    this.line(`const ${n}${type ? `: ${type}` : ''} = ${expr};`);
    return n;
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** A core value of a flat list: its expression and core type. */
export interface Flat {
  readonly expr: string;
  readonly t: CoreValType;
}

const caseList = (t: ValType): readonly CaseType[] => {
  const d = despecialize(t);
  if (d.kind !== 'variant') throw new Error('not a variant');
  return d.cases;
};
const fieldList = (t: ValType): readonly FieldType[] => {
  const d = despecialize(t);
  if (d.kind !== 'record') throw new Error('not a record');
  return d.fields;
};

/** The offsets of a record's fields (definitions.py `load_record` / `store_record`). */
export function fieldOffsets(fields: readonly FieldType[]): number[] {
  const out: number[] = [];
  let off = 0;
  for (const f of fields) {
    off = alignTo(off, alignment(f.t));
    out.push(off);
    off += elemSize(f.t);
  }
  return out;
}

const discAs = (t: ValType): 'u8' | 'u16' | 'u32' => discriminantType(caseList(t)).kind as 'u8' | 'u16' | 'u32';

/** Which WIT types these emitters handle (everything but error-context and fixed-length lists for now). */
export function checkSupported(t: ValType, where: string): void {
  const d = despecialize(t);
  switch (d.kind) {
    case 'error-context':
      throw new BindgenError('unsupported-type', `${where}: error-context is not supported by the generator`);
    case 'list':
      if (d.l !== undefined) throw new BindgenError('unsupported-type', `${where}: fixed-length lists are not supported by the generator`);
      checkSupported(d.t, where);
      return;
    case 'record':
      for (const f of d.fields) checkSupported(f.t, where);
      return;
    case 'variant':
      for (const c of d.cases) if (c.t) checkSupported(c.t, where);
      return;
    case 'stream':
    case 'future':
      if (d.t === undefined) throw new BindgenError('unsupported-type', `${where}: a ${d.kind} without an element type is not supported by the generator`);
      checkSupported(d.t, where);
      return;
    default:
      return;
  }
}

export class Emitter {
  constructor(readonly names: TypeNames) {}

  // ------------------------------------------------------------- variants

  /** The expression testing which case `v` is, and the case's payload expression. */
  private variantParts(t: ValType, v: string): { caseIndex: (i: number) => string; tagExpr: string; payload: (i: number) => string } {
    switch (t.kind) {
      case 'option':
        return { caseIndex: (i) => (i === 0 ? `!${v}.isSome` : `${v}.isSome`), tagExpr: `(${v}.isSome ? 1 : 0)`, payload: () => `${v}.value` };
      case 'result':
        return { caseIndex: (i) => (i === 0 ? `${v}.isOk` : `!${v}.isOk`), tagExpr: `(${v}.isOk ? 0 : 1)`, payload: (i) => (i === 0 ? `${v}.value` : `${v}.error`) };
      case 'enum':
        return { caseIndex: (i) => `${v} == ${i}`, tagExpr: `${v}`, payload: () => '' };
      default: {
        const fields = this.names.caseFields(t);
        return { caseIndex: (i) => `${v}.tag == ${i}`, tagExpr: `${v}.tag`, payload: (i) => `${v}.${fields[i]}` };
      }
    }
  }

  /** The expression making case `i` of variant `t` with payload `p` (undefined when the case has none). */
  private makeCase(t: ValType, i: number, p: string | undefined): string {
    switch (t.kind) {
      case 'option': {
        const a = this.names.asType(t.t);
        return i === 0 ? `none<${a}>()` : `some<${a}>(${p})`;
      }
      case 'result': {
        const a = t.ok ? this.names.asType(t.ok) : 'Unit';
        const e = t.error ? this.names.asType(t.error) : 'Unit';
        if (i === 0) return `ok<${a}, ${e}>(${p ?? '0'})`;
        return `err<${a}, ${e}>(${p ?? '0'})`;
      }
      case 'enum':
        return `<${this.names.enumName(t)}>${i}`;
      default: {
        const cls = this.names.variantClass(t)!;
        const c = caseList(t)[i]!;
        return `${cls}.${caseCtor(c.label)}(${p ?? ''})`;
      }
    }
  }

  // ------------------------------------------------------------- load (memory -> value)

  /**
   * definitions.py `load`: the value of `t` at `ptr + off`. With `own`, the
   * buffers it points to belong to us (the host allocated them with our
   * realloc) and are freed once read.
   */
  load(b: Body, t: ValType, ptr: string, off: number, own: boolean): string {
    switch (t.kind) {
      case 'bool':
        return `(load<u8>(${ptr}, ${off}) != 0)`;
      case 's8':
        return `load<i8>(${ptr}, ${off})`;
      case 'u8':
        return `load<u8>(${ptr}, ${off})`;
      case 's16':
        return `load<i16>(${ptr}, ${off})`;
      case 'u16':
        return `load<u16>(${ptr}, ${off})`;
      case 's32':
        return `load<i32>(${ptr}, ${off})`;
      case 'u32':
        return `load<u32>(${ptr}, ${off})`;
      case 's64':
        return `load<i64>(${ptr}, ${off})`;
      case 'u64':
        return `load<u64>(${ptr}, ${off})`;
      case 'f32':
        return `load<f32>(${ptr}, ${off})`;
      case 'f64':
        return `load<f64>(${ptr}, ${off})`;
      case 'char':
        return `checkChar(load<u32>(${ptr}, ${off}))`;
      case 'string':
        return this.liftString(b, `load<u32>(${ptr}, ${off})`, `load<u32>(${ptr}, ${off + 4})`, own);
      case 'list':
        return this.liftList(b, t.t, `load<u32>(${ptr}, ${off})`, `load<u32>(${ptr}, ${off + 4})`, own);
      case 'record':
      case 'tuple': {
        const fields = fieldList(t);
        const offs = fieldOffsets(fields);
        const vals = fields.map((f, i) => b.bind(this.load(b, f.t, ptr, off + offs[i]!, own)));
        return `new ${this.names.recordClass(t)}(${vals.join(', ')})`;
      }
      case 'flags': {
        const n = elemSize(t);
        return `load<${n === 1 ? 'u8' : n === 2 ? 'u16' : 'u32'}>(${ptr}, ${off})`;
      }
      case 'variant':
      case 'enum':
      case 'option':
      case 'result': {
        const cases = caseList(t);
        const d = b.bind(`load<${discAs(t)}>(${ptr}, ${off})`, 'u32');
        const payloadOff = off + alignTo(elemSize(discriminantType(cases)), maxCaseAlignment(cases));
        return this.liftCases(b, t, d, (bb, c) => this.load(bb, c, ptr, payloadOff, own));
      }
      case 'own':
      case 'borrow':
      case 'stream':
      case 'future':
        return this.names.liftHandle(t, `load<u32>(${ptr}, ${off})`);
      default:
        throw new BindgenError('unsupported-type', `cannot load a ${t.kind}`);
    }
  }

  /** The if-chain over the cases of a variant, binding the lifted value to a fresh `let`. */
  private liftCases(b: Body, t: ValType, disc: string, payload: (b: Body, t: ValType) => string): string {
    const cases = caseList(t);
    const v = b.tmp('v');
    const at = this.names.asType(t);
    if (t.kind === 'enum') {
      b.line(`if (${disc} >= ${cases.length}) trap("invalid enum discriminant " + ${disc}.toString());`);
      b.line(`const ${v} = <${at}><i32>${disc};`);
      return v;
    }
    b.line(`let ${v}: ${at} = changetype<${at}>(0);`);
    cases.forEach((c, i) => {
      b.open(`${i === 0 ? '' : '} else '}if (${disc} == ${i}) {`);
      const p = c.t ? payload(b, c.t) : undefined;
      b.line(`${v} = ${this.makeCase(t, i, p)};`);
      b.close('');
      b.lines.pop();
    });
    b.line(`} else trap("invalid variant discriminant " + ${disc}.toString());`);
    return v;
  }

  private liftString(b: Body, ptrExpr: string, lenExpr: string, own: boolean): string {
    const p = b.bind(ptrExpr, 'u32', 'p');
    const n = b.bind(lenExpr, 'u32', 'n');
    const s = b.tmp('s');
    b.line(`const ${s} = String.UTF8.decodeUnsafe(<usize>${p}, <usize>${n});`);
    if (own) b.line(`free(<usize>${p});`);
    return s;
  }

  private liftList(b: Body, et: ValType, ptrExpr: string, lenExpr: string, own: boolean): string {
    const p = b.bind(ptrExpr, 'u32', 'p');
    const n = b.bind(lenExpr, 'u32', 'n');
    const arr = b.tmp('a');
    const i = b.tmp('i');
    const size = elemSize(et);
    b.line(`const ${arr} = new Array<${this.names.asType(et)}>(<i32>${n});`);
    b.open(`for (let ${i}: u32 = 0; ${i} < ${n}; ${i}++) {`);
    const ep = b.bind(`<usize>${p} + <usize>${i} * ${size}`, 'usize', 'e');
    const v = this.load(b, et, ep, 0, own);
    b.line(`unchecked(${arr}[${i}] = ${v});`);
    b.close();
    if (own) b.line(`free(<usize>${p});`);
    return arr;
  }

  // ------------------------------------------------------------- store (value -> memory)

  /** definitions.py `store`: writes `v` of `t` at `ptr + off`, allocating the buffers it needs. */
  store(b: Body, t: ValType, v: string, ptr: string, off: number): void {
    switch (t.kind) {
      case 'bool':
        b.line(`store<u8>(${ptr}, ${v} ? 1 : 0, ${off});`);
        return;
      case 's8':
        b.line(`store<i8>(${ptr}, ${v}, ${off});`);
        return;
      case 'u8':
        b.line(`store<u8>(${ptr}, ${v}, ${off});`);
        return;
      case 's16':
        b.line(`store<i16>(${ptr}, ${v}, ${off});`);
        return;
      case 'u16':
        b.line(`store<u16>(${ptr}, ${v}, ${off});`);
        return;
      case 's32':
        b.line(`store<i32>(${ptr}, ${v}, ${off});`);
        return;
      case 'u32':
      case 'char':
        b.line(`store<u32>(${ptr}, ${v}, ${off});`);
        return;
      case 's64':
        b.line(`store<i64>(${ptr}, ${v}, ${off});`);
        return;
      case 'u64':
        b.line(`store<u64>(${ptr}, ${v}, ${off});`);
        return;
      case 'f32':
        b.line(`store<f32>(${ptr}, ${v}, ${off});`);
        return;
      case 'f64':
        b.line(`store<f64>(${ptr}, ${v}, ${off});`);
        return;
      case 'string': {
        const [p, n] = this.lowerString(b, v);
        b.line(`store<u32>(${ptr}, <u32>${p}, ${off});`);
        b.line(`store<u32>(${ptr}, ${n}, ${off + 4});`);
        return;
      }
      case 'list': {
        const [p, n] = this.lowerList(b, t.t, v);
        b.line(`store<u32>(${ptr}, <u32>${p}, ${off});`);
        b.line(`store<u32>(${ptr}, ${n}, ${off + 4});`);
        return;
      }
      case 'record':
      case 'tuple': {
        const fields = fieldList(t);
        const offs = fieldOffsets(fields);
        const r = b.bind(v);
        const names = this.names.fieldNames(t);
        fields.forEach((f, i) => this.store(b, f.t, `${r}.${names[i]}`, ptr, off + offs[i]!));
        return;
      }
      case 'flags': {
        const n = elemSize(t);
        b.line(`store<${n === 1 ? 'u8' : n === 2 ? 'u16' : 'u32'}>(${ptr}, ${v}, ${off});`);
        return;
      }
      case 'variant':
      case 'enum':
      case 'option':
      case 'result': {
        const cases = caseList(t);
        const x = b.bind(v);
        const parts = this.variantParts(t, x);
        const payloadOff = off + alignTo(elemSize(discriminantType(cases)), maxCaseAlignment(cases));
        b.line(`store<${discAs(t)}>(${ptr}, <${discAs(t)}>(${parts.tagExpr}), ${off});`);
        cases.forEach((c, i) => {
          if (!c.t) return;
          b.open(`if (${parts.caseIndex(i)}) {`);
          this.store(b, c.t, parts.payload(i), ptr, payloadOff);
          b.close();
        });
        return;
      }
      case 'own':
      case 'borrow':
      case 'stream':
      case 'future':
        b.line(`store<u32>(${ptr}, ${this.names.lowerHandle(t, v)}, ${off});`);
        return;
      default:
        throw new BindgenError('unsupported-type', `cannot store a ${t.kind}`);
    }
  }

  private lowerString(b: Body, v: string): [string, string] {
    const s = b.bind(v);
    const n = b.tmp('n');
    const p = b.tmp('p');
    b.line(`const ${n} = <u32>String.UTF8.byteLength(${s});`);
    b.line(`const ${p}: usize = ${n} == 0 ? 0 : heap.alloc(<usize>${n});`);
    b.line(`String.UTF8.encodeUnsafe(changetype<usize>(${s}), ${s}.length, ${p});`);
    return [p, n];
  }

  private lowerList(b: Body, et: ValType, v: string): [string, string] {
    const a = b.bind(v);
    const n = b.tmp('n');
    const p = b.tmp('p');
    const i = b.tmp('i');
    const size = elemSize(et);
    b.line(`const ${n} = <u32>${a}.length;`);
    b.line(`const ${p}: usize = ${n} == 0 ? 0 : heap.alloc(<usize>${n} * ${size});`);
    b.open(`for (let ${i}: u32 = 0; ${i} < ${n}; ${i}++) {`);
    const ep = b.bind(`${p} + <usize>${i} * ${size}`, 'usize', 'e');
    this.store(b, et, `unchecked(${a}[${i}])`, ep, 0);
    b.close();
    return [p, n];
  }

  // ------------------------------------------------------------- free (after a copy)

  /** Frees every buffer the value of `t` stored at `ptr + off` owns (strings, lists, recursively). */
  free(b: Body, t: ValType, ptr: string, off: number): void {
    if (!ownsMemory(t)) return;
    switch (t.kind) {
      case 'string':
        b.line(`free(<usize>load<u32>(${ptr}, ${off}));`);
        return;
      case 'list': {
        const et = t.t;
        if (ownsMemory(et)) {
          const p = b.bind(`<usize>load<u32>(${ptr}, ${off})`, 'usize', 'p');
          const n = b.bind(`load<u32>(${ptr}, ${off + 4})`, 'u32', 'n');
          const i = b.tmp('i');
          b.open(`for (let ${i}: u32 = 0; ${i} < ${n}; ${i}++) {`);
          this.free(b, et, `${p} + <usize>${i} * ${elemSize(et)}`, 0);
          b.close();
          b.line(`free(${p});`);
        } else b.line(`free(<usize>load<u32>(${ptr}, ${off}));`);
        return;
      }
      case 'record':
      case 'tuple': {
        const fields = fieldList(t);
        const offs = fieldOffsets(fields);
        fields.forEach((f, i) => this.free(b, f.t, ptr, off + offs[i]!));
        return;
      }
      case 'variant':
      case 'option':
      case 'result': {
        const cases = caseList(t);
        const payloadOff = off + alignTo(elemSize(discriminantType(cases)), maxCaseAlignment(cases));
        const d = b.bind(`load<${discAs(t)}>(${ptr}, ${off})`, 'u32', 'd');
        cases.forEach((c, i) => {
          if (!c.t || !ownsMemory(c.t)) return;
          b.open(`if (${d} == ${i}) {`);
          this.free(b, c.t, ptr, payloadOff);
          b.close();
        });
        return;
      }
      default:
        return;
    }
  }

  // ------------------------------------------------------------- lift_flat (core values -> value)

  /** definitions.py `lift_flat`: the value of `t` from the next core values of `vals`. */
  liftFlat(b: Body, t: ValType, vals: FlatCursor, own: boolean): string {
    switch (t.kind) {
      case 'bool':
        return `(${vals.next('i32')} != 0)`;
      case 's8':
        return `<i8>${vals.next('i32')}`;
      case 'u8':
        return `<u8>${vals.next('i32')}`;
      case 's16':
        return `<i16>${vals.next('i32')}`;
      case 'u16':
        return `<u16>${vals.next('i32')}`;
      case 's32':
        return `<i32>${vals.next('i32')}`;
      case 'u32':
        return `<u32>${vals.next('i32')}`;
      case 's64':
        return `<i64>${vals.next('i64')}`;
      case 'u64':
        return `<u64>${vals.next('i64')}`;
      case 'f32':
        return `<f32>${vals.next('f32')}`;
      case 'f64':
        return `<f64>${vals.next('f64')}`;
      case 'char':
        return `checkChar(<u32>${vals.next('i32')})`;
      case 'string': {
        const p = vals.next('i32');
        const n = vals.next('i32');
        return this.liftString(b, `<u32>${p}`, `<u32>${n}`, own);
      }
      case 'list': {
        const p = vals.next('i32');
        const n = vals.next('i32');
        return this.liftList(b, t.t, `<u32>${p}`, `<u32>${n}`, own);
      }
      case 'record':
      case 'tuple': {
        const fields = fieldList(t);
        const vs = fields.map((f) => b.bind(this.liftFlat(b, f.t, vals, own)));
        return `new ${this.names.recordClass(t)}(${vs.join(', ')})`;
      }
      case 'flags': {
        const n = elemSize(t);
        return `<${n === 1 ? 'u8' : n === 2 ? 'u16' : 'u32'}>${vals.next('i32')}`;
      }
      case 'variant':
      case 'enum':
      case 'option':
      case 'result': {
        const flat = flattenType(t);
        const d = b.bind(`<u32>${vals.next('i32')}`, 'u32', 'd');
        // The joined payload slots, each read once; a case reads a prefix, coerced.
        const slots = flat.slice(1).map((ft) => ({ expr: b.bind(vals.next(ft), asCore[ft], 'f'), t: ft }));
        return this.liftCases(b, t, d, (bb, ct) => this.liftFlat(bb, ct, new FlatCursor(slots), own));
      }
      case 'own':
      case 'borrow':
      case 'stream':
      case 'future':
        return this.names.liftHandle(t, `<u32>${vals.next('i32')}`);
      default:
        throw new BindgenError('unsupported-type', `cannot lift a ${t.kind}`);
    }
  }

  // ------------------------------------------------------------- lower_flat (value -> core values)

  /**
   * definitions.py `lower_flat`: the core values of `v`. Buffers allocated
   * for strings and lists are recorded in `allocs` (hoisted `usize` names,
   * 0 when not allocated) with their element type, to free after the call.
   */
  lowerFlat(b: Body, t: ValType, v: string, allocs: Alloc[]): Flat[] {
    switch (t.kind) {
      case 'bool':
        return [{ expr: `(${v} ? 1 : 0)`, t: 'i32' }];
      case 's8':
      case 's16':
      case 's32':
        return [{ expr: `<i32>${v}`, t: 'i32' }];
      case 'u8':
      case 'u16':
      case 'u32':
      case 'char':
        return [{ expr: `<i32>${v}`, t: 'i32' }];
      case 's64':
      case 'u64':
        return [{ expr: `<i64>${v}`, t: 'i64' }];
      case 'f32':
        return [{ expr: `<f32>${v}`, t: 'f32' }];
      case 'f64':
        return [{ expr: `<f64>${v}`, t: 'f64' }];
      case 'string': {
        const [p, n] = this.lowerString(b, v);
        allocs.push({ ptr: p, len: n, elem: undefined, scoped: true });
        return [{ expr: `<i32>${p}`, t: 'i32' }, { expr: `<i32>${n}`, t: 'i32' }];
      }
      case 'list': {
        const [p, n] = this.lowerList(b, t.t, v);
        allocs.push({ ptr: p, len: n, elem: t.t, scoped: true });
        return [{ expr: `<i32>${p}`, t: 'i32' }, { expr: `<i32>${n}`, t: 'i32' }];
      }
      case 'record':
      case 'tuple': {
        const r = b.bind(v);
        const names = this.names.fieldNames(t);
        return fieldList(t).flatMap((f, i) => this.lowerFlat(b, f.t, `${r}.${names[i]}`, allocs).map((x) => ({ expr: b.bind(x.expr, asCore[x.t], 'f'), t: x.t })));
      }
      case 'flags':
        return [{ expr: `<i32>${v}`, t: 'i32' }];
      case 'variant':
      case 'enum':
      case 'option':
      case 'result': {
        const cases = caseList(t);
        const flat = flattenType(t);
        const x = b.bind(v);
        const parts = this.variantParts(t, x);
        const slots = flat.slice(1).map((ft) => {
          const n = b.tmp('f');
          b.line(`let ${n}: ${asCore[ft]} = 0;`);
          return { name: n, t: ft };
        });
        // Buffers allocated in a case are hoisted so that they can be freed after the call.
        cases.forEach((c, i) => {
          if (!c.t) return;
          const at = b.lines.length;
          b.open(`if (${parts.caseIndex(i)}) {`);
          const inner: Alloc[] = [];
          const fs = this.lowerFlat(b, c.t, parts.payload(i), inner);
          fs.forEach((f, j) => b.line(`${slots[j]!.name} = ${coerce(f, slots[j]!.t)};`));
          for (const a of inner) {
            const hp = b.tmp('h');
            const hn = b.tmp('h');
            allocs.push({ ptr: hp, len: hn, elem: a.elem, scoped: false, hoist: true });
            b.line(`${hp} = ${a.ptr};`);
            b.line(`${hn} = ${a.len};`);
            b.insertAt(at, `let ${hp}: usize = 0;`);
            b.insertAt(at, `let ${hn}: u32 = 0;`);
          }
          b.close();
        });
        return [{ expr: `<i32>${parts.tagExpr}`, t: 'i32' }, ...slots.map((s) => ({ expr: s.name, t: s.t }))];
      }
      case 'own':
      case 'borrow':
      case 'stream':
      case 'future':
        return [{ expr: `<i32>${this.names.lowerHandle(t, v)}`, t: 'i32' }];
      default:
        throw new BindgenError('unsupported-type', `cannot lower a ${t.kind}`);
    }
  }

  /** Frees the buffers `lowerFlat` recorded. */
  freeAllocs(b: Body, allocs: Alloc[]): void {
    for (const a of allocs) {
      if (a.elem !== undefined && ownsMemory(a.elem)) {
        const i = b.tmp('i');
        b.open(`for (let ${i}: u32 = 0; ${i} < ${a.len}; ${i}++) {`);
        this.free(b, a.elem, `${a.ptr} + <usize>${i} * ${elemSize(a.elem)}`, 0);
        b.close();
      }
      b.line(`free(${a.ptr});`);
    }
  }
}

/** A buffer allocated while lowering flat values. `hoist`: declared (as 0) at the top of the function. */
export interface Alloc {
  readonly ptr: string;
  readonly len: string;
  readonly elem: ValType | undefined;
  readonly scoped: boolean;
  readonly hoist?: boolean;
}

/** Whether a stored value of `t` points at buffers (strings, lists) it owns. */
export function ownsMemory(t: ValType): boolean {
  const d = despecialize(t);
  switch (d.kind) {
    case 'string':
    case 'list':
      return true;
    case 'record':
      return d.fields.some((f) => ownsMemory(f.t));
    case 'variant':
      return d.cases.some((c) => c.t !== undefined && ownsMemory(c.t));
    default:
      return false;
  }
}

/** definitions.py `lower_flat_variant`'s coercion of a case's core value into the joined slot type. */
function coerce(f: Flat, want: CoreValType): string {
  if (f.t === want) return f.expr;
  if (f.t === 'f32' && want === 'i32') return `reinterpret<i32>(${f.expr})`;
  if (f.t === 'i32' && want === 'i64') return `<i64><u32>(${f.expr})`;
  if (f.t === 'f32' && want === 'i64') return `<i64><u32>reinterpret<i32>(${f.expr})`;
  if (f.t === 'f64' && want === 'i64') return `reinterpret<i64>(${f.expr})`;
  throw new Error(`cannot coerce ${f.t} to ${want}`);
}

/** definitions.py `CoerceValueIter` over core values: each `next(t)` reads one, converted to `t`. */
export class FlatCursor {
  private i = 0;
  constructor(private readonly vals: readonly Flat[]) {}
  next(want: CoreValType): string {
    const f = this.vals[this.i++];
    if (f === undefined) throw new Error('flat values exhausted');
    if (f.t === want) return f.expr;
    if (f.t === 'i32' && want === 'f32') return `reinterpret<f32>(${f.expr})`;
    if (f.t === 'i64' && want === 'i32') return `<i32>(${f.expr})`;
    if (f.t === 'i64' && want === 'f32') return `reinterpret<f32>(<i32>(${f.expr}))`;
    if (f.t === 'i64' && want === 'f64') return `reinterpret<f64>(${f.expr})`;
    throw new Error(`cannot read ${want} from ${f.t}`);
  }
}

/** The factory of a variant case: its label in lowerCamelCase. */
export function caseCtor(label: string): string {
  return safeIdent(camel(label));
}

export function camel(s: string): string {
  return s.replace(/-([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

export function pascal(s: string): string {
  const c = camel(s);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

const RESERVED = new Set([
  'abstract', 'as', 'async', 'await', 'break', 'case', 'catch', 'class', 'const', 'constructor', 'continue', 'debugger', 'declare', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'from', 'function', 'get', 'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'is', 'keyof', 'let', 'module', 'namespace', 'new', 'null', 'of', 'package', 'private', 'protected', 'public', 'readonly', 'return', 'set', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'type', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'bool', 'string', 'usize', 'isize', 'v128', 'tag', 'trap', 'free', 'some', 'none', 'ok', 'err', 'checkChar', 'load', 'store', 'heap', 'memory', 'unchecked', 'changetype', 'reinterpret', 'abort', 'unreachable', 'Option', 'Result', 'Unit', 'Array', 'String',
]);

/** An identifier safe to use in AssemblyScript for a WIT name. */
export function safeIdent(s: string): string {
  return RESERVED.has(s) ? `${s}_` : s;
}
