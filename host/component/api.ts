/**
 * The typed JS API of the component host, in jco's conventions:
 *
 *     const c = loadComponent(bytes);
 *     const inst = c.instantiate({ 'local:demo/host': { greet: async (name) => `hi ${name}` } });
 *     await inst.exports['local:demo/api'].echo('hi');
 *
 * Names: kebab-case becomes camelCase (`get-stderr` is `getStderr`); an
 * interface export is an object under its full name (`local:demo/api`, also
 * `local:demo/api@0.1.0` as given) and, when unambiguous, under its camelCased
 * last segment (`api`). Values are the canonical ABI module's JS values
 * (docs/component-host.md, "Values"); a `result` return value returns its
 * `ok` payload or throws `ComponentResultError` with the `err` payload.
 * Host imports may be plain functions or return Promises: an async import
 * stays a pending subtask until its Promise settles, and the store keeps
 * running other tasks meanwhile.
 */
import type { JspiMode } from '../canon/jspi.js';
import { Store } from '../canon/store.js';
import { Trap } from '../canon/errors.js';
import { describe as describeJs, toLowerCamelCase } from './abi/js.js';
import { checkFlatValues } from './abi/lower.js';
import { contains } from './abi/layout.js';
import { loadComponentBinary, type ValidatedComponent } from './validate.js';
import type { ExternType, FuncType, InstanceType, ResourceType, ValType } from './types.js';
import { HostFunc, LiftedFunc, signature, type ComponentFunc } from './runtime/func.js';
import { HostReps } from './runtime/handles.js';
import { ComponentFuture, ComponentStream, fromJsAsync, fromJsValue, toJsValue } from './runtime/streams.js';
import { LowerError } from './abi/context.js';
import { classesOf, fromJsResource, markMoved, type ResourceClasses } from './resources.js';
import { ComponentLinkError, InstanceValue, instantiateComponent, type Item } from './runtime/instantiate.js';

/** Host imports: by import name (versions may be left out), then by function name (kebab or camel case). */
export type ComponentImports = Record<string, unknown>;

/** A call's `result<_, E>` came back as `err`: `payload` is E's value (jco's `ComponentError`). */
export class ComponentResultError extends Error {
  constructor(readonly payload: unknown) {
    super(`the call returned err: ${describe(payload)}`);
    this.name = 'ComponentResultError';
  }
}

/** A host-side misuse of the API (wrong arity, a value of the wrong type), named by the rule broken. */
export class ComponentCallError extends TypeError {
  constructor(
    readonly rule: 'arity' | 'bad-value' | 'not-a-function',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`[${rule}] ${detail}`, options);
    this.name = 'ComponentCallError';
  }
}

