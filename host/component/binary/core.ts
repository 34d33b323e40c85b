/**
 * Just enough of a core WebAssembly module reader to know a core module's
 * imports and exports with their kinds and types: the core function type of
 * every imported and exported function, and the types of imported and
 * exported tables, memories and globals (the type, import, function, table,
 * memory, global and export sections; everything else is skipped by size).
 * The type section is read whole, WebAssembly 3.0 rec groups, sub types,
 * struct and array types included, so that every function keeps its type
 * index. WebAssembly itself validates the module when it compiles it; this
 * is for checking `canon` definitions (callee, realloc, callback,
 * post-return, destructor types) and core instantiations and module
 * subtyping before that.
 */
import type { CoreExportDecl, CoreExternDesc, CoreExternKind, CoreFuncType, CoreImportDecl, CoreLimitsDesc, CoreValType, ModuleType } from '../types.js';
import { ComponentError, hex, Reader } from './reader.js';

const KINDS: CoreExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];

/** Abstract heap types by their one-byte code. */
const HEAP: Record<number, string> = {
  0x70: 'func', 0x6f: 'extern', 0x6e: 'any', 0x6d: 'eq', 0x6c: 'i31', 0x6b: 'struct', 0x6a: 'array',
  0x69: 'exn', 0x71: 'none', 0x72: 'noextern', 0x73: 'nofunc', 0x74: 'noexn', 0x68: 'cont', 0x75: 'nocont',
};

/** The text format's shorthand of a nullable abstract reference type. */
export const REF_SHORTHANDS: Record<string, string> = {
  func: 'funcref', extern: 'externref', any: 'anyref', eq: 'eqref', i31: 'i31ref', struct: 'structref',
  array: 'arrayref', exn: 'exnref', none: 'nullref', noextern: 'nullexternref', nofunc: 'nullfuncref',
  noexn: 'nullexnref', cont: 'contref', nocont: 'nullcontref',
};

/** A reference type to an abstract heap type as the text format writes it (`funcref`, `(ref extern)`). */
export function refText(heap: string, nullable: boolean): string {
  return nullable ? (REF_SHORTHANDS[heap] ?? `(ref null ${heap})`) : `(ref ${heap})`;
}

/**
 * A core value type: the numeric type (`i32`...), or 'other' for a vector or
 * reference type, with its text (undefined for a concrete heap type).
 */
function valType(r: Reader): { num: CoreValType | 'other'; text: string | undefined } {
  const at = r.offset;
  const b = r.byte('a core value type');
  switch (b) {
    case 0x7f: return { num: 'i32', text: 'i32' };
    case 0x7e: return { num: 'i64', text: 'i64' };
    case 0x7d: return { num: 'f32', text: 'f32' };
    case 0x7c: return { num: 'f64', text: 'f64' };
    case 0x7b: return { num: 'other', text: 'v128' };
    case 0x63:
    case 0x64: {
      const h = r.s(33, 'a heap type');
      // Abstract heap types are one negative s33 byte; indices are concrete types.
      return { num: 'other', text: h < 0 && HEAP[h + 0x80] ? refText(HEAP[h + 0x80], b === 0x63) : undefined };
    }
  }
  if (HEAP[b]) return { num: 'other', text: refText(HEAP[b], true) };
  r.fail('core-module-invalid', `core value type 0x${hex(b)}`, at);
}

/** Limits; undefined (not compared) with a custom page size (its exponent follows the limits). */
function limits(r: Reader): CoreLimitsDesc | undefined {
  const flags = r.byte('limits flags');
  const is64 = (flags & 4) !== 0;
  const read = () => (is64 ? r.u64('a limit') : BigInt(r.u32('a limit')));
  const min = read();
  const max = flags & 1 ? read() : undefined;
  if (flags & 8) {
    r.u32('a page size exponent');
    return undefined;
  }
  return { min, max, shared: (flags & 2) !== 0, is64 };
}

function memoryType(r: Reader): CoreExternDesc | undefined {
  const l = limits(r);
  return l && { kind: 'memory', limits: l };
}

