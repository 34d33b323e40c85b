/**
 * Generates a core module's imports from `WebAssembly.Module.imports()`: every
 * canonical built-in by its wit-component name (docs/task-abi.md, "Built-in
 * names"), async-lowered
 * imports from `asyncImports`, and AssemblyScript's `env.abort`. User-supplied
 * `imports` override anything generated. A bracketed name that is not a
 * supported built-in is a link-time trap (`unknown-builtin`); anything else
 * missing is `unresolved-import`.
 */
import { U8, type ElemType } from './buffer.js';
import { GUEST_TEXT_MAX, GuestAbort, Trap } from './errors.js';
import type { ComponentInstance } from './instance.js';
import type { Limits } from './limits.js';
import { lowerAsyncImport, type AsyncCallee } from './lower.js';
import type { FlatValue } from './task.js';
import { formatFuncType, moduleTypes, sameFuncType, type FuncType, type ModuleTypes } from './wasm-types.js';

export interface InstanceOptions {
  name: string;
  /** Extra or overriding imports, merged over the generated ones (module -> name -> value). */
  imports?: Record<string, Record<string, WebAssembly.ImportValue>>;
  /**
   * Element layout of stream/future type N of function `func` in import module
   * `module`; default `{size: 1, align: 1}` (u8).
   */
  elementType?: (kind: 'stream' | 'future', module: string, func: string, index: number) => ElemType;
  /**
   * Callees of async-lowered imports (`[async-lower]func` in `module`): a host
   * function, or another instance's export.
   */
  asyncImports?: Record<string, Record<string, AsyncCallee>>;
  /** Resource caps for this instance, over the store's (`Store` option `limits`). */
  limits?: Partial<Limits>;
  /** Deadline for the instantiation (the start function), over the store's `timeoutMs`. */
  timeoutMs?: number;
}

type Fn = (...args: never[]) => unknown;
const u = (x: unknown): number => (typeof x === 'number' ? x >>> 0 : Number(x) >>> 0);

/** Builds the import object for `module`. */
export function link(inst: ComponentInstance, module: WebAssembly.Module, opts: InstanceOptions): WebAssembly.Imports {
  const user = opts.imports ?? {};
  const out: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  const types = moduleTypes(module);
  if (types) checkLiftSignatures(inst, types);
  const importTypes = new Map(types?.imports.map((t) => [`${t.module}\0${t.name}`, t.type]));
  for (const imp of WebAssembly.Module.imports(module)) {
    const given = user[imp.module]?.[imp.name];
    if (given === undefined && imp.kind === 'function' && types) checkBuiltinSignature(inst, imp.module, imp.name, importTypes.get(`${imp.module}\0${imp.name}`));
    const value = given ?? (imp.kind === 'function' ? generate(inst, imp.module, imp.name, opts) : undefined);
    if (value === undefined) {
      throw new Trap('unresolved-import', {
        instance: inst.name,
        builtin: `${imp.module}::${imp.name}`,
        detail: `import "${imp.module}" "${imp.name}" (${imp.kind}) is not provided`,
      });
    }
    (out[imp.module] ??= {})[imp.name] = value;
  }
  for (const [mod, fields] of Object.entries(user)) {
    for (const [name, v] of Object.entries(fields)) (out[mod] ??= {})[name] ??= v;
  }
  return out;
}

const fn = (params: string, results: string): FuncType => ({
  params: params === '' ? [] : params.split(' '),
  results: results === '' ? [] : results.split(' '),
});

/** The core type of each built-in (wasm32), by its op name. */
const BUILTIN_TYPES: Record<string, FuncType> = {
  'waitable-set-new': fn('', 'i32'),
  'waitable-set-wait': fn('i32 i32', 'i32'),
  'waitable-set-poll': fn('i32 i32', 'i32'),
  'waitable-set-drop': fn('i32', ''),
  'waitable-join': fn('i32 i32', ''),
  'context-get': fn('', 'i32'),
  'context-set': fn('i32', ''),
  'thread-yield': fn('', 'i32'),
  'backpressure-inc': fn('', ''),
  'backpressure-dec': fn('', ''),
  'subtask-drop': fn('i32', ''),
  'subtask-cancel': fn('i32', 'i32'),
  'task-cancel': fn('', ''),
  'stream-new': fn('', 'i64'),
  'stream-read': fn('i32 i32 i32', 'i32'),
  'stream-write': fn('i32 i32 i32', 'i32'),
  'stream-cancel-read': fn('i32', 'i32'),
  'stream-cancel-write': fn('i32', 'i32'),
  'stream-drop-readable': fn('i32', ''),
  'stream-drop-writable': fn('i32', ''),
  'future-new': fn('', 'i64'),
  'future-read': fn('i32 i32', 'i32'),
  'future-write': fn('i32 i32', 'i32'),
  'future-cancel-read': fn('i32', 'i32'),
  'future-cancel-write': fn('i32', 'i32'),
  'future-drop-readable': fn('i32', ''),
  'future-drop-writable': fn('i32', ''),
};

