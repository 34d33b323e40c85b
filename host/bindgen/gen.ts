/**
 * The AssemblyScript binding generator: from a resolved world (wit.ts) to
 *
 * - `bindings.ts`: one namespace per interface (and one for the world's own
 *   imports) with its types (records and tuples as classes, variants as
 *   classes with a `tag`, enums as enums, flags as bit constants, imported
 *   resources as classes over their handle) and typed wrappers of the
 *   imported functions (sync, and `[async-lower]` ones waiting for their
 *   subtask);
 * - `exports.ts`: the export glue: for each exported function a core export
 *   that lifts the parameters, calls the user's implementation and lowers
 *   the result (returned, through a return area with a `cabi_post_`
 *   export, or passed to `task.return` for an async export, whose export is
 *   an `[async-lift]` / `[callback][async-lift]` pair on the SDK's
 *   `startTask` / `continueTask`), each marked `@exportName` for the SDK
 *   toolchain's export-name transform;
 * - `exports.json`: the renames of those exports (AssemblyScript cannot
 *   export `[async-lift]ns:pkg/iface#f`): asc name -> core export name;
 * - `rt.ts`: the small runtime the generated code uses (assembly/bindgen-rt).
 *
 * Every layout decision (flattening, spilling past MAX_FLAT_PARAMS /
 * MAX_FLAT_RESULTS / MAX_FLAT_ASYNC_PARAMS, return areas, sizes, alignments)
 * is computed here with host/component/abi, the host's own definitions.py.
 */
import {
  alignment, elemSize, flattenFunctype, flattenTypes, MAX_FLAT_ASYNC_PARAMS, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS,
} from '../component/abi/layout.js';
import type { CoreValType, ResourceType, ValType } from '../component/types.js';
import { typeEq } from '../component/validate.js';
import {
  type Alloc, Body, camel, caseCtor, checkSupported, Emitter, fieldOffsets, type Flat, FlatCursor, ownsMemory, pascal, safeIdent, type TypeNames,
} from './emit.js';
import { BindgenError, type ResolvedWorld, type WorldFunc, type WorldInterface } from './wit.js';

export interface GenerateOptions {
  /** The module (as imported from the output directory) that implements the exports. Default `../impl`. */
  readonly impl?: string;
  /** The SDK's module path. Default `wasip3-task-shim/assembly/sdk`. */
  readonly sdk?: string;
}

export interface GeneratedBindings {
  /** File name (in the output directory) -> contents. */
  readonly files: Record<string, string>;
  /** asc export name -> core export name (also in `exports.json`). */
  readonly renames: Record<string, string>;
}

const asCore: Record<CoreValType, string> = { i32: 'i32', i64: 'i64', f32: 'f32', f64: 'f64' };

interface Named {
  /** The namespace (interface) it is declared in. */
  readonly ns: string;
  readonly name: string;
  /** The WIT name. */
  readonly wit: string;
}

const RESOURCE_FUNC = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/;

/** `ns:pkg/iface@1.0.0` -> `iface`. */
function shortName(name: string): string {
  const slash = name.lastIndexOf('/');
  const base = slash < 0 ? name : name.slice(slash + 1);
  const at = base.indexOf('@');
  return at < 0 ? base : base.slice(0, at);
}

class Generator implements TypeNames {
  private readonly named = new Map<ValType | ResourceType, Named>();
  private readonly nsOf = new Map<string | undefined, string>();
  private readonly tuples = new Map<string, { cls: string; t: ValType }>();
  private readonly exportedResources = new Set<ResourceType>();
  /** Generating the export glue (where exported resources are the user's classes). */
  private inGlue = false;
  /** The glue state of each exported resource used, by resource. */
  private readonly resourceGlue = new Map<ResourceType, { name: string; wit: string; iface: string | undefined }>();

  /** The user's class implementing exported resource `rt`: `impl.<ns>.<Name>`. */
  private implClass(rt: ResourceType): string {
    const n = this.named.get(rt)!;
    const w = this.world.exports.find((x) => x.types.some((y) => y.t === rt))!;
    if (!this.resourceGlue.has(rt)) this.resourceGlue.set(rt, { name: n.name, wit: n.wit, iface: w.name });
    return `impl.${w.name === undefined ? '' : `${this.nsOf.get(w.name)}.`}${n.name}`;
  }
  private readonly emitter = new Emitter(this);
  private readonly counter = { n: 0 };
  private readonly externs: string[] = [];
  /** The lift functions of async-lowered imports (namespace members). */
  private liftFns: string[] = [];
  private externCount = 0;

  constructor(
    readonly world: ResolvedWorld,
    readonly opts: GenerateOptions,
  ) {
    // Namespaces: the short interface name, qualified when two interfaces share it.
    const all = [...world.imports, ...world.exports];
    const shorts = new Map<string, Set<string>>();
    for (const w of all) if (w.name !== undefined) (shorts.get(shortName(w.name)) ?? shorts.set(shortName(w.name), new Set()).get(shortName(w.name))!).add(w.name);
    for (const w of all) {
      if (this.nsOf.has(w.name)) continue;
      if (w.name === undefined) {
        this.nsOf.set(undefined, safeIdent(camel(world.world)));
        continue;
      }
      const s = shortName(w.name);
      this.nsOf.set(w.name, safeIdent(camel(shorts.get(s)!.size > 1 ? w.name.replace(/[:/@.]/g, '-').replace(/-+/g, '-') : s)));
    }
    // Type names, by identity; the first interface declaring a type owns it.
    for (const w of all) {
      for (const { name, t } of w.types) {
        if (this.named.has(t)) continue;
        // An exported interface's copy of a type it uses from an imported one: the same class.
        const same = [...this.named.entries()].find(([u, n]) => n.wit === name && u.kind === t.kind && (t.kind === 'resource' ? false : typeEq(u as ValType, t)));
        this.named.set(t, same ? same[1] : { ns: this.nsOf.get(w.name)!, name: pascal(name), wit: name });
      }
    }
    for (const w of world.exports) for (const { t } of w.types) if (t.kind === 'resource' && !world.imports.some((i) => i.types.some((x) => x.t === t))) this.exportedResources.add(t);
  }

