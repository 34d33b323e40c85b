/**
 * Instantiation of a validated component on the embedded host: walks the
 * definitions in binary order, filling one runtime index space per sort
 * (core modules, core instances, core funcs/memories/tables/globals, funcs,
 * types, components, instances), exactly as the index spaces of the binary
 * are built, and makes
 * - core instances (`WebAssembly.Instance`) with their `with` arguments,
 * - component instances (spec `ComponentInstance`: one handle table, tasks,
 *   backpressure) for the root and for every nested `instantiate`,
 * - component functions from `canon lift`, core functions from `canon lower`
 *   and from every canonical built-in.
 *
 * Types are the validator's (`validate.ts`), substituted per instance: each
 * instantiation makes its resource definitions fresh resource types (as the
 * spec's `ResourceType` is made per instance) and binds imported and aliased
 * resource types to what it was given, so a handle of one instance's
 * resource is refused by another instance of the same component.
 */
import { Trap } from '../../canon/errors.js';
import type { Store } from '../../canon/store.js';
import type { FlatValue } from '../../canon/task.js';
import type { Realloc } from '../abi/context.js';
import { coreTypeCount, type Canon, type CanonOpts, type Definition, type Sort, type ValTypeRef } from '../binary/ast.js';
import { ComponentError } from '../binary/reader.js';
import { decodeValue } from '../binary/value.js';
import { Prim, type CoreFuncType, type ExternType, type FuncType, type InstanceType, type ModuleType, type ResourceType, type ValType } from '../types.js';
import type { ValidatedComponent } from '../validate.js';
import { builtinCoreType, builtinFunc, type CanonEnv } from './canon.js';
import { flattenFunctype } from '../abi/layout.js';
import { canonLower, LiftedFunc, type CanonOptions, type ComponentFunc } from './func.js';
import { HostReps, RuntimeInstance } from './handles.js';

/** An item of an instance's exports (or an instantiation argument). */
export interface Item {
  readonly sort: Sort;
  readonly value: unknown;
}

/** A component instance's exports as a value of the `instance` sort. */
export class InstanceValue {
  readonly kind = 'instance';
  constructor(
    readonly exports: ReadonlyMap<string, Item>,
    /** The component instance that made it (undefined for host-made instances). */
    readonly runtime: RuntimeInstance | undefined,
  ) {}
}

/** A component definition in the `component` index space, with the scope its outer aliases see. */
interface ComponentValue {
  readonly kind: 'component';
  readonly v: ValidatedComponent;
  readonly parent: Scope | undefined;
}

/** Raised when the instantiation cannot link: a missing import, a wrong sort, a core link error. */
export class ComponentLinkError extends Error {
  constructor(
    readonly rule: 'missing-import' | 'wrong-sort' | 'core-link' | 'unsupported',
    readonly path: string,
    detail: string,
  ) {
    super(`[${rule}] ${path}: ${detail}`);
    this.name = 'ComponentLinkError';
  }
}

const SORT_KEYS: readonly Sort[] = [
  'core func', 'core table', 'core memory', 'core global', 'core tag', 'core type', 'core module', 'core instance',
  'func', 'value', 'type', 'component', 'instance',
];

/** The runtime index spaces of one component instance. */
class Scope {
  readonly spaces = new Map<Sort, unknown[]>(SORT_KEYS.map((s) => [s, []]));
  constructor(
    readonly v: ValidatedComponent,
    readonly parent: Scope | undefined,
    readonly rt: RuntimeInstance,
  ) {}

  /** Static resource types (the validator's) bound to the runtime ones of this instantiation. */
  private readonly bound = new Map<ResourceType, ResourceType>();
  private readonly substituted = new Map<object, unknown>();

  /** Records that the validator's resource `s` is `r` in this instance. */
  bind(s: unknown, r: unknown): void {
    if ((s as ResourceType)?.kind === 'resource' && (r as ResourceType)?.kind === 'resource' && s !== r) {
      this.bound.set(s as ResourceType, r as ResourceType);
    }
  }

  private resource(rt: ResourceType): ResourceType {
    for (let sc: Scope | undefined = this; sc !== undefined; sc = sc.parent) {
      const r = sc.bound.get(rt);
      if (r !== undefined) return r;
    }
    return rt;
  }

