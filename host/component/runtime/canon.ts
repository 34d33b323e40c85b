/**
 * The canonical built-ins of a component (`canon task.return`,
 * `canon waitable-set.wait`, `canon stream.read`, `canon resource.drop`, ...)
 * as core functions of one component instance, with the options and types
 * their definitions name. The async built-ins are host/canon's `Builtins`,
 * bound to the definition's `memory` option; resources, error contexts and
 * `task.return` (which lifts its values by type) are here.
 */
import { Trap, toTrap, trapIf, type TrapSite } from '../../canon/errors.js';
import { Cancelled } from '../../canon/constants.js';
import { Thread } from '../../canon/jspi.js';
import { ErrorContextHandle, ResourceHandle } from '../../canon/resource.js';
import type { FlatValue } from '../../canon/task.js';
import { flattenTypes, MAX_FLAT_PARAMS } from '../abi/layout.js';
import { CoreValueIter, liftFlatValues, loadListFromValidRange, loadStringFromRange } from '../abi/lift.js';
import { LiftLowerContext } from '../abi/context.js';
import { storeListIntoValidRange, storeString } from '../abi/lower.js';
import type { Canon } from '../binary/ast.js';
import { typeEq } from '../validate.js';
import type { CoreFuncType, CoreValType, ResourceType, ValType } from '../types.js';
import { elemTypeOf, type RuntimeInstance } from './handles.js';
import { memInst, taskFuncType, type CanonOptions } from './func.js';
import type { ElemCodec, ElemType } from '../../canon/buffer.js';

type CoreFn = (...a: never[]) => unknown;
const u = (x: unknown): number => (typeof x === 'number' ? x >>> 0 : Number(x) >>> 0);

/** What a built-in's definition refers to, resolved by the instantiation. */
export interface CanonEnv {
  readonly rt: RuntimeInstance;
  /** The type at a type index (a stream/future type, a resource type). */
  type(idx: number): unknown;
  /** A value type reference of the definition, resolved. */
  valType(ref: NonNullable<Extract<Canon, { kind: 'task.return' }>['result']>): ValType;
  /** The options of the definition, resolved. */
  options(opts: Extract<Canon, { kind: 'task.return' }>['opts']): CanonOptions;
  /** A core memory by index. */
  memory(idx: number): WebAssembly.Memory;
  /** A core table by index (thread.new-indirect). */
  table(idx: number): WebAssembly.Table;
  /** Calls a resource destructor (`canon resource.drop` of an owned handle whose type has one). */
  destroy(rt: ResourceType, rep: number): void;
}

function asStreamOrFuture(env: CanonEnv, idx: number, kind: 'stream' | 'future', builtin: string): ValType | undefined {
  const t = env.type(idx) as ValType;
  if (t?.kind !== kind) throw new Trap('type-mismatch', { instance: env.rt.name, builtin, detail: `type ${idx} is not a ${kind} type` });
  return t.t;
}

const I32 = 'i32' as const;
const sig = (params: CoreValType[], results: CoreValType[]): CoreFuncType => ({ params, results });

/**
 * The core function type of a built-in (the Explainer's "canonical built-ins"
 * signatures): a core module importing it with another type does not link.
 */
