/**
 * The component binary decoder: every section of the component binary
 * format (the component model's binary explainer), decoded into the
 * `Component` of `ast.ts`.
 *
 * Decoding also builds the index spaces: each definition records the sort it
 * extends and the index it takes, and every index a definition uses is checked
 * to be in range of its index space at that point (outer aliases against the
 * enclosing scope). Type-level checks (what a type index names, subtyping,
 * canonical option rules) are `validate.ts`'s.
 *
 * Every malformed input is a `ComponentError` (section, absolute byte
 * offset, rule); no other exception escapes `decodeComponent`.
 */
import { ComponentError, hex, Reader, type ComponentRule } from './reader.js';
import {
  SORTS,
  type Alias,
  type Canon,
  type CanonOpts,
  type Component,
  type ComponentNames,
  coreTypeCount,
  type CoreCompType,
  type CoreDefType,
  type CoreExternType,
  type CoreFieldType,
  type CoreSubType,
  type CoreHeapType,
  type CoreInstanceExpr,
  type CoreLimits,
  type CoreModuleDecl,
  type CoreValType,
  type CustomSection,
  type DefType,
  type DefValType,
  type Definition,
  type ExternName,
  type ExternTypeRef,
  type InstanceExpr,
  type PrimName,
  type Sort,
  type SortIdx,
  type SpaceEntry,
  type StringEncoding,
  type TypeDecl,
  type ValTypeRef,
} from './ast.js';

export { ComponentError } from './reader.js';

const SECTION_NAMES = [
  'custom', 'core module', 'core instance', 'core type', 'component', 'instance',
  'alias', 'type', 'canon', 'start', 'import', 'export', 'value',
] as const;

const PRIMS: Record<number, PrimName> = {
  0x7f: 'bool', 0x7e: 's8', 0x7d: 'u8', 0x7c: 's16', 0x7b: 'u16', 0x7a: 's32', 0x79: 'u32',
  0x78: 's64', 0x77: 'u64', 0x76: 'f32', 0x75: 'f64', 0x74: 'char', 0x73: 'string', 0x64: 'error-context',
};

const CORE_SORTS: Record<number, Sort> = {
  0x00: 'core func', 0x01: 'core table', 0x02: 'core memory', 0x03: 'core global', 0x04: 'core tag',
  0x10: 'core type', 0x11: 'core module', 0x12: 'core instance',
};

const SORT_BYTES: Record<number, Sort> = {
  0x01: 'func', 0x02: 'value', 0x03: 'type', 0x04: 'component', 0x05: 'instance',
};

const ABSTRACT_HEAP: Record<number, string> = {
  0x70: 'func', 0x6f: 'extern', 0x6e: 'any', 0x6d: 'eq', 0x6c: 'i31', 0x6b: 'struct', 0x6a: 'array',
  0x69: 'exn', 0x71: 'none', 0x72: 'noextern', 0x73: 'nofunc', 0x74: 'noexn', 0x75: 'cont', 0x76: 'nocont',
};

/** One scope of index spaces: a component, a component type, an instance type or a core module type. */
interface Scope {
  readonly kind: 'component' | 'component type' | 'instance type' | 'core module type';
  readonly counts: Record<Sort, number>;
}

function emptyCounts(): Record<Sort, number> {
  return Object.fromEntries(SORTS.map((s) => [s, 0])) as Record<Sort, number>;
}

/** Options for `decodeComponent`. */
export interface DecodeOptions {
  /** Maximum nesting of components and types (default 100), against hostile inputs. */
  readonly maxDepth?: number;
}

/**
 * Decode a component binary. Throws `ComponentError` for anything malformed,
 * including a core module given where a component is expected.
 */