  /** A validator type with every bound resource replaced by its runtime type. */
  subst<T>(t: T): T {
    if (typeof t !== 'object' || t === null) return t;
    const cached = this.substituted.get(t);
    if (cached !== undefined) return cached as T;
    const r = this.substOnce(t as unknown as { kind: string });
    this.substituted.set(t, r);
    return r as T;
  }

  private substOnce(t: { kind: string }): unknown {
    const x = t as ValType | FuncType | ResourceType | { kind: 'instance' | 'component' };
    switch (x.kind) {
      case 'resource': return this.resource(x);
      case 'own': case 'borrow': {
        const rt = this.resource(x.rt);
        return rt === x.rt ? x : { ...x, rt };
      }
      case 'list': case 'option': { const e = this.subst(x.t); return e === x.t ? x : { ...x, t: e }; }
      case 'stream': case 'future': { const e = this.subst(x.t); return e === x.t ? x : { ...x, t: e }; }
      case 'record': return { ...x, fields: x.fields.map((f) => ({ label: f.label, t: this.subst(f.t) })) };
      case 'tuple': return { ...x, ts: x.ts.map((e) => this.subst(e)) };
      case 'variant': return { ...x, cases: x.cases.map((c) => ({ label: c.label, t: this.subst(c.t) })) };
      case 'result': return { ...x, ok: this.subst(x.ok), error: this.subst(x.error) };
      case 'map': return { ...x, k: this.subst(x.k), v: this.subst(x.v) };
      case 'func': return { ...x, params: x.params.map(([n, p]) => [n, this.subst(p)] as const), result: this.subst(x.result) };
      default: return x;
    }
  }

  space(sort: Sort): unknown[] {
    return this.spaces.get(sort)!;
  }

  get(sort: Sort, idx: number): unknown {
    const s = this.space(sort);
    if (idx < 0 || idx >= s.length) {
      throw new ComponentLinkError('unsupported', this.rt.name, `${sort} index ${idx} is out of range (${s.length} defined)`);
    }
    return s[idx];
  }
}

/** Compiled core modules, per definition (a component instantiated twice compiles once). */
const compiled = new WeakMap<Definition, WebAssembly.Module | UncompiledModule>();

/**
 * A core module this engine cannot compile because it lacks a standard
 * feature the module uses (WebAssembly 3.0 multi-memory: Node 20's V8 refuses
 * a second memory). The component is valid, so it loads and instantiates;
 * only a core instantiation of this module fails, with `error`
 * (docs/deviations.md, entry 17).
 */
class UncompiledModule {
  constructor(readonly error: ComponentError) {}
}

export interface InstantiateContext {
  readonly store: Store;
  readonly hostReps: HostReps;
}

/**
 * Instantiates `v` with `args` (its imports by name). `name` names the
 * component instance in traps and traces.
 */
export function instantiateComponent(
  cx: InstantiateContext,
  v: ValidatedComponent,
  args: ReadonlyMap<string, Item>,
  parent: Scope | undefined,
  name: string,
  /** The component instance whose `instance` definition makes this one (spec `ComponentInstance.parent`). */
  parentInstance?: RuntimeInstance,
): InstanceValue {
  const canon = cx.store.componentInstance(name);
  canon.parent = parentInstance?.canon;
  const rt = new RuntimeInstance(canon, cx.hostReps);
  const scope = new Scope(v, parent, rt);
  const exports = new Map<string, Item>();
  const env = canonEnv(scope);
  let nestedCount = 0;
  for (const def of v.component.definitions) {
    const value = define(cx, scope, env, def, args, exports, () => `${name}/${nestedName(v, def, nestedCount++)}`);
    if (def.tag === 'core type') {
      // A GC rec group takes one core type index per type.
      for (let k = 0; k < coreTypeCount(def.type); k++) scope.space('core type')[def.index + k] = v.coreTypes[def.index + k];
    } else if (def.space !== undefined) scope.space(def.space)[def.index] = value;
    if (def.space === 'instance') bindInstance(scope, v.instances[def.index], value);
  }
  return new InstanceValue(exports, rt);
}

/**
 * Binds the resource types an instance's type names (the validator's, for an
 * import, an instantiation or an alias) to the runtime types the instance
 * actually exports, so that every function type that names them is
 * substituted to the real, per-instantiation types.
 */