const NUMERIC = new Set(['i32', 'i64', 'f32', 'f64']);
const ABORT_TYPE = fn('i32 i32 i32 i32', '');
const CALLBACK_TYPE = fn('i32 i32 i32', 'i32');

/** `what` is `module::name` of a built-in import, or `export <name>`. */
function badSignature(inst: ComponentInstance, what: string, expected: string, actual: FuncType): Trap {
  const isExport = what.startsWith('export ');
  return new Trap('bad-signature', {
    instance: inst.name,
    builtin: isExport ? undefined : what,
    detail: `${isExport ? what : `built-in ${what}`} must have type ${expected}, but the module declares ${formatFuncType(actual)}`,
  });
}

/**
 * Checks the core type of a generated import (a canonical built-in, an
 * async-lowered call or `env.abort`) before anything is called: a wrong type
 * is `bad-signature`, naming the built-in, the type it must have and the one
 * declared. Names that are not built-ins are left to `generate`.
 */
function checkBuiltinSignature(inst: ComponentInstance, module: string, name: string, actual: FuncType | undefined): void {
  if (actual === undefined) return;
  const builtin = `${module}::${name}`;
  if (module === 'env' && name === 'abort') {
    if (!sameFuncType(actual, ABORT_TYPE)) throw badSignature(inst, builtin, formatFuncType(ABORT_TYPE), actual);
    return;
  }
  const parsed = parseBuiltinName(name);
  if (parsed === undefined) return;
  if ('lowered' in parsed || parsed.op === 'task-return') {
    // `[async-lower]f`: the flat parameters (and a result pointer), returning the subtask state.
    // `[task-return]f`: the flat results as parameters, returning nothing.
    const ret = 'lowered' in parsed ? ['i32'] : [];
    const ok = actual.params.every((t) => NUMERIC.has(t)) && sameFuncType({ params: [], results: actual.results }, { params: [], results: ret });
    if (!ok) {
      const want = 'lowered' in parsed ? '(func (param <flat params, result pointer: i32 i64 f32 f64>) (result i32))' : '(func (param <flat results: i32 i64 f32 f64>))';
      throw badSignature(inst, builtin, want, actual);
    }
    return;
  }
  const want = BUILTIN_TYPES[parsed.op];
  if (want !== undefined && !sameFuncType(actual, want)) throw badSignature(inst, builtin, formatFuncType(want), actual);
}

/**
 * `[async-lift]f` with `[callback][async-lift]f` must return its callback
 * code (i32), the callback takes (event, handle, payload); a stackful
 * `[async-lift]f` (no callback) returns nothing.
 */
function checkLiftSignatures(inst: ComponentInstance, types: ModuleTypes): void {
  const fns = new Map(types.exports.filter((e) => e.kind === 'function' && e.type).map((e) => [e.name, e.type!]));
  for (const [name, type] of fns) {
    if (!name.startsWith('[async-lift]')) continue;
    const cb = fns.get(`[callback]${name}`);
    if (cb !== undefined) {
      if (!sameFuncType({ params: [], results: type.results }, { params: [], results: ['i32'] }) || !type.params.every((t) => NUMERIC.has(t))) {
        throw badSignature(inst, `export ${name}`, '(func (param <flat params>) (result i32)) (a callback-lifted export returns its callback code)', type);
      }
      if (!sameFuncType(cb, CALLBACK_TYPE)) throw badSignature(inst, `export [callback]${name}`, formatFuncType(CALLBACK_TYPE), cb);
    } else if (type.results.length !== 0 || !type.params.every((t) => NUMERIC.has(t))) {
      throw badSignature(inst, `export ${name}`, '(func (param <flat params>)) (a stackful export without [callback] returns nothing: it calls task.return)', type);
    }
  }
}

/** A parsed built-in name: `[prefix]...[op-N]func`. */
interface ParsedName {
  asyncLower: boolean;
  cancellable: boolean;
  op: string;
  index: number | undefined;
  func: string;
}