export function decodeComponent(bytes: Uint8Array, options: DecodeOptions = {}): Component {
  if (!(bytes instanceof Uint8Array)) {
    throw new ComponentError('unexpected-end', 0, 'preamble', 'the input is not a byte array');
  }
  const d = new Decoder(options.maxDepth ?? 100);
  try {
    return d.component(new Reader(bytes), []);
  } catch (e) {
    if (e instanceof ComponentError) throw e;
    // A RangeError from runaway recursion or an engine limit: still a typed error.
    throw new ComponentError('unsupported', -1, 'component', `the decoder could not finish: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Check only the 8-byte preamble: 'component', 'core' (a core module), or a ComponentError. */
export function sniffPreamble(bytes: Uint8Array): 'component' | 'core' {
  const r = new Reader(bytes);
  return readPreamble(r, true);
}

function readPreamble(r: Reader, allowCore: boolean): 'component' | 'core' {
  r.section = 'preamble';
  const start = r.offset;
  if (r.remaining < 4) r.fail('unexpected-end', `the preamble needs 8 bytes, ${r.remaining} given`);
  const m = r.take(4, 'magic');
  if (m[0] !== 0x00 || m[1] !== 0x61 || m[2] !== 0x73 || m[3] !== 0x6d) {
    r.fail('magic', `the binary starts with ${[...m].map(hex).join(' ')}, not \\0asm (00 61 73 6d)`, start);
  }
  if (r.remaining < 4) r.fail('unexpected-end', `the preamble needs 8 bytes, ${r.remaining + 4} given`);
  const v = r.take(4, 'version and layer');
  const version = v[0] | (v[1] << 8);
  const layer = v[2] | (v[3] << 8);
  if (layer === 0) {
    if (allowCore) return 'core';
    r.fail('core-module-not-component', `this is a core WebAssembly module (version ${version}, layer 0), not a component (layer 1); run it as a core module instead`, start + 4);
  }
  if (layer !== 1) r.fail('layer', `layer 0x${layer.toString(16)}: neither a core module (0) nor a component (1)`, start + 6);
  if (version !== 0x0d) r.fail('version', `component binary version 0x${version.toString(16)}; this decoder reads version 0x0d`, start + 4);
  return 'component';
}

class Decoder {
  private depth = 0;
  /** While a rec group is read: the core type index count once the group is defined (its types may refer to each other). */
  private recBound: number | undefined;
  constructor(private readonly maxDepth: number) {}

  private enter(r: Reader, what: string): void {
    if (++this.depth > this.maxDepth) r.fail('unsupported', `${what} nested deeper than ${this.maxDepth} levels`);
  }

  private leave(): void {
    this.depth--;
  }

  component(r: Reader, outer: Scope[]): Component {
    const offset = r.offset;
    readPreamble(r, false);
    this.enter(r, 'component');
    const scope: Scope = { kind: 'component', counts: emptyCounts() };
    const scopes = [...outer, scope];
    const spaces = Object.fromEntries(SORTS.map((s) => [s, [] as SpaceEntry[]])) as Record<Sort, SpaceEntry[]>;
    const definitions: Definition[] = [];
    const customs: CustomSection[] = [];
    let names: ComponentNames | undefined;

    const add = (def: NewDef, extra = 1): void => {
      const space = def.space;
      const index = space ? scope.counts[space] : -1;
      const pos = definitions.length;
      definitions.push({ ...def, space, index } as Definition);
      if (space) {
        for (let k = 0; k < extra; k++) {
          spaces[space].push(extra === 1 ? { def: pos } : { def: pos, item: k });
          scope.counts[space]++;
        }
      }
    };

    while (!r.done) {
      r.section = 'preamble';
      const idAt = r.offset;
      const id = r.byte('a section id');
      if (id >= SECTION_NAMES.length) r.fail('section-id', `section id ${id} (0x${hex(id)}); component sections are 0 to 12`, idAt);
      r.section = SECTION_NAMES[id];
      const sizeAt = r.offset;
      const size = r.u32('the section size');
      if (size > r.remaining) r.fail('section-size', `the section declares ${size} byte(s), ${r.remaining} remain in the binary`, sizeAt);
      const s = r.sub(size, 'section');
      switch (id) {
        case 0: {
          const name = s.name('the custom section name');
          const bytes = s.take(s.remaining, 'custom section');
          customs.push({ offset: idAt, name, bytes });
          if (name === 'component-name') names = decodeNames(bytes, s.base + (s.pos - bytes.length)) ?? names;
          break;
        }
        case 1: {
          const at = s.offset;
          const bytes = s.take(s.remaining, 'core module');
          if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
            s.fail('core-module-invalid', 'a core module section that does not start with \\0asm', at);
          }
          if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
            s.fail('core-module-invalid', `a core module section with version/layer ${[...bytes.subarray(4, 8)].map(hex).join(' ')} (expected 01 00 00 00)`, at + 4);
          }
          add({ tag: 'core module', offset: at, bytes, size: bytes.length, space: 'core module' });
          break;
        }
        case 2: {
          const n = s.vecLen('core instances', 2);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            add({ tag: 'core instance', offset: at, expr: this.coreInstance(s, scope), space: 'core instance' });
          }
          break;
        }
        case 3: {
          const n = s.vecLen('core types', 1);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            const type = this.coreDefType(s, scopes);
            add({ tag: 'core type', offset: at, type, space: 'core type' }, coreTypeCount(type));
          }
          break;
        }
        case 4: {
          const at = s.offset;
          const nested = new Reader(s.bytes, s.pos, s.end, s.base);
          const component = this.component(nested, scopes);
          s.pos = s.end;
          r.section = 'component';
          add({ tag: 'component', offset: at, component, space: 'component' });
          break;
        }
        case 5: {
          const n = s.vecLen('instances', 2);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            add({ tag: 'instance', offset: at, expr: this.instance(s, scope), space: 'instance' });
          }
          break;
        }
        case 6: {
          const n = s.vecLen('aliases', 3);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            const alias = this.alias(s, scopes, false);
            add({ tag: 'alias', offset: at, alias, space: alias.sort });
          }
          break;
        }
        case 7: {
          const n = s.vecLen('types', 1);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            add({ tag: 'type', offset: at, type: this.defType(s, scopes), space: 'type' });
          }
          break;
        }
        case 8: {
          const n = s.vecLen('canons', 1);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            const canon = this.canon(s, scope);
            add({ tag: 'canon', offset: at, canon, space: canon.kind === 'lift' ? 'func' : 'core func' });
          }
          break;
        }
        case 9: {
          const at = s.offset;
          const func = this.index(s, scope, 'func', 'the start function');
          const args = s.vec('start arguments', () => this.index(s, scope, 'value', 'a start argument'));
          const results = s.u32('the start result count');
          if (results > 0) add({ tag: 'start', offset: at, func, args, results, space: 'value' }, results);
          else add({ tag: 'start', offset: at, func, args, results });
          break;
        }
        case 10: {
          const n = s.vecLen('imports', 3);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            const name = this.externName(s, 'an import name');
            const type = this.externType(s, scope);
            add({ tag: 'import', offset: at, name, type, space: externSort(type) });
          }
          break;
        }
        case 11: {
          const n = s.vecLen('exports', 4);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            const name = this.externName(s, 'an export name');
            const targetAt = s.offset;
            const target = this.sortIdx(s, scope, 'the exported definition');
            if (target.sort.startsWith('core ') && target.sort !== 'core module') {
              s.fail('wrong-sort', `an export of a ${target.sort}: components export only core modules among the core sorts`, targetAt);
            }
            const type = s.optional('the export type ascription', () => this.externType(s, scope));
            if (type && externSort(type) !== target.sort) {
              s.fail('type-mismatch', `an export of a ${target.sort} ascribed a ${type.kind} type`, targetAt);
            }
            add({ tag: 'export', offset: at, name, target, type, space: target.sort });
          }
          break;
        }
        case 12: {
          const n = s.vecLen('values', 2);
          for (let i = 0; i < n; i++) {
            const at = s.offset;
            const t = this.valType(s, scope);
            const len = s.u32('the value length');
            const bytes = s.take(len, 'a value');
            add({ tag: 'value', offset: at, t, bytes, space: 'value' });
          }
          break;
        }
      }
      s.expectEnd('section-trailing-bytes', `the ${SECTION_NAMES[id]} section`);
    }
    this.leave();
    return { offset, size: r.end - (offset - r.base), definitions, spaces, customs, names };
  }

  // ---------------------------------------------------------------- indices and sorts

  index(r: Reader, scope: Scope, sort: Sort, what: string): number {
    const at = r.offset;
    const i = r.u32(what);
    const n = scope.counts[sort];
    if (i >= n) {
      r.fail('index-out-of-range', `${what}: ${sort} index ${i}, but the ${sort} index space has ${n} item(s)`, at);
    }
    return i;
  }

  sort(r: Reader): Sort {
    const at = r.offset;
    const b = r.byte('a sort');
    if (b === 0x00) {
      const c = r.byte('a core sort');
      const cs = CORE_SORTS[c];
      if (!cs) r.fail('bad-sort', `core sort 0x${hex(c)}`, at + 1);
      return cs;
    }
    const s = SORT_BYTES[b];
    if (!s) r.fail('bad-sort', `sort 0x${hex(b)}`, at);
    return s;
  }

  coreSort(r: Reader): Sort {
    const at = r.offset;
    const c = r.byte('a core sort');
    const cs = CORE_SORTS[c];
    if (!cs) r.fail('bad-sort', `core sort 0x${hex(c)}`, at);
    return cs;
  }

  sortIdx(r: Reader, scope: Scope, what: string): SortIdx {
    const sort = this.sort(r);
    return { sort, idx: this.index(r, scope, sort, what) };
  }

  // ---------------------------------------------------------------- instances

  coreInstance(r: Reader, scope: Scope): CoreInstanceExpr {
    const at = r.offset;
    const op = r.byte('a core instance expression');
    if (op === 0x00) {
      const module = this.index(r, scope, 'core module', 'the instantiated core module');
      const args = r.vec('core instantiate arguments', () => {
        const name = r.name('a core instantiate argument name');
        const sortAt = r.offset;
        const b = r.byte('the argument sort');
        if (b !== 0x12) {
          if (CORE_SORTS[b]) r.fail('wrong-sort', `a core instantiate argument of sort ${CORE_SORTS[b]}: only core instances can be passed`, sortAt);
          r.fail('bad-sort', `core sort 0x${hex(b)}`, sortAt);
        }
        return { name, instance: this.index(r, scope, 'core instance', `the core instance passed as '${name}'`) };
      }, 2);
      return { kind: 'instantiate', module, args };
    }
    if (op === 0x01) {
      const exports = r.vec('core inline exports', () => {
        const name = r.name('a core export name');
        const sortAt = r.offset;
        const sort = this.coreSort(r);
        if (sort === 'core module' || sort === 'core instance' || sort === 'core type') {
          r.fail('wrong-sort', `a core inline export of a ${sort}: core instances export funcs, tables, memories, globals and tags`, sortAt);
        }
        return { name, sort, idx: this.index(r, scope, sort, `core export '${name}'`) };
      }, 3);
      return { kind: 'exports', exports };
    }
    r.fail('bad-opcode', `core instance expression 0x${hex(op)} (expected 0x00 instantiate or 0x01 exports)`, at);
  }

  instance(r: Reader, scope: Scope): InstanceExpr {
    const at = r.offset;
    const op = r.byte('an instance expression');
    if (op === 0x00) {
      const component = this.index(r, scope, 'component', 'the instantiated component');
      const args = r.vec('instantiate arguments', () => {
        const name = r.name('an instantiate argument name');
        const si = this.sortIdx(r, scope, `the argument '${name}'`);
        return { name, ...si };
      }, 3);
      return { kind: 'instantiate', component, args };
    }
    if (op === 0x01) {
      const exports = r.vec('inline exports', () => {
        const name = this.externName(r, 'an inline export name');
        const si = this.sortIdx(r, scope, `the inline export '${name.name}'`);
        return { name, ...si };
      }, 3);
      return { kind: 'exports', exports };
    }
    r.fail('bad-opcode', `instance expression 0x${hex(op)} (expected 0x00 instantiate or 0x01 exports)`, at);
  }

  // ---------------------------------------------------------------- aliases

  alias(r: Reader, scopes: Scope[], inTypeDecl: boolean): Alias {
    const scope = scopes[scopes.length - 1];
    const sortAt = r.offset;
    const sort = this.sort(r);
    const kindAt = r.offset;
    const k = r.byte('an alias target');
    if (k === 0x00) {
      if (inTypeDecl && sort !== 'instance' && sort !== 'type') {
        r.fail('wrong-sort', `an export alias of a ${sort} in a type declarator (only instance and type)`, sortAt);
      }
      const instance = this.index(r, scope, 'instance', 'the aliased instance');
      const name = r.name('the aliased export name');
      return { kind: 'export', sort, instance, name };
    }
    if (k === 0x01) {
      if (!sort.startsWith('core ') || sort === 'core type' || sort === 'core module' || sort === 'core instance') {
        r.fail('wrong-sort', `a core export alias of a ${sort} (core instances export funcs, tables, memories, globals and tags)`, sortAt);
      }
      if (inTypeDecl) r.fail('wrong-sort', 'a core export alias in a type declarator', kindAt);
      const instance = this.index(r, scope, 'core instance', 'the aliased core instance');
      const name = r.name('the aliased core export name');
      return { kind: 'core export', sort, instance, name };
    }
    if (k === 0x02) {
      const allowed: readonly Sort[] = inTypeDecl ? ['core type', 'type'] : ['core module', 'core type', 'type', 'component'];
      if (!allowed.includes(sort)) {
        r.fail('wrong-sort', `an outer alias of a ${sort} (outer aliases name only ${allowed.join(', ')})`, sortAt);
      }
      const ctAt = r.offset;
      const count = r.u32('the outer alias count');
      if (count > scopes.length - 1) {
        r.fail('outer-alias-depth', `an outer alias ${count} scope(s) out, but only ${scopes.length - 1} enclosing scope(s) exist`, ctAt);
      }
      const target = scopes[scopes.length - 1 - count];
      const idxAt = r.offset;
      const idx = r.u32('the outer alias index');
      if (idx >= target.counts[sort]) {
        r.fail('index-out-of-range', `an outer alias of ${sort} ${idx}, but that scope's ${sort} index space has ${target.counts[sort]} item(s)`, idxAt);
      }
      return { kind: 'outer', sort, count, idx };
    }
    r.fail('bad-opcode', `alias target 0x${hex(k)} (expected 0x00 export, 0x01 core export or 0x02 outer)`, kindAt);
  }

  // ---------------------------------------------------------------- core types

  coreValType(r: Reader, scopes: Scope[], what: string): CoreValType {
    const at = r.offset;
    const b = r.byte(what);
    switch (b) {
      case 0x7f: return 'i32';
      case 0x7e: return 'i64';
      case 0x7d: return 'f32';
      case 0x7c: return 'f64';
      case 0x7b: return 'v128';
      case 0x63: return { ref: this.heapType(r, scopes), nullable: true };
      case 0x64: return { ref: this.heapType(r, scopes), nullable: false };
    }
    const h = ABSTRACT_HEAP[b];
    if (h) return { ref: h, nullable: true };
    r.fail('bad-opcode', `${what}: core value type 0x${hex(b)}`, at);
  }

  heapType(r: Reader, scopes: Scope[]): CoreHeapType {
    const at = r.offset;
    const b = r.peek('a heap type');
    if (b >= 0x40 && b < 0x80) {
      r.pos++;
      const h = ABSTRACT_HEAP[b];
      if (!h) r.fail('bad-opcode', `heap type 0x${hex(b)}`, at);
      return h;
    }
    const i = r.s(33, 'a heap type index');
    const scope = scopes[scopes.length - 1];
    if (i < 0) r.fail('bad-opcode', `heap type ${i}`, at);
    const bound = this.recBound ?? scope.counts['core type'];
    if (i >= bound) {
      r.fail('index-out-of-range', `heap type: core type index ${i}, but the core type index space has ${bound} item(s)`, at);
    }
    return i;
  }

  coreFuncType(r: Reader, scopes: Scope[]): CoreDefType {
    const params = r.vec('core func params', () => this.coreValType(r, scopes, 'a core param type'));
    const results = r.vec('core func results', () => this.coreValType(r, scopes, 'a core result type'));
    return { kind: 'func', params, results };
  }

  /**
   * `core:deftype`: a func type, a module type (`0x50`), or a WebAssembly 3.0
   * `core:rectype`: `0x4e` rec group, `0x00 0x50` non-final sub (the 0x00
   * prefix tells it from a module type), `0x4f` final sub, `0x5f` struct,
   * `0x5e` array. Inside a core module type (`inModule`), where no module
   * type may be declared, a bare `0x50` is a non-final sub (the 0x00 prefix
   * belongs to component core types only).
   */
  coreDefType(r: Reader, scopes: Scope[], inModule = false): CoreDefType {
    const at = r.offset;
    const b = r.peek('a core type');
    if (b === 0x60) {
      r.pos++;
      return this.coreFuncType(r, scopes);
    }
    if (inModule && (b === 0x50 || b === 0x00)) {
      if (b === 0x00) r.fail('bad-opcode', 'core type 0x00 in a core module type (a non-final sub type is 0x50 there)', at);
      const first = scopes[scopes.length - 1].counts['core type'];
      return this.recGroup(r, scopes, first, 1, () => this.subType(r, scopes, false));
    }
    if (b === 0x50) {
      r.pos++;
      return this.coreModuleType(r, scopes);
    }
    const first = scopes[scopes.length - 1].counts['core type'];
    if (b === 0x4e) {
      r.pos++;
      const n = r.vecLen('rec group types', 1);
      return this.recGroup(r, scopes, first, n, () => this.subType(r, scopes, false));
    }
    if (b === 0x00) {
      r.pos++;
      const c = r.byte('the 0x50 of a non-final sub type');
      if (c !== 0x50) r.fail('bad-opcode', `core type 0x00 0x${hex(c)} (0x00 prefixes only a non-final sub type, 0x00 0x50)`, at + 1);
      return this.recGroup(r, scopes, first, 1, () => this.subTypeBody(r, scopes, false));
    }
    if (b === 0x4f || b === 0x5f || b === 0x5e) return this.recGroup(r, scopes, first, 1, () => this.subType(r, scopes, true));
    r.fail('bad-opcode', `core type 0x${hex(b)} (expected 0x60 func, 0x50 module, or a GC rec/sub/struct/array type)`, at);
  }

  /** A rec group of `n` subtypes defined from core type index `first`: inside it, heap types may name any of its types. */
  private recGroup(r: Reader, scopes: Scope[], first: number, n: number, read: () => CoreSubType): CoreDefType {
    const saved = this.recBound;
    this.recBound = first + n;
    try {
      const types: CoreSubType[] = [];
      for (let k = 0; k < n; k++) types.push(read());
      return { kind: 'rec', types };
    } finally {
      this.recBound = saved;
    }
  }

  /**
   * `core:subtype`: `0x50` (non-final) or `0x4f` (final) sub with supertypes,
   * or a bare composite type (final, none). `top`: at the top of a component
   * core type, where a bare `0x50` is a module type (so is not read here).
   */
  private subType(r: Reader, scopes: Scope[], top: boolean): CoreSubType {
    const at = r.offset;
    const b = r.peek('a sub type');
    if (b === 0x50 && !top) {
      r.pos++;
      return this.subTypeBody(r, scopes, false);
    }
    if (b === 0x4f) {
      r.pos++;
      return this.subTypeBody(r, scopes, true);
    }
    if (b === 0x60 || b === 0x5f || b === 0x5e) return { final: true, supertypes: [], comp: this.compType(r, scopes) };
    r.fail('bad-opcode', `sub type 0x${hex(b)} (expected 0x50/0x4f sub, 0x60 func, 0x5f struct or 0x5e array)`, at);
  }

  private subTypeBody(r: Reader, scopes: Scope[], final: boolean): CoreSubType {
    const scope = scopes[scopes.length - 1];
    const supertypes = r.vec('supertypes', () => {
      const at = r.offset;
      const i = r.u32('a supertype index');
      const bound = this.recBound ?? scope.counts['core type'];
      if (i >= bound) r.fail('index-out-of-range', `supertype: core type index ${i}, but the core type index space has ${bound} item(s)`, at);
      return i;
    });
    return { final, supertypes, comp: this.compType(r, scopes) };
  }

  /** `core:comptype`: `0x60` func, `0x5f` struct, `0x5e` array. */
  private compType(r: Reader, scopes: Scope[]): CoreCompType {
    const at = r.offset;
    const b = r.byte('a composite type');
    switch (b) {
      case 0x60: return this.coreFuncType(r, scopes) as CoreCompType;
      case 0x5f: return { kind: 'struct', fields: r.vec('struct fields', () => this.fieldType(r, scopes)) };
      case 0x5e: return { kind: 'array', field: this.fieldType(r, scopes) };
    }
    r.fail('bad-opcode', `composite type 0x${hex(b)} (expected 0x60 func, 0x5f struct or 0x5e array)`, at);
  }

  /** `core:fieldtype`: a storage type (a value type, or packed 0x78 i8 / 0x77 i16) and 0x00 const / 0x01 var. */
  private fieldType(r: Reader, scopes: Scope[]): CoreFieldType {
    const b = r.peek('a storage type');
    let storage: CoreFieldType['storage'];
    if (b === 0x78 || b === 0x77) {
      r.pos++;
      storage = b === 0x78 ? 'i8' : 'i16';
    } else storage = this.coreValType(r, scopes, 'a field storage type');
    const at = r.offset;
    const m = r.byte('field mutability');
    if (m > 1) r.fail('bad-opcode', `field mutability 0x${hex(m)}`, at);
    return { storage, mutable: m === 1 };
  }

  coreModuleType(r: Reader, scopes: Scope[]): CoreDefType {
    this.enter(r, 'core module type');
    const scope: Scope = { kind: 'core module type', counts: emptyCounts() };
    const inner = [...scopes, scope];
    const decls = r.vec('core module declarations', (): CoreModuleDecl => {
      const at = r.offset;
      const op = r.byte('a core module declaration');
      switch (op) {
        case 0x00: {
          const module = r.name('an import module name');
          const name = r.name('an import field name');
          const type = this.coreExternType(r, inner);
          if (type.kind === 'func') scope.counts['core func']++;
          return { kind: 'import', module, name, type };
        }
        case 0x01: {
          // No module type here: 0x50 is a sub type (so a nested module type does not decode).
          const type = this.coreDefType(r, inner, true);
          scope.counts['core type'] += coreTypeCount(type);
          return { kind: 'type', type };
        }
        case 0x02: {
          const s = r.byte('the core alias sort');
          if (s !== 0x10) r.fail('wrong-sort', `a core alias of core sort 0x${hex(s)} (only type)`, at + 1);
          const k = r.byte('the core alias kind');
          if (k !== 0x01) r.fail('bad-opcode', `core alias kind 0x${hex(k)} (only 0x01 outer)`, at + 2);
          const ctAt = r.offset;
          const count = r.u32('the outer alias count');
          if (count > inner.length - 1) {
            r.fail('outer-alias-depth', `an outer alias ${count} scope(s) out, but only ${inner.length - 1} enclosing scope(s) exist`, ctAt);
          }
          const idxAt = r.offset;
          const idx = r.u32('the outer alias index');
          const target = inner[inner.length - 1 - count];
          if (idx >= target.counts['core type']) {
            r.fail('index-out-of-range', `an outer alias of core type ${idx}, but that scope has ${target.counts['core type']} core type(s)`, idxAt);
          }
          scope.counts['core type']++;
          return { kind: 'alias', count, idx };
        }
        case 0x03: {
          const name = r.name('an export name');
          return { kind: 'export', name, type: this.coreExternType(r, inner) };
        }
      }
      r.fail('bad-opcode', `core module declaration 0x${hex(op)}`, at);
    });
    this.leave();
    return { kind: 'module', decls };
  }

  coreExternType(r: Reader, scopes: Scope[]): CoreExternType {
    const scope = scopes[scopes.length - 1];
    const at = r.offset;
    const k = r.byte('a core extern type');
    switch (k) {
      case 0x00: return { kind: 'func', type: this.index(r, scope, 'core type', 'a core func type') };
      case 0x01: {
        const element = this.coreValType(r, scopes, 'a table element type');
        return { kind: 'table', element, limits: this.limits(r) };
      }
      case 0x02: return { kind: 'memory', limits: this.limits(r) };
      case 0x03: {
        const type = this.coreValType(r, scopes, 'a global type');
        const m = r.byte('global mutability');
        if (m > 1) r.fail('bad-opcode', `global mutability 0x${hex(m)}`, r.offset - 1);
        return { kind: 'global', type, mutable: m === 1 };
      }
      case 0x04: {
        const attr = r.byte('tag attribute');
        if (attr !== 0) r.fail('bad-opcode', `tag attribute 0x${hex(attr)}`, r.offset - 1);
        return { kind: 'tag', type: this.index(r, scope, 'core type', 'a tag type') };
      }
    }
    r.fail('bad-opcode', `core extern type 0x${hex(k)}`, at);
  }

  limits(r: Reader): CoreLimits {
    const at = r.offset;
    const flags = r.byte('limits flags');
    if (flags & ~0x07) r.fail('bad-opcode', `limits flags 0x${hex(flags)}`, at);
    const memory64 = (flags & 4) !== 0;
    const read = (what: string) => (memory64 ? r.u64(what) : BigInt(r.u32(what)));
    const min = read('limits minimum');
    const max = flags & 1 ? read('limits maximum') : undefined;
    return { min, max, shared: (flags & 2) !== 0, memory64 };
  }

  // ---------------------------------------------------------------- component types

  valType(r: Reader, scope: Scope): ValTypeRef {
    const at = r.offset;
    const b = r.peek('a value type');
    if (b >= 0x40 && b < 0x80) {
      r.pos++;
      const prim = PRIMS[b];
      if (!prim) r.fail('bad-opcode', `value type 0x${hex(b)} (not a primitive type; compound types need a type index)`, at);
      return { kind: 'prim', prim };
    }
    const i = r.s(33, 'a value type index');
    if (i < 0) r.fail('bad-opcode', `value type ${i}`, at);
    if (i >= scope.counts.type) {
      r.fail('index-out-of-range', `a value type: type index ${i}, but the type index space has ${scope.counts.type} item(s)`, at);
    }
    return { kind: 'idx', idx: i };
  }

  label(r: Reader, what: string): string {
    const at = r.offset;
    const l = r.name(what);
    const rule = labelRule(l);
    if (rule) r.fail(rule, `${what} '${l}' is not a label (kebab-case words, e.g. 'my-name')`, at);
    return l;
  }

  defType(r: Reader, scopes: Scope[]): DefType {
    const scope = scopes[scopes.length - 1];
    const at = r.offset;
    const b = r.peek('a type');
    switch (b) {
      case 0x40:
      case 0x43: {
        r.pos++;
        const params = r.vec('func params', () => {
          const label = this.label(r, 'a param name');
          return { label, t: this.valType(r, scope) };
        }, 2);
        const resAt = r.offset;
        const rk = r.byte('a result list');
        let result: ValTypeRef | undefined;
        if (rk === 0x00) result = this.valType(r, scope);
        else if (rk === 0x01) {
          const z = r.byte('an empty result list');
          if (z !== 0x00) r.fail('unsupported', `a named result list with ${z} result(s): results are a single type since the removal of named results`, resAt);
        } else r.fail('bad-opcode', `result list 0x${hex(rk)}`, resAt);
        return { kind: 'func', async: b === 0x43, params, result };
      }
      case 0x41:
      case 0x42: {
        r.pos++;
        this.enter(r, b === 0x41 ? 'component type' : 'instance type');
        const inner: Scope = { kind: b === 0x41 ? 'component type' : 'instance type', counts: emptyCounts() };
        const decls = r.vec(b === 0x41 ? 'component type declarations' : 'instance type declarations',
          () => this.typeDecl(r, [...scopes, inner], inner, b === 0x41), 2);
        this.leave();
        return b === 0x41 ? { kind: 'component', decls } : { kind: 'instance', decls };
      }
      case 0x3f: {
        r.pos++;
        if (scope.kind !== 'component') r.fail('resource-in-type-decl', 'a resource type defined inside a component or instance type', at);
        const repAt = r.offset;
        const rep = this.coreValType(r, scopes, 'the resource representation');
        if (rep !== 'i32') r.fail('type-mismatch', `resource rep ${typeof rep === 'string' ? rep : 'ref'} (only i32)`, repAt);
        const dtor = r.optional('the resource destructor', () => this.index(r, scope, 'core func', 'the resource destructor'));
        return { kind: 'resource', rep, dtor };
      }
    }
    return { kind: 'defval', t: this.defValType(r, scope) };
  }

  defValType(r: Reader, scope: Scope): DefValType {
    const at = r.offset;
    const b = r.byte('a defined value type');
    const prim = PRIMS[b];
    if (prim) return { kind: 'prim', prim };
    const optVal = (what: string) => r.optional(what, () => this.valType(r, scope));
    switch (b) {
      case 0x72: {
        const fields = r.vec('record fields', () => {
          const label = this.label(r, 'a record field name');
          return { label, t: this.valType(r, scope) };
        }, 2);
        if (fields.length === 0) r.fail('empty-type', 'a record with no fields', at);
        uniqueLabels(r, fields.map((f) => f.label), 'record field', at);
        return { kind: 'record', fields };
      }
      case 0x71: {
        const cases = r.vec('variant cases', () => {
          const label = this.label(r, 'a variant case name');
          const t = optVal('a case payload');
          const zAt = r.offset;
          const z = r.byte('the case refinement');
          if (z !== 0x00) r.fail('unsupported', `variant case refinement 0x${hex(z)} (refines is no longer part of the format)`, zAt);
          return { label, t };
        }, 3);
        if (cases.length === 0) r.fail('empty-type', 'a variant with no cases', at);
        uniqueLabels(r, cases.map((c) => c.label), 'variant case', at);
        return { kind: 'variant', cases };
      }
      case 0x70: return { kind: 'list', t: this.valType(r, scope) };
      case 0x67: {
        const t = this.valType(r, scope);
        const lAt = r.offset;
        const l = r.u32('the fixed list length');
        if (l === 0) r.fail('empty-type', 'a fixed-length list of length 0', lAt);
        return { kind: 'list', t, l };
      }
      case 0x6f: {
        const ts = r.vec('tuple types', () => this.valType(r, scope));
        if (ts.length === 0) r.fail('empty-type', 'a tuple with no types', at);
        return { kind: 'tuple', ts };
      }
      case 0x6e: {
        const labels = r.vec('flag names', () => this.label(r, 'a flag name'));
        if (labels.length === 0) r.fail('empty-type', 'flags with no labels', at);
        if (labels.length > 32) r.fail('too-many-flags', `flags with ${labels.length} labels (at most 32)`, at);
        uniqueLabels(r, labels, 'flag', at);
        return { kind: 'flags', labels };
      }
      case 0x6d: {
        const labels = r.vec('enum cases', () => this.label(r, 'an enum case name'));
        if (labels.length === 0) r.fail('empty-type', 'an enum with no cases', at);
        uniqueLabels(r, labels, 'enum case', at);
        return { kind: 'enum', labels };
      }
      case 0x6b: return { kind: 'option', t: this.valType(r, scope) };
      case 0x6a: {
        const ok = optVal('the result ok type');
        const error = optVal('the result error type');
        return { kind: 'result', ok, error };
      }
      case 0x69: return { kind: 'own', idx: this.index(r, scope, 'type', 'an own handle type') };
      case 0x68: return { kind: 'borrow', idx: this.index(r, scope, 'type', 'a borrow handle type') };
      case 0x66: return { kind: 'stream', t: optVal('the stream element type') };
      case 0x65: return { kind: 'future', t: optVal('the future value type') };
      case 0x63: {
        const k = this.valType(r, scope);
        return { kind: 'map', k, v: this.valType(r, scope) };
      }
    }
    r.fail('bad-opcode', `type 0x${hex(b)}`, at);
  }

  typeDecl(r: Reader, scopes: Scope[], scope: Scope, component: boolean): TypeDecl {
    const at = r.offset;
    const op = r.byte('a type declarator');
    switch (op) {
      case 0x00: {
        const type = this.coreDefType(r, scopes);
        scope.counts['core type'] += coreTypeCount(type);
        return { kind: 'core type', offset: at, type };
      }
      case 0x01: {
        const type = this.defType(r, scopes);
        scope.counts.type++;
        return { kind: 'type', offset: at, type };
      }
      case 0x02: {
        const alias = this.alias(r, scopes, true);
        scope.counts[alias.sort]++;
        return { kind: 'alias', offset: at, alias };
      }
      case 0x03: {
        if (!component) r.fail('bad-opcode', 'an import declarator (0x03) inside an instance type', at);
        const name = this.externName(r, 'an import name');
        const type = this.externType(r, scope);
        scope.counts[externSort(type)]++;
        return { kind: 'import', offset: at, name, type };
      }
      case 0x04: {
        const name = this.externName(r, 'an export name');
        const type = this.externType(r, scope);
        scope.counts[externSort(type)]++;
        return { kind: 'export', offset: at, name, type };
      }
    }
    r.fail('bad-opcode', `type declarator 0x${hex(op)}`, at);
  }

  externType(r: Reader, scope: Scope): ExternTypeRef {
    const at = r.offset;
    const k = r.byte('an extern type');
    switch (k) {
      case 0x00: {
        const m = r.byte('the core sort of a core extern type');
        if (m !== 0x11) r.fail('wrong-sort', `a core extern type of core sort 0x${hex(m)} (components import and export only core modules)`, at + 1);
        return { kind: 'core module', idx: this.index(r, scope, 'core type', 'a core module type') };
      }
      case 0x01: return { kind: 'func', idx: this.index(r, scope, 'type', 'a func type') };
      // 🪙 value imports: Binary.md writes a `valuebound` (0x00 eq / 0x01 valtype) here, but
      // the tools (wasm-tools, and so jco's `parse`) encode the value type directly; we
      // read what the tools write.
      case 0x02: return { kind: 'value', bound: { kind: 'type', t: this.valType(r, scope) } };
      case 0x03: {
        const bAt = r.offset;
        const b = r.byte('a type bound');
        if (b === 0x00) return { kind: 'type', bound: { kind: 'eq', idx: this.index(r, scope, 'type', 'a type bound') } };
        if (b === 0x01) return { kind: 'type', bound: { kind: 'sub-resource' } };
        r.fail('bad-opcode', `type bound 0x${hex(b)}`, bAt);
      }
      case 0x04: return { kind: 'component', idx: this.index(r, scope, 'type', 'a component type') };
      case 0x05: return { kind: 'instance', idx: this.index(r, scope, 'type', 'an instance type') };
    }
    r.fail('bad-opcode', `extern type 0x${hex(k)}`, at);
  }

  externName(r: Reader, what: string): ExternName {
    const at = r.offset;
    const k = r.byte(`${what} (kind)`);
    if (k === 0x00 || k === 0x01) return { name: r.name(what) };
    if (k === 0x02) {
      const name = r.name(what);
      const out: { name: string; implements?: string; versionSuffix?: string; externalId?: string } = { name };
      const n = r.vecLen('name attributes', 2);
      for (let i = 0; i < n; i++) {
        const aAt = r.offset;
        const a = r.byte('a name attribute');
        const key = a === 0x00 ? 'implements' : a === 0x01 ? 'versionSuffix' : a === 0x02 ? 'externalId' : undefined;
        if (!key) r.fail('bad-opcode', `name attribute 0x${hex(a)}`, aAt);
        if (out[key] !== undefined) r.fail('duplicate-name', `the ${key} attribute given twice`, aAt);
        out[key] = r.name(`the ${key} attribute`);
      }
      return out;
    }
    r.fail('bad-opcode', `${what}: name kind 0x${hex(k)} (expected 0x00, 0x01 or 0x02)`, at);
  }

  // ---------------------------------------------------------------- canon

  opts(r: Reader, scope: Scope): CanonOpts {
    let string_encoding: StringEncoding | undefined;
    let memory: number | undefined;
    let realloc: number | undefined;
    let post_return: number | undefined;
    let async_ = false;
    let callback: number | undefined;
    const given: string[] = [];
    const n = r.vecLen('canonical options', 1);
    for (let i = 0; i < n; i++) {
      const at = r.offset;
      const op = r.byte('a canonical option');
      const once = (name: string, present: boolean) => {
        if (present) r.fail('canonopt-duplicate', `the ${name} option given twice or conflicting`, at);
        given.push(name);
      };
      switch (op) {
        case 0x00:
        case 0x01:
        case 0x02:
          once('string-encoding', string_encoding !== undefined);
          string_encoding = op === 0 ? 'utf8' : op === 1 ? 'utf16' : 'latin1+utf16';
          given[given.length - 1] = `string-encoding=${string_encoding}`;
          break;
        case 0x03: once('memory', memory !== undefined); memory = this.index(r, scope, 'core memory', 'the memory option'); break;
        case 0x04: once('realloc', realloc !== undefined); realloc = this.index(r, scope, 'core func', 'the realloc option'); break;
        case 0x05: once('post-return', post_return !== undefined); post_return = this.index(r, scope, 'core func', 'the post-return option'); break;
        case 0x06: once('async', async_); async_ = true; break;
        case 0x07: once('callback', callback !== undefined); callback = this.index(r, scope, 'core func', 'the callback option'); break;
        default: r.fail('bad-opcode', `canonical option 0x${hex(op)}`, at);
      }
    }
    return { string_encoding, memory, realloc, post_return, async_, callback, given };
  }

  flag(r: Reader, what: string): boolean {
    const at = r.offset;
    const b = r.byte(what);
    if (b > 1) r.fail('bad-option-flag', `${what}: 0x${hex(b)} (expected 0x00 or 0x01)`, at);
    return b === 1;
  }

  canon(r: Reader, scope: Scope): Canon {
    const at = r.offset;
    const op = r.byte('a canonical definition');
    const type = (what: string) => this.index(r, scope, 'type', what);
    switch (op) {
      case 0x00: {
        const s = r.byte('the canon lift sort');
        if (s !== 0x00) r.fail('bad-opcode', `canon lift with sort byte 0x${hex(s)} (expected 0x00, core func)`, at + 1);
        const coreFunc = this.index(r, scope, 'core func', 'the lifted core function');
        const opts = this.opts(r, scope);
        return { kind: 'lift', coreFunc, opts, type: type('the lifted function type') };
      }
      case 0x01: {
        const s = r.byte('the canon lower sort');
        if (s !== 0x00) r.fail('bad-opcode', `canon lower with sort byte 0x${hex(s)} (expected 0x00, func)`, at + 1);
        const func = this.index(r, scope, 'func', 'the lowered function');
        return { kind: 'lower', func, opts: this.opts(r, scope) };
      }
      case 0x02: return { kind: 'resource.new', type: type('the resource type') };
      case 0x03: return { kind: 'resource.drop', type: type('the resource type') };
      case 0x04: return { kind: 'resource.rep', type: type('the resource type') };
      case 0x24: return { kind: 'backpressure.inc' };
      case 0x25: return { kind: 'backpressure.dec' };
      case 0x09: {
        const rAt = r.offset;
        const rk = r.byte('the task.return result list');
        let result: ValTypeRef | undefined;
        if (rk === 0x00) result = this.valType(r, scope);
        else if (rk === 0x01) {
          const z = r.byte('an empty result list');
          if (z !== 0) r.fail('unsupported', 'a named result list in task.return', rAt);
        } else r.fail('bad-opcode', `result list 0x${hex(rk)}`, rAt);
        return { kind: 'task.return', result, opts: this.opts(r, scope) };
      }
      case 0x05: return { kind: 'task.cancel' };
      case 0x0a:
      case 0x0b: {
        const tAt = r.offset;
        const t = this.coreValType(r, [scope], 'the context value type');
        if (t !== 'i32') r.fail('type-mismatch', `context.${op === 0x0a ? 'get' : 'set'} of ${typeof t === 'string' ? t : 'a reference'} (only i32)`, tAt);
        const iAt = r.offset;
        const i = r.u32('the context slot');
        if (i > 1) r.fail('index-out-of-range', `context slot ${i} (there are 2: 0 and 1)`, iAt);
        return { kind: op === 0x0a ? 'context.get' : 'context.set', t, i };
      }
      case 0x06: return { kind: 'subtask.cancel', async_: this.flag(r, 'the async flag') };
      case 0x0d: return { kind: 'subtask.drop' };
      case 0x0e: return { kind: 'stream.new', type: type('the stream type') };
      case 0x0f:
      case 0x10: {
        const t = type('the stream type');
        return { kind: op === 0x0f ? 'stream.read' : 'stream.write', type: t, opts: this.opts(r, scope) };
      }
      case 0x11:
      case 0x12: {
        const t = type('the stream type');
        return { kind: op === 0x11 ? 'stream.cancel-read' : 'stream.cancel-write', type: t, async_: this.flag(r, 'the async flag') };
      }
      case 0x13: return { kind: 'stream.drop-readable', type: type('the stream type') };
      case 0x14: return { kind: 'stream.drop-writable', type: type('the stream type') };
      case 0x15: return { kind: 'future.new', type: type('the future type') };
      case 0x16:
      case 0x17: {
        const t = type('the future type');
        return { kind: op === 0x16 ? 'future.read' : 'future.write', type: t, opts: this.opts(r, scope) };
      }
      case 0x18:
      case 0x19: {
        const t = type('the future type');
        return { kind: op === 0x18 ? 'future.cancel-read' : 'future.cancel-write', type: t, async_: this.flag(r, 'the async flag') };
      }
      case 0x1a: return { kind: 'future.drop-readable', type: type('the future type') };
      case 0x1b: return { kind: 'future.drop-writable', type: type('the future type') };
      case 0x1c: return { kind: 'error-context.new', opts: this.opts(r, scope) };
      case 0x1d: return { kind: 'error-context.debug-message', opts: this.opts(r, scope) };
      case 0x1e: return { kind: 'error-context.drop' };
      case 0x1f: return { kind: 'waitable-set.new' };
      case 0x20:
      case 0x21: {
        const cancellable = this.flag(r, 'the cancellable flag');
        const memory = this.index(r, scope, 'core memory', 'the memory');
        return { kind: op === 0x20 ? 'waitable-set.wait' : 'waitable-set.poll', cancellable, memory };
      }
      case 0x22: return { kind: 'waitable-set.drop' };
      case 0x23: return { kind: 'waitable.join' };
      case 0x26: return { kind: 'thread.index' };
      case 0x27: {
        const coreType = this.index(r, scope, 'core type', 'the thread function type');
        return { kind: 'thread.new-indirect', coreType, table: this.index(r, scope, 'core table', 'the thread function table') };
      }
      case 0x28: return { kind: 'thread.resume-later' };
      case 0x29: return { kind: 'thread.suspend', cancellable: this.flag(r, 'the cancellable flag') };
      case 0x0c: return { kind: 'thread.yield', cancellable: this.flag(r, 'the cancellable flag') };
      case 0x2a: return { kind: 'thread.suspend-then-resume', cancellable: this.flag(r, 'the cancellable flag') };
      case 0x2b: return { kind: 'thread.yield-then-resume', cancellable: this.flag(r, 'the cancellable flag') };
      case 0x2c: return { kind: 'thread.suspend-then-promote', cancellable: this.flag(r, 'the cancellable flag') };
      case 0x2d: return { kind: 'thread.yield-then-promote', cancellable: this.flag(r, 'the cancellable flag') };
      case 0x40: {
        const shared = this.flag(r, 'the shared flag');
        return { kind: 'thread.spawn-ref', shared, coreType: this.index(r, scope, 'core type', 'the thread function type') };
      }
      case 0x41: {
        const shared = this.flag(r, 'the shared flag');
        const coreType = this.index(r, scope, 'core type', 'the thread function type');
        return { kind: 'thread.spawn-indirect', shared, coreType, table: this.index(r, scope, 'core table', 'the thread function table') };
      }
      case 0x42: return { kind: 'thread.available-parallelism', shared: this.flag(r, 'the shared flag') };
    }
    r.fail('bad-opcode', `canonical definition 0x${hex(op)}`, at);
  }
}

