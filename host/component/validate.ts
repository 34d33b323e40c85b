/**
 * Types and validation of a decoded component: resolves every type index
 * into the shared `types.ts` representation, builds the typed index spaces
 * (what each func, instance, component, value, type, core func, core
 * instance and core module index is), and checks what a host needs before
 * instantiation. Each failure is a `ComponentError` whose `rule` names the
 * check broken and whose `offset` is the definition's first byte.
 *
 * The checks (also listed in README.md, "Component loader"):
 *
 * | rule                    | what is rejected                                                        |
 * |-------------------------|-------------------------------------------------------------------------|
 * | type-not-defvaltype     | a value type index naming a func/component/instance/resource type       |
 * | type-not-resource       | own/borrow (and resource.new/drop/rep) of a type that is not a resource |
 * | resource-not-local      | resource.new/rep of a resource this component did not define            |
 * | type-not-func           | canon lift, a func import/export or a start of a non-func type          |
 * | type-mismatch           | an externtype whose type index names the wrong kind of type; a stream/  |
 * |                         | future built-in on a type that is not a stream/future                   |
 * | borrow-in-result        | a borrow anywhere inside a function result                              |
 * | borrow-in-stream        | a borrow inside a stream or future payload type                         |
 * | stream-char             | `stream<char>`                                                          |
 * | bad-annotation          | a [constructor]/[method]/[static] name that is not a func, names no     |
 * |                         | preceding resource, or has the wrong result / `self` parameter; any such|
 * |                         | name in a bag-of-exports instance (it names no resource)                |
 * | duplicate-name          | import, export, param, instantiate-argument names not strongly unique;  |
 * |                         | a core module or module type importing one module + field name twice,  |
 * |                         | a module type exporting one name twice                                  |
 * | bad-extern-name         | an import/export/inline-export name that is neither a plain name nor an |
 * |                         | interface name (one namespace and one projection: nested forms are 🪺)  |
 * | bad-implements          | an `implements` value that is not an interface name; `implements` on a |
 * |                         | non-instance or on a name that is not a plain name                      |
 * | bad-version-suffix      | a `versionsuffix` whose name has no canonical version (`@1`, `@0.2`),   |
 * |                         | or whose version joined with it is not a valid semver                   |
 * | missing-arg             | a (core) instantiation that does not supply an import                  |
 * | missing-export          | an alias of a name the (core) instance does not export                 |
 * | wrong-sort              | an alias, argument or export whose item is of another sort              |
 * | not-subtype             | an instantiate argument or an ascribed export whose type does not match;|
 * |                         | a core instantiation argument's table/memory/global, or a core module's |
 * |                         | imports/exports against a module type (WebAssembly import matching)    |
 * | async-option-sync-type  | `async` on canon lift/lower of a function type that is not `async`      |
 * | callback-without-async  | `callback` without `async`                                              |
 * | post-return-with-async  | `post-return` together with `async`                                     |
 * | async-without-callback  | `async` lift with no `callback` (only when stackful lifts are refused)  |
 * | option-not-allowed      | an option the form does not take (callback/post-return off lift, realloc|
 * |                         | on task.return, ...)                                                    |
 * | missing-memory          | strings/lists, spilled params/results, async lower, stream/future       |
 * |                         | payloads, waitable-set or error-context text without `memory`           |
 * | missing-realloc         | strings/lists to be lowered into the component, or spilled lift params, |
 * |                         | without `realloc`                                                       |
 * | realloc-type            | realloc is not (i32 i32 i32 i32) -> i32 (when its type is known)        |
 * | callback-type           | callback is not (i32 i32 i32) -> i32 (when known)                       |
 * | post-return-type        | post-return does not take the lifted function's flat results (known)    |
 * | core-func-type          | a lifted core function whose type is not flatten_functype (when known)  |
 * | dtor-type               | a resource destructor that is not (i32) -> () (when known)              |
 * | core-module-invalid     | a core module whose sections cannot be read                             |
 * | core-limits             | a memory/table in a core module type past 2^16 pages (2^48, memory64) / |
 * |                         | 2^32-1 elements, min > max, or a shared memory without a maximum        |
 * | core-subtype            | a GC sub type with several supertypes, a supertype not defined before   |
 * |                         | it or final, or one it does not match (WebAssembly 3.0 subtyping)       |
 * | element-size            | a value type with elem_size(t, 'i64') >= 2^28 (e.g. `list<u64, 2^25>`)  |
 * | type-too-large          | a type whose tree-expanded size passes 1,000,000 nodes (shared subtypes |
 * |                         | counted each time: the bound against types built to explode)            |
 * | bad-value               | a value definition whose bytes are not one `val(t)` of its type         |
 * | type-not-named          | an import or export (of a component or component type) whose type uses |
 * |                         | a record, variant, enum, flags or resource that no preceding import or  |
 * |                         | export names (an import only by imports); see `Scope.named`; a resource |
 * |                         | by the index an export or (eq) import introduces (`resourceAliases`)    |
 * | type-mismatch (alias)   | an outer type alias crossing a component boundary (also from a type     |
 * |                         | declarator inside a nested component) to a type that refers to resources|
 *
 * "When known": core function types come from the core modules' own type,
 * import, function and export sections (read by `binary/core.ts`) and from
 * `canon lower`; for other core functions (built-ins) WebAssembly checks the
 * signature at instantiation.
 */
import { ComponentError } from './binary/reader.js';
import { decodeValue } from './binary/value.js';
import { MAX_FLAT_ASYNC_PARAMS, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, spillFunctype } from './abi/layout.js';
import { decodeComponent } from './binary/decode.js';
import { readModuleType, refText, REF_SHORTHANDS } from './binary/core.js';
import type {
  Alias, CanonOpts, Component, CoreCompType, CoreDefType, CoreRecType, CoreValType as AstCoreValType, Definition, DefType, DefValType, ExternName, ExternTypeRef, Sort, TypeDecl, ValTypeRef,
} from './binary/ast.js';
import {
  ErrorContext, Prim,
  type ComponentType, type CoreExternDesc, type CoreExternKind, type CoreFuncType, type CoreLimitsDesc, type CoreGcType, type CoreTypeEntry, type CoreValType, type DefinedType, type ExternDecl, type ExternType,
  type FuncType, type InstanceType, type ModuleType, type ResourceType, type ValType,
} from './types.js';
import type { ComponentRule } from './binary/reader.js';

export { ComponentError };

export { MAX_FLAT_ASYNC_PARAMS, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS };

export interface ValidateOptions {
  /** Accept `async` lifts without `callback` (the stackful ABI). Default true. */
  readonly allowStackful?: boolean;
}

/** A core instance: what it exports, with the core function types known. */
export interface CoreInstanceInfo {
  readonly exports: ReadonlyMap<string, { readonly kind: CoreExternKind; readonly t: CoreFuncType | undefined; readonly desc?: CoreExternDesc | undefined }>;
}

/** What each index of each sort is, in a validated component (or a type declarator scope). */
export interface TypedSpaces {
  readonly types: DefinedType[];
  readonly coreTypes: CoreTypeEntry[];
  readonly coreModules: ModuleType[];
  readonly coreInstances: CoreInstanceInfo[];
  /** Core func types where known (canon lower, core module exports). */
  readonly coreFuncs: (CoreFuncType | undefined)[];
  readonly coreMemories: number[];
  readonly coreTables: number[];
  readonly coreGlobals: number[];
  readonly coreTags: number[];
  readonly funcs: FuncType[];
  readonly values: ValType[];
  readonly components: ComponentType[];
  readonly instances: InstanceType[];
}

/** A validated component: the decoded AST, its typed index spaces, imports, exports and type. */
export interface ValidatedComponent extends TypedSpaces {
  readonly component: Component;
  readonly imports: readonly ExternDecl[];
  readonly exports: readonly ExternDecl[];
  readonly type: ComponentType;
  /** The nested components, by component index (undefined for imported ones). */
  readonly nested: (ValidatedComponent | undefined)[];
  /** Resource types defined here, with their destructor's core func index. */
  readonly resources: Map<ResourceType, { readonly dtor: number | undefined }>;
}

/** Decode and validate in one step. */
export function loadComponentBinary(bytes: Uint8Array, options: ValidateOptions = {}): ValidatedComponent {
  return validateComponent(decodeComponent(bytes), options);
}