function describe(v: unknown): string {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

export interface InstantiateOptions {
  /** The store to instantiate into (default: a new one). Instances of one store can call each other. */
  readonly store?: Store;
  /** Names the root component instance in traps and traces (default `root`). */
  readonly name?: string;
  /**
   * JSPI stack switching of a new store (ignored with `store`, which has its
   * own): `auto` (default) on when the engine has `WebAssembly.Suspending`.
   */
  readonly jspi?: JspiMode;
}

/** A decoded, validated component, ready to instantiate any number of times. */
export class LoadedComponent {
  constructor(readonly validated: ValidatedComponent) {}

  get imports(): readonly { name: string; t: ExternType }[] {
    return this.validated.imports;
  }

  get exports(): readonly { name: string; t: ExternType }[] {
    return this.validated.exports;
  }

  /** Instantiates the component with host imports (synchronous; see also `instantiateAsync`). */
  instantiate(imports: ComponentImports | null = {}, opts: InstantiateOptions = {}): ComponentInstanceApi {
    // Misuse of the API itself is a TypeError saying what is expected, before anything is made.
    if (imports === null) imports = {};
    if (typeof imports !== 'object') throw new TypeError(`instantiate: the imports are an object of import names, not ${describeJs(imports)}`);
    if (opts === null || typeof opts !== 'object') throw new TypeError(`instantiate: the options are an object ({ store, name, jspi }), not ${describeJs(opts)}`);
    if (opts.store !== undefined && !(opts.store instanceof Store)) throw new TypeError(`instantiate: options.store is a Store, not ${describeJs(opts.store)}`);
    const store = opts.store ?? new Store(opts.jspi === undefined ? {} : { jspi: opts.jspi });
    const hostReps = hostRepsOf(store);
    const args = new Map<string, Item>();
    for (const d of this.validated.imports) args.set(d.name, hostItem(store, d.name, d.t, lookupImport(imports, d.name), d.name));
    const root = instantiateComponent({ store, hostReps }, this.validated, args, undefined, opts.name ?? 'root');
    return new ComponentInstanceApi(store, root);
  }

  /** `instantiate`, as a Promise (jco's `instantiate` is async). */
  async instantiateAsync(imports: ComponentImports = {}, opts: InstantiateOptions = {}): Promise<ComponentInstanceApi> {
    return this.instantiate(imports, opts);
  }
}

/** The element type given to `stream(t)` / `future(t)`: a value type (`{ kind: 'u8' }`), or none. */
function elementType(what: string, t: unknown): ValType | undefined {
  if (t === undefined || (typeof t === 'object' && t !== null && typeof (t as { kind?: unknown }).kind === 'string')) return t as ValType | undefined;
  throw new TypeError(`${what}(t): t is a value type such as { kind: 'u8' } or { kind: 'string' }, not ${describeJs(t)}`);
}

const repsByStore = new WeakMap<Store, HostReps>();
function hostRepsOf(store: Store): HostReps {
  let r = repsByStore.get(store);
  if (r === undefined) repsByStore.set(store, (r = new HostReps()));
  return r;
}

/** Decodes and validates a component binary (throws `ComponentError` naming the rule and offset). */
export function loadComponent(bytes: Uint8Array | ArrayBufferView | ArrayBuffer): LoadedComponent {
  let u8: Uint8Array;
  if (bytes instanceof Uint8Array) u8 = bytes;
  else if (ArrayBuffer.isView(bytes)) u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  else if (bytes instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && (bytes as unknown) instanceof SharedArrayBuffer)) u8 = new Uint8Array(bytes);
  else throw new TypeError(`loadComponent takes the component's bytes (a Uint8Array, another ArrayBuffer view or an ArrayBuffer), not ${describeJs(bytes)}`);
  return new LoadedComponent(loadComponentBinary(u8));
}

/** An instantiated component: its exports as JS functions and objects. */
export class ComponentInstanceApi {
  readonly exports: Record<string, unknown>;
  constructor(
    readonly store: Store,
    readonly root: InstanceValue,
  ) {
    this.exports = exportObject(store, classesOf(store), root, '');
  }

  /** A stream made by the host, to pass (`.readable`) to a component taking `stream<T>`; `t` is T (default u8). */
  stream(t: ValType | undefined = { kind: 'u8' }): ComponentStream {
    return new ComponentStream(this.store, elementType('stream', t));
  }

  /** A future made by the host, to pass (`.readable`) to a component taking `future<T>`. */
  future(t: ValType | undefined): ComponentFuture {
    return new ComponentFuture(this.store, elementType('future', t));
  }

  /** The component function behind export `path` (`name`, or `interface#name`), for tools. */
  func(path: string): ComponentFunc | undefined {
    const [a, b] = path.includes('#') ? path.split('#') : [path, undefined];
    const item = this.root.exports.get(a!);
    if (b === undefined) return item?.sort === 'func' ? (item.value as ComponentFunc) : undefined;
    if (item?.sort !== 'instance') return undefined;
    const f = (item.value as InstanceValue).exports.get(b);
    return f?.sort === 'func' ? (f.value as ComponentFunc) : undefined;
  }
}


/** `[constructor]r`, `[method]r.f`, `[static]r.f`: the resource and the function. */
const RESOURCE_FUNC = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/;