export function builtinCoreType(env: CanonEnv, c: Exclude<Canon, { kind: 'lift' | 'lower' }>): CoreFuncType | undefined {
  switch (c.kind) {
    case 'waitable-set.new': case 'thread.yield': return sig([], [I32]);
    case 'waitable-set.wait': case 'waitable-set.poll': case 'waitable.join':
      return c.kind === 'waitable.join' ? sig([I32, I32], []) : sig([I32, I32], [I32]);
    case 'waitable-set.drop': case 'subtask.drop': case 'resource.drop': case 'error-context.drop':
    case 'stream.drop-readable': case 'stream.drop-writable': case 'future.drop-readable': case 'future.drop-writable':
      return sig([I32], []);
    case 'context.get': return sig([], [c.t as CoreValType]);
    case 'context.set': return sig([c.t as CoreValType], []);
    case 'backpressure.inc': case 'backpressure.dec': case 'task.cancel': return sig([], []);
    case 'subtask.cancel': case 'resource.new': case 'resource.rep':
    case 'stream.cancel-read': case 'stream.cancel-write': case 'future.cancel-read': case 'future.cancel-write':
      return sig([I32], [I32]);
    case 'stream.new': case 'future.new': return sig([], ['i64']);
    case 'stream.read': case 'stream.write': return sig([I32, I32, I32], [I32]);
    case 'future.read': case 'future.write': return sig([I32, I32], [I32]);
    case 'error-context.new': return sig([I32, I32], [I32]);
    case 'error-context.debug-message': return sig([I32, I32], []);
    case 'thread.index': return sig([], [I32]);
    case 'thread.new-indirect': return sig([I32, I32], [I32]);
    case 'thread.resume-later': return sig([I32], []);
    case 'thread.suspend': return sig([], [I32]);
    case 'thread.suspend-then-resume': case 'thread.yield-then-resume':
    case 'thread.suspend-then-promote': case 'thread.yield-then-promote':
      return sig([I32], [I32]);
    case 'task.return': {
      const ts = c.result === undefined ? [] : [env.valType(c.result)];
      const flat = flattenTypes(ts);
      return sig(flat.length > MAX_FLAT_PARAMS ? [I32] : flat, []);
    }
    default: return undefined;
  }
}