  // ------------------------------------------------------------- TypeNames

  private qualified(t: ValType | ResourceType): string {
    // By identity; else (the validator makes a new object for a type an
    // export introduces, so a function may hold the original) by structure.
    const n = this.named.get(t) ?? (t.kind === 'resource' ? undefined : [...this.named.entries()].find(([u]) => u.kind === t.kind && typeEq(u as ValType, t))?.[1]);
    if (n === undefined) throw new BindgenError('unsupported-type', `a ${t.kind} type without a name in the world`);
    return `${n.ns}.${n.name}`;
  }

  asType(t: ValType): string {
    switch (t.kind) {
      case 'bool':
        return 'bool';
      case 's8':
        return 'i8';
      case 'u8':
        return 'u8';
      case 's16':
        return 'i16';
      case 'u16':
        return 'u16';
      case 's32':
        return 'i32';
      case 'u32':
        return 'u32';
      case 's64':
        return 'i64';
      case 'u64':
        return 'u64';
      case 'f32':
        return 'f32';
      case 'f64':
        return 'f64';
      case 'char':
        return 'u32';
      case 'string':
        return 'string';
      case 'list':
        return `Array<${this.asType(t.t)}>`;
      case 'tuple':
        return this.tupleClass(t);
      case 'option':
        return `Option<${this.asType(t.t)}>`;
      case 'result':
        return `Result<${t.ok ? this.asType(t.ok) : 'Unit'}, ${t.error ? this.asType(t.error) : 'Unit'}>`;
      case 'flags': {
        const n = elemSize(t);
        return n === 1 ? 'u8' : n === 2 ? 'u16' : 'u32';
      }
      case 'record':
      case 'variant':
      case 'enum':
        return this.qualified(t);
      case 'own':
      case 'borrow':
        if (this.exportedResources.has(t.rt)) {
          if (!this.inGlue) throw new BindgenError('unsupported-type', `resource ${t.rt.name}: an exported resource is supported in the exported functions only (not in imports or in types of imported interfaces)`);
          return this.implClass(t.rt);
        }
        return this.qualified(t.rt);
      case 'stream':
        return `StreamReader<${this.asType(t.t!)}>`;
      case 'future':
        return `FutureReader<${this.asType(t.t!)}>`;
      default:
        throw new BindgenError('unsupported-type', `${t.kind} is not supported by the generator`);
    }
  }

  private tupleClass(t: ValType & { kind: 'tuple' }): string {
    const key = t.ts.map((u) => this.asType(u)).join(', ');
    let e = this.tuples.get(key);
    if (e === undefined) this.tuples.set(key, (e = { cls: `Tuple_${t.ts.map((u) => this.asType(u).replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, '')).join('__')}`, t }));
    return e.cls;
  }

  variantClass(t: ValType): string | undefined {
    return t.kind === 'variant' ? this.qualified(t) : undefined;
  }

  recordClass(t: ValType): string {
    return t.kind === 'tuple' ? this.tupleClass(t) : this.qualified(t);
  }

  fieldNames(t: ValType): string[] {
    if (t.kind === 'tuple') return t.ts.map((_, i) => `f${i}`);
    if (t.kind === 'record') return t.fields.map((f) => safeIdent(camel(f.label)));
    throw new Error('not a record');
  }

  caseFields(t: ValType): string[] {
    if (t.kind !== 'variant') throw new Error('not a variant');
    return t.cases.map((c) => `${camel(c.label)}Value`);
  }

  enumName(t: ValType): string {
    return this.qualified(t);
  }

  liftHandle(t: ValType, h: string): string {
    if (t.kind === 'stream' || t.kind === 'future') return `new ${this.asType(t)}(${h}, ${this.endType(t)})`;
    if (t.kind !== 'own' && t.kind !== 'borrow') throw new Error('not a handle');
    if (this.exportedResources.has(t.rt)) {
      this.asType(t);
      // A borrow of our own resource arrives as its rep; an own as a handle in our table.
      return `__${t.kind === 'own' ? 'liftOwn' : 'liftBorrow'}_${this.resourceGlue.get(t.rt)!.name}(${h})`;
    }
    return `new ${this.qualified(t.rt)}(${h})`;
  }

  lowerHandle(t: ValType, v: string): string {
    // A readable end moves to the other side: the object forgets it.
    if (t.kind === 'stream' || t.kind === 'future') return `${v}.take()`;
    if ((t.kind === 'own' || t.kind === 'borrow') && this.exportedResources.has(t.rt)) {
      this.asType(t);
      if (t.kind === 'borrow') throw new BindgenError('unsupported-type', `borrow<${t.rt.name}> of an exported resource cannot be lowered by the generator`);
      return `__lowerOwn_${this.resourceGlue.get(t.rt)!.name}(${v})`;
    }
    return `${v}.handle`;
  }