function tableType(r: Reader): CoreExternDesc | undefined {
  const elem = valType(r).text;
  const l = limits(r);
  return l && { kind: 'table', elem, limits: l };
}

function globalType(r: Reader): CoreExternDesc {
  const t = valType(r).text;
  const m = r.byte('global mutability');
  return { kind: 'global', t, mutable: (m & 1) === 1 };
}

/**
 * A composite type (func, struct, array, cont): the func type when it has
 * only numeric types, else undefined; null for a form this reader does not
 * know (WebAssembly decides at compile time).
 */
function compType(r: Reader, form: number): { func: CoreFuncType | undefined } | null {
  const storage = () => {
    const b = r.peek('a storage type');
    if (b === 0x78 || b === 0x77) { r.pos++; return; }
    valType(r);
  };
  switch (form) {
    case 0x60: {
      const params = r.vec('params', () => valType(r).num);
      const results = r.vec('results', () => valType(r).num);
      const numeric = !params.includes('other') && !results.includes('other');
      return { func: numeric ? { params: params as CoreValType[], results: results as CoreValType[] } : undefined };
    }
    case 0x5f: r.vec('struct fields', () => { storage(); r.byte('field mutability'); }); return { func: undefined };
    case 0x5e: storage(); r.byte('field mutability'); return { func: undefined };
    case 0x5d: r.s(33, 'a continuation type'); return { func: undefined };
  }
  return null;
}

/** One sub type (`sub`, `sub final` or a bare composite type): its func type if any; null if unknown. */
function subType(r: Reader): CoreFuncType | undefined | null {
  let form = r.byte('a core type form');
  if (form === 0x50 || form === 0x4f) {
    r.vec('supertypes', () => r.u32('a supertype'));
    form = r.byte('a core type form');
  }
  const c = compType(r, form);
  return c && c.func;
}

/**
 * Skip one constant expression (a global's initializer) up to its `end`.
 * Returns false at an instruction this reader does not know (the caller then
 * stops reading the section: the types after it stay unknown).
 */
function skipConstExpr(r: Reader): boolean {
  for (;;) {
    const op = r.byte('an instruction');
    switch (op) {
      case 0x0b: return true;
      case 0x41: r.s(32, 'an i32 constant'); break;
      case 0x42: r.s(64, 'an i64 constant'); break;
      case 0x43: r.pos += 4; break;
      case 0x44: r.pos += 8; break;
      case 0x23: case 0xd2: r.u32('an index'); break;
      case 0xd0: r.s(33, 'a heap type'); break;
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break;
      case 0xfd: if (r.u32('a vector opcode') !== 12) return false; r.pos += 16; break;
      default: return false;
    }
    if (r.pos > r.end) r.fail('unexpected-end', 'a constant expression runs past its section', r.offset);
  }
}

/** Run `read`; a ComponentError ends it quietly (the rest of that section stays unknown). */
function tolerant(read: () => void): void {
  try {
    read();
  } catch (e) {
    if (!(e instanceof ComponentError)) throw e;
  }
}

/**
 * Read a core module's interface. `base` is its offset in the outermost
 * component binary (for errors). Throws `ComponentError` with rule
 * `core-module-invalid` when the sections it reads are malformed, and
 * `duplicate-name` when two imports share a module and field name (the
 * component model forbids them: they mangle to one name) or two exports a
 * name.
 */