/** The core function for a built-in definition (everything but `lift` and `lower`). */
export function builtinFunc(env: CanonEnv, c: Exclude<Canon, { kind: 'lift' | 'lower' }>): CoreFn {
  const rt = env.rt;
  const inst = rt.canon;
  const b = inst.canon;
  const guard = (f: CoreFn, builtin: string): CoreFn => guardPoisoned(rt, f, builtin);
  switch (c.kind) {
    case 'waitable-set.new': return guard(() => b.waitableSetNew(), c.kind);
    case 'waitable-set.drop': return guard((si: number) => b.waitableSetDrop(u(si)), c.kind);
    case 'waitable.join': return guard((w: number, si: number) => b.waitableJoin(u(w), u(si)), c.kind);
    case 'waitable-set.wait': {
      const m = inst.builtinsFor(env.memory(c.memory));
      return guard((si: number, p: number) => m.waitableSetWait(u(si), u(p), c.cancellable), c.kind);
    }
    case 'waitable-set.poll': {
      const m = inst.builtinsFor(env.memory(c.memory));
      return guard((si: number, p: number) => m.waitableSetPoll(u(si), u(p), c.cancellable), c.kind);
    }
    // context.{get,set} and backpressure.{inc,dec} have no may_leave check in definitions.py.
    case 'context.get': return guardPoisoned(rt, () => b.contextGet(c.i), c.kind, false);
    case 'context.set': return guardPoisoned(rt, (v: number) => b.contextSet(c.i, u(v)), c.kind, false);
    case 'thread.yield': return guard(() => b.threadYield(c.cancellable), c.kind);
    case 'backpressure.inc': return guardPoisoned(rt, () => b.backpressureInc(), c.kind, false);
    case 'backpressure.dec': return guardPoisoned(rt, () => b.backpressureDec(), c.kind, false);
    case 'subtask.drop': return guard((h: number) => b.subtaskDrop(u(h)), c.kind);
    case 'subtask.cancel': return guard((h: number) => b.subtaskCancel(u(h), c.async_), c.kind);
    case 'task.cancel': return guard(() => b.taskCancel(), c.kind);
    case 'task.return': return guard(taskReturn(env, c), c.kind);
    case 'stream.new': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'stream', c.kind));
      return guard(() => b.streamNew(e), c.kind);
    }
    case 'future.new': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'future', c.kind));
      return guard(() => b.futureNew(e), c.kind);
    }
    case 'stream.read':
    case 'stream.write': {
      const t = asStreamOrFuture(env, c.type, 'stream', c.kind);
      const e = elemTypeOf(t);
      const o = env.options(c.opts);
      const m = inst.builtinsFor(o.memory);
      const codec = elemCodec(rt, t, e, o);
      return c.kind === 'stream.read'
        ? guard((h: number, p: number, n: number) => m.streamRead(e, u(h), u(p), u(n), o.async, codec), c.kind)
        : guard((h: number, p: number, n: number) => m.streamWrite(e, u(h), u(p), u(n), o.async, codec), c.kind);
    }
    case 'future.read':
    case 'future.write': {
      const t = asStreamOrFuture(env, c.type, 'future', c.kind);
      const e = elemTypeOf(t);
      const o = env.options(c.opts);
      const m = inst.builtinsFor(o.memory);
      const codec = elemCodec(rt, t, e, o);
      return c.kind === 'future.read'
        ? guard((h: number, p: number) => m.futureRead(e, u(h), u(p), o.async, codec), c.kind)
        : guard((h: number, p: number) => m.futureWrite(e, u(h), u(p), o.async, codec), c.kind);
    }
    case 'stream.cancel-read': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'stream', c.kind));
      return guard((h: number) => b.streamCancelRead(e, u(h), c.async_), c.kind);
    }
    case 'stream.cancel-write': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'stream', c.kind));
      return guard((h: number) => b.streamCancelWrite(e, u(h), c.async_), c.kind);
    }
    case 'future.cancel-read': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'future', c.kind));
      return guard((h: number) => b.futureCancelRead(e, u(h), c.async_), c.kind);
    }
    case 'future.cancel-write': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'future', c.kind));
      return guard((h: number) => b.futureCancelWrite(e, u(h), c.async_), c.kind);
    }
    case 'stream.drop-readable': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'stream', c.kind));
      return guard((h: number) => b.streamDropReadable(e, u(h)), c.kind);
    }
    case 'stream.drop-writable': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'stream', c.kind));
      return guard((h: number) => b.streamDropWritable(e, u(h)), c.kind);
    }
    case 'future.drop-readable': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'future', c.kind));
      return guard((h: number) => b.futureDropReadable(e, u(h)), c.kind);
    }
    case 'future.drop-writable': {
      const e = elemTypeOf(asStreamOrFuture(env, c.type, 'future', c.kind));
      return guard((h: number) => b.futureDropWritable(e, u(h)), c.kind);
    }
    case 'resource.new': {
      const t = env.type(c.type) as ResourceType;
      return guard((rep: number) => {
        rt.checkMayLeave('resource.new');
        return inst.handles.add(new ResourceHandle(t, u(rep), true), site(rt, 'resource.new'));
      }, c.kind);
    }
    // canon_resource_rep has no may_leave check either: a post-return (or a
    // realloc) may read a rep.
    case 'resource.rep': {
      const t = env.type(c.type) as ResourceType;
      return guardPoisoned(rt, (i: number) => {
        const s = site(rt, 'resource.rep', u(i));
        const h = inst.handles.getAs(u(i), ResourceHandle, s);
        trapIf(h.rt !== t, 'resource-type-mismatch', { ...s, detail: `handle ${u(i)} is a ${(h.rt as ResourceType).name}, resource.rep is for ${t.name}` });
        return h.rep;
      }, c.kind, false);
    }
    case 'resource.drop': {
      const t = env.type(c.type) as ResourceType;
      return guard((i: number) => {
        rt.checkMayLeave('resource.drop');
        const s = site(rt, 'resource.drop', u(i));
        const h = inst.handles.getAs(u(i), ResourceHandle, s);
        trapIf(h.rt !== t, 'resource-type-mismatch', { ...s, detail: `handle ${u(i)} is a ${(h.rt as ResourceType).name}, resource.drop is for ${t.name}` });
        trapIf(h.numLends !== 0, 'resource-lent', s);
        inst.handles.remove(u(i), s);
        if (h.own) env.destroy(t, h.rep);
        else if (h.borrowScope) h.borrowScope.numBorrows--;
      }, c.kind);
    }
    case 'error-context.new': {
      const o = env.options(c.opts);
      return guard((ptr: number, units: number) => {
        rt.checkMayLeave('error-context.new');
        const cx = new LiftLowerContext({ stringEncoding: o.stringEncoding, memory: o.memory }, rt);
        const lifted = loadStringFromRange(cx, u(ptr), u(units));
        const msg = typeof lifted === 'string' ? lifted : lifted.s;
        return inst.handles.add(new ErrorContextHandle(msg), site(rt, 'error-context.new'));
      }, c.kind);
    }
    case 'error-context.debug-message': {
      const o = env.options(c.opts);
      return guard((i: number, ptr: number) => {
        rt.checkMayLeave('error-context.debug-message');
        const e = inst.handles.getAs(u(i), ErrorContextHandle, site(rt, 'error-context.debug-message', u(i)));
        const cx = new LiftLowerContext({ stringEncoding: o.stringEncoding, memory: o.memory, realloc: o.realloc }, rt);
        storeString(cx, e.debugMessage, u(ptr));
      }, c.kind);
    }
    case 'error-context.drop':
      return guard((i: number) => {
        rt.checkMayLeave('error-context.drop');
        const s = site(rt, 'error-context.drop', u(i));
        inst.handles.getAs(u(i), ErrorContextHandle, s);
        inst.handles.remove(u(i), s);
      }, c.kind);
    case 'thread.index': case 'thread.new-indirect': case 'thread.resume-later': case 'thread.suspend':
    case 'thread.suspend-then-resume': case 'thread.yield-then-resume':
    case 'thread.suspend-then-promote': case 'thread.yield-then-promote': {
      if (inst.store.jspi === undefined) {
        throw new Trap('unsupported-canon', {
          instance: rt.name,
          builtin: c.kind,
          detail: `canon ${c.kind} needs JSPI (WebAssembly.Suspending, Node >= 24: each thread runs on its own stack); this store runs without it (jspi: off, or an engine without JSPI)`,
        });
      }
      return guard(threadBuiltin(env, c as unknown as ThreadCanon), c.kind);
    }
    default:
      throw new Trap('unsupported-canon', { instance: rt.name, builtin: c.kind, detail: `canon ${c.kind} (shared-everything threads) is not supported by the embedded host` });
  }
}