  /** The glue of one exported resource: rep <-> object tables, the handles we hold, the destructor export. */
  private resourceGlueDecl(rt: ResourceType, g: { name: string; wit: string; iface: string | undefined }): string {
    const cls = this.implClass(rt);
    const mod = g.iface === undefined ? '[export]$root' : `[export]${g.iface}`;
    const rnew = this.extern(mod, `[resource-new]${g.wit}`, ['i32'], ['i32']);
    const rrep = this.extern(mod, `[resource-rep]${g.wit}`, ['i32'], ['i32']);
    const n = g.name;
    const dtorName = g.iface === undefined ? `[dtor]${g.wit}` : `${g.iface}#[dtor]${g.wit}`;
    this.renames[`__dtor_${n}`] = dtorName;
    return [
      `// Exported resource \`${g.wit}\`: ${cls} objects by rep, reps by object, the handles of our own table we hold.`,
      `const __objs_${n} = new Map<u32, ${cls}>();`,
      `const __reps_${n} = new Map<${cls}, u32>();`,
      `const __held_${n} = new Map<u32, u32>();`,
      `let __nextRep_${n}: u32 = 1;`,
      `function __repOf_${n}(o: ${cls}): u32 {`,
      `  if (__reps_${n}.has(o)) return __reps_${n}.get(o);`,
      `  const rep = __nextRep_${n}++;`,
      `  __reps_${n}.set(o, rep);`,
      `  __objs_${n}.set(rep, o);`,
      `  return rep;`,
      `}`,
      `function __object_${n}(rep: u32): ${cls} {`,
      `  if (!__objs_${n}.has(rep)) trap("${g.wit}: no object has rep " + rep.toString());`,
      `  return __objs_${n}.get(rep);`,
      `}`,
      `function __liftBorrow_${n}(rep: u32): ${cls} {`,
      `  return __object_${n}(rep);`,
      `}`,
      `/** An own handle given to us: the object keeps it until it is given away again. */`,
      `function __liftOwn_${n}(h: u32): ${cls} {`,
      `  const rep = <u32>${rrep}(<i32>h);`,
      `  __held_${n}.set(rep, h);`,
      `  return __object_${n}(rep);`,
      `}`,
      `/** An own handle to give away: the one we hold, else a new one (\`[resource-new]\`). */`,
      `function __lowerOwn_${n}(o: ${cls}): u32 {`,
      `  const rep = __repOf_${n}(o);`,
      `  if (__held_${n}.has(rep)) {`,
      `    const h = __held_${n}.get(rep);`,
      `    __held_${n}.delete(rep);`,
      `    return h;`,
      `  }`,
      `  return <u32>${rnew}(<i32>rep);`,
      `}`,
      `/** \`${dtorName}\`: the last handle was dropped; the object leaves the tables. */`,
      `${exportName(dtorName)}export function __dtor_${n}(rep: i32): void {`,
      `  const r = <u32>rep;`,
      `  if (!__objs_${n}.has(r)) return;`,
      `  const o = __objs_${n}.get(r);`,
      `  // The class may define dispose(): called once the component model dropped the resource.`,
      `  if (isDefined(o.dispose)) o.dispose();`,
      `  __reps_${n}.delete(o);`,
      `  __objs_${n}.delete(r);`,
      `  __held_${n}.delete(r);`,
      `}`,
    ].join('\n');
  }

  // ------------------------------------------------------------- stream and future types

  /** One StreamType/FutureType per element type (the canonical ABI compares them by element type). */
  private readonly endTypes = new Map<string, { name: string; t: ValType & { kind: 'stream' | 'future' }; module: string; func: string; index: number }>();

  /** definitions.py-free but wit-component's numbering: futures and streams of a function, depth first, params then result. */
  private static asyncTypes(ft: { params: readonly (readonly [string, ValType])[]; result: ValType | undefined }): (ValType & { kind: 'stream' | 'future' })[] {
    const out: (ValType & { kind: 'stream' | 'future' })[] = [];
    const walk = (t: ValType | undefined): void => {
      if (t === undefined) return;
      switch (t.kind) {
        case 'record':
          t.fields.forEach((f) => walk(f.t));
          return;
        case 'tuple':
          t.ts.forEach(walk);
          return;
        case 'variant':
          t.cases.forEach((c) => walk(c.t));
          return;
        case 'option':
        case 'list':
          walk(t.t);
          return;
        case 'result':
          walk(t.ok);
          walk(t.error);
          return;
        case 'stream':
        case 'future':
          walk(t.t);
          out.push(t);
          return;
        default:
          return;
      }
    };
    ft.params.forEach(([, t]) => walk(t));
    walk(ft.result);
    return out;
  }

  /** Registers the first use of every stream/future element type of the world (module, function, index). */
  private collectEndTypes(): void {
    const visit = (module: string, list: WorldInterface[], exported: boolean): void => {
      for (const w of list) {
        for (const f of w.funcs) {
          Generator.asyncTypes(f.ft).forEach((t, index) => {
            const key = `${t.kind}<${this.asType(t.t!)}>`;
            if (this.endTypes.has(key)) return;
            const mod = exported ? (w.name === undefined ? '[export]$root' : `[export]${w.name}`) : (w.name ?? '$root');
            this.endTypes.set(key, { name: `${t.kind.toUpperCase()}_${this.asType(t.t!).replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, '')}`, t, module: mod, func: f.name, index });
          });
        }
      }
      void module;
    };
    visit('', this.world.imports, false);
    visit('', this.world.exports, true);
  }