/** The JS object for an instance's exports (funcs, nested instances, resources as classes). */
function exportObject(store: Store, classes: ResourceClasses, inst: InstanceValue, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const short = new Map<string, number>();
  // Exported resources: a class each, with its constructor, methods and statics.
  for (const [name, item] of inst.exports) {
    const rt = item.value as ResourceType;
    if (item.sort !== 'type' || rt?.kind !== 'resource') continue;
    const ctor = inst.exports.get(`[constructor]${name}`);
    const construct = ctor?.sort === 'func' && ctor.value instanceof LiftedFunc
      ? (args: unknown[]) => callSync(store, ctor.value as LiftedFunc, args, `${prefix}[constructor]${name}`) as number
      : undefined;
    const cls = classes.define(rt, name, construct) as unknown as Record<string, unknown> & { prototype: Record<string, unknown> };
    for (const [fname, fitem] of inst.exports) {
      const m = RESOURCE_FUNC.exec(fname);
      if (m === null || m[2] !== name || fitem.sort !== 'func' || m[1] === 'constructor') continue;
      const f = jsFunction(store, classes, fitem.value as ComponentFunc, prefix + fname);
      if (m[1] === 'method') cls.prototype[toLowerCamelCase(m[3]!)] = function (this: unknown, ...a: unknown[]) { return f(this, ...a); };
      else cls[toLowerCamelCase(m[3]!)] = f;
    }
    const className = (cls as unknown as { name: string }).name;
    out[className] = cls;
  }
  for (const [name, item] of inst.exports) {
    let v: unknown;
    if (item.sort === 'func') v = jsFunction(store, classes, item.value as ComponentFunc, prefix + name);
    else if (item.sort === 'instance') v = exportObject(store, classes, item.value as InstanceValue, `${prefix}${name}#`);
    else if (item.sort === 'value') v = item.value;
    else continue;
    out[name] = v;
    const camel = toLowerCamelCase(shortName(name));
    if (camel !== name) short.set(camel, (short.get(camel) ?? 0) + 1);
    if (short.get(camel) === 1 && !(camel in out)) out[camel] = v;
  }
  return out;
}

/** `ns:pkg/iface@1.0.0` -> `iface`; a plain name stays. */
function shortName(name: string): string {
  const slash = name.lastIndexOf('/');
  const base = slash < 0 ? name : name.slice(slash + 1);
  const at = base.indexOf('@');
  return at < 0 ? base : base.slice(0, at);
}

/**
 * Checks JS arguments before the call, with the checks lowering makes
 * (`checkFlatValues`: a walk of the values by type, no memory, nothing of
 * the guest runs): a bad value is a `ComponentCallError` naming the
 * parameter path, and the instance is untouched. Handle-typed values are
 * checked by the handle table as they are lowered.
 */
function checkArgs(ft: FuncType, args: readonly unknown[], name: string): void {
  if (args.length !== ft.params.length) {
    throw new ComponentCallError('arity', `${name} takes ${ft.params.length} argument(s) (${ft.params.map(([n]) => n).join(', ')}), ${args.length} given`);
  }
  const sig = signature(ft);
  try {
    checkFlatValues(args, sig.types, sig.names);
  } catch (e) {
    if (e instanceof Trap) throw e;
    throw new ComponentCallError('bad-value', `${name}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * JS arguments as the values a component takes: resources of exported
 * classes give their reps and host streams their readable ends, at any
 * depth (a value whose shape does not fit is a `ComponentCallError`).
 */
function argsFromJs(store: Store, ft: FuncType, jsArgs: readonly unknown[], name: string, taken?: object[]): unknown[] {
  return jsArgs.map((a, i) => {
    try {
      return i < ft.params.length ? fromJsValue(a, ft.params[i]![1], store, taken) : fromJsAsync(fromJsResource(a), store);
    } catch (e) {
      if (e instanceof LowerError) {
        if (i < ft.params.length) e.within(`param '${ft.params[i]![0]}'`);
        throw new ComponentCallError('bad-value', `${name}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  });
}

/** A component function as an async JS function. */
/**
 * Calls a lifted function and returns its result at once: for a constructor
 * (JS constructors cannot wait). The store runs synchronously, so a function
 * that does not wait on the host has resolved when the call returns.
 */
function callSync(store: Store, f: LiftedFunc, jsArgs: unknown[], name: string): unknown {
  const taken: object[] = [];
  const args = argsFromJs(store, f.ft, jsArgs, name, taken);
  checkArgs(f.ft, args, name);
  markMoved(taken);
  const task = f.prepare(() => args, () => {});
  let failure: unknown;
  store.runTopLevel(task, []).catch((e: unknown) => (failure = e));
  if (task.trap) throw task.trap;
  if (failure !== undefined) throw failure;
  if (task.values === undefined) {
    throw new Trap('may-not-block', { builtin: name, detail: `${name} did not return at once (it waits on the host), so it cannot be a JS constructor` });
  }
  return task.values[0];
}