/** Splits `[async-lower][stream-read-0]f` into its parts; undefined when not bracketed. */
export function parseBuiltinName(name: string): ParsedName | { asyncLower: true; lowered: string } | undefined {
  if (!name.startsWith('[')) return undefined;
  let rest = name;
  let asyncLower = false;
  let cancellable = false;
  for (;;) {
    if (rest.startsWith('[async-lower]')) {
      asyncLower = true;
      rest = rest.slice('[async-lower]'.length);
    } else if (rest.startsWith('[cancellable]')) {
      cancellable = true;
      rest = rest.slice('[cancellable]'.length);
    } else break;
  }
  if (!rest.startsWith('[')) {
    if (asyncLower && !cancellable && rest.length > 0) return { asyncLower: true, lowered: rest };
    return { asyncLower, cancellable, op: '', index: undefined, func: rest };
  }
  const m = /^\[([a-z-]+?)(?:-(\d+))?\](.*)$/.exec(rest);
  if (!m) return { asyncLower, cancellable, op: '', index: undefined, func: rest };
  return { asyncLower, cancellable, op: m[1]!, index: m[2] === undefined ? undefined : Number(m[2]), func: m[3]! };
}

function generate(inst: ComponentInstance, module: string, name: string, opts: InstanceOptions): Fn | undefined {
  if (module === 'env' && name === 'abort') return abortImport(inst);
  const parsed = parseBuiltinName(name);
  if (parsed === undefined) return undefined;
  if ('lowered' in parsed) {
    const callee = opts.asyncImports?.[module]?.[parsed.lowered];
    if (callee === undefined) return undefined;
    return lowerAsyncImport(inst, `${module}::${parsed.lowered}`, callee);
  }
  const f = builtin(inst, module, parsed, opts);
  if (f !== undefined) return f;
  {
    const hint = parsed.op === 'yield' ? ' (the old [yield] was renamed [thread-yield])' : '';
    throw new Trap('unknown-builtin', {
      instance: inst.name,
      builtin: `${module}::${name}`,
      detail: `import "${module}" "${name}" looks like a canonical built-in but is not one this host supports${hint}`,
    });
  }
  return f;
}

/**
 * A poisoned instance's code stops at its next built-in call: every closure
 * `builtin` makes calls this first. The check is written into each closure
 * (not a shared wrapper calling the built-in) so that each closure has one
 * call target, which V8 inlines; a shared wrapper's call site sees every
 * built-in of every instance and becomes megamorphic (measured: the
 * task-ABI cycle's two waitable.join calls, "Performance" in README.md).
 */
function live(inst: ComponentInstance): void {
  if (inst.poisoned) throw inst.poisoned;
}