  private endType(t: ValType & { kind: 'stream' | 'future' }): string {
    const key = `${t.kind}<${this.asType(t.t!)}>`;
    const e = this.endTypes.get(key);
    if (e === undefined) throw new Error(`no ${key} registered`);
    return e.name;
  }

  /** The StreamType/FutureType constants: the seven built-ins (wrapped: an @external has no table index) and a codec. */
  private endTypeDecls(): string[] {
    const out: string[] = [];
    for (const e of this.endTypes.values()) {
      const et = e.t.t!;
      const at = this.asType(et);
      const k = e.t.kind;
      const n = e.index;
      const numeric = ['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64', 'char', 'flags'].includes(et.kind);
      const x = (field: string, ps: CoreValType[], rs: CoreValType[]) => this.extern(e.module, `${field.replace('#', String(n))}${e.func}`, ps, rs);
      const isStream = k === 'stream';
      const copyPs: CoreValType[] = isStream ? ['i32', 'i32', 'i32'] : ['i32', 'i32'];
      const fNew = x(`[${k}-new-#]`, [], ['i64']);
      const fRead = x(`[async-lower][${k}-read-#]`, copyPs, ['i32']);
      const fWrite = x(`[async-lower][${k}-write-#]`, copyPs, ['i32']);
      const fCr = x(`[${k}-cancel-read-#]`, ['i32'], ['i32']);
      const fCw = x(`[${k}-cancel-write-#]`, ['i32'], ['i32']);
      const fDr = x(`[${k}-drop-readable-#]`, ['i32'], []);
      const fDw = x(`[${k}-drop-writable-#]`, ['i32'], []);
      let codec = 'null';
      if (!numeric) {
        const cls = `Codec_${e.name}`;
        const lb = new Body(this.counter, 2);
        const v = lb.bind(this.emitter.load(lb, et, 'ptr', 0, true));
        lb.line(`return ${v};`);
        const sb = new Body(this.counter, 2);
        this.emitter.store(sb, et, 'value', 'ptr', 0);
        out.push(`/** Elements of \`${k}<${at}>\` in linear memory (strings a written element owns are not freed). */
class ${cls} extends Codec<${at}> {
  constructor() {
    super(${elemSize(et)}, ${alignment(et)});
  }
  load(ptr: usize): ${at} {
${lb.text()}
  }
  store(ptr: usize, value: ${at}): void {
${sb.text()}
  }
}`);
        codec = `new ${cls}()`;
      }
      const cp = isStream ? '(e: u32, p: usize, n: u32): u32 => <u32>F(<i32>e, <i32>p, <i32>n)' : '(e: u32, p: usize): u32 => <u32>F(<i32>e, <i32>p)';
      out.push(
        `/** \`${k}<${at}>\` (built-ins of \`${e.func}\` in \`${e.module}\`, number ${n}). */
export const ${e.name} = new ${isStream ? 'StreamType' : 'FutureType'}<${at}>(
` +
          `  (): u64 => <u64>${fNew}(),
  ${cp.replace('F', fRead)},
  ${cp.replace('F', fWrite)},
` +
          `  (e: u32): u32 => <u32>${fCr}(<i32>e),
  (e: u32): u32 => <u32>${fCw}(<i32>e),
  (e: u32): void => ${fDr}(<i32>e),
  (e: u32): void => ${fDw}(<i32>e),
  ${codec},
);`,
      );
    }
    return out;
  }

  // ------------------------------------------------------------- externs

  private extern(module: string, field: string, params: readonly CoreValType[], results: readonly CoreValType[]): string {
    const name = `__x${this.externCount++}`;
    const ps = params.map((p, i) => `a${i}: ${asCore[p]}`).join(', ');
    this.externs.push(`@external(${JSON.stringify(module)}, ${JSON.stringify(field)})\ndeclare function ${name}(${ps}): ${results.length ? asCore[results[0]!] : 'void'};`);
    return name;
  }

  // ------------------------------------------------------------- types of an interface

  private typeDecls(w: WorldInterface): string[] {
    const out: string[] = [];
    const ns = this.nsOf.get(w.name)!;
    for (const { t } of w.types) {
      const n = this.named.get(t)!;
      if (n.ns !== ns) continue; // used from another interface
      const name = n.name;
      switch (t.kind) {
        case 'record':
          t.fields.forEach((f) => checkSupported(f.t, `${w.name ?? this.world.world}: ${name}.${f.label}`));
          out.push(recordDecl(name, t.fields.map((f, i) => [this.fieldNames(t)[i]!, this.asType(f.t)])));
          break;
        case 'variant': {
          const fields = this.caseFields(t);
          const lines = [`export class ${name} {`, `  tag: u32 = 0;`];
          t.cases.forEach((c, i) => {
            lines.push(`  static readonly ${c.label.replace(/-/g, '_').toUpperCase()}: u32 = ${i};`);
            if (c.t) {
              checkSupported(c.t, `${w.name ?? this.world.world}: ${name}.${c.label}`);
              const at = this.asType(c.t);
              lines.push(`  ${fields[i]}: ${at} = ${zeroOf(at, c.t)};`);
            }
          });
          t.cases.forEach((c, i) => {
            const at = c.t ? this.asType(c.t) : undefined;
            lines.push(`  static ${caseCtor(c.label)}(${at ? `v: ${at}` : ''}): ${name} {`, `    const r = new ${name}();`, `    r.tag = ${i};`);
            if (at) lines.push(`    r.${fields[i]} = v;`);
            lines.push('    return r;', '  }');
          });
          lines.push('}');
          out.push(lines.join('\n'));
          break;
        }
        case 'enum':
          out.push(`export enum ${name} {\n${t.labels.map((l, i) => `  ${pascal(l)} = ${i},`).join('\n')}\n}`);
          break;
        case 'flags': {
          const at = this.asType(t);
          out.push(`export namespace ${name} {\n${t.labels.map((l, i) => `  export const ${pascal(l)}: ${at} = ${2 ** i >>> 0};`).join('\n')}\n}`);
          break;
        }
        case 'resource':
          if (!this.exportedResources.has(t)) out.push(this.resourceClass(w, t, name));
          break;
        default:
          // A type alias of a non-nominal type: the structural type is used directly.
          break;
      }
    }
    return out;
  }