/** A definition before its index is assigned. */
type NewDef = Definition extends infer D ? (D extends Definition ? Omit<D, 'space' | 'index'> & { space?: Sort } : never) : never;

/** The index space an imported or exported item of this extern type extends. */
export function externSort(t: ExternTypeRef): Sort {
  return t.kind;
}

function uniqueLabels(r: Reader, labels: readonly string[], what: string, at: number): void {
  const seen = new Set<string>();
  for (const l of labels) {
    const k = l.toLowerCase();
    if (seen.has(k)) r.fail('duplicate-name', `the ${what} name '${l}' appears twice (labels are compared case-insensitively)`, at);
    seen.add(k);
  }
}

/** The rule a label breaks, or undefined when it is a valid `label`. */
export function labelRule(l: string): ComponentRule | undefined {
  if (l.length === 0) return 'empty-label';
  return /^([a-z][0-9a-z]*|[A-Z][0-9A-Z]*)(-([0-9a-z]+|[0-9A-Z]+))*$/.test(l) ? undefined : 'bad-label';
}

/**
 * The `component-name` section. Per the spec an invalid name section must not
 * make the component invalid, so a malformed one is ignored (undefined).
 */
function decodeNames(bytes: Uint8Array, base: number): ComponentNames | undefined {
  try {
    const r = new Reader(bytes, 0, bytes.length, base);
    r.section = 'component-name';
    let component: string | undefined;
    const sorts = new Map<Sort, Map<number, string>>();
    const d = new Decoder(1);
    while (!r.done) {
      const id = r.byte('a name subsection id');
      const size = r.u32('a name subsection size');
      const s = r.sub(size, 'a name subsection');
      if (id === 0) component = s.name('the component name');
      else if (id === 1) {
        const sort = d.sort(s);
        const map = new Map<number, string>();
        const n = s.vecLen('names', 2);
        for (let i = 0; i < n; i++) {
          const idx = s.u32('a named index');
          map.set(idx, s.name('a name'));
        }
        sorts.set(sort, map);
      }
    }
    return { component, sorts };
  } catch (e) {
    if (e instanceof ComponentError) return undefined;
    throw e;
  }
}