function bindInstance(scope: Scope, it: InstanceType | undefined, value: unknown): void {
  if (it === undefined || !(value instanceof InstanceValue)) return;
  for (const d of it.exports) {
    const item = value.exports.get(d.name);
    if (item === undefined) continue;
    if (d.t.kind === 'type') scope.bind(d.t.type, item.value);
    else if (d.t.kind === 'instance') bindInstance(scope, d.t.type, item.value);
  }
}

function nestedName(v: ValidatedComponent, def: Definition, n: number): string {
  const names = v.component.names?.sorts.get('instance');
  return names?.get(def.index) ?? `i${n}`;
}

/** The value one definition adds to its index space. */
function define(
  cx: InstantiateContext,
  scope: Scope,
  env: CanonEnv,
  def: Definition,
  args: ReadonlyMap<string, Item>,
  exports: Map<string, Item>,
  childName: () => string,
): unknown {
  const rt = scope.rt;
  switch (def.tag) {
    case 'core module': {
      let m = compiled.get(def);
      if (m === undefined) {
        try {
          m = new WebAssembly.Module(def.bytes as Uint8Array<ArrayBuffer>);
        } catch (e) {
          const error = new ComponentError('core-module-invalid', def.offset, 'core module', `core module ${def.index} does not compile: ${(e as Error).message}`);
          // Several memories, refused by an engine without multi-memory: an engine limit, not an invalid module.
          if (!((scope.v.coreModules[def.index]?.memories ?? 0) > 1 && /memor/i.test((e as Error).message))) throw error;
          m = new UncompiledModule(error);
        }
        compiled.set(def, m);
      }
      return m;
    }
    case 'core instance': {
      const expr = def.expr;
      if (expr.kind === 'exports') {
        const out: Record<string, unknown> = {};
        for (const e of expr.exports) out[e.name] = scope.get(e.sort, e.idx);
        return out;
      }
      const module = scope.get('core module', expr.module) as WebAssembly.Module | UncompiledModule;
      if (module instanceof UncompiledModule) throw module.error;
      const imports: Record<string, unknown> = {};
      for (const a of expr.args) imports[a.name] = scope.get('core instance', a.instance);
      checkCoreImports(rt, def.index, scope.v.coreModules[expr.module], imports);
      // A core start function runs in a synchronous task of the instance (the
      // instantiation's): built-ins see a current task, and one that would
      // block traps `may-not-block`, as definitions.py's sync tasks do.
      const inst = rt.canon;
      const prev = inst.current;
      inst.current = inst.newTask(`[start core instance ${def.index}]`, 'sync');
      try {
        // Under the store's deadline: a start function that never returns traps `timeout`.
        return rt.canon.store.run(() => new WebAssembly.Instance(module, imports as WebAssembly.Imports).exports);
      } catch (e) {
        if (e instanceof WebAssembly.LinkError) {
          throw new ComponentLinkError('core-link', `${rt.name} core instance ${def.index}`, e.message);
        }
        const t = e instanceof Trap ? e : new Trap('wasm-trap', { instance: rt.name, detail: `start of core instance ${def.index}: ${(e as Error).message}`, cause: e });
        rt.canon.poison(t);
        throw t;
      } finally {
        inst.tasks.delete(inst.current!);
        inst.current = prev;
      }
    }
    case 'core type':
      return scope.v.coreTypes[def.index];
    case 'component':
      return { kind: 'component', v: scope.v.nested[def.index]!, parent: scope } satisfies ComponentValue;
    case 'instance': {
      const expr = def.expr;
      if (expr.kind === 'exports') {
        const m = new Map<string, Item>();
        for (const e of expr.exports) m.set(e.name.name, { sort: e.sort, value: scope.get(e.sort, e.idx) });
        return new InstanceValue(m, rt);
      }
      const c = scope.get('component', expr.component) as ComponentValue;
      if (c?.kind !== 'component' || c.v === undefined) {
        throw new ComponentLinkError('unsupported', rt.name, `component ${expr.component} is imported: instantiating an imported component is not supported`);
      }
      const m = new Map<string, Item>();
      for (const a of expr.args) m.set(a.name, { sort: a.sort, value: scope.get(a.sort, a.idx) });
      return instantiateComponent(cx, c.v, m, c.parent, childName(), scope.rt);
    }
    case 'alias': {
      const a = def.alias;
      switch (a.kind) {
        case 'export': {
          const inst = scope.get('instance', a.instance) as InstanceValue;
          const item = inst.exports.get(a.name);
          if (item === undefined) throw new ComponentLinkError('missing-import', `${rt.name} instance ${a.instance}`, `has no export "${a.name}"`);
          if (item.sort !== a.sort) throw new ComponentLinkError('wrong-sort', `${rt.name} instance ${a.instance} "${a.name}"`, `is a ${item.sort}, aliased as a ${a.sort}`);
          if (a.sort === 'type') scope.bind(scope.v.types[def.index], item.value);
          return item.value;
        }
        case 'core export': {
          const inst = scope.get('core instance', a.instance) as Record<string, unknown>;
          const value = inst[a.name];
          if (value === undefined) throw new ComponentLinkError('missing-import', `${rt.name} core instance ${a.instance}`, `has no export "${a.name}"`);
          return value;
        }
        case 'outer': {
          let s: Scope | undefined = scope;
          for (let k = 0; k < a.count; k++) s = s?.parent;
          if (s === undefined) throw new ComponentLinkError('unsupported', rt.name, `outer alias ${a.count} ${a.sort} ${a.idx} leaves the outermost component`);
          const value = s.get(a.sort, a.idx);
          if (a.sort === 'type') scope.bind(scope.v.types[def.index], value);
          return value;
        }
      }
      break;
    }
    case 'type': {
      const vt = scope.v.types[def.index];
      const info = vt?.kind === 'resource' ? scope.v.resources.get(vt) : undefined;
      if (info !== undefined) {
        // A resource defined here: a fresh type for each instantiation (the
        // spec's `ResourceType(impl, dtor)` made as the definition runs),
        // implemented by this instance, with its destructor. Every type of
        // this instance that names it is substituted to the fresh one.
        const fresh: ResourceType = {
          kind: 'resource',
          name: (vt as ResourceType).name,
          rep: 'i32',
          impl: rt,
          dtor: info.dtor === undefined ? undefined : (scope.get('core func', info.dtor) as (rep: number) => unknown),
        };
        scope.bind(vt, fresh);
        return fresh;
      }
      return scope.subst(vt);
    }
    case 'canon':
      return canonDefinition(scope, env, def.canon, def.index);
    case 'import': {
      const item = args.get(def.name.name);
      if (item === undefined) throw new ComponentLinkError('missing-import', rt.name, `import "${def.name.name}" is not given`);
      if (def.space === 'type') scope.bind(scope.v.types[def.index], item.value);
      return item.value;
    }
    case 'export': {
      const value = scope.get(def.target.sort, def.target.idx);
      // An export's new type index (a resource's, ascribed `(sub resource)`, is a new validator type) is the exported value.
      if (def.target.sort === 'type') scope.bind(scope.v.types[def.index], value);
      exports.set(def.name.name, { sort: def.target.sort, value });
      return value;
    }
    case 'start': {
      // The arguments are values of the value index space; the result (a
      // function has at most one) is the next value.
      const f = scope.get('func', def.func) as ComponentFunc;
      const results = startFunction(cx, rt, f, def.args.map((i) => scope.get('value', i)));
      return def.results > 0 ? results[0] : undefined;
    }
    case 'value':
      return decodeValue(def.bytes, scope.subst(scope.v.values[def.index]!), def.offset);
  }
  return undefined;
}