function jsFunction(store: Store, classes: ResourceClasses, f: ComponentFunc, name: string): (...args: unknown[]) => Promise<unknown> {
  const ft = f.ft;
  const isResult = ft.result?.kind === 'result';
  const fn = async (...jsArgs: unknown[]): Promise<unknown> => {
    const taken: object[] = [];
    const args = argsFromJs(store, ft, jsArgs, name, taken);
    checkArgs(ft, args, name);
    // The checks passed: the own handles given are the component's from here on.
    markMoved(taken);
    let values: unknown[];
    if (f instanceof LiftedFunc) {
      let result: unknown[] | undefined;
      const task = f.prepare(() => args, (r) => (result = r));
      const flat = await store.runTopLevel(task, []);
      values = (task.values ?? result ?? (flat as unknown[])) as unknown[];
    } else {
      values = await new Promise<unknown[]>((resolve, reject) => {
        try {
          f.call(() => args, (r) => (r === undefined ? reject(new Trap('task-cancel-not-delivered', { detail: `${name} was cancelled` })) : resolve(r)), undefined);
          store.drive();
        } catch (e) {
          reject(e);
        }
      });
    }
    if (ft.result === undefined) return undefined;
    const v = toJsValue(store, values[0], ft.result);
    if (isResult) {
      const r = v as { tag: 'ok' | 'err'; val?: unknown };
      if (r.tag === 'err') throw new ComponentResultError(r.val);
      return r.val;
    }
    return v;
  };
  Object.defineProperty(fn, 'name', { value: toLowerCamelCase(name.slice(name.lastIndexOf('#') + 1)) });
  return fn;
}

/** The host's value for import `name`: exact, then without the `@version`, then camelCased. */
function lookupImport(imports: ComponentImports, name: string): unknown {
  if (name in imports) return imports[name];
  const at = name.indexOf('@');
  if (at >= 0 && name.slice(0, at) in imports) return imports[name.slice(0, at)];
  const camel = toLowerCamelCase(name);
  return imports[camel];
}

/** A host import as a runtime item of its declared extern type. */
function hostItem(store: Store, name: string, t: ExternType, js: unknown, path: string): Item {
  // Another component instance's exports (or one of its functions) link directly.
  if (js instanceof ComponentInstanceApi) js = js.root;
  if (js instanceof InstanceValue && t.kind === 'instance') return { sort: 'instance', value: js };
  if ((js instanceof LiftedFunc || js instanceof HostFunc) && t.kind === 'func') return { sort: 'func', value: js };
  if (js === undefined && t.kind !== 'type') {
    throw new ComponentLinkError('missing-import', path, `import "${name}" (${t.kind}) is not given`);
  }
  switch (t.kind) {
    case 'func':
      return { sort: 'func', value: hostFunc(store, t.type, js, path) };
    case 'instance':
      return { sort: 'instance', value: hostInstance(store, t.type, js, path) };
    case 'type':
      return { sort: 'type', value: t.type };
    case 'value':
      return { sort: 'value', value: hostValue(t.type, js, path) };
    default:
      throw new ComponentLinkError('unsupported', path, `importing a ${t.kind} from the host is not supported`);
  }
}

/** Whether values of `t` hold handles (which only a handle table can check). */
const hasHandles = (t: ValType): boolean =>
  contains(t, (u) => u.kind === 'own' || u.kind === 'borrow' || u.kind === 'stream' || u.kind === 'future' || u.kind === 'error-context');

/** A value import given by the host: a JS value of the typed mapping, checked against its type. */
function hostValue(t: ValType, js: unknown, path: string): unknown {
  if (hasHandles(t)) throw new ComponentLinkError('unsupported', path, 'a value import holding handles cannot be given by the host');
  const v = fromJsValue(js, t);
  try {
    checkFlatValues([v], [t], [path]);
  } catch (e) {
    if (e instanceof LowerError) throw new ComponentCallError('bad-value', `value import ${path}: ${e.message}`, { cause: e });
    throw e;
  }
  return v;
}