  private resourceClass(w: WorldInterface, rt: ResourceType, name: string): string {
    const module = w.name ?? '$root';
    const wit = w.types.find((x) => x.t === rt)!.name;
    const drop = this.extern(module, `[resource-drop]${wit}`, ['i32'], []);
    const lines = [
      `/** Imported resource \`${wit}\`: a handle owned (or borrowed) by this component. */`,
      `export class ${name} {`,
      `  constructor(public handle: u32) {}`,
      `  /** Drops the handle (\`[resource-drop]${wit}\`). */`,
      `  drop(): void {`,
      `    ${drop}(<i32>this.handle);`,
      `  }`,
    ];
    for (const f of w.funcs) {
      const m = RESOURCE_FUNC.exec(f.name);
      if (m === null || m[2] !== wit) continue;
      if (m[1] === 'constructor') lines.push(this.importFunc(w, f, 'static create', 1));
      else if (m[1] === 'method') lines.push(this.importFunc(w, f, safeIdent(camel(m[3]!)), 1, true));
      else lines.push(this.importFunc(w, f, `static ${safeIdent(camel(m[3]!))}`, 1));
    }
    lines.push('}');
    return lines.join('\n');
  }

  // ------------------------------------------------------------- imports

  /**
   * A typed wrapper of an imported function: lowers the parameters (flat, or
   * spilled into a buffer past the limit), calls the core import, lifts the
   * result (flat, or from a return area we allocate), frees what it
   * allocated. `[async-lower]` calls wait for their subtask first.
   */
  private importFunc(w: WorldInterface, f: WorldFunc, decl: string, depth: number, method = false): string {
    const { ft } = f;
    const module = w.name ?? '$root';
    const where = `${module}#${f.name}`;
    ft.params.forEach(([, t]) => checkSupported(t, where));
    if (ft.result) checkSupported(ft.result, where);
    const isAsync = ft.async;
    const core = flattenFunctype({ async: isAsync }, ft, 'lower');
    const fn = this.extern(module, isAsync ? `[async-lower]${f.name}` : f.name, core.params, core.results);
    const b = new Body(this.counter, depth + 1);
    const pnames = ft.params.map(([n]) => safeIdent(camel(n)));
    const params = ft.params.map(([, t], i) => ({ name: pnames[i]!, t }));
    const flatParams = flattenTypes(ft.params.map(([, t]) => t));
    const limit = isAsync ? MAX_FLAT_ASYNC_PARAMS : MAX_FLAT_PARAMS;
    const args: string[] = [];
    const allocs: Alloc[] = [];
    let area: { ptr: string; tuple: ValType } | undefined;
    const valueOf = (i: number): string => (method && i === 0 ? 'this' : params[i]!.name);
    if (flatParams.length > limit) {
      const tuple: ValType = { kind: 'tuple', ts: params.map((p) => p.t) };
      const ptr = b.tmp('args');
      b.line(`const ${ptr} = heap.alloc(${elemSize(tuple)});`);
      const offs = fieldOffsets(params.map((p) => ({ label: p.name, t: p.t })));
      params.forEach((p, i) => this.emitter.store(b, p.t, valueOf(i), ptr, offs[i]!));
      args.push(`<i32>${ptr}`);
      area = { ptr, tuple };
    } else {
      params.forEach((p, i) => {
        for (const x of this.emitter.lowerFlat(b, p.t, valueOf(i), allocs)) args.push(x.expr);
      });
    }
    const result = ft.result;
    const resultFlat = result ? flattenTypes([result]) : [];
    const sig = params.filter((_, i) => !(method && i === 0)).map((p) => `${p.name}: ${this.asType(p.t)}`).join(', ');
    const ind = '  '.repeat(depth);
    if (isAsync) {
      // The result area is an ArrayBuffer the Subtask keeps; after the result
      // it holds the addresses of our lowered buffers, which the lift frees
      // once the callee has returned (it has read them by then).
      const tail: { ptr: string; len: string | undefined; elem: ValType | undefined; tuple: ValType | undefined }[] = [];
      if (area) tail.push({ ptr: area.ptr, len: undefined, elem: undefined, tuple: area.tuple });
      for (const al of allocs) tail.push({ ptr: al.ptr, len: al.len, elem: al.elem, tuple: undefined });
      const resSize = result ? elemSize(result) : 0;
      const tailOff = Math.ceil(resSize / 4) * 4;
      const size = tailOff + 8 * tail.length;
      const rt = result ? this.asType(result) : 'bool';
      let buf = 'null';
      let lift = 'noResult';
      if (size > 0) {
        buf = b.tmp('area');
        b.line(`const ${buf} = new ArrayBuffer(${size});`);
        const base = b.bind(`changetype<usize>(${buf})`, 'usize', 'base');
        tail.forEach((x, j) => {
          b.line(`store<u32>(${base}, <u32>${x.ptr}, ${tailOff + 8 * j});`);
          if (x.len) b.line(`store<u32>(${base}, ${x.len}, ${tailOff + 8 * j + 4});`);
        });
        if (result) args.push(`<i32>${base}`);
        lift = `__lift${this.counter.n++}`;
        const lb = new Body(this.counter, depth + 1);
        const v = result ? lb.bind(this.emitter.load(lb, result, 'area', 0, true)) : 'true';
        tail.forEach((x, j) => {
          const p = lb.bind(`<usize>load<u32>(area, ${tailOff + 8 * j})`, 'usize', 'q');
          if (x.tuple) this.emitter.free(lb, x.tuple, p, 0);
          else if (x.elem !== undefined && ownsMemory(x.elem)) {
            const n = lb.bind(`load<u32>(area, ${tailOff + 8 * j + 4})`, 'u32', 'n');
            const i = lb.tmp('i');
            lb.open(`for (let ${i}: u32 = 0; ${i} < ${n}; ${i}++) {`);
            this.emitter.free(lb, x.elem, `${p} + <usize>${i} * ${elemSize(x.elem)}`, 0);
            lb.close();
          }
          lb.line(`free(${p});`);
        });
        lb.line(`return ${v};`);
        this.liftFns.push(`${ind}function ${lift}(area: usize): ${rt} {\n${lb.text()}\n${ind}}`);
      }
      b.line(`const _status = ${fn}(${args.join(', ')});`);
      b.line(`return new Subtask<${rt}>(<u32>_status, ${buf}, ${lift});`);
      const head = `${ind}/** \`${f.name}\` (async-lowered: a Subtask to poll, or to \`blockOn\`). */\n${ind}${decl}(${sig}): Subtask<${rt}> {`;
      return `${head}\n${b.text()}\n${ind}}`;
    }
    let ret: string | undefined;
    const retArea = result !== undefined && resultFlat.length > MAX_FLAT_RESULTS;
    if (retArea) {
      ret = b.tmp('ret');
      b.line(`const ${ret} = heap.alloc(${elemSize(result!)});`);
      args.push(`<i32>${ret}`);
    }
    const call = `${fn}(${args.join(', ')})`;
    let out: string | undefined;
    if (result !== undefined && !retArea) {
      out = b.bind(call, asCore[resultFlat[0]!], 'r');
    } else b.line(`${call};`);
    // Our own buffers: the callee has copied them.
    if (area) {
      this.emitter.free(b, area.tuple, area.ptr, 0);
      b.line(`heap.free(${area.ptr});`);
    } else this.emitter.freeAllocs(b, allocs);
    let value: string | undefined;
    if (result !== undefined) {
      if (retArea) {
        value = b.bind(this.emitter.load(b, result, ret!, 0, true));
        b.line(`heap.free(${ret});`);
      } else {
        value = b.bind(this.emitter.liftFlat(b, result, new FlatCursor([{ expr: out!, t: resultFlat[0]! }]), true));
      }
      b.line(`return ${value};`);
    }
    const head = `${ind}/** \`${f.name}\`. */\n${ind}${decl}(${sig}): ${result ? this.asType(result) : 'void'} {`;
    return `${head}\n${b.text()}\n${ind}}`;
  }