/** Runs a component start function to completion (it may not block on anything outside); its results. */
function startFunction(cx: InstantiateContext, rt: RuntimeInstance, f: ComponentFunc, args: unknown[]): unknown[] {
  let done = false;
  let results: unknown[] = [];
  f.call(() => args, (r) => {
    done = true;
    results = r ?? [];
  }, undefined);
  cx.store.drive();
  if (!done && !rt.canon.poisoned) {
    throw new Trap('deadlock', { instance: rt.name, builtin: 'start', detail: 'the component start function did not finish' });
  }
  if (rt.canon.poisoned) throw rt.canon.poisoned;
  return results;
}

/** Core types of the functions this host made (built-ins, `canon lower`): JS functions link to any import type, so they are checked here. */
const coreTypes = new WeakMap<object, CoreFuncType>();

const showType = (t: CoreFuncType): string => `(${t.params.join(' ')}) -> (${t.results.join(' ')})`;
const sameType = (a: CoreFuncType, b: CoreFuncType): boolean =>
  a.params.length === b.params.length && a.results.length === b.results.length &&
  a.params.every((p, i) => p === b.params[i]) && a.results.every((r, i) => r === b.results[i]);

/** Every function import of a core module that a host-made function serves must have that function's core type. */
function checkCoreImports(rt: RuntimeInstance, index: number, mt: ModuleType | undefined, imports: Record<string, unknown>): void {
  if (mt === undefined) return;
  for (const imp of mt.imports) {
    if (imp.kind !== 'func' || imp.t === undefined) continue;
    const f = (imports[imp.module] as Record<string, unknown> | undefined)?.[imp.field];
    const want = typeof f === 'function' ? coreTypes.get(f) : undefined;
    if (want !== undefined && !sameType(want, imp.t)) {
      throw new ComponentLinkError(
        'core-link',
        `${rt.name} core instance ${index}`,
        `import "${imp.module}" "${imp.field}" has type ${showType(imp.t)}, but the function given (${coreNames.get(f as object) ?? 'a built-in'}) has type ${showType(want)}`,
      );
    }
  }
}