/** The function for one parsed built-in name, or undefined when unsupported. */
function builtin(inst: ComponentInstance, module: string, p: ParsedName, opts: InstanceOptions): Fn | undefined {
  const c = inst.canon;
  const plain = !p.asyncLower && !p.cancellable && p.index === undefined && p.func === '';
  const noFunc = p.func === '';
  switch (p.op) {
    case 'waitable-set-new':
      return plain ? () => (live(inst), c.waitableSetNew()) : undefined;
    case 'waitable-set-wait':
      return !p.asyncLower && p.index === undefined && noFunc
        ? (si: number, ptr: number) => (live(inst), c.waitableSetWait(u(si), u(ptr), p.cancellable))
        : undefined;
    case 'waitable-set-poll':
      return !p.asyncLower && p.index === undefined && noFunc
        ? (si: number, ptr: number) => (live(inst), c.waitableSetPoll(u(si), u(ptr), p.cancellable))
        : undefined;
    case 'waitable-set-drop':
      return plain ? (si: number) => (live(inst), c.waitableSetDrop(u(si))) : undefined;
    case 'waitable-join':
      return plain ? (w: number, si: number) => (live(inst), c.waitableJoin(u(w), u(si))) : undefined;
    case 'context-get':
      return !p.asyncLower && !p.cancellable && noFunc && (p.index === 0 || p.index === 1)
        ? () => (live(inst), c.contextGet(p.index!))
        : undefined;
    case 'context-set':
      return !p.asyncLower && !p.cancellable && noFunc && (p.index === 0 || p.index === 1)
        ? (v: number) => (live(inst), c.contextSet(p.index!, u(v)))
        : undefined;
    case 'thread-yield':
      return !p.asyncLower && p.index === undefined && noFunc ? () => (live(inst), c.threadYield(p.cancellable)) : undefined;
    case 'backpressure-inc':
      return plain ? () => (live(inst), c.backpressureInc()) : undefined;
    case 'backpressure-dec':
      return plain ? () => (live(inst), c.backpressureDec()) : undefined;
    case 'subtask-drop':
      return plain ? (h: number) => (live(inst), c.subtaskDrop(u(h))) : undefined;
    case 'subtask-cancel':
      return !p.cancellable && p.index === undefined && noFunc ? (h: number) => (live(inst), c.subtaskCancel(u(h), p.asyncLower)) : undefined;
    case 'task-cancel':
      return plain ? () => (live(inst), c.taskCancel()) : undefined;
    case 'task-return': {
      if (p.asyncLower || p.cancellable || p.index !== undefined || noFunc || !module.startsWith('[export]')) return undefined;
      const iface = module.slice('[export]'.length);
      const func = iface === '$root' ? p.func : `${iface}#${p.func}`;
      return (...values: FlatValue[]) => (live(inst), c.taskReturn(values, func));
    }
  }
  const sm = /^(stream|future)-(new|read|write|cancel-read|cancel-write|drop-readable|drop-writable)$/.exec(p.op);
  if (!sm || p.index === undefined || noFunc || p.cancellable) return undefined;
  const kind = sm[1] as 'stream' | 'future';
  const action = sm[2]!;
  const asyncOk = action === 'read' || action === 'write' || action === 'cancel-read' || action === 'cancel-write';
  if (p.asyncLower && !asyncOk) return undefined;
  const elem = opts.elementType?.(kind, module, p.func, p.index) ?? U8;
  const a = p.asyncLower;
  if (kind === 'stream') {
    switch (action) {
      case 'new': return () => (live(inst), c.streamNew(elem));
      case 'read': return (h: number, ptr: number, n: number) => (live(inst), c.streamRead(elem, u(h), u(ptr), u(n), a));
      case 'write': return (h: number, ptr: number, n: number) => (live(inst), c.streamWrite(elem, u(h), u(ptr), u(n), a));
      case 'cancel-read': return (h: number) => (live(inst), c.streamCancelRead(elem, u(h), a));
      case 'cancel-write': return (h: number) => (live(inst), c.streamCancelWrite(elem, u(h), a));
      case 'drop-readable': return (h: number) => (live(inst), c.streamDropReadable(elem, u(h)));
      case 'drop-writable': return (h: number) => (live(inst), c.streamDropWritable(elem, u(h)));
    }
  } else {
    switch (action) {
      case 'new': return () => (live(inst), c.futureNew(elem));
      case 'read': return (h: number, ptr: number) => (live(inst), c.futureRead(elem, u(h), u(ptr), a));
      case 'write': return (h: number, ptr: number) => (live(inst), c.futureWrite(elem, u(h), u(ptr), a));
      case 'cancel-read': return (h: number) => (live(inst), c.futureCancelRead(elem, u(h), a));
      case 'cancel-write': return (h: number) => (live(inst), c.futureCancelWrite(elem, u(h), a));
      case 'drop-readable': return (h: number) => (live(inst), c.futureDropReadable(elem, u(h)));
      case 'drop-writable': return (h: number) => (live(inst), c.futureDropWritable(elem, u(h)));
    }
  }
  return undefined;
}

/** Reads an AssemblyScript string (UTF-16LE; byte length in the u32 at ptr-4). */
export function readAsString(memory: WebAssembly.Memory | undefined, ptr: number): string {
  return readGuestString(memory, ptr, Infinity).text;
}

/**
 * Like `readAsString`, reading at most `maxUnits` UTF-16 units; `omitted`
 * counts the units of the string that were left unread.
 */
export function readGuestString(memory: WebAssembly.Memory | undefined, ptr: number, maxUnits: number): { text: string; omitted: number } {
  if (!memory || ptr === 0) return { text: '', omitted: 0 };
  const buf = memory.buffer;
  if (ptr < 4 || ptr > buf.byteLength) return { text: `<bad string pointer ${ptr}>`, omitted: 0 };
  const len = new DataView(buf).getUint32(ptr - 4, true);
  if (ptr + len > buf.byteLength) return { text: `<bad string length ${len} at ${ptr}>`, omitted: 0 };
  const units = len >>> 1;
  const read = Math.min(units, maxUnits);
  return { text: new TextDecoder('utf-16le').decode(new Uint8Array(buf, ptr, read * 2)), omitted: units - read };
}

/** AssemblyScript's `abort(message, fileName, line, column)`: a GuestAbort. */
function abortImport(inst: ComponentInstance): Fn {
  return (msg: number, file: number, line: number, col: number) => {
    let memory: WebAssembly.Memory | undefined;
    try {
      memory = inst.exports?.['memory'] as WebAssembly.Memory | undefined;
    } catch {
      memory = undefined;
    }
    // Guest text is bounded (and escaped by GuestAbort): a huge or hostile message cannot flood the output.
    const m = readGuestString(memory, u(msg), GUEST_TEXT_MAX + 1);
    const f = readGuestString(memory, u(file), GUEST_TEXT_MAX + 1);
    throw new GuestAbort(m.text, f.text, line | 0, col | 0, {
      instance: inst.name,
      task: inst.current?.name,
    }, { message: m.omitted, file: f.omitted });
  };
}