  // ------------------------------------------------------------- exports

  private readonly renames: Record<string, string> = {};
  private exportCount = 0;

  /** The glue of one exported function. */
  private exportFunc(w: WorldInterface, f: WorldFunc): string {
    const { ft } = f;
    const where = `${w.name ?? this.world.world}#${f.name}`;
    ft.params.forEach(([, t]) => checkSupported(t, where));
    if (ft.result) checkSupported(ft.result, where);
    for (const [, t] of ft.params) this.asType(t);
    if (ft.result) this.asType(ft.result);
    const coreName = w.name === undefined ? f.name : `${w.name}#${f.name}`;
    const isAsync = ft.async;
    const core = flattenFunctype({ async: isAsync, callback: isAsync }, ft, 'lift');
    const id = `__bg_${this.exportCount++}_${f.name.replace(/[^A-Za-z0-9]/g, '_')}`;
    const b = new Body(this.counter, 1);
    const coreParams = core.params.map((p, i) => ({ expr: `arg${i}`, t: p }));
    const flatParams = flattenTypes(ft.params.map(([, t]) => t));
    const args: string[] = [];
    if (flatParams.length > MAX_FLAT_PARAMS) {
      const offs = fieldOffsets(ft.params.map(([n, t]) => ({ label: n, t })));
      const ptr = b.bind('<usize>arg0', 'usize', 'args');
      ft.params.forEach(([, t], i) => args.push(b.bind(this.emitter.load(b, t, ptr, offs[i]!, true))));
      b.line(`free(${ptr});`);
    } else {
      const cur = new FlatCursor(coreParams);
      ft.params.forEach(([, t]) => args.push(b.bind(this.emitter.liftFlat(b, t, cur, true))));
    }
    const implRef = `impl.${w.name === undefined ? '' : `${this.nsOf.get(w.name)}.`}${safeIdent(camel(f.name))}`;
    const rm = RESOURCE_FUNC.exec(f.name);
    let call = `${implRef}(${args.join(', ')})`;
    if (rm !== null) {
      const rt = w.types.find((x) => x.name === rm[2] && x.t.kind === 'resource')?.t as ResourceType | undefined;
      if (rt === undefined || !this.exportedResources.has(rt)) throw new BindgenError('unsupported-item', `${where}: no exported resource ${rm[2]}`);
      const cls = this.implClass(rt);
      if (rm[1] === 'constructor') call = `new ${cls}(${args.join(', ')})`;
      else if (rm[1] === 'method') call = `${args[0]}.${safeIdent(camel(rm[3]!))}(${args.slice(1).join(', ')})`;
      else call = `${cls}.${safeIdent(camel(rm[3]!))}(${args.join(', ')})`;
    }
    const result = ft.result;
    const out: string[] = [];
    const sig = coreParams.map((p) => `${p.expr}: ${asCore[p.t]}`).join(', ');
    const resultFlat = result ? flattenTypes([result]) : [];
    if (!isAsync) {
      this.renames[id] = coreName;
      if (result === undefined) {
        b.line(`${call};`);
      } else if (resultFlat.length <= MAX_FLAT_RESULTS) {
        const r = b.bind(call, undefined, 'r');
        const [x] = this.emitter.lowerFlat(b, result, r, []);
        b.line(`return ${x!.expr};`);
      } else {
        // The return area: static (a sync export is not re-entered before its post-return).
        const area = `RET${this.exportCount - 1}`;
        out.push(`const ${area}: usize = memory.data(${elemSize(result)}, ${alignment(result)});`);
        const r = b.bind(call, undefined, 'r');
        this.emitter.store(b, result, r, area, 0);
        b.line(`return <i32>${area};`);
        if (ownsMemory(result)) {
          const pb = new Body(this.counter, 1);
          this.emitter.free(pb, result, '<usize>ret', 0);
          out.push(`/** \`cabi_post_${coreName}\`: frees what the result owned, once the caller copied it. */\n${exportName(`cabi_post_${coreName}`)}export function ${id}_post(ret: i32): void {\n${pb.text()}\n}`);
          this.renames[`${id}_post`] = `cabi_post_${coreName}`;
        }
      }
      out.push(`/** \`${coreName}\`. */\n${exportName(coreName)}export function ${id}(${sig}): ${core.results.length ? asCore[core.results[0]!] : 'void'} {\n${b.text()}\n}`);
      return out.join('\n\n');
    }
    // Async, callback-lifted: the implementation returns a Future (the SDK's
    // model); the SDK runs the task, and once the root future is ready the
    // return function lowers its value and calls task.return.
    const trParams = flattenFunctype({}, { kind: 'func', params: result ? [['r', result]] : [], result: undefined, async: false }, 'lower').params;
    const taskReturn = this.extern(w.name === undefined ? '[export]$root' : `[export]${w.name}`, `[task-return]${f.name}`, trParams, []);
    const rt = result ? this.asType(result) : 'Unit';
    const rb = new Body(this.counter, 1);
    if (result === undefined) {
      rb.line(`${taskReturn}();`);
    } else {
      const r = rb.bind('root.value', rt, 'r');
      if (resultFlat.length > MAX_FLAT_PARAMS) {
        const ptr = rb.tmp('res');
        rb.line(`const ${ptr} = heap.alloc(${elemSize(result)});`);
        this.emitter.store(rb, result, r, ptr, 0);
        rb.line(`${taskReturn}(<i32>${ptr});`);
        this.emitter.free(rb, result, ptr, 0);
        rb.line(`heap.free(${ptr});`);
      } else {
        const allocs: Alloc[] = [];
        const flats: Flat[] = this.emitter.lowerFlat(rb, result, r, allocs);
        rb.line(`${taskReturn}(${flats.map((x) => x.expr).join(', ')});`);
        this.emitter.freeAllocs(rb, allocs);
      }
    }
    b.line(`return startTask<${rt}>(${call}, ${id}_return);`);
    this.renames[`${id}_lift`] = `[async-lift]${coreName}`;
    this.renames[`${id}_callback`] = `[callback][async-lift]${coreName}`;
    out.push(`/** Lowers the value of \`${coreName}\` and calls its \`[task-return]\`. */\nfunction ${id}_return(root: Future<${rt}>): void {\n${rb.text()}\n}`);
    out.push(`/** \`[async-lift]${coreName}\`: lifts the parameters and starts the task on the implementation's future. */\n${exportName(`[async-lift]${coreName}`)}export function ${id}_lift(${sig}): u32 {\n${b.text()}\n}`);
    out.push(`/** \`[callback][async-lift]${coreName}\`. */\n${exportName(`[callback][async-lift]${coreName}`)}export function ${id}_callback(event: u32, waitable: u32, payload: u32): u32 {\n  return continueTask(event, waitable, payload);\n}`);
    return out.join('\n\n');
  }