const coreNames = new WeakMap<object, string>();

/** The runtime values a built-in definition refers to. */
function canonEnv(scope: Scope): CanonEnv {
  const rt = scope.rt;
  return {
    rt,
    type: (idx) => scope.subst(scope.get('type', idx)),
    valType: (ref) => resolveValType(scope, ref),
    options: (opts) => resolveOptions(scope, opts),
    memory: (idx) => scope.get('core memory', idx) as WebAssembly.Memory,
    table: (idx) => scope.get('core table', idx) as WebAssembly.Table,
    destroy: (t, rep) => {
      // Spec: the destructor is lifted and lowered synchronously; a destructor
      // of another instance must not be re-entered while that instance runs.
      const owner = t.impl instanceof RuntimeInstance ? t.impl : rt;
      if (owner !== rt) owner.canon.checkEnter(rt.canon.current, { builtin: 'resource.drop' }, rt.canon);
      const j = rt.canon.store.jspi;
      if (j === undefined) {
        t.dtor?.(rep);
        return;
      }
      // JSPI: the destructor runs on top of the caller's stack, which cannot suspend from inside it.
      const top = j.top;
      j.top = undefined;
      try {
        t.dtor?.(rep);
      } finally {
        j.top = top;
      }
    },
  };
}

function resolveValType(scope: Scope, ref: ValTypeRef): ValType {
  if (ref.kind === 'prim') {
    if (ref.prim === 'error-context') return { kind: 'error-context' };
    return Prim[ref.prim];
  }
  return scope.subst(scope.get('type', ref.idx) as ValType);
}

function resolveOptions(scope: Scope, o: CanonOpts): CanonOptions {
  const fn = (i: number | undefined): ((...a: never[]) => unknown) | undefined =>
    i === undefined ? undefined : (scope.get('core func', i) as (...a: never[]) => unknown);
  return {
    stringEncoding: o.string_encoding ?? 'utf8',
    memory: o.memory === undefined ? undefined : (scope.get('core memory', o.memory) as WebAssembly.Memory),
    realloc: fn(o.realloc) as Realloc | undefined,
    postReturn: fn(o.post_return) as ((...a: FlatValue[]) => unknown) | undefined,
    async: o.async_,
    callback: fn(o.callback) as ((code: number, p1: number, p2: number) => number) | undefined,
  };
}