export function readModuleType(bytes: Uint8Array, base: number): ModuleType {
  const r = new Reader(bytes, 8, bytes.length, base);
  r.section = 'core module';
  const types: (CoreFuncType | undefined)[] = [];
  const funcs: (CoreFuncType | undefined)[] = [];
  const tables: (CoreExternDesc | undefined)[] = [];
  const memories: (CoreExternDesc | undefined)[] = [];
  const globals: (CoreExternDesc | undefined)[] = [];
  const imports: CoreImportDecl[] = [];
  const exports: CoreExportDecl[] = [];
  const importNames = new Set<string>();
  const exportNames = new Set<string>();
  // Whether the type section was read whole (type indices can be checked).
  let typesKnown = true;
  while (!r.done) {
    const id = r.byte('a core section id');
    const size = r.u32('a core section size');
    const rr = r.sub(size, 'a core section');
    switch (id) {
      case 1: {
        const n = rr.vecLen('core types');
        for (let i = 0; i < n && typesKnown; i++) {
          const group = rr.peek('a core type form') === 0x4e ? (rr.pos++, rr.vecLen('a rec group')) : undefined;
          for (let k = 0; k < (group ?? 1) && typesKnown; k++) {
            const t = subType(rr);
            // An unknown form: the indices after it are not known either.
            if (t === null) typesKnown = false;
            else types.push(t);
          }
        }
        break;
      }
      case 2: {
        const n = rr.vecLen('core imports');
        for (let i = 0; i < n; i++) {
          const at = rr.offset;
          const module = rr.name('an import module');
          const field = rr.name('an import field');
          const key = JSON.stringify([module, field]);
          if (importNames.has(key)) rr.fail('duplicate-name', `the core module imports '${module}' '${field}' twice (two-level import names must be unique: they mangle to one name)`, at);
          importNames.add(key);
          const kat = rr.offset;
          const k = rr.byte('an import kind');
          const kind = KINDS[k];
          if (!kind) rr.fail('core-module-invalid', `import kind 0x${hex(k)}`, kat);
          let t: CoreFuncType | undefined;
          let desc: CoreExternDesc | undefined;
          if (kind === 'func') {
            const ti = rr.u32('an import type');
            t = types[ti];
            funcs.push(t);
          } else if (kind === 'table') tables.push((desc = tableType(rr)));
          else if (kind === 'memory') memories.push((desc = memoryType(rr)));
          else if (kind === 'global') globals.push((desc = globalType(rr)));
          else {
            rr.byte('tag attribute');
            rr.u32('a tag type');
          }
          imports.push({ module, field, kind, t, desc });
        }
        break;
      }
      case 3: {
        const n = rr.vecLen('core functions');
        for (let i = 0; i < n; i++) {
          const at = rr.offset;
          const ti = rr.u32('a function type');
          if (ti >= types.length && typesKnown) rr.fail('core-module-invalid', `function type index ${ti} of ${types.length}`, at);
          funcs.push(types[ti]);
        }
        break;
      }
      // Defined tables, memories and globals: what cannot be read here stays
      // unknown (not compared), as WebAssembly decides at compile time.
      case 4: tolerant(() => {
        const n = rr.vecLen('core tables');
        for (let i = 0; i < n; i++) {
          if (rr.peek('a table type') === 0x40) {
            rr.pos++;
            rr.byte('a table type prefix');
            tables.push(tableType(rr));
            if (!skipConstExpr(rr)) return;
          } else tables.push(tableType(rr));
        }
      });
        break;
      case 5: tolerant(() => {
        const n = rr.vecLen('core memories');
        for (let i = 0; i < n; i++) memories.push(memoryType(rr));
      });
        break;
      case 6: tolerant(() => {
        const n = rr.vecLen('core globals');
        for (let i = 0; i < n; i++) {
          globals.push(globalType(rr));
          if (!skipConstExpr(rr)) return;
        }
      });
        break;
      case 7: {
        const n = rr.vecLen('core exports');
        for (let i = 0; i < n; i++) {
          const nat = rr.offset;
          const name = rr.name('an export name');
          if (exportNames.has(name)) rr.fail('duplicate-name', `the core module exports '${name}' twice`, nat);
          exportNames.add(name);
          const at = rr.offset;
          const k = rr.byte('an export kind');
          const kind = KINDS[k];
          if (!kind) rr.fail('core-module-invalid', `export kind 0x${hex(k)}`, at);
          const idx = rr.u32('an export index');
          const desc = kind === 'table' ? tables[idx] : kind === 'memory' ? memories[idx] : kind === 'global' ? globals[idx] : undefined;
          exports.push({ name, kind, t: kind === 'func' ? funcs[idx] : undefined, desc });
        }
        break;
      }
      default:
        break;
    }
    // Sections are read by size: what a case leaves unread is skipped.
    rr.pos = rr.end;
  }
  return { kind: 'module', imports, exports, memories: memories.length };
}