/** Validate a decoded component (throws `ComponentError`). */
export function validateComponent(component: Component, options: ValidateOptions = {}): ValidatedComponent {
  try {
    return new Validator(options, undefined).component(component);
  } catch (e) {
    if (e instanceof ComponentError) throw e;
    throw new ComponentError('unsupported', -1, 'validate', `validation could not finish: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// ---------------------------------------------------------------- scopes

class Scope implements TypedSpaces {
  types: DefinedType[] = [];
  coreTypes: CoreTypeEntry[] = [];
  coreModules: ModuleType[] = [];
  coreInstances: CoreInstanceInfo[] = [];
  coreFuncs: (CoreFuncType | undefined)[] = [];
  coreMemories: number[] = [];
  coreTables: number[] = [];
  coreGlobals: number[] = [];
  coreTags: number[] = [];
  funcs: FuncType[] = [];
  values: ValType[] = [];
  components: ComponentType[] = [];
  instances: InstanceType[] = [];
  /** The types of the core tables, memories and globals, where known (aliased from instances whose module says). */
  readonly coreDescs = { table: [] as (CoreExternDesc | undefined)[], memory: [] as (CoreExternDesc | undefined)[], global: [] as (CoreExternDesc | undefined)[] };
  imports: ExternDecl[] = [];
  exports: ExternDecl[] = [];
  importNames = new Set<string>();
  exportNames = new Set<string>();
  /** Resources imported / exported under a plain name, for `[constructor]`/`[method]`/`[static]` names. */
  importedResources = new Map<string, ResourceType>();
  exportedResources = new Map<string, ResourceType>();
  /**
   * The types named by an import (`imported`) or by an import or export
   * (`exported`) of this scope: the nominal types (record, variant, enum,
   * flags: the object of the index the import/export introduces; resources)
   * an import/export may use. Types exported by an imported or exported
   * instance are named too (an alias of them is).
   */
  readonly named = { imported: new Set<Named>(), exported: new Set<Named>() };
  /**
   * Type indices of this scope that name a resource under an index of their
   * own: a resource type export, or an `(eq R)` import or export, introduces
   * a new index for the same resource, and only that index is named (as
   * wasmparser's aliasable resource ids). Other indices name the resource
   * itself.
   */
  readonly resourceAliases = new Map<number, ResourceAlias>();
  /**
   * In an instance type: the resources it defines (its `(sub resource)`
   * type exports, and those of instance exports, freshened): each import or
   * export of the instance type gets fresh ones (`freshenInstance`).
   */
  readonly defined: ResourceType[] = [];
  constructor(
    readonly parent: Scope | undefined,
    readonly kind: 'component' | 'component type' | 'instance type',
  ) {}

  /** Add an item of a component-level sort, described by its extern type. */
  push(e: ExternType): void {
    switch (e.kind) {
      case 'core module': this.coreModules.push(e.type); break;
      case 'func': this.funcs.push(e.type); break;
      case 'value': this.values.push(e.type); break;
      case 'type': this.types.push(e.type); break;
      case 'component': this.components.push(e.type); break;
      case 'instance': this.instances.push(e.type); break;
    }
  }

  /** The extern type of a component-level item (`core module`, func, value, type, component, instance). */
  extern(sort: Sort, idx: number): ExternType | undefined {
    switch (sort) {
      case 'core module': return this.coreModules[idx] && { kind: 'core module', type: this.coreModules[idx] };
      case 'func': return this.funcs[idx] && { kind: 'func', type: this.funcs[idx] };
      case 'value': return this.values[idx] && { kind: 'value', type: this.values[idx] };
      case 'type': return this.types[idx] && { kind: 'type', type: this.types[idx] };
      case 'component': return this.components[idx] && { kind: 'component', type: this.components[idx] };
      case 'instance': return this.instances[idx] && { kind: 'instance', type: this.instances[idx] };
    }
    return undefined;
  }
}

/**
 * Resources introduced by a `(sub resource)` bound (imports, and exports in
 * type declarators): type parameters, which subtyping binds on first sight
 * (when given a bindings map) rather than compares.
 */
const abstractResources = new WeakSet<ResourceType>();

function freshResource(name: string, abstract: boolean): ResourceType {
  const rt: ResourceType = { kind: 'resource', name, rep: 'i32' };
  if (abstract) abstractResources.add(rt);
  return rt;
}

const isValType = (t: DefinedType): t is ValType =>
  t.kind !== 'func' && t.kind !== 'component' && t.kind !== 'instance' && t.kind !== 'resource';

// ---------------------------------------------------------------- the validator

class Validator {
  private at = -1;
  private section = 'validate';

  constructor(
    private readonly options: ValidateOptions,
    private readonly outer: Scope | undefined,
  ) {}

  private fail(rule: ComponentRule, detail: string): never {
    throw new ComponentError(rule, this.at, this.section, detail);
  }

  component(c: Component): ValidatedComponent {
    const s = new Scope(this.outer, 'component');
    const nested: (ValidatedComponent | undefined)[] = [];
    const resources = new Map<ResourceType, { dtor: number | undefined }>();
    for (const d of c.definitions) {
      this.at = d.offset;
      this.section = d.tag;
      this.definition(d, s, c, nested, resources);
    }
    const type: ComponentType = { kind: 'component', imports: s.imports, exports: s.exports };
    return { ...spacesOf(s), component: c, imports: s.imports, exports: s.exports, type, nested, resources };
  }

  private definition(d: Definition, s: Scope, c: Component, nested: (ValidatedComponent | undefined)[], resources: Map<ResourceType, { dtor: number | undefined }>): void {
    switch (d.tag) {
      case 'core module': {
        let mt: ModuleType;
        try {
          mt = readModuleType(d.bytes, d.offset);
        } catch (e) {
          if (e instanceof ComponentError) throw e;
          this.fail('core-module-invalid', String(e));
        }
        s.coreModules.push(mt);
        return;
      }
      case 'core instance': {
        const e = d.expr;
        if (e.kind === 'instantiate') {
          const mt = s.coreModules[e.module];
          const args = new Map<string, CoreInstanceInfo>();
          for (const a of e.args) {
            if (args.has(a.name)) this.fail('duplicate-name', `the core instantiate argument '${a.name}' is given twice`);
            args.set(a.name, s.coreInstances[a.instance]);
          }
          for (const imp of mt.imports) {
            const inst = args.get(imp.module);
            if (!inst) this.fail('missing-arg', `core module ${e.module} imports from '${imp.module}', which is not among the instantiate arguments`);
            const ex = inst.exports.get(imp.field);
            if (!ex) this.fail('missing-export', `core module ${e.module} imports '${imp.module}' '${imp.field}', which the instance passed as '${imp.module}' does not export`);
            if (ex.kind !== imp.kind) this.fail('wrong-sort', `core module ${e.module} imports '${imp.module}' '${imp.field}' as a ${imp.kind}, but it is a ${ex.kind}`);
            if (imp.t && ex.t && !coreFuncEq(imp.t, ex.t)) {
              this.fail('core-func-type', `core module ${e.module} imports '${imp.module}' '${imp.field}' as ${showCore(imp.t)}, but it is ${showCore(ex.t)}`);
            }
            const why = coreExternError(ex, imp);
            if (why) this.fail('not-subtype', `core module ${e.module} imports '${imp.module}' '${imp.field}', and the instance passed as '${imp.module}' exports a ${ex.kind} that does not match: ${why}`);
          }
          s.coreInstances.push({ exports: new Map(mt.exports.map((x) => [x.name, { kind: x.kind, t: x.t, desc: x.desc }])) });
        } else {
          const exports = new Map<string, { kind: CoreExternKind; t: CoreFuncType | undefined; desc: CoreExternDesc | undefined }>();
          for (const x of e.exports) {
            if (exports.has(x.name)) this.fail('duplicate-name', `the core export '${x.name}' appears twice`);
            const kind = x.sort.slice(5) as CoreExternKind;
            const desc = kind === 'table' || kind === 'memory' || kind === 'global' ? s.coreDescs[kind][x.idx] : undefined;
            exports.set(x.name, { kind, t: kind === 'func' ? s.coreFuncs[x.idx] : undefined, desc });
          }
          s.coreInstances.push({ exports });
        }
        return;
      }
      case 'core type':
        s.coreTypes.push(...this.coreDefType(d.type, s, s.coreTypes));
        return;
      case 'component': {
        const v = new Validator(this.options, s).component(d.component);
        nested[s.components.length] = v;
        s.components.push(v.type);
        return;
      }
      case 'instance': {
        const e = d.expr;
        if (e.kind === 'instantiate') {
          const ct = s.components[e.component];
          const args = new Map<string, ExternType>();
          for (const a of e.args) {
            if (args.has(a.name)) this.fail('duplicate-name', `the instantiate argument '${a.name}' is given twice`);
            const ext = s.extern(a.sort, a.idx);
            if (!ext) this.fail('wrong-sort', `the instantiate argument '${a.name}' is a ${a.sort}, which cannot be passed to a component`);
            args.set(a.name, ext);
          }
          const bindings = new Map<ResourceType, ResourceType>();
          for (const imp of ct.imports) {
            const arg = args.get(imp.name);
            if (!arg) this.fail('missing-arg', `component ${e.component} imports '${imp.name}', which is not among the instantiate arguments`);
            const why = subtypeError(arg, imp.t, bindings);
            if (why) this.fail('not-subtype', `the argument '${imp.name}' does not match component ${e.component}'s import: ${why}`);
          }
          // Resource types the component defines (those not bound to an
          // argument) are generative: each instantiation exports fresh ones.
          for (const rt of exportedResources(ct.exports)) {
            if (!bindings.has(rt)) bindings.set(rt, freshResource(rt.name, false));
          }
          // A type import `(eq T)` of a nominal type is a new index the
          // component's types refer to; instantiation replaces it by the
          // argument's type, so that a type the parent names stays named in
          // what the instance exports (Explainer.md, "external visibility").
          const subst = new Map<DefinedType, DefinedType>(bindings);
          for (const imp of ct.imports) {
            const arg = args.get(imp.name);
            if (imp.t.kind === 'type' && nominal(imp.t.type) && arg?.kind === 'type') subst.set(imp.t.type, arg.type);
          }
          s.instances.push({ kind: 'instance', exports: ct.exports.map((x) => ({ name: x.name, t: substExtern(x.t, subst) })) });
        } else {
          const names = new Set<string>();
          const exports: ExternDecl[] = [];
          for (const x of e.exports) {
            this.externName(x.name);
            this.uniqueName(names, x.name.name, 'inline export');
            const ext = s.extern(x.sort, x.idx);
            if (!ext) this.fail('wrong-sort', `the inline export '${x.name.name}' is a ${x.sort}; instances export component-level items and core modules`);
            this.attributes(x.name, ext);
            // A bag of exports introduces no index, so no resource gets a
            // plain name in it: annotated names have nothing to refer to.
            this.annotated(x.name.name, ext, undefined);
            exports.push({ name: x.name.name, t: ext });
          }
          s.instances.push({ kind: 'instance', exports });
        }
        return;
      }
      case 'alias':
        this.alias(d.alias, s);
        return;
      case 'type': {
        const t = this.defType(d.type, s, []);
        if (t.kind === 'resource') {
          const name = c.names?.sorts.get('type')?.get(d.index);
          const rt = freshResource(name ?? `resource ${d.index}`, false);
          const def = d.type as Extract<DefType, { kind: 'resource' }>;
          if (def.dtor !== undefined) {
            const ft = s.coreFuncs[def.dtor];
            if (ft && !coreFuncEq(ft, { params: ['i32'], results: [] })) this.fail('dtor-type', `the destructor is ${showCore(ft)}, not (i32) -> ()`);
          }
          resources.set(rt, { dtor: def.dtor });
          s.types.push(rt);
        } else s.types.push(t);
        return;
      }
      case 'canon':
        this.canon(d, s, resources);
        return;
      case 'start': {
        const ft = s.funcs[d.func];
        if (ft.params.length !== d.args.length) this.fail('type-mismatch', `the start function takes ${ft.params.length} argument(s), ${d.args.length} given`);
        ft.params.forEach(([label, t], i) => {
          if (!typeEq(t, s.values[d.args[i]])) this.fail('type-mismatch', `start argument '${label}' is not of the parameter's type`);
        });
        const n = ft.result ? 1 : 0;
        if (n !== d.results) this.fail('type-mismatch', `the start function has ${n} result(s), ${d.results} declared`);
        if (ft.result) s.values.push(ft.result);
        return;
      }
      case 'import': {
        this.externName(d.name);
        this.uniqueName(s.importNames, d.name.name, 'import');
        const t = freshenInstance(this.externType(d.type, s, d.name.name), undefined);
        this.attributes(d.name, t);
        this.annotated(d.name.name, t, s.importedResources);
        const alias = this.resourceAlias(t, s, d.type.kind === 'type' && d.type.bound.kind !== 'eq');
        this.named(d.name.name, 'import', t, s, alias);
        s.imports.push({ name: d.name.name, t });
        s.push(t);
        if (alias) s.resourceAliases.set(s.types.length - 1, alias);
        return;
      }
      case 'export': {
        this.externName(d.name);
        this.uniqueName(s.exportNames, d.name.name, 'export');
        const actual = s.extern(d.target.sort, d.target.idx);
        if (!actual) this.fail('wrong-sort', `an export of a ${d.target.sort}`);
        let t = actual;
        if (d.type) {
          const ascribed = this.externType(d.type, s, d.name.name);
          const why = subtypeError(actual, ascribed, undefined);
          if (why && !(ascribed.kind === 'type' && ascribed.type.kind === 'resource' && actual.kind === 'type' && actual.type.kind === 'resource')) {
            this.fail('not-subtype', `the export '${d.name.name}' is ascribed a type it does not have: ${why}`);
          }
          if (ascribed.kind !== 'type') t = ascribed;
          else if (nominal(ascribed.type)) t = ascribed;
          // `(sub resource)` hides the resource's identity: the export is a
          // new resource type, distinct from every other (Explainer.md, the
          // existential introduction rule).
          else if (ascribed.type.kind === 'resource' && d.type?.kind === 'type' && d.type.bound.kind !== 'eq') t = { kind: 'type', type: freshResource(d.name.name, false) };
        } else if (t.kind === 'type' && nominal(t.type)) {
          // The export introduces a new index, and only that one is named (not the one exported).
          t = { kind: 'type', type: { ...t.type } };
        }
        if (t.kind === 'func' && (containsBorrow(t.type.result))) this.fail('borrow-in-result', `the exported function '${d.name.name}' returns a borrow`);
        this.attributes(d.name, t);
        this.annotated(d.name.name, t, s.exportedResources);
        const alias = this.resourceAlias(t, s, d.type?.kind === 'type' && d.type.bound.kind !== 'eq');
        this.named(d.name.name, 'export', t, s, alias);
        s.exports.push({ name: d.name.name, t });
        // The export's new index has the ascribed type when one is given.
        s.push(t);
        if (alias) s.resourceAliases.set(s.types.length - 1, alias);
        return;
      }
      case 'value': {
        const t = this.valType(d.t, s);
        // The bytes must be one value of the type (Binary.md `val(t)`).
        decodeValue(d.bytes, t, d.offset);
        s.values.push(t);
        return;
      }
    }
  }

  /**
   * Binary.md's rules for annotated plain names: `[constructor]R`,
   * `[method]R.m` and `[static]R.m` are funcs whose `R` is a resource imported
   * (or exported) earlier in the same scope under the plain name `R`; a
   * constructor returns `(own R)` or `(result (own R) E?)`; a method's first
   * parameter is `self: borrow<R>`. A resource under a plain name is recorded.
   * `resources` is undefined for a bag-of-exports instance, which introduces
   * no index and so names no resource.
   */
  private annotated(name: string, t: ExternType, resources: Map<string, ResourceType> | undefined): void {
    if (t.kind === 'type' && t.type.kind === 'resource' && PLAIN_LABEL.test(name)) {
      resources?.set(name, t.type);
      return;
    }
    const m = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(name);
    if (!m) return;
    const [, kind, r] = m;
    if (t.kind !== 'func') this.fail('bad-annotation', `'${name}' is a ${t.kind}; [${kind}] names are only for functions`);
    if (!resources) this.fail('bad-annotation', `'${name}' in a bag-of-exports instance: the bag introduces no type index, so no resource '${r}' has a name there`);
    const rt = resources.get(r);
    if (!rt) this.fail('bad-annotation', `'${name}': no resource '${r}' is imported or exported before it in this scope`);
    const ft = t.type;
    if (kind === 'constructor') {
      const res = ft.result;
      const own = res?.kind === 'result' ? res.ok : res;
      if (!own || own.kind !== 'own' || own.rt !== rt) this.fail('bad-annotation', `the constructor '${name}' must return (own ${r}) or (result (own ${r}) E?)`);
    } else if (kind === 'method') {
      const first = ft.params[0];
      if (!first || first[0] !== 'self' || first[1].kind !== 'borrow' || first[1].rt !== rt) {
        this.fail('bad-annotation', `the method '${name}' must take (param "self" (borrow ${r})) first`);
      }
    }
  }

  /**
   * The rule that the types of an import or export are named (Binary.md:
   * "all resource types transitively used in the type of an export are
   * introduced by a preceding importdecl or exportdecl"; wasmparser applies
   * it to every nominal type: record, variant, enum, flags and resources):
   * checks `t` against the scope's named types, then records what it names.
   * An import may use only imported types; an export, imported or exported
   * ones. Not checked inside instance types (their imports/exports are
   * checked where the instance is imported or exported).
   */
  private named(name: string, kind: 'import' | 'export', t: ExternType, s: Scope, alias?: ResourceAlias): void {
    if (s.kind === 'instance type') return;
    const set = kind === 'import' ? s.named.imported : s.named.exported;
    namingScope = s;
    const bad = unnamedIn(t, set, s, kind, false, alias);
    namingScope = undefined;
    if (bad !== undefined) {
      this.fail('type-not-named', `the ${kind} '${name}' (${t.kind}) uses ${bad}, which no preceding ${kind === 'import' ? 'import' : 'import or export'} names: export (or import) the type and use the index that introduces`);
    }
  }

  /**
   * The alias a resource import/export's new type index gets (see
   * `Scope.resourceAliases`): none for a brand-new resource (`fresh`: a
   * `(sub resource)` bound, which is named as itself) or in an instance type
   * (not checked there).
   */
  private resourceAlias(t: ExternType, s: Scope, fresh: boolean): ResourceAlias | undefined {
    if (s.kind === 'instance type' || fresh || t.kind !== 'type' || t.type.kind !== 'resource') return undefined;
    return { scope: s, rt: t.type };
  }

  private uniqueName(set: Set<string>, name: string, what: string): void {
    const key = strongName(name);
    if (set.has(key)) this.fail('duplicate-name', `the ${what} name '${name}' is not strongly-unique in its scope`);
    set.add(key);
  }

  private externName(n: ExternName): void {
    if (!isExternName(n.name)) this.fail('bad-extern-name', `'${n.name}' is neither a plain name (kebab-case, with [constructor]/[method]/[static]) nor an interface name (ns:pkg/iface@version)`);
  }

  /**
   * Binary.md's rules for the attributes of an import or export name (they
   * play no part in uniqueness or subtyping): an `implements` value is an
   * `interfacename`, and only an `instance` with a plain name carries one
   * (`bad-implements`); a `versionsuffix` follows an interface name whose
   * version is a `canonversion`, and the two joined are a valid semver
   * (`bad-version-suffix`). `external-id` may be any name.
   */
  private attributes(n: ExternName, t: ExternType): void {
    if (n.implements !== undefined) {
      if (!INTERFACE.test(n.implements)) this.fail('bad-implements', `the implements attribute of '${n.name}' is '${n.implements}', which is not an interface name (ns:pkg/iface@version)`);
      if (t.kind !== 'instance') this.fail('bad-implements', `'${n.name}' is a ${t.kind}: only instances can have an implements attribute`);
      if (!PLAIN.test(n.name)) this.fail('bad-implements', `the name '${n.name}' is not a plain name, and only plain names can have an implements attribute`);
    }
    if (n.versionSuffix !== undefined) {
      const m = INTERFACE.test(n.name) ? INTERFACE_VERSION.exec(n.name) : null;
      if (!m || !CANON_VERSION.test(m[1])) this.fail('bad-version-suffix', `'${n.name}' has a versionsuffix '${n.versionSuffix}', but it is not an interface name whose version is a canonical version (1, 0.2, 0.0.3)`);
      if (!SEMVER_ONLY.test(m[1] + n.versionSuffix)) this.fail('bad-version-suffix', `the version '${m[1]}' of '${n.name}' with its versionsuffix '${n.versionSuffix}' is '${m[1] + n.versionSuffix}', not a valid semver`);
    }
  }

  // ---------------------------------------------------------------- aliases

  private alias(a: Alias, s: Scope): void {
    if (a.kind === 'export') {
      const it = s.instances[a.instance];
      const x = it.exports.find((e) => e.name === a.name);
      if (!x) this.fail('missing-export', `instance ${a.instance} has no export '${a.name}' (it exports ${it.exports.map((e) => `'${e.name}'`).join(', ') || 'nothing'})`);
      if (x.t.kind !== a.sort) this.fail('wrong-sort', `instance ${a.instance}'s export '${a.name}' is a ${x.t.kind}, aliased as a ${a.sort}`);
      s.push(x.t);
      return;
    }
    if (a.kind === 'core export') {
      const inst = s.coreInstances[a.instance];
      const x = inst.exports.get(a.name);
      if (!x) this.fail('missing-export', `core instance ${a.instance} has no export '${a.name}'`);
      const want = a.sort.slice(5);
      if (x.kind !== want) this.fail('wrong-sort', `core instance ${a.instance}'s export '${a.name}' is a ${x.kind}, aliased as a core ${want}`);
      switch (x.kind) {
        case 'func': s.coreFuncs.push(x.t); break;
        case 'memory': s.coreDescs.memory[s.coreMemories.push(a.instance) - 1] = x.desc; break;
        case 'table': s.coreDescs.table[s.coreTables.push(a.instance) - 1] = x.desc; break;
        case 'global': s.coreDescs.global[s.coreGlobals.push(a.instance) - 1] = x.desc; break;
        case 'tag': s.coreTags.push(a.instance); break;
      }
      return;
    }
    let target = s;
    // The scope just inside the target: when it is a component, the alias crosses a component boundary.
    let inside = s;
    for (let i = 0; i < a.count; i++) {
      inside = target;
      target = target.parent!;
    }
    if (a.sort === 'core type') s.coreTypes.push(target.coreTypes[a.idx]);
    else if (a.sort === 'core module') s.coreModules.push(target.coreModules[a.idx]);
    else if (a.sort === 'component') s.components.push(target.components[a.idx]);
    else {
      const t = target.types[a.idx];
      // From a type declarator inside a nested component too (wasmparser's alias_type).
      if (a.count > 0 && inside.kind === 'component' && mentionsResource(t)) {
        this.fail('type-mismatch', `an outer alias of type ${a.idx} across a component boundary, and it refers to a resource type`);
      }
      s.types.push(t);
    }
  }

  // ---------------------------------------------------------------- types

  /**
   * The core type index space entries a `core:deftype` defines (a rec group
   * defines one per type). `space` is the core type index space it is
   * defined in (the scope's, or a core module type's own).
   */
  private coreDefType(t: CoreDefType, s: Scope, space: readonly (CoreTypeEntry | undefined)[]): CoreTypeEntry[] {
    if (t.kind === 'func') {
      const ft: CoreFuncType = { params: t.params.map(coreNum), results: t.results.map(coreNum) };
      // A bare func type is `sub final` in a rec group of its own.
      const view: GcView = { final: true, supertype: undefined, comp: PENDING, group: [], pos: 0 };
      view.group.push(view);
      view.comp = this.gcComp(t, space, view.group, space.length);
      gcViews.set(ft, view);
      return [ft];
    }
    if (t.kind === 'rec') return this.recGroup(t, space);
    const types: (CoreTypeEntry | undefined)[] = [];
    const imports: ModuleType['imports'][number][] = [];
    const exports: ModuleType['exports'][number][] = [];
    const funcType = (i: number): CoreFuncType | undefined => {
      const ct = types[i];
      if (ct === undefined || !('kind' in ct)) return ct;
      if (ct.kind === 'gc' && ct.func) return ct.func;
      this.fail('type-mismatch', `a core func or tag of core type ${i} of the module type, which is a ${ct.kind === 'gc' ? `${ct.comp} (GC)` : 'module'} type, not a func type`);
    };
    const importNames = new Set<string>();
    const exportNames = new Set<string>();
    for (const d of t.decls) {
      if (d.kind === 'type') types.push(...this.coreDefType(d.type, s, types));
      else if (d.kind === 'alias') {
        let target: Scope | undefined = s;
        for (let i = 1; i < d.count; i++) target = target?.parent;
        const ct = d.count === 0 ? types[d.idx] : target?.coreTypes[d.idx];
        if (ct && 'kind' in ct && ct.kind === 'module') this.fail('type-mismatch', 'an outer alias of a core module type inside a core module type');
        types.push(ct);
      } else {
        const e = d.type;
        const ft = e.kind === 'func' ? funcType(e.type) : undefined;
        if (e.kind === 'tag') funcType(e.type);
        const desc = this.coreExternDesc(e);
        if (d.kind === 'import') {
          // Two-level names mangle to one (`module:field`): a pair may not repeat.
          const key = JSON.stringify([d.module, d.name]);
          if (importNames.has(key)) this.fail('duplicate-name', `the core module type imports '${d.module}' '${d.name}' twice`);
          importNames.add(key);
          imports.push({ module: d.module, field: d.name, kind: e.kind, t: ft, desc });
        } else {
          if (exportNames.has(d.name)) this.fail('duplicate-name', `the core module type exports '${d.name}' twice`);
          exportNames.add(d.name);
          exports.push({ name: d.name, kind: e.kind, t: ft, desc });
        }
      }
    }
    return [{ kind: 'module', imports, exports }];
  }

  /**
   * The type of a table, memory or global declared in a core module type,
   * after WebAssembly's limits rules (`core-limits`): a minimum not above
   * the maximum, a memory of at most 2^16 pages (2^48 for memory64), a table
   * of at most 2^32 - 1 elements (table64: 2^64 - 1), a shared memory with a
   * maximum.
   */
  private coreExternDesc(e: import('./binary/ast.js').CoreExternType): CoreExternDesc | undefined {
    const text = (t: AstCoreValType): string | undefined => (typeof t === 'string' ? t : typeof t.ref === 'string' ? refText(t.ref, t.nullable) : undefined);
    const lim = (l: import('./binary/ast.js').CoreLimits, what: 'memory' | 'table'): CoreLimitsDesc => {
      const bound = what === 'memory' ? (l.memory64 ? 2n ** 48n : 2n ** 16n) : (l.memory64 ? 2n ** 64n - 1n : 2n ** 32n - 1n);
      const unit = what === 'memory' ? 'pages' : 'elements';
      if (l.min > bound) this.fail('core-limits', `a ${what} of minimum ${l.min} ${unit}: the ${what} size must be at most ${bound} ${unit}`);
      if (l.max !== undefined && l.max > bound) this.fail('core-limits', `a ${what} of maximum ${l.max} ${unit}: the ${what} size must be at most ${bound} ${unit}`);
      if (l.max !== undefined && l.min > l.max) this.fail('core-limits', `a ${what} whose minimum ${l.min} is above its maximum ${l.max}`);
      if (l.shared && what === 'memory' && l.max === undefined) this.fail('core-limits', 'a shared memory without a maximum');
      return { min: l.min, max: l.max, shared: l.shared, is64: l.memory64 };
    };
    switch (e.kind) {
      case 'table': return { kind: 'table', elem: text(e.element), limits: lim(e.limits, 'table') };
      case 'memory': return { kind: 'memory', limits: lim(e.limits, 'memory') };
      case 'global': return { kind: 'global', t: text(e.type), mutable: e.mutable };
      default: return undefined;
    }
  }

  /**
   * A WebAssembly 3.0 rec group: its types may refer to each other. Each
   * `sub` declares at most one supertype, defined before it and not final,
   * whose composite type it matches (WebAssembly 3.0 subtyping); otherwise
   * `core-subtype`.
   */
  private recGroup(t: CoreRecType, space: readonly (CoreTypeEntry | undefined)[]): CoreTypeEntry[] {
    const base = space.length;
    const group: GcView[] = t.types.map((st, pos) => ({ final: st.final, supertype: undefined, comp: PENDING, group: [], pos }));
    for (const v of group) v.group = group;
    t.types.forEach((st, k) => { group[k].comp = this.gcComp(st.comp, space, group, base); });
    const supers = t.types.map((st, k) => {
      const x = base + k;
      if (st.supertypes.length > 1) this.fail('core-subtype', `core type ${x} declares ${st.supertypes.length} supertypes; a sub type has at most one`);
      if (st.supertypes.length === 0) return undefined;
      const y = st.supertypes[0];
      if (y >= x) this.fail('core-subtype', `core type ${x} declares core type ${y} as its supertype, which is not defined before it`);
      const sup = y >= base ? group[y - base] : this.gcView(space, y);
      if (sup.final) this.fail('core-subtype', `core type ${x} declares core type ${y} as its supertype, which is final`);
      group[k].supertype = sup;
      return y;
    });
    group.forEach((v, k) => {
      if (!v.supertype) return;
      const why = compMismatch(v.comp, v.supertype.comp);
      if (why) this.fail('core-subtype', `core type ${base + k} does not match its supertype, core type ${supers[k]}: ${why}`);
    });
    return t.types.map((st, k) => {
      const comp = st.comp;
      const e: CoreGcType = {
        kind: 'gc', comp: comp.kind, final: st.final,
        func: comp.kind === 'func' ? { params: comp.params.map(coreNum), results: comp.results.map(coreNum) } : undefined,
      };
      gcViews.set(e, group[k]);
      return e;
    });
  }

  /** The GC view of core type `i` of `space` (a module type is no heap type). */
  private gcView(space: readonly (CoreTypeEntry | undefined)[], i: number): GcView {
    const e = space[i];
    const v = e && gcViews.get(e);
    if (!v) this.fail('type-mismatch', `core type ${i} is a ${e && 'kind' in e && e.kind === 'module' ? 'module' : 'unknown'} type, used as a heap type`);
    return v;
  }

  /** A composite type with its type indices resolved: below `base` into `space`, from it into `group`. */
  private gcComp(c: CoreCompType, space: readonly (CoreTypeEntry | undefined)[], group: GcView[], base: number): GcComp {
    const val = (t: AstCoreValType | 'i8' | 'i16'): GcVal => {
      if (typeof t === 'string') return t;
      const h = t.ref;
      return { ref: typeof h === 'string' ? h : h >= base ? group[h - base] : this.gcView(space, h), nullable: t.nullable };
    };
    switch (c.kind) {
      case 'func': return { kind: 'func', params: c.params.map(val), results: c.results.map(val) };
      case 'struct': return { kind: 'struct', fields: c.fields.map((f) => ({ t: val(f.storage), mutable: f.mutable })) };
      case 'array': return { kind: 'array', field: { t: val(c.field.storage), mutable: c.field.mutable } };
    }
  }

  valType(r: ValTypeRef, s: Scope): ValType {
    if (r.kind === 'prim') return r.prim === 'error-context' ? ErrorContext : Prim[r.prim];
    const t = s.types[r.idx];
    if (!isValType(t)) this.fail('type-not-defvaltype', `type ${r.idx} is a ${t.kind} type, used where a value type is needed`);
    return t;
  }

  private resource(idx: number, s: Scope, what: string): ResourceType {
    const t = s.types[idx];
    if (t.kind !== 'resource') this.fail('type-not-resource', `${what} of type ${idx}, which is a ${t.kind} type, not a resource`);
    return t;
  }

  /** The size bounds every defined type must keep; also warms the memoised predicates. */
  private sized<T extends DefinedType>(t: T): T {
    const n = typeSize(t);
    if (n > MAX_TYPE_SIZE) this.fail('type-too-large', `a type whose expanded size exceeds ${MAX_TYPE_SIZE} nodes`);
    if (isValType(t)) {
      const e = elemSize(t);
      if (e >= MAX_ELEM_SIZE) this.fail('element-size', `a value type whose element size (${e} bytes with 64-bit pointers) is not below 2^28`);
      needsMemory(t);
      containsBorrow(t);
    }
    return t;
  }

  private defValType(t: DefValType, s: Scope): ValType {
    const v = (r: ValTypeRef) => this.valType(r, s);
    const o = (r: ValTypeRef | undefined) => (r ? this.valType(r, s) : undefined);
    switch (t.kind) {
      case 'prim': return t.prim === 'error-context' ? ErrorContext : Prim[t.prim];
      case 'record': return { kind: 'record', fields: t.fields.map((f) => ({ label: f.label, t: v(f.t) })) };
      case 'variant': return { kind: 'variant', cases: t.cases.map((c) => ({ label: c.label, t: o(c.t) })) };
      case 'list': return t.l === undefined ? { kind: 'list', t: v(t.t) } : { kind: 'list', t: v(t.t), l: t.l };
      case 'tuple': return { kind: 'tuple', ts: t.ts.map(v) };
      case 'flags': return { kind: 'flags', labels: t.labels };
      case 'enum': return { kind: 'enum', labels: t.labels };
      case 'option': return { kind: 'option', t: v(t.t) };
      case 'result': return { kind: 'result', ok: o(t.ok), error: o(t.error) };
      case 'own':
      case 'borrow': {
        const r: ValType = { kind: t.kind, rt: this.resource(t.idx, s, t.kind) };
        const alias = s.resourceAliases.get(t.idx);
        if (alias) ownAliases.set(r, alias);
        return r;
      }
      case 'stream':
      case 'future': {
        const e = o(t.t);
        if (t.kind === 'stream' && e?.kind === 'char') this.fail('stream-char', '`stream<char>` is not valid (a temporary restriction of the component model)');
        if (containsBorrow(e)) this.fail('borrow-in-stream', `a ${t.kind} whose payload contains a borrow`);
        return { kind: t.kind, t: e };
      }
      case 'map': return { kind: 'map', k: v(t.k), v: v(t.v) };
    }
  }

  private defType(t: DefType, s: Scope, _p: unknown[]): DefinedType {
    return this.sized(this.defTypeUnsized(t, s));
  }

  private defTypeUnsized(t: DefType, s: Scope): DefinedType {
    switch (t.kind) {
      case 'defval': return this.defValType(t.t, s);
      case 'func': {
        const names = new Set<string>();
        for (const p of t.params) {
          if (names.has(p.label.toLowerCase())) this.fail('duplicate-name', `the parameter name '${p.label}' appears twice`);
          names.add(p.label.toLowerCase());
        }
        const result = t.result ? this.valType(t.result, s) : undefined;
        if (containsBorrow(result)) this.fail('borrow-in-result', 'a function type whose result contains a borrow');
        return { kind: 'func', async: t.async, params: t.params.map((p) => [p.label, this.valType(p.t, s)] as const), result };
      }
      case 'resource': return freshResource('resource', false);
      case 'component':
      case 'instance': {
        const inner = new Scope(s, t.kind === 'component' ? 'component type' : 'instance type');
        for (const d of t.decls) this.typeDecl(d, inner);
        if (t.kind === 'component') return { kind: 'component', imports: inner.imports, exports: inner.exports };
        const it: InstanceType = { kind: 'instance', exports: inner.exports };
        if (inner.defined.length > 0) instanceResources.set(it, inner.defined);
        return it;
      }
    }
  }

  private typeDecl(d: TypeDecl, s: Scope): void {
    const saved = this.at;
    this.at = d.offset;
    switch (d.kind) {
      case 'core type': s.coreTypes.push(...this.coreDefType(d.type, s, s.coreTypes)); break;
      case 'type': s.types.push(this.defType(d.type, s, [])); break;
      case 'alias': this.alias(d.alias, s); break;
      case 'import':
      case 'export': {
        this.externName(d.name);
        this.uniqueName(d.kind === 'import' ? s.importNames : s.exportNames, d.name.name, d.kind);
        // Each import/export of an instance type has its own resources; an
        // instance type's export of one, and its `(sub resource)` exports,
        // are resources the enclosing instance type defines.
        const t = freshenInstance(this.externType(d.type, s, d.name.name), s.kind === 'instance type' && d.kind === 'export' ? s.defined : undefined);
        if (s.kind === 'instance type' && d.kind === 'export' && t.kind === 'type' && t.type.kind === 'resource' && d.type.kind === 'type' && d.type.bound.kind !== 'eq') s.defined.push(t.type);
        if (t.kind === 'func' && containsBorrow(t.type.result)) this.fail('borrow-in-result', `the exported function '${d.name.name}' returns a borrow`);
        this.attributes(d.name, t);
        this.annotated(d.name.name, t, d.kind === 'import' ? s.importedResources : s.exportedResources);
        const alias = this.resourceAlias(t, s, d.type.kind === 'type' && d.type.bound.kind !== 'eq');
        this.named(d.name.name, d.kind, t, s, alias);
        (d.kind === 'import' ? s.imports : s.exports).push({ name: d.name.name, t });
        s.push(t);
        if (alias) s.resourceAliases.set(s.types.length - 1, alias);
        break;
      }
    }
    this.at = saved;
  }

  private externType(t: ExternTypeRef, s: Scope, name: string): ExternType {
    switch (t.kind) {
      case 'core module': {
        const ct = s.coreTypes[t.idx];
        if (!('kind' in ct) || ct.kind !== 'module') this.fail('type-mismatch', `core type ${t.idx} is a core ${'kind' in ct ? `${ct.comp} (GC)` : 'func'} type, used as a core module type`);
        return { kind: 'core module', type: ct };
      }
      case 'func': {
        const ft = s.types[t.idx];
        if (ft.kind !== 'func') this.fail('type-not-func', `type ${t.idx} is a ${ft.kind} type, used as a func type`);
        return { kind: 'func', type: ft };
      }
      case 'value':
        return { kind: 'value', type: t.bound.kind === 'eq' ? s.values[t.bound.idx] : this.valType(t.bound.t, s) };
      case 'type':
        if (t.bound.kind === 'eq') {
          const u = s.types[t.bound.idx];
          // A new index, named by this import/export: a new object for a nominal value type.
          return { kind: 'type', type: nominal(u) ? { ...u } : u };
        }
        // Abstract: a type parameter of this component (type); matching binds it.
        return { kind: 'type', type: freshResource(name, true) };
      case 'component':
      case 'instance': {
        const ct = s.types[t.idx];
        if (ct.kind !== t.kind) this.fail('type-mismatch', `type ${t.idx} is a ${ct.kind} type, used as a ${t.kind} type`);
        return t.kind === 'component' ? { kind: 'component', type: ct as ComponentType } : { kind: 'instance', type: ct as InstanceType };
      }
    }
  }

  // ---------------------------------------------------------------- canon

  private allowOnly(opts: CanonOpts, form: string, allowed: readonly string[]): void {
    for (const g of opts.given) {
      const k = g.startsWith('string-encoding') ? 'string-encoding' : g;
      if (!allowed.includes(k)) this.fail('option-not-allowed', `canon ${form} does not take the ${k} option (it takes ${allowed.join(', ') || 'none'})`);
    }
    if (opts.realloc !== undefined && opts.memory === undefined) this.fail('missing-memory', `canon ${form}: realloc is given without memory`);
    if (opts.callback !== undefined && !opts.async_) this.fail('callback-without-async', `canon ${form}: callback is given without async`);
    if (opts.post_return !== undefined && opts.async_) this.fail('post-return-with-async', `canon ${form}: post-return cannot be combined with async`);
  }

  private needMemory(opts: CanonOpts, form: string, why: string): void {
    if (opts.memory === undefined) this.fail('missing-memory', `canon ${form} needs the memory option: ${why}`);
  }

  private needRealloc(opts: CanonOpts, form: string, why: string): void {
    if (opts.realloc === undefined) this.fail('missing-realloc', `canon ${form} needs the realloc option: ${why}`);
  }

  private checkRealloc(opts: CanonOpts, s: Scope): void {
    if (opts.realloc === undefined) return;
    const t = s.coreFuncs[opts.realloc];
    if (t && !coreFuncEq(t, { params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'] })) this.fail('realloc-type', `realloc is ${showCore(t)}, not (i32 i32 i32 i32) -> i32`);
  }

  private canon(d: Extract<Definition, { tag: 'canon' }>, s: Scope, resources: Map<ResourceType, unknown>): void {
    const c = d.canon;
    switch (c.kind) {
      case 'lift': {
        const ft = s.types[c.type];
        if (ft.kind !== 'func') this.fail('type-not-func', `canon lift with type ${c.type}, a ${ft.kind} type`);
        const o = c.opts;
        this.allowOnly(o, 'lift', ['string-encoding', 'memory', 'realloc', 'post-return', 'async', 'callback']);
        if (o.async_ && !ft.async) this.fail('async-option-sync-type', 'the `async` canonical option requires an async function type (canon lift)');
        if (o.async_ && o.callback === undefined && this.options.allowStackful === false) this.fail('async-without-callback', 'canon lift async without a callback (the stackful ABI) is not accepted');
        const params = ft.params.map(([, t]) => t);
        if (params.some(needsMemory)) this.needRealloc(o, 'lift', 'a parameter contains a string or list');
        // An async lift's result goes through task.return, which has its own options.
        if (!o.async_ && ft.result && needsMemory(ft.result)) this.needMemory(o, 'lift', 'the result contains a string or list');
        const flatParams = flattenTypes(params);
        const flatResults = flattenTypes(ft.result ? [ft.result] : []);
        if (flatParams.length > MAX_FLAT_PARAMS) this.needRealloc(o, 'lift', `the parameters flatten to ${flatParams.length} core values (more than ${MAX_FLAT_PARAMS})`);
        if (flatResults.length > (o.async_ ? MAX_FLAT_PARAMS : MAX_FLAT_RESULTS)) this.needMemory(o, 'lift', `the result flattens to ${flatResults.length} core values`);
        this.checkRealloc(o, s);
        const expected = flattenFunctype(o, ft, 'lift');
        const callee = s.coreFuncs[c.coreFunc];
        if (callee && !coreFuncEq(callee, expected)) this.fail('core-func-type', `the lifted core function is ${showCore(callee)}, but the function type flattens to ${showCore(expected)}`);
        if (o.callback !== undefined) {
          const cb = s.coreFuncs[o.callback];
          if (cb && !coreFuncEq(cb, { params: ['i32', 'i32', 'i32'], results: ['i32'] })) this.fail('callback-type', `the callback is ${showCore(cb)}, not (i32 i32 i32) -> i32`);
        }
        if (o.post_return !== undefined) {
          const pr = s.coreFuncs[o.post_return];
          const want = { params: expected.results, results: [] };
          if (pr && !coreFuncEq(pr, want)) this.fail('post-return-type', `post-return is ${showCore(pr)}, not ${showCore(want)}`);
        }
        s.funcs.push(ft);
        return;
      }
      case 'lower': {
        const ft = s.funcs[c.func];
        const o = c.opts;
        this.allowOnly(o, 'lower', ['string-encoding', 'memory', 'realloc', 'async']);
        if (o.async_ && !ft.async) this.fail('async-option-sync-type', 'the `async` canonical option requires an async function type (canon lower)');
        const params = ft.params.map(([, t]) => t);
        if (params.some(needsMemory)) this.needMemory(o, 'lower', 'a parameter contains a string or list');
        if (ft.result && needsMemory(ft.result)) this.needRealloc(o, 'lower', 'the result contains a string or list');
        const flatParams = flattenTypes(params);
        const flatResults = flattenTypes(ft.result ? [ft.result] : []);
        if (flatParams.length > (o.async_ ? MAX_FLAT_ASYNC_PARAMS : MAX_FLAT_PARAMS)) this.needMemory(o, 'lower', `the parameters flatten to ${flatParams.length} core values`);
        if (flatResults.length > (o.async_ ? 0 : MAX_FLAT_RESULTS)) this.needMemory(o, 'lower', `the result flattens to ${flatResults.length} core values`);
        // An async lower needs memory only for what it passes through memory
        // (spilled parameters, a result): as wasmparser and definitions.py,
        // not as CanonicalABI.md's wording (docs/deviations.md, entry 15).
        this.checkRealloc(o, s);
        s.coreFuncs.push(flattenFunctype(o, ft, 'lower'));
        return;
      }
      case 'resource.new':
      case 'resource.rep':
      case 'resource.drop': {
        const rt = this.resource(c.type, s, `canon ${c.kind}`);
        if (c.kind !== 'resource.drop' && !resources.has(rt)) this.fail('resource-not-local', `canon ${c.kind} of a resource type this component did not define`);
        s.coreFuncs.push(c.kind === 'resource.drop' ? { params: ['i32'], results: [] } : { params: ['i32'], results: ['i32'] });
        return;
      }
      case 'task.return': {
        const o = c.opts;
        this.allowOnly(o, 'task.return', ['string-encoding', 'memory']);
        const t = c.result ? this.valType(c.result, s) : undefined;
        if (t && (needsMemory(t) || flattenTypes([t]).length > MAX_FLAT_PARAMS)) this.needMemory(o, 'task.return', 'the result contains a string or list or does not fit in core parameters');
        break;
      }
      case 'stream.new':
      case 'stream.drop-readable':
      case 'stream.drop-writable':
      case 'stream.cancel-read':
      case 'stream.cancel-write':
      case 'future.new':
      case 'future.drop-readable':
      case 'future.drop-writable':
      case 'future.cancel-read':
      case 'future.cancel-write':
        this.streamType(c.type, c.kind.split('.')[0] as 'stream' | 'future', c.kind, s);
        break;
      case 'stream.read':
      case 'stream.write':
      case 'future.read':
      case 'future.write': {
        const want = c.kind.split('.')[0] as 'stream' | 'future';
        const st = this.streamType(c.type, want, c.kind, s);
        const o = c.opts;
        this.allowOnly(o, c.kind, ['string-encoding', 'memory', 'realloc', 'async']);
        if (st.t) {
          this.needMemory(o, c.kind, `the ${want} has a payload type`);
          if (c.kind.endsWith('read') && needsMemory(st.t)) this.needRealloc(o, c.kind, 'the payload contains a string or list');
        }
        this.checkRealloc(o, s);
        break;
      }
      case 'error-context.new':
      case 'error-context.debug-message': {
        const o = c.opts;
        this.allowOnly(o, c.kind, c.kind === 'error-context.new' ? ['string-encoding', 'memory'] : ['string-encoding', 'memory', 'realloc']);
        this.needMemory(o, c.kind, 'the debug message is a string');
        if (c.kind === 'error-context.debug-message') this.needRealloc(o, c.kind, 'the debug message is a string lowered into the component');
        this.checkRealloc(o, s);
        break;
      }
      default:
        break;
    }
    s.coreFuncs.push(undefined);
  }

  private streamType(idx: number, want: 'stream' | 'future', form: string, s: Scope): Extract<ValType, { kind: 'stream' | 'future' }> {
    const t = s.types[idx];
    if (t.kind !== want) this.fail('type-mismatch', `canon ${form} of type ${idx}, a ${t.kind} type, not a ${want}`);
    return t as Extract<ValType, { kind: 'stream' | 'future' }>;
  }
}

/** What an import or export names: a nominal type, a resource, or a resource under an index of its own. */
type Named = DefinedType | ResourceAlias;

/** A resource type under a type index of its own (`Scope.resourceAliases`). */
interface ResourceAlias {
  readonly scope: Scope;
  readonly rt: ResourceType;
}

/** The alias each own/borrow was written with (when its index is one). */
const ownAliases = new WeakMap<ValType, ResourceAlias>();

/** The scope whose import/export `Validator.named` is checking (aliases of other scopes do not count). */
let namingScope: Scope | undefined;

/** Record, variant, enum and flags: value types that must be named to be used by an import or export. */
function nominal(t: DefinedType | undefined): t is Extract<ValType, { kind: 'record' | 'variant' | 'enum' | 'flags' }> {
  return t !== undefined && (t.kind === 'record' || t.kind === 'variant' || t.kind === 'enum' || t.kind === 'flags');
}

function describeType(t: DefinedType): string {
  if (t.kind === 'resource') return `the resource '${t.name}'`;
  if (t.kind === 'record') return `a record { ${t.fields.map((f) => f.label).join(', ')} }`;
  if (t.kind === 'variant') return `a variant { ${t.cases.map((c) => c.label).join(', ')} }`;
  return `${t.kind === 'enum' ? 'an' : 'a'} ${t.kind} { ${(t as { labels: readonly string[] }).labels.join(', ')} }`;
}

/** wasmparser's `type_named_valtype`: the first nominal type inside `t` that `set` does not hold. */
function unnamedVal(t: ValType | undefined, set: ReadonlySet<Named>, loose = false): DefinedType | undefined {
  if (t === undefined) return undefined;
  switch (t.kind) {
    case 'record': case 'variant': case 'enum': case 'flags': return set.has(t) || (loose && namedLike(t, set)) ? undefined : t;
    case 'own': case 'borrow': {
      // By the index the own/borrow was written with, when it is one of this scope's aliases.
      const a = ownAliases.get(t);
      return set.has(a && a.scope === namingScope ? a : t.rt) ? undefined : t.rt;
    }
    case 'list': case 'option': return unnamedVal(t.t, set, loose);
    case 'stream': case 'future': return unnamedVal(t.t, set, loose);
    case 'map': return unnamedVal(t.k, set, loose) ?? unnamedVal(t.v, set, loose);
    case 'result': return unnamedVal(t.ok, set, loose) ?? unnamedVal(t.error, set, loose);
    case 'tuple': for (const u of t.ts) { const b = unnamedVal(u, set, loose); if (b) return b; } return undefined;
    default: return undefined;
  }
}

/**
 * A nominal type equal in structure to one that is named, for the exports
 * of an instance's type (not a component's own imports and exports, where
 * identity is exact). wasmparser tracks
 * type identities through instantiation exactly; this validator makes new
 * objects where a type is exported or substituted (an interface's type
 * re-exported by wit-component's shim component refers to the imported
 * one, not to the new index), so identity alone would refuse components
 * wasmparser accepts (a record of an imported interface `use`d by an
 * exported one). Equal structure is accepted there instead: the rule then
 * misses an unnamed type that happens to equal a named one, never refuses a valid
 * component (README, "The component host", validation's "Not checked yet").
 */
function namedLike(t: DefinedType, set: ReadonlySet<Named>): boolean {
  for (const u of set) if ('kind' in u && u.kind === t.kind && typeEq(u as ValType, t as ValType)) return true;
  return false;
}

/** wasmparser's `all_valtypes_named`: the parts of a type definition (not the type itself) must be named. */
function unnamedParts(t: DefinedType, set: ReadonlySet<Named>, loose = false): DefinedType | undefined {
  switch (t.kind) {
    case 'record': for (const f of t.fields) { const b = unnamedVal(f.t, set, loose); if (b) return b; } return undefined;
    case 'variant': for (const c of t.cases) { const b = unnamedVal(c.t, set, loose); if (b) return b; } return undefined;
    case 'enum': case 'flags': case 'resource': case 'component': return undefined;
    case 'func': for (const [, p] of t.params) { const b = unnamedVal(p, set, loose); if (b) return b; } return unnamedVal(t.result, set, loose);
    case 'instance':
      for (const e of t.exports) {
        const b = e.t.kind === 'type' ? unnamedParts(e.t.type, set, loose) : e.t.kind === 'func' ? unnamedParts(e.t.type, set, loose) : e.t.kind === 'instance' ? unnamedParts(e.t.type, set, loose) : undefined;
        if (b) return b;
      }
      return undefined;
    default: return unnamedVal(t, set, loose);
  }
}

/**
 * wasmparser's `validate_and_register_named_types`: what `t` (imported or
 * exported) uses that is not named (a description), or undefined after
 * recording the types it names: a type import/export's new type, and
 * (recursively) the types an instance exports.
 */
function unnamedIn(t: ExternType, set: Set<Named>, s: Scope, kind: 'import' | 'export', loose = false, alias?: ResourceAlias): string | undefined {
  const register = (u: Named): void => {
    if (kind === 'import') s.named.imported.add(u);
    s.named.exported.add(u);
  };
  switch (t.kind) {
    case 'type': {
      const b = unnamedParts(t.type, set, loose);
      if (b) return describeType(b);
      register(alias ?? t.type);
      return undefined;
    }
    case 'func': {
      const b = unnamedParts(t.type, set, loose);
      return b && describeType(b);
    }
    case 'value': {
      const b = unnamedVal(t.type, set, loose);
      return b && describeType(b);
    }
    case 'instance':
      for (const e of t.type.exports) {
        // Inside an instance's type, identity does not survive instantiation here: loose.
        const why = unnamedIn(e.t, set, s, kind, true);
        if (why) return `${why} (in its export '${e.name}')`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function spacesOf(s: Scope): TypedSpaces {
  const { types, coreTypes, coreModules, coreInstances, coreFuncs, coreMemories, coreTables, coreGlobals, coreTags, funcs, values, components, instances } = s;
  return { types, coreTypes, coreModules, coreInstances, coreFuncs, coreMemories, coreTables, coreGlobals, coreTags, funcs, values, components, instances };
}

function coreNum(t: import('./binary/ast.js').CoreValType): CoreValType {
  return (typeof t === 'string' && t !== 'v128' ? t : 'i32') as CoreValType;
}

// ---------------------------------------------------------------- type predicates

/** Whether lifting/lowering `t` touches linear memory (strings and variable-length lists). */
export function needsMemory(t: ValType | undefined): boolean {
  if (!t) return false;
  const known = memoryNeeds.get(t);
  if (known !== undefined) return known;
  const r = needsMemoryUncached(t);
  memoryNeeds.set(t, r);
  return r;
}

const memoryNeeds = new WeakMap<object, boolean>();
const borrows = new WeakMap<object, boolean>();

function needsMemoryUncached(t: ValType): boolean {
  switch (t.kind) {
    case 'string': return true;
    case 'list': return t.l === undefined || needsMemory(t.t);
    case 'map': return true;
    case 'record': return t.fields.some((f) => needsMemory(f.t));
    case 'tuple': return t.ts.some(needsMemory);
    case 'variant': return t.cases.some((c) => needsMemory(c.t));
    case 'option': return needsMemory(t.t);
    case 'result': return needsMemory(t.ok) || needsMemory(t.error);
    default: return false;
  }
}

export function containsBorrow(t: ValType | undefined): boolean {
  if (!t) return false;
  const known = borrows.get(t);
  if (known !== undefined) return known;
  const r = containsBorrowUncached(t);
  borrows.set(t, r);
  return r;
}

function containsBorrowUncached(t: ValType): boolean {
  switch (t.kind) {
    case 'borrow': return true;
    case 'list': return containsBorrow(t.t);
    case 'map': return containsBorrow(t.k) || containsBorrow(t.v);
    case 'record': return t.fields.some((f) => containsBorrow(f.t));
    case 'tuple': return t.ts.some(containsBorrow);
    case 'variant': return t.cases.some((c) => containsBorrow(c.t));
    case 'option': return containsBorrow(t.t);
    case 'result': return containsBorrow(t.ok) || containsBorrow(t.error);
    case 'stream':
    case 'future': return containsBorrow(t.t);
    default: return false;
  }
}

function mentionsResource(t: DefinedType | undefined): boolean {
  if (!t) return false;
  switch (t.kind) {
    case 'resource':
    case 'own':
    case 'borrow': return true;
    case 'list': case 'option': return mentionsResource(t.t);
    case 'stream': case 'future': return mentionsResource(t.t);
    case 'map': return mentionsResource(t.k) || mentionsResource(t.v);
    case 'record': return t.fields.some((f) => mentionsResource(f.t));
    case 'tuple': return t.ts.some(mentionsResource);
    case 'variant': return t.cases.some((c) => mentionsResource(c.t));
    case 'result': return mentionsResource(t.ok) || mentionsResource(t.error);
    case 'func': return t.params.some(([, p]) => mentionsResource(p)) || mentionsResource(t.result);
    case 'instance': return t.exports.some((e) => externMentionsResource(e.t));
    case 'component': return [...t.imports, ...t.exports].some((e) => externMentionsResource(e.t));
    default: return false;
  }
}

function externMentionsResource(e: ExternType): boolean {
  return e.kind !== 'core module' && mentionsResource(e.type as DefinedType);
}

// ---------------------------------------------------------------- flattening (counts and core types)

/**
 * `flatten_type` of definitions.py (32-bit memories), stopping once `limit`
 * core values are produced: past MAX_FLAT_PARAMS everything spills to memory,
 * so the default limit (MAX_FLAT_PARAMS + 1) decides every spill while a
 * `list<u8, 100000000>` stays cheap.
 */
export function flattenType(t: ValType, limit = MAX_FLAT_PARAMS + 1): CoreValType[] {
  const out: CoreValType[] = [];
  flattenInto(t, out, limit);
  return out;
}

function flattenInto(t: ValType, out: CoreValType[], limit: number): void {
  if (out.length >= limit) return;
  switch (t.kind) {
    case 's64': case 'u64': out.push('i64'); return;
    case 'f32': out.push('f32'); return;
    case 'f64': out.push('f64'); return;
    case 'string': case 'map': out.push('i32', 'i32'); break;
    case 'list':
      if (t.l === undefined) out.push('i32', 'i32');
      else for (let i = 0; i < t.l && out.length < limit; i++) flattenInto(t.t, out, limit);
      break;
    case 'record': for (const f of t.fields) flattenInto(f.t, out, limit); break;
    case 'tuple': for (const x of t.ts) flattenInto(x, out, limit); break;
    case 'variant': out.push(...flattenVariant(t.cases.map((c) => c.t), limit)); break;
    case 'enum': out.push('i32'); return;
    case 'option': out.push(...flattenVariant([undefined, t.t], limit)); break;
    case 'result': out.push(...flattenVariant([t.ok, t.error], limit)); break;
    default: out.push('i32'); return;
  }
  if (out.length > limit) out.length = limit;
}

function flattenVariant(cases: readonly (ValType | undefined)[], limit: number): CoreValType[] {
  const flat: CoreValType[] = [];
  for (const c of cases) {
    if (!c) continue;
    flattenType(c, limit).forEach((ft, i) => {
      flat[i] = i < flat.length ? join(flat[i], ft) : ft;
    });
  }
  return ['i32', ...flat];
}

function join(a: CoreValType, b: CoreValType): CoreValType {
  if (a === b) return a;
  if ((a === 'i32' && b === 'f32') || (a === 'f32' && b === 'i32')) return 'i32';
  return 'i64';
}

export function flattenTypes(ts: readonly ValType[], limit = MAX_FLAT_PARAMS + 1): CoreValType[] {
  const out: CoreValType[] = [];
  for (const t of ts) flattenInto(t, out, limit);
  return out;
}

// ---------------------------------------------------------------- sizes

/** wasmparser's bound on a type's expanded size, against types built to explode. */
export const MAX_TYPE_SIZE = 1_000_000;
/** Binary.md: every defined value type has `elem_size(t, 'i64') < 2^28`. */
export const MAX_ELEM_SIZE = 2 ** 28;

const sizes = new WeakMap<object, number>();

/** The number of nodes of a type written out as a tree (shared subtypes counted each time). */
export function typeSize(t: DefinedType | undefined): number {
  if (!t) return 0;
  const known = sizes.get(t);
  if (known !== undefined) return known;
  let n = 1;
  switch (t.kind) {
    case 'list': case 'option': n += typeSize(t.t); break;
    case 'stream': case 'future': n += typeSize(t.t); break;
    case 'map': n += typeSize(t.k) + typeSize(t.v); break;
    case 'result': n += typeSize(t.ok) + typeSize(t.error); break;
    case 'record': for (const f of t.fields) n += typeSize(f.t); break;
    case 'tuple': for (const x of t.ts) n += typeSize(x); break;
    case 'variant': for (const c of t.cases) n += typeSize(c.t); break;
    case 'enum': case 'flags': n += t.labels.length; break;
    case 'func': for (const [, p] of t.params) n += typeSize(p); n += typeSize(t.result); break;
    case 'instance': for (const e of t.exports) n += externSize(e.t); break;
    case 'component': for (const e of [...t.imports, ...t.exports]) n += externSize(e.t); break;
  }
  n = Math.min(n, MAX_TYPE_SIZE + 1);
  sizes.set(t, n);
  return n;
}

function externSize(e: ExternType): number {
  return e.kind === 'core module' ? 1 + e.type.imports.length + e.type.exports.length : typeSize(e.type as DefinedType);
}

const aligns = new WeakMap<object, number>();
const elemSizes = new WeakMap<object, number>();

const PTR = 8; // elem_size(t, 'i64'): the bound uses 64-bit pointers

function discriminantSize(n: number): number {
  return n <= 256 ? 1 : n <= 65536 ? 2 : 4;
}

function caseAlign(cases: readonly (ValType | undefined)[]): number {
  let a = 1;
  for (const c of cases) if (c) a = Math.max(a, alignment(c));
  return a;
}

/** `alignment(t, 'i64')` of definitions.py. */
export function alignment(t: ValType): number {
  const known = aligns.get(t);
  if (known !== undefined) return known;
  let a: number;
  switch (t.kind) {
    case 'bool': case 's8': case 'u8': a = 1; break;
    case 's16': case 'u16': a = 2; break;
    case 's64': case 'u64': case 'f64': a = 8; break;
    case 'string': case 'map': a = PTR; break;
    case 'list': a = t.l === undefined ? PTR : alignment(t.t); break;
    case 'record': a = Math.max(1, ...t.fields.map((f) => alignment(f.t))); break;
    case 'tuple': a = Math.max(1, ...t.ts.map(alignment)); break;
    case 'variant': a = Math.max(discriminantSize(t.cases.length), caseAlign(t.cases.map((c) => c.t))); break;
    case 'enum': a = discriminantSize(t.labels.length); break;
    case 'option': a = Math.max(1, caseAlign([t.t])); break;
    case 'result': a = Math.max(1, caseAlign([t.ok, t.error])); break;
    case 'flags': a = t.labels.length <= 8 ? 1 : t.labels.length <= 16 ? 2 : 4; break;
    default: a = 4;
  }
  aligns.set(t, a);
  return a;
}

const alignTo = (p: number, a: number) => Math.ceil(p / a) * a;

function variantSize(n: number, cases: readonly (ValType | undefined)[]): number {
  let s = discriminantSize(n);
  const ca = caseAlign(cases);
  s = alignTo(s, ca);
  let cs = 0;
  for (const c of cases) if (c) cs = Math.max(cs, elemSize(c));
  return alignTo(s + cs, Math.max(discriminantSize(n), ca));
}

/** `elem_size(t, 'i64')` of definitions.py (a double once past 2^53: only compared against MAX_ELEM_SIZE). */
export function elemSize(t: ValType): number {
  const known = elemSizes.get(t);
  if (known !== undefined) return known;
  let s: number;
  switch (t.kind) {
    case 'bool': case 's8': case 'u8': s = 1; break;
    case 's16': case 'u16': s = 2; break;
    case 's64': case 'u64': case 'f64': s = 8; break;
    case 'string': case 'map': s = 2 * PTR; break;
    case 'list': s = t.l === undefined ? 2 * PTR : t.l * elemSize(t.t); break;
    case 'record':
    case 'tuple': {
      const ts = t.kind === 'record' ? t.fields.map((f) => f.t) : t.ts;
      let p = 0;
      for (const x of ts) p = alignTo(p, alignment(x)) + elemSize(x);
      s = alignTo(p, alignment(t));
      break;
    }
    case 'variant': s = variantSize(t.cases.length, t.cases.map((c) => c.t)); break;
    case 'enum': s = discriminantSize(t.labels.length); break;
    case 'option': s = variantSize(2, [undefined, t.t]); break;
    case 'result': s = variantSize(2, [t.ok, t.error]); break;
    case 'flags': s = t.labels.length <= 8 ? 1 : t.labels.length <= 16 ? 2 : 4; break;
    default: s = 4;
  }
  elemSizes.set(t, s);
  return s;
}

/** `flatten_functype` of definitions.py. */
export function flattenFunctype(opts: Pick<CanonOpts, 'async_' | 'callback'>, ft: FuncType, context: 'lift' | 'lower'): CoreFuncType {
  const params = flattenTypes(ft.params.map(([, t]) => t));
  const results = flattenTypes(ft.result ? [ft.result] : []);
  return spillFunctype(params, results, { async: opts.async_, callback: opts.callback !== undefined }, context);
}

function coreFuncEq(a: CoreFuncType, b: CoreFuncType): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length &&
    a.params.every((p, i) => p === b.params[i]) && a.results.every((r, i) => r === b.results[i]);
}

function showCore(t: CoreFuncType): string {
  return `(${t.params.join(' ')}) -> (${t.results.join(' ')})`;
}

interface CoreExternInfo { readonly kind: CoreExternKind; readonly t?: CoreFuncType | undefined; readonly desc?: CoreExternDesc | undefined }

/**
 * Why core extern `a` does not match `e` (WebAssembly 3.0 import matching),
 * or undefined when it does or a type is not known: func types equal;
 * globals of equal mutability, a const one's type a subtype, a var one's
 * equal; tables of equal element type; memories of equal sharedness; tables
 * and memories of equal address type, at least the minimum and at most the
 * maximum expected.
 */
function coreExternError(a: CoreExternInfo, e: CoreExternInfo): string | undefined {
  if (a.kind !== e.kind) return `a ${a.kind} where a ${e.kind} is expected`;
  if ((a.kind === 'func' || a.kind === 'tag') && a.t && e.t && !coreFuncEq(a.t, e.t)) return `expected: ${showCore(e.t)}, found ${showCore(a.t)}`;
  const x = a.desc;
  const y = e.desc;
  if (!x || !y || x.kind !== y.kind) return undefined;
  switch (y.kind) {
    case 'global': {
      const g = x as Extract<CoreExternDesc, { kind: 'global' }>;
      if (g.mutable !== y.mutable) return `mismatch in global mutability (expected ${y.mutable ? 'var' : 'const'})`;
      if (g.t && y.t && g.t !== y.t && (y.mutable || !refTextSub(g.t, y.t))) return `expected global type ${y.t}, found ${g.t}`;
      return undefined;
    }
    case 'table': {
      const t = x as Extract<CoreExternDesc, { kind: 'table' }>;
      if (t.elem && y.elem && t.elem !== y.elem) return `expected table element type ${y.elem}, found ${t.elem}`;
      return limitsError(t.limits, y.limits, 'table');
    }
    case 'memory': {
      const m = x as Extract<CoreExternDesc, { kind: 'memory' }>;
      if (m.limits.shared !== y.limits.shared) return 'mismatch in the shared flag for memories';
      return limitsError(m.limits, y.limits, 'memory');
    }
  }
}

function limitsError(a: CoreLimitsDesc, e: CoreLimitsDesc, what: 'table' | 'memory'): string | undefined {
  const show = (l: CoreLimitsDesc) => `${l.min}${l.max === undefined ? '' : ` ${l.max}`}`;
  if (a.is64 !== e.is64) return `mismatch in the ${what} address type (expected ${e.is64 ? 'i64' : 'i32'})`;
  if (a.min < e.min || (e.max !== undefined && (a.max === undefined || a.max > e.max))) return `mismatch in ${what} limits (expected ${show(e)}, found ${show(a)})`;
  return undefined;
}

/** Reference subtyping between the text forms of abstract reference types (`(ref func)` <: `funcref`). */
function refTextSub(a: string, b: string): boolean {
  const parse = (t: string): [string, boolean] | undefined => {
    const m = /^\(ref (null )?([a-z0-9]+)\)$/.exec(t);
    if (m) return [m[2], m[1] !== undefined];
    const short = Object.entries(REF_SHORTHANDS).find(([, s]) => s === t);
    return short && [short[0], true];
  };
  const x = parse(a);
  const y = parse(b);
  return !!x && !!y && (!x[1] || y[1]) && (HEAP_ABOVE[x[0]]?.includes(y[0]) ?? false);
}


// ---------------------------------------------------------------- core GC types

/** A core value or storage type with its heap type indices resolved. */
type GcVal = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'i8' | 'i16' | { readonly ref: string | GcView; readonly nullable: boolean };

type GcComp =
  | { readonly kind: 'func'; readonly params: readonly GcVal[]; readonly results: readonly GcVal[] }
  | { readonly kind: 'struct'; readonly fields: readonly GcField[] }
  | { readonly kind: 'array'; readonly field: GcField };

interface GcField { readonly t: GcVal; readonly mutable: boolean }

/** A defined core type as WebAssembly 3.0 sees it: a sub type at position `pos` of its rec group. */
interface GcView {
  final: boolean;
  supertype: GcView | undefined;
  comp: GcComp;
  group: GcView[];
  pos: number;
}

const PENDING: GcComp = { kind: 'struct', fields: [] };

/** The GC view of each core func type and GC type the validator made. */
const gcViews = new WeakMap<object, GcView>();

/** Each abstract heap type with the abstract heap types above it (itself included). */
const HEAP_ABOVE: Record<string, readonly string[]> = {
  any: ['any'], eq: ['eq', 'any'], i31: ['i31', 'eq', 'any'], struct: ['struct', 'eq', 'any'], array: ['array', 'eq', 'any'],
  none: ['none', 'i31', 'struct', 'array', 'eq', 'any'],
  func: ['func'], nofunc: ['nofunc', 'func'], extern: ['extern'], noextern: ['noextern', 'extern'],
  exn: ['exn'], noexn: ['noexn', 'exn'], cont: ['cont'], nocont: ['nocont', 'cont'],
};

/** Heap type matching (WebAssembly 3.0): the abstract hierarchies, and concrete types through their declared supertypes. */
function heapSub(a: string | GcView, b: string | GcView): boolean {
  if (typeof a === 'string') {
    if (typeof b === 'string') return HEAP_ABOVE[a]?.includes(b) ?? a === b;
    return (a === 'none' && b.comp.kind !== 'func') || (a === 'nofunc' && b.comp.kind === 'func');
  }
  if (typeof b === 'string') return a.comp.kind === 'func' ? b === 'func' : HEAP_ABOVE[a.comp.kind].includes(b);
  for (let t: GcView | undefined = a; t; t = t.supertype) if (gcEq(t, b)) return true;
  return false;
}

function valSub(a: GcVal, b: GcVal): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return (!a.nullable || b.nullable) && heapSub(a.ref, b.ref);
}

function fieldSub(a: GcField, b: GcField): boolean {
  if (a.mutable !== b.mutable) return false;
  return a.mutable ? valSub(a.t, b.t) && valSub(b.t, a.t) : valSub(a.t, b.t);
}

/** Why composite type `a` does not match `b` (WebAssembly 3.0), or undefined when it does. */
function compMismatch(a: GcComp, b: GcComp): string | undefined {
  const an = (k: string) => `${k === 'array' ? 'an' : 'a'} ${k} type`;
  if (a.kind !== b.kind) return `${an(a.kind)} cannot be a subtype of ${an(b.kind)}`;
  if (a.kind === 'func' && b.kind === 'func') {
    if (a.params.length !== b.params.length || a.results.length !== b.results.length) return 'the func types have other parameter or result counts';
    const p = a.params.findIndex((t, i) => !valSub(b.params[i], t));
    if (p >= 0) return `parameter ${p} is not a supertype of the supertype's`;
    const r = a.results.findIndex((t, i) => !valSub(t, b.results[i]));
    if (r >= 0) return `result ${r} is not a subtype of the supertype's`;
    return undefined;
  }
  if (a.kind === 'struct' && b.kind === 'struct') {
    if (a.fields.length < b.fields.length) return `${a.fields.length} field(s), fewer than the supertype's ${b.fields.length}`;
    const f = b.fields.findIndex((t, i) => !fieldSub(a.fields[i], t));
    return f >= 0 ? `field ${f} does not match the supertype's (mutability equal; a const field may narrow, a var field may not)` : undefined;
  }
  if (a.kind === 'array' && b.kind === 'array') return fieldSub(a.field, b.field) ? undefined : 'the element field does not match the supertype\'s';
  return undefined;
}

/** Type equivalence of defined core types: the same position in structurally equal rec groups (iso-recursive). */
function gcEq(a: GcView, b: GcView): boolean {
  return a === b || (a.pos === b.pos && groupEq(a.group, b.group));
}

const equalGroups = new WeakMap<GcView[], WeakSet<GcView[]>>();

function groupEq(g: GcView[], h: GcView[]): boolean {
  if (g === h) return true;
  if (equalGroups.get(g)?.has(h)) return true;
  if (g.length !== h.length) return false;
  const refEq = (x: GcView | undefined, y: GcView | undefined): boolean => {
    if (!x || !y) return x === y;
    if (x.group === g || y.group === h) return x.group === g && y.group === h && x.pos === y.pos;
    return gcEq(x, y);
  };
  const valEq = (x: GcVal, y: GcVal): boolean => {
    if (typeof x === 'string' || typeof y === 'string') return x === y;
    if (x.nullable !== y.nullable) return false;
    if (typeof x.ref === 'string' || typeof y.ref === 'string') return x.ref === y.ref;
    return refEq(x.ref, y.ref);
  };
  const fieldEq = (x: GcField, y: GcField) => x.mutable === y.mutable && valEq(x.t, y.t);
  const compEq = (x: GcComp, y: GcComp): boolean => {
    if (x.kind === 'func' && y.kind === 'func') {
      return x.params.length === y.params.length && x.results.length === y.results.length &&
        x.params.every((t, i) => valEq(t, y.params[i])) && x.results.every((t, i) => valEq(t, y.results[i]));
    }
    if (x.kind === 'struct' && y.kind === 'struct') return x.fields.length === y.fields.length && x.fields.every((f, i) => fieldEq(f, y.fields[i]));
    if (x.kind === 'array' && y.kind === 'array') return fieldEq(x.field, y.field);
    return false;
  };
  const eq = g.every((x, i) => x.final === h[i].final && refEq(x.supertype, h[i].supertype) && compEq(x.comp, h[i].comp));
  if (eq) {
    let set = equalGroups.get(g);
    if (!set) equalGroups.set(g, (set = new WeakSet()));
    set.add(h);
  }
  return eq;
}

// ---------------------------------------------------------------- equality and subtyping

/**
 * Structural equality of value types; resources by identity, except that an
 * abstract resource of the expected side (`b`) is bound, on first sight, to
 * the actual one (`a`) in `bindings`.
 */
export function typeEq(a: ValType | undefined, b: ValType | undefined, bindings?: Map<ResourceType, ResourceType>): boolean {
  if (a === b) return true;
  if (!a || !b || a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'list': { const y = b as typeof a; return a.l === y.l && typeEq(a.t, y.t, bindings); }
    case 'option': return typeEq(a.t, (b as typeof a).t, bindings);
    case 'stream': case 'future': return typeEq(a.t, (b as typeof a).t, bindings);
    case 'map': { const y = b as typeof a; return typeEq(a.k, y.k, bindings) && typeEq(a.v, y.v, bindings); }
    case 'result': { const y = b as typeof a; return typeEq(a.ok, y.ok, bindings) && typeEq(a.error, y.error, bindings); }
    case 'record': { const y = b as typeof a; return a.fields.length === y.fields.length && a.fields.every((f, i) => f.label === y.fields[i].label && typeEq(f.t, y.fields[i].t, bindings)); }
    case 'tuple': { const y = b as typeof a; return a.ts.length === y.ts.length && a.ts.every((t, i) => typeEq(t, y.ts[i], bindings)); }
    case 'variant': { const y = b as typeof a; return a.cases.length === y.cases.length && a.cases.every((c, i) => c.label === y.cases[i].label && typeEq(c.t, y.cases[i].t, bindings)); }
    case 'enum': case 'flags': { const y = b as typeof a; return a.labels.length === y.labels.length && a.labels.every((l, i) => l === y.labels[i]); }
    case 'own': case 'borrow': return resourceEq(a.rt, (b as typeof a).rt, bindings);
    default: return true;
  }
}

function resourceEq(actual: ResourceType, expected: ResourceType, bindings?: Map<ResourceType, ResourceType>): boolean {
  if (actual === expected) return true;
  if (bindings) {
    const bound = bindings.get(expected);
    if (bound) return bound === actual;
    if (abstractResources.has(expected)) {
      bindings.set(expected, actual);
      return true;
    }
  }
  return false;
}

function funcError(a: FuncType, b: FuncType, bindings: Map<ResourceType, ResourceType> | undefined): string | undefined {
  if (a.async !== b.async) return `one function is async and the other is not`;
  if (a.params.length !== b.params.length) return `${a.params.length} parameter(s) where ${b.params.length} are expected`;
  for (let i = 0; i < a.params.length; i++) {
    if (a.params[i][0] !== b.params[i][0]) return `parameter ${i} is named '${a.params[i][0]}', expected '${b.params[i][0]}'`;
    if (!typeEq(a.params[i][1], b.params[i][1], bindings)) return `parameter '${a.params[i][0]}' has another type`;
  }
  if (!typeEq(a.result, b.result, bindings)) return 'the result has another type';
  return undefined;
}

/**
 * Why `actual` is not a subtype of `expected`, or undefined when it is.
 * Instances and components: the subtype may export more and import less
 * (names matter, order does not). Functions: equal types. Resources: by
 * identity, with `expected`'s abstract resources bound through `bindings`.
 */
export function subtypeError(actual: ExternType, expected: ExternType, bindings: Map<ResourceType, ResourceType> | undefined = new Map()): string | undefined {
  if (actual.kind !== expected.kind) return `a ${actual.kind} where a ${expected.kind} is expected`;
  switch (expected.kind) {
    case 'func': return funcError(actual.type as FuncType, expected.type, bindings);
    case 'value': return typeEq(actual.type as ValType, expected.type, bindings) ? undefined : 'a value of another type';
    case 'type': {
      const a = actual.type as DefinedType;
      const e = expected.type;
      if (e.kind === 'resource') {
        if (a.kind !== 'resource') return `a ${a.kind} type where a resource is expected`;
        return resourceEq(a, e, bindings) ? undefined : `resource '${a.name}' is not resource '${e.name}'`;
      }
      if (isValType(e) && isValType(a)) return typeEq(a, e, bindings) ? undefined : 'a type that is not equal';
      if (e.kind === 'func' && a.kind === 'func') return funcError(a, e, bindings);
      if ((e.kind === 'instance' || e.kind === 'component') && a.kind === e.kind) {
        return subtypeError({ kind: a.kind, type: a } as ExternType, { kind: e.kind, type: e } as ExternType, bindings);
      }
      return `a ${a.kind} type where a ${e.kind} type is expected`;
    }
    case 'instance': return exportsError((actual.type as InstanceType).exports, expected.type.exports, bindings);
    case 'component': {
      const a = actual.type as ComponentType;
      // Imports are contravariant: every import of the actual component must be satisfied by the expected one.
      for (const imp of a.imports) {
        const e = expected.type.imports.find((x) => x.name === imp.name);
        if (!e) return `it imports '${imp.name}', which the expected type does not offer`;
        const why = subtypeError(e.t, imp.t, bindings);
        if (why) return `import '${imp.name}': ${why}`;
      }
      return exportsError(a.exports, expected.type.exports, bindings);
    }
    case 'core module': {
      // WebAssembly import matching: exports are covariant, imports contravariant.
      const a = actual.type as ModuleType;
      for (const x of expected.type.exports) {
        const y = a.exports.find((e) => e.name === x.name);
        if (!y) return `no core export '${x.name}'`;
        const why = coreExternError(y, x);
        if (why) return `core export '${x.name}': ${why}`;
      }
      for (const x of a.imports) {
        const e = expected.type.imports.find((i) => i.module === x.module && i.field === x.field);
        if (!e) return `it imports '${x.module}' '${x.field}', which the expected type does not offer`;
        const why = coreExternError(e, x);
        if (why) return `core import '${x.module}' '${x.field}': ${why}`;
      }
      return undefined;
    }
  }
}

function exportsError(actual: readonly ExternDecl[], expected: readonly ExternDecl[], bindings: Map<ResourceType, ResourceType> | undefined): string | undefined {
  for (const e of expected) {
    const a = actual.find((x) => x.name === e.name);
    if (!a) return `no export '${e.name}'`;
    const why = subtypeError(a.t, e.t, bindings);
    if (why) return `export '${e.name}': ${why}`;
  }
  return undefined;
}

/** The resources an instance type defines (see `Scope.defined`). */
const instanceResources = new WeakMap<InstanceType, readonly ResourceType[]>();

/**
 * wasmparser's `prepare_instance_import`/`prepare_instance_export`: an
 * import or export of an instance type whose type defines resources gets
 * fresh ones, so that two instances of one instance type do not share
 * resource types. The fresh resources are added to `into` (the enclosing
 * instance type's, when it is one).
 */
function freshenInstance(e: ExternType, into: ResourceType[] | undefined): ExternType {
  if (e.kind !== 'instance') return e;
  const defined = instanceResources.get(e.type);
  if (!defined) return e;
  const map = new Map<DefinedType, DefinedType>();
  for (const rt of defined) {
    const fresh = freshResource(rt.name, true);
    map.set(rt, fresh);
    into?.push(fresh);
  }
  return substExtern(e, map);
}

/** The resource types exported by `decls` (as `type` exports, in nested instances too). */
function exportedResources(decls: readonly ExternDecl[], out: ResourceType[] = []): ResourceType[] {
  for (const d of decls) {
    if (d.t.kind === 'type' && d.t.type.kind === 'resource') out.push(d.t.type);
    else if (d.t.kind === 'instance') exportedResources(d.t.type.exports, out);
  }
  return out;
}

/** Replace bound abstract resources (and bound nominal type imports) by their bindings. */
/** One substituted object per type and bindings, so that a type and its uses stay the same object (the named-types rule compares objects). */
const substituted = new WeakMap<ReadonlyMap<DefinedType, DefinedType>, Map<ValType, ValType>>();

function substVal(t: ValType, b: ReadonlyMap<DefinedType, DefinedType>): ValType {
  if (b.size === 0) return t;
  const bound = b.get(t);
  if (bound !== undefined) return bound as ValType;
  let memo = substituted.get(b);
  if (memo === undefined) substituted.set(b, (memo = new Map()));
  let r = memo.get(t);
  if (r === undefined) memo.set(t, (r = substValOnce(t, b)));
  return r;
}

function substValOnce(t: ValType, b: ReadonlyMap<DefinedType, DefinedType>): ValType {
  const o = (x: ValType | undefined) => (x ? substVal(x, b) : undefined);
  switch (t.kind) {
    case 'own': case 'borrow': return { kind: t.kind, rt: (b.get(t.rt) as ResourceType | undefined) ?? t.rt };
    case 'list': return t.l === undefined ? { kind: 'list', t: substVal(t.t, b) } : { kind: 'list', t: substVal(t.t, b), l: t.l };
    case 'option': return { kind: 'option', t: substVal(t.t, b) };
    case 'stream': case 'future': return { kind: t.kind, t: o(t.t) };
    case 'map': return { kind: 'map', k: substVal(t.k, b), v: substVal(t.v, b) };
    case 'result': return { kind: 'result', ok: o(t.ok), error: o(t.error) };
    case 'record': return { kind: 'record', fields: t.fields.map((f) => ({ label: f.label, t: substVal(f.t, b) })) };
    case 'tuple': return { kind: 'tuple', ts: t.ts.map((x) => substVal(x, b)) };
    case 'variant': return { kind: 'variant', cases: t.cases.map((c) => ({ label: c.label, t: o(c.t) })) };
    default: return t;
  }
}

function substDefined(t: DefinedType, b: ReadonlyMap<DefinedType, DefinedType>): DefinedType {
  switch (t.kind) {
    case 'resource': return (b.get(t) as ResourceType | undefined) ?? t;
    case 'func': return { kind: 'func', async: t.async, params: t.params.map(([n, p]) => [n, substVal(p, b)] as const), result: t.result && substVal(t.result, b) };
    case 'instance': return { kind: 'instance', exports: t.exports.map((e) => ({ name: e.name, t: substExtern(e.t, b) })) };
    case 'component': return { kind: 'component', imports: t.imports.map((e) => ({ name: e.name, t: substExtern(e.t, b) })), exports: t.exports.map((e) => ({ name: e.name, t: substExtern(e.t, b) })) };
    default: return substVal(t, b);
  }
}

function substExtern(e: ExternType, b: ReadonlyMap<DefinedType, DefinedType>): ExternType {
  if (b.size === 0 || e.kind === 'core module') return e;
  return { kind: e.kind, type: substDefined(e.type, b) } as ExternType;
}

// ---------------------------------------------------------------- names

const LABEL = '(?:[a-z][0-9a-z]*|[A-Z][0-9A-Z]*)(?:-(?:[0-9a-z]+|[0-9A-Z]+))*';
const WORDS = '[a-z][0-9a-z]*(?:-[0-9a-z]+)*';
const SEMVER = '(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const PLAIN_LABEL = new RegExp(`^${LABEL}$`);
const PLAIN = new RegExp(`^(?:${LABEL}|\\[constructor\\]${LABEL}|\\[(?:method|static)\\]${LABEL}\\.${LABEL}|\\[async\\]${LABEL}|\\[async (?:method|static)\\]${LABEL}\\.${LABEL})$`);
const CANON = '(?:[1-9]\\d*|0\\.[1-9]\\d*|0\\.0\\.[1-9]\\d*|0\\.0\\.0)';
/** `interfacename`: one namespace, one package, one projection (the nested forms are gated, 🪺), an optional version. */
const INTERFACE = new RegExp(`^${WORDS}:${WORDS}/${LABEL}(?:@(?:${SEMVER}|${CANON}))?$`);
const INTERFACE_VERSION = /@([^@]*)$/;
const CANON_VERSION = new RegExp(`^${CANON}$`);
const SEMVER_ONLY = new RegExp(`^${SEMVER}$`);
const OTHER = /^(?:(?:unlocked-dep|locked-dep)=<[^<>]+>|url=<[^<>]+>|integrity=<[^<>]+>)(?:,.*)?$/;

/**
 * The canonical form under which names must be strongly-unique: acronyms
 * lowercased; `[method]l.l`/`[static]l.l` become `l`; any other annotation
 * but `[constructor]` is stripped.
 */
export function strongName(name: string): string {
  const n = name.toLowerCase();
  const m = /^\[(?:method|static)\]([^.]+)\.(.+)$/.exec(n);
  if (m && m[1] === m[2]) return m[1];
  if (n.startsWith('[constructor]')) return n;
  return n.replace(/^\[[^\]]*\]/, '');
}

/**
 * Whether `name` is an `externname`: a plain name, an interface name, or one
 * of the older dependency/URL/integrity names (accepted, loosely checked).
 * `[async]`-annotated plain names of earlier drafts are accepted too.
 */
export function isExternName(name: string): boolean {
  return PLAIN.test(name) || INTERFACE.test(name) || OTHER.test(name);
}