/** A `canon` definition's value: a component function (lift) or a core function. */
function canonDefinition(scope: Scope, env: CanonEnv, c: Canon, index: number): unknown {
  const rt = scope.rt;
  switch (c.kind) {
    case 'lift': {
      const ft = scope.subst(scope.get('type', c.type) as FuncType);
      const core = scope.get('core func', c.coreFunc) as (...a: FlatValue[]) => unknown;
      const name = liftName(scope, index);
      return new LiftedFunc(ft, rt, core, resolveOptions(scope, c.opts), name);
    }
    case 'lower': {
      const callee = scope.get('func', c.func) as ComponentFunc;
      const ft = scope.subst(scope.v.funcs[c.func] ?? callee.ft);
      const t = flattenFunctype({ async: c.opts.async_ }, ft, 'lower');
      let f = canonLower(rt, callee, ft, resolveOptions(scope, c.opts), funcName(scope, c.func));
      // JSPI: a call may wait (for a sync lift's callee, or a host Promise): the import may suspend.
      const j = rt.canon.store.jspi;
      if (j !== undefined) f = j.shim(f, t) as typeof f;
      coreTypes.set(f, t);
      coreNames.set(f, `canon lower ${funcName(scope, c.func)}`);
      return f;
    }
    default: {
      let f = builtinFunc(env, c);
      const t = builtinCoreType(env, c);
      const j = rt.canon.store.jspi;
      if (j !== undefined) f = mayBlock(c) && t !== undefined ? j.shim(f, t) : j.record(f);
      if (t !== undefined) coreTypes.set(f, t);
      coreNames.set(f, `canon ${c.kind}`);
      return f;
    }
  }
}

/** JSPI: a built-in that may block (its import may suspend the calling thread). */
function mayBlock(c: Canon): boolean {
  switch (c.kind) {
    case 'waitable-set.wait': case 'thread.yield': case 'thread.suspend':
    case 'thread.suspend-then-resume': case 'thread.yield-then-resume':
    case 'thread.suspend-then-promote': case 'thread.yield-then-promote':
      return true;
    case 'stream.read': case 'stream.write': case 'future.read': case 'future.write': return !c.opts.async_;
    case 'stream.cancel-read': case 'stream.cancel-write': case 'future.cancel-read': case 'future.cancel-write':
    case 'subtask.cancel': return !c.async_;
    default: return false;
  }
}

function funcName(scope: Scope, idx: number): string {
  return scope.v.component.names?.sorts.get('func')?.get(idx) ?? `func ${idx}`;
}

/**
 * A lifted function's name in task names (docs/component-host.md, "The JS API", Traps):
 * its `name` section name, else the name the component exports it under
 * (`boom`, or `local:demo/api#boom` through an exported instance of
 * exports), else `func N`.
 */
function liftName(scope: Scope, idx: number): string {
  return scope.v.component.names?.sorts.get('func')?.get(idx) ?? exportNames(scope.v).get(idx) ?? `func ${idx}`;
}

const exportNamesCache = new WeakMap<ValidatedComponent, ReadonlyMap<number, string>>();

/**
 * The names a component's exports give its func indices: an `export` of a
 * func names it (and its new index is the same func), an `export` of an
 * instance made of exports names each func in it `<instance>#<name>`. The
 * first name found wins.
 */
function exportNames(v: ValidatedComponent): ReadonlyMap<number, string> {
  const cached = exportNamesCache.get(v);
  if (cached !== undefined) return cached;
  const names = new Map<number, string>();
  const origin = new Map<number, number>(); // a func index an export defines -> the func it exports
  const bags = new Map<number, readonly { name: string; idx: number }[]>(); // instance index -> its funcs
  const root = (f: number): number => origin.get(f) ?? f;
  const name = (f: number, n: string): void => {
    if (!names.has(root(f))) names.set(root(f), n);
  };
  for (const def of v.component.definitions) {
    if (def.tag === 'instance' && def.expr.kind === 'exports') {
      bags.set(def.index, def.expr.exports.filter((e) => e.sort === 'func').map((e) => ({ name: e.name.name, idx: root(e.idx) })));
    } else if (def.tag === 'export' && def.target.sort === 'func') {
      name(def.target.idx, def.name.name);
      if (def.space === 'func') origin.set(def.index, root(def.target.idx));
    } else if (def.tag === 'export' && def.target.sort === 'instance') {
      const bag = bags.get(def.target.idx);
      for (const e of bag ?? []) name(e.idx, `${def.name.name}#${e.name}`);
      if (bag !== undefined && def.space === 'instance') bags.set(def.index, bag);
    }
  }
  exportNamesCache.set(v, names);
  return names;
}

/** The extern type of a root import, for the host side of linking. */
export function importType(v: ValidatedComponent, name: string): ExternType | undefined {
  return v.imports.find((d) => d.name === name)?.t;
}