/**
 * The lifting and lowering of typed stream/future elements for one
 * `canon {stream,future}.{read,write}` definition: definitions.py's
 * `BufferGuestImpl` context, `LiftLowerContext(opts, inst, borrow_scope =
 * None)`, so each side of a copy uses its own memory, realloc, string
 * encoding and handle table (an own handle leaves the writer's table when
 * lifted and enters the reader's when lowered). Plain numbers need none:
 * they are copied as bytes.
 */
function elemCodec(rt: RuntimeInstance, t: ValType | undefined, e: ElemType, o: CanonOptions): ElemCodec | undefined {
  if (e.typed !== true || t === undefined) return undefined;
  const cx = new LiftLowerContext({ stringEncoding: o.stringEncoding, memory: memInst(o.memory), realloc: o.realloc }, rt, undefined);
  // This side's data or options broke a rule (bad UTF-8 in the writer, a
  // realloc of the reader returning out of bounds, a lent handle...): this
  // instance traps, whichever side made the copy; the trap then goes on to
  // the instance making the copy, which traps with it (the spec aborts both).
  const blame = (e: unknown): never => {
    if (e instanceof Trap) rt.canon.poison(e);
    throw e;
  };
  return {
    load: (ptr, n) => {
      try {
        return loadListFromValidRange(cx, ptr, n, t, true) as unknown[];
      } catch (e) {
        return blame(e);
      }
    },
    store: (vs, ptr) => {
      try {
        storeListIntoValidRange(cx, vs, ptr, t);
      } catch (e) {
        blame(e);
      }
    },
  };
}

const NEW_THREAD_SIG = { params: ['i32'], results: [] } as const;

type ThreadCanon = {
  readonly kind: 'thread.index' | 'thread.new-indirect' | 'thread.resume-later' | 'thread.suspend'
    | 'thread.suspend-then-resume' | 'thread.yield-then-resume' | 'thread.suspend-then-promote' | 'thread.yield-then-promote';
  readonly cancellable?: boolean;
  readonly table?: number;
};