  // ------------------------------------------------------------- files

  generate(): GeneratedBindings {
    const impl = this.opts.impl ?? '../impl';
    const sdk = this.opts.sdk ?? 'wasip3-task-shim/assembly/sdk';
    this.collectEndTypes();
    const exportBlocks: string[] = [];
    this.inGlue = true;
    for (const w of this.world.exports) for (const f of w.funcs) exportBlocks.push(this.exportFunc(w, f));
    for (const [rt, g] of this.resourceGlue) exportBlocks.unshift(this.resourceGlueDecl(rt, g));
    this.inGlue = false;
    const exportExterns = this.externs.splice(0);
    const endDecls = this.endTypeDecls();
    const nsBlocks: string[] = [];
    const emitted: string[] = [];
    const done = new Set<string>();
    const byNs = new Map<string, WorldInterface[]>();
    for (const w of [...this.world.imports, ...this.world.exports]) {
      const ns = this.nsOf.get(w.name)!;
      (byNs.get(ns) ?? byNs.set(ns, []).get(ns)!).push(w);
    }
    for (const [ns, ws] of byNs) {
      if (done.has(ns)) continue;
      done.add(ns);
      const parts: string[] = [];
      const seenTypes = new Set<unknown>();
      for (const w of ws) {
        const fresh = { ...w, types: w.types.filter((x) => !seenTypes.has(x.t)) };
        for (const x of w.types) seenTypes.add(x.t);
        parts.push(...this.typeDecls(fresh));
      }
      const imported = ws.filter((w) => this.world.imports.includes(w));
      for (const w of imported) {
        for (const f of w.funcs) {
          if (RESOURCE_FUNC.test(f.name)) continue; // members of the resource's class
          parts.push(this.importFunc(w, f, `export function ${safeIdent(camel(f.name))}`, 1));
        }
      }
      parts.push(...this.liftFns.splice(0).map((f) => f.replace(/^ +/gm, (m) => m.slice(2))));
      const names = ws.map((w) => w.name ?? `world ${this.world.world}`).filter((v, i, a) => a.indexOf(v) === i);
      if (parts.length === 0) continue;
      emitted.push(ns);
      nsBlocks.push(`/** ${names.join(', ')} */\nexport namespace ${ns} {\n${parts.map(indent).join('\n\n')}\n}`);
    }
    // Tuples may hold the user's classes of exported resources: bindings.ts then imports the implementation too.
    this.inGlue = true;
    const tupleDecls = [...this.tuples.values()].map(({ cls, t }) => recordDecl(cls, (t as unknown as { ts: ValType[] }).ts.map((u, i) => [`f${i}`, this.asType(u)])));
    this.inGlue = false;
    const tuplesUseImpl = tupleDecls.some((d) => d.includes('impl.'));
    const header = `// Generated by \`wasip3-task bindgen\` for world \`${this.world.world}\`. Do not edit.\n`;
    const rtImports = `import { Option, Result, Unit, some, none, ok, err, trap, checkChar, free } from "./rt";`;
    const sdkImports = `import { Future, startTask, continueTask, StreamType, FutureType, StreamReader, FutureReader, Codec, Subtask, noResult } from ${JSON.stringify(sdk)};`;
    const endNames = [...this.endTypes.values()].map((e) => e.name);
    const bindings = [
      header,
      ...(tuplesUseImpl ? [`import * as impl from ${JSON.stringify(impl)};`] : []),
      rtImports,
      sdkImports,
      `export { Option, Result, Unit, some, none, ok, err } from "./rt";\n`,
      ...this.externs.splice(0),
      ...tupleDecls,
      ...endDecls,
      ...nsBlocks,
    ].join('\n');
    // The export glue: its externs (task.return) are generated with it.
    const glue = exportBlocks.join('\n\n');
    const exportsTs = [
      header,
      `import * as impl from ${JSON.stringify(impl)};`,
      `import { ${[...emitted, ...[...this.tuples.values()].map((x) => x.cls), ...endNames].join(', ')} } from "./bindings";`,
      rtImports,
      sdkImports,
      '',
      ...exportExterns,
      glue,
      '',
    ].join('\n');
    return {
      files: { 'bindings.ts': usedOnly(bindings), 'exports.ts': usedOnly(exportsTs), 'exports.json': JSON.stringify(this.renames, null, 2) + '\n' },
      renames: { ...this.renames },
    };
  }
}