function hostInstance(store: Store, t: InstanceType, js: unknown, path: string): InstanceValue {
  const obj = (typeof js === 'object' || typeof js === 'function') && js !== null ? (js as Record<string, unknown>) : undefined;
  const m = new Map<string, Item>();
  for (const d of t.exports) {
    const p = `${path}#${d.name}`;
    if (d.t.kind === 'func') {
      m.set(d.name, { sort: 'func', value: hostFunc(store, d.t.type, member(obj, d.name), p) });
    } else if (d.t.kind === 'type') {
      m.set(d.name, { sort: 'type', value: d.t.type });
    } else if (d.t.kind === 'instance') {
      m.set(d.name, { sort: 'instance', value: hostInstance(store, d.t.type, member(obj, d.name), p) });
    } else {
      throw new ComponentLinkError('unsupported', p, `a host instance cannot export a ${d.t.kind}`);
    }
  }
  return new InstanceValue(m, undefined);
}

/**
 * The host's function for export `name` of an instance, in jco's naming:
 * `get-stderr` -> `getStderr`; `[method]output-stream.write` -> a method call
 * `write` on the first argument; `[static]r.f` -> `R.f`; `[constructor]r` -> `new R(...)`.
 */
function member(obj: Record<string, unknown> | undefined, name: string): unknown {
  if (obj === undefined) return undefined;
  if (name in obj) return obj[name];
  const m = /^\[(method|static|constructor)\]([^.]+)(?:\.(.+))?$/.exec(name);
  if (m === null) return obj[toLowerCamelCase(name)];
  const cls = obj[upperCamel(m[2]!)] as Record<string, unknown> | undefined;
  switch (m[1]) {
    case 'method': {
      const method = toLowerCamelCase(m[3]!);
      return (self: Record<string, unknown>, ...rest: unknown[]) => {
        const f = self?.[method];
        if (typeof f !== 'function') throw new ComponentCallError('not-a-function', `the ${m[2]} object has no method ${method}`);
        return (f as (...a: unknown[]) => unknown).apply(self, rest);
      };
    }
    case 'static':
      return cls === undefined ? undefined : (cls[toLowerCamelCase(m[3]!)] as ((...a: unknown[]) => unknown) | undefined)?.bind(cls);
    case 'constructor':
      return cls === undefined ? undefined : (...a: unknown[]) => new (cls as unknown as new (...a: unknown[]) => unknown)(...a);
  }
  return undefined;
}

function upperCamel(s: string): string {
  const c = toLowerCamelCase(s);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

function hostFunc(store: Store, ft: FuncType, js: unknown, path: string): HostFunc {
  const isResult = ft.result?.kind === 'result';
  const hasResult = ft.result !== undefined;
  if (typeof js !== 'function') {
    throw new ComponentLinkError('missing-import', path, `the host gave no function for import ${path}`);
  }
  const f = js as (...a: unknown[]) => unknown;
  const wrap = (v: unknown): unknown[] => (hasResult ? [isResult ? { tag: 'ok', val: v } : v] : []);
  const wrapErr = (e: unknown): unknown[] => {
    if (isResult && e instanceof ComponentResultError) return [{ tag: 'err', val: e.payload }];
    if (isResult && typeof e === 'object' && e !== null && 'payload' in e) return [{ tag: 'err', val: (e as { payload: unknown }).payload }];
    // jco's convention: a thrown value that is not an Error is the err payload itself
    // (preview2-shim throws `'no-entry'` and `{ tag: 'closed' }`).
    if (isResult && !(e instanceof Error)) return [{ tag: 'err', val: e }];
    throw e;
  };
  const out = (vs: unknown[]): unknown[] => {
    if (!hasResult) return vs;
    // An own instance returned moves into the caller, as one passed as an argument.
    const taken: object[] = [];
    const v = fromJsValue(vs[0], ft.result, store, taken);
    markMoved(taken);
    return [v];
  };
  return new HostFunc(ft, path, store, (args) => {
    let r: unknown;
    try {
      r = f(...args.map((a, i) => toJsValue(store, a, ft.params[i]?.[1])));
    } catch (e) {
      return out(wrapErr(e));
    }
    // A thenable (a Promise of another realm or library) is awaited as a Promise is, as `await` would.
    if (!(r instanceof Promise) && typeof r === 'object' && r !== null && typeof (r as { then?: unknown }).then === 'function') r = Promise.resolve(r);
    if (r instanceof Promise) return r.then((v) => out(wrap(v)), (e: unknown) => out(wrapErr(e)));
    return out(wrap(r));
  });
}