/** JSPI: the 🧵 built-ins of definitions.py (`canon_thread_*`), on the store's threads. */
function threadBuiltin(env: CanonEnv, c: ThreadCanon): CoreFn {
  const rt = env.rt;
  const inst = rt.canon;
  const store = inst.store;
  const jspi = store.jspi!;
  const cancellable = c.cancellable ?? false;
  /** The current thread (spec `current_thread()`): the innermost stack, of the current task. */
  const current = (builtin: string): Thread => {
    const task = inst.current;
    if (task === undefined) throw new Trap('no-current-task', site(rt, builtin));
    const th = jspi.canSuspend(task);
    if (th === undefined) {
      throw new Trap('unsupported-canon', { ...site(rt, builtin), detail: `${builtin} called from code that does not run on a thread's own stack (a realloc, destructor or start function)` });
    }
    return th;
  };
  const other = (i: number, builtin: string): Thread => {
    const t = inst.threadTable().at(i);
    if (t === undefined) throw new Trap('unknown-thread', { ...site(rt, builtin), detail: `thread index ${i} names no live thread of instance ${rt.name}` });
    return t;
  };
  /** What a suspension returns when the thread resumes: TRUE when a cancellation woke it (spec `Thread.resume(cancelled)`). */
  const resumed = (th: Thread): number => {
    const cancelled = th.cancellable && th.task.deliverPendingCancel(true);
    th.cancellable = false;
    return cancelled ? Cancelled.TRUE : Cancelled.FALSE;
  };
  const suspended = (t: Thread, i: number, builtin: string): void => {
    trapIf(!t.suspended(), 'thread-not-suspended', { ...site(rt, builtin), detail: `thread ${i} is ${t.queued ? 'waiting' : 'running'}` });
  };
  switch (c.kind) {
    case 'thread.index':
      return () => current(c.kind).index ?? 0;
    case 'thread.new-indirect': {
      const table = env.table(c.table!);
      return (fi: number, arg: number) => {
        const th = current(c.kind);
        const task = th.task;
        const s = site(rt, c.kind);
        let f: unknown;
        try {
          f = table.get(u(fi));
        } catch (e) {
          throw new Trap('thread-func-type', { ...s, detail: `table index ${u(fi)} is out of bounds (${table.length} entries)`, cause: e });
        }
        if (typeof f !== 'function') throw new Trap('thread-func-type', { ...s, detail: `table entry ${u(fi)} is null` });
        let entry;
        try {
          entry = jspi.entry(f as (...a: FlatValue[]) => unknown, NEW_THREAD_SIG);
        } catch (e) {
          throw new Trap('thread-func-type', { ...s, detail: `table entry ${u(fi)} is not a function of type (param i32): ${(e as Error).message}`, cause: e });
        }
        const t = new Thread(task, jspi, false);
        t.outcome = 'new';
        const unregister = (): void => {
          if (t.index !== undefined) inst.threadTable().remove(t.index, s);
          t.index = undefined;
        };
        t.onReturn = unregister;
        t.start = {
          entry,
          arg: arg | 0,
          onFail: (e) => {
            unregister();
            inst.poison(toTrap(e).locate({ instance: rt.name, task: task.name }));
          },
        };
        t.index = inst.threadTable().add(t, s);
        return t.index;
      };
    }
    case 'thread.resume-later':
      return (i: number) => {
        current(c.kind);
        const t = other(u(i), c.kind);
        suspended(t, u(i), c.kind);
        t.startWaiting(() => true);
      };
    case 'thread.suspend':
      return () => {
        const th = current(c.kind);
        if (th.task.deliverPendingCancel(cancellable)) return Cancelled.TRUE;
        th.cancellable = cancellable;
        return store.suspendThread(th, th.task, 'thread.suspend', undefined, site(rt, c.kind), () => resumed(th));
      };
    case 'thread.suspend-then-resume':
    case 'thread.yield-then-resume':
    case 'thread.suspend-then-promote':
    case 'thread.yield-then-promote': {
      const yields = c.kind.startsWith('thread.yield');
      const promote = c.kind.endsWith('promote');
      return (i: number) => {
        const th = current(c.kind);
        const t = other(u(i), c.kind);
        if (!promote) suspended(t, u(i), c.kind);
        if (th.task.deliverPendingCancel(cancellable)) return Cancelled.TRUE;
        th.cancellable = cancellable;
        const ready = yields ? () => true : undefined;
        const what = yields ? 'yield' : 'thread.suspend';
        if (promote) {
          // Spec `*_then_promote`: switch only to a thread that is ready; else plain suspend / yield.
          if (!t.ready()) return store.suspendThread(th, th.task, what, ready, site(rt, c.kind), () => resumed(th));
          t.stopWaiting();
        }
        return store.suspendThread(th, th.task, what, ready, site(rt, c.kind), () => resumed(th), false, t);
      };
    }
  }
  throw new Error(`internal: ${c.kind as string}`);
}