/** The SDK toolchain's export-name decorator (asc accepts and ignores it; the transform renames). */
function exportName(name: string): string {
  return `// @ts-ignore: decorator\n@exportName(${JSON.stringify(name)})\n`;
}

function indent(s: string): string {
  return s.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');
}

function recordDecl(name: string, fields: [string, string][]): string {
  return `export class ${name} {\n  constructor(\n${fields.map(([n, t]) => `    public ${n}: ${t},`).join('\n')}\n  ) {}\n}`;
}

function zeroOf(at: string, t: ValType): string {
  switch (t.kind) {
    case 'bool':
      return 'false';
    case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 's64': case 'u64': case 'f32': case 'f64': case 'char': case 'flags':
      return '0';
    case 'enum':
      return `<${at}>0`;
    default:
      return `changetype<${at}>(0)`;
  }
}

/** Drops the names of the rt import line that the file does not use (asc warns about nothing, but keep it tidy). */
function usedOnly(src: string): string {
  return src.replace(/^import \{ ([^}]*) \} from ("[^"]+");$/gm, (line, names: string, from: string) => {
    const rest = src.replace(line, '');
    const used = names.split(', ').filter((n) => n && new RegExp(`\\b${n.replace('$', '\\$')}\\b`).test(rest));
    return used.length ? `import { ${used.join(', ')} } from ${from};` : '';
  });
}

/** Generates the bindings of a resolved world. */
export function generateBindings(world: ResolvedWorld, opts: GenerateOptions = {}): GeneratedBindings {
  return new Generator(world, opts).generate();
}