function site(rt: RuntimeInstance, builtin: string, handle?: number): TrapSite {
  return { instance: rt.name, task: rt.canon.current?.name, builtin, handle };
}

/**
 * `canon task.return (result T) opts`: lifts the values by type and resolves
 * the current task; the task's function must have result type T.
 */
function taskReturn(env: CanonEnv, c: Extract<Canon, { kind: 'task.return' }>): CoreFn {
  const rt = env.rt;
  const inst = rt.canon;
  const t = c.result === undefined ? undefined : env.valType(c.result);
  const ts = t === undefined ? [] : [t];
  const o = env.options(c.opts);
  const cx = new LiftLowerContext({ stringEncoding: o.stringEncoding, memory: o.memory }, rt);
  /** Function types already checked against `t` (a task.return serves the functions of one type). */
  const matches = new WeakMap<object, boolean>();
  return (...flat: FlatValue[]) => {
    const task = inst.current;
    if (task === undefined) throw new Trap('no-current-task', site(rt, 'task.return'));
    const ft = taskFuncType(task);
    if (ft === undefined) throw new Trap('task-return-mismatch', { ...site(rt, 'task.return'), detail: `task ${task.name} is not a component task` });
    let ok = matches.get(ft);
    if (ok === undefined) matches.set(ft, (ok = typeEq(ft.result, t)));
    if (!ok) {
      throw new Trap('task-return-mismatch', {
        ...site(rt, 'task.return'),
        detail: `task.return's result type does not match the result type of ${task.funcName}`,
      });
    }
    // Spec: trap_if(not LiftOptions.equal(opts, task.opts)), applied where both
    // sides name the option: two different memories trap; a task.return
    // naming no memory, and the string encodings, are not compared
    // (docs/deviations.md, entry 16).
    const lo = task.lifted?.liftOptions;
    if (lo !== undefined && lo.memory !== undefined && o.memory !== undefined && lo.memory !== o.memory) {
      throw new Trap('task-return-mismatch', {
        ...site(rt, 'task.return'),
        detail: `task.return's memory is not the memory of the lift of ${task.funcName}`,
      });
    }
    if (task.numBorrows > 0) throw new Trap('borrows-outstanding', site(rt, 'task.return'));
    const values = liftFlatValues(cx, MAX_FLAT_PARAMS, new CoreValueIter(flat), ts);
    const before = task.values;
    task.values = values;
    try {
      inst.canon.taskReturn(flat);
    } catch (e) {
      task.values = before;
      throw e;
    }
  };
}

/** A poisoned instance's code stops at its next built-in call. */
function guardPoisoned(rt: RuntimeInstance, f: CoreFn, builtin: string, checkMayLeave = true): CoreFn {
  const inst = rt.canon;
  const g = f as (...a: unknown[]) => unknown;
  return (...args: unknown[]) => {
    if (inst.poisoned) throw inst.poisonedTrap({ builtin });
    if (checkMayLeave && !rt.mayLeave) throw new Trap('may-not-leave', site(rt, builtin));
    return g(...args);
  };
}
