/**
 * Component functions and the two canonical definitions that cross the
 * component boundary: `canon lift` (a core function becomes a component
 * function) and `canon lower` (a component function becomes a core function).
 *
 * A component function follows the callee protocol of definitions.py: it is
 * called with `on_start` (which returns the arguments as component-level
 * values, lifted from the caller), `on_resolve` (which takes the result, or
 * undefined when the call was cancelled) and the calling instance, and
 * returns the `on_cancel` function. Component-level values are the JS values
 * of the canonical ABI module (`host/component/abi`), so a value passes from
 * one component to another, or to a host function, without another format.
 */
import { SubtaskState, EventCode } from '../../canon/constants.js';
import { Trap, toTrap, trapIf, type TrapSite } from '../../canon/errors.js';
import { requestCancellation, startTask } from '../../canon/lift.js';
import { Subtask } from '../../canon/subtask.js';
import type { FlatValue, LiftedCore, LiftKind, Task } from '../../canon/task.js';
import { LiftLowerContext, MemInst, type Realloc, type StringEncoding } from '../abi/context.js';
import { flattenFunctype, MAX_FLAT_ASYNC_PARAMS, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS } from '../abi/layout.js';
import { CoreValueIter, liftFlatValues } from '../abi/lift.js';
import { lowerFlatValues } from '../abi/lower.js';
import type { FuncType, ValType } from '../types.js';
import { Lenders, type RuntimeInstance } from './handles.js';

export type OnStart = () => unknown[];
export type OnResolve = (result: unknown[] | undefined) => void;
export type OnCancel = () => void;

/** A component-level function value (lifted from a core function, or given by the host). */
export interface ComponentFunc {
  readonly kind: 'func';
  readonly ft: FuncType;
  /** For traces and messages: `instance/export`. */
  readonly name: string;
  /** definitions.py's callee protocol: `callee(on_start, on_resolve, caller) -> on_cancel`. */
  call(onStart: OnStart, onResolve: OnResolve, caller: RuntimeInstance | undefined): OnCancel;
}

/** The canonical options of a `canon` definition, resolved to runtime values. */
export interface CanonOptions {
  readonly stringEncoding: StringEncoding;
  readonly memory: WebAssembly.Memory | undefined;
  readonly realloc: Realloc | undefined;
  readonly postReturn: ((...a: FlatValue[]) => unknown) | undefined;
  readonly async: boolean;
  readonly callback: ((code: number, p1: number, p2: number) => number) | undefined;
}

const paramCache = new WeakMap<FuncType, { types: ValType[]; names: string[]; results: ValType[] }>();

/** A function type's parameter types, names and result types (one array each per type: the flattening caches key on them). */
export function signature(ft: FuncType): { types: ValType[]; names: string[]; results: ValType[] } {
  let sig = paramCache.get(ft);
  if (sig === undefined) {
    sig = { types: ft.params.map(([, t]) => t), names: ft.params.map(([n]) => n), results: ft.result === undefined ? [] : [ft.result] };
    paramCache.set(ft, sig);
  }
  return sig;
}
export const paramTypes = (ft: FuncType): ValType[] => signature(ft).types;
export const resultTypes = (ft: FuncType): ValType[] => signature(ft).results;

const memInsts = new WeakMap<WebAssembly.Memory, MemInst>();

/** One `MemInst` per memory (it re-reads the buffer after growth, so it can be shared). */
export function memInst(m: WebAssembly.Memory | undefined): MemInst | undefined {
  if (m === undefined) return undefined;
  let mi = memInsts.get(m);
  if (mi === undefined) memInsts.set(m, (mi = new MemInst(m)));
  return mi;
}

function context(rt: RuntimeInstance, opts: CanonOptions, scope: unknown): LiftLowerContext {
  return new LiftLowerContext({ stringEncoding: opts.stringEncoding, memory: memInst(opts.memory), realloc: opts.realloc }, rt, scope);
}

/** The function type of a component task (for task.return's type check). */
export function taskFuncType(task: Task): FuncType | undefined {
  return task.lifted?.type as FuncType | undefined;
}

/** `canon lift`: a core function of `rt`'s core instances as a component function. */
export class LiftedFunc implements ComponentFunc {
  readonly kind = 'func';
  readonly liftKind: LiftKind;
  readonly name: string;
  /** What every task of this function shares: the core functions and the lowering/lifting of values. */
  private readonly lifted: LiftedCore;
  constructor(
    readonly ft: FuncType,
    readonly rt: RuntimeInstance,
    readonly core: (...a: FlatValue[]) => unknown,
    readonly opts: CanonOptions,
    /** The function's name in its component (tasks are named `<instance>/<funcName>#<id>`). */
    readonly funcName: string,
  ) {
    this.name = `${rt.name}.${funcName}`;
    this.liftKind = !opts.async ? 'sync' : opts.callback !== undefined ? 'callback' : 'stackful';
    // One context for every call: lowering and lifting run synchronously, and
    // the borrow scope (the task) is set right before each.
    const cx = context(rt, opts, undefined);
    const sig = signature(ft);
    const site: TrapSite = { instance: rt.name, builtin: `canon lift ${this.name}` };
    this.lifted = {
      fn: core,
      callback: opts.callback,
      type: ft,
      sig: flattenFunctype({ async: opts.async, callback: opts.callback !== undefined }, ft, 'lift'),
      liftOptions: { stringEncoding: opts.stringEncoding, memory: opts.memory },
      lowerArgs: (task) => {
        cx.borrowScope = task;
        return lowerFlatValues(cx, MAX_FLAT_PARAMS, task.onStartValues!(), sig.types, undefined, sig.names);
      },
      syncResults: (t, flat) => {
        cx.borrowScope = t;
        const values = liftFlatValues(cx, MAX_FLAT_RESULTS, new CoreValueIter(flat), sig.results);
        if (t.numBorrows > 0) throw new Trap('borrows-outstanding', { ...site, task: t.name });
        t.values = values;
        t.return_(flat, site);
        if (opts.postReturn !== undefined) {
          rt.mayLeave = false;
          try {
            opts.postReturn(...flat);
          } finally {
            rt.mayLeave = true;
          }
        }
      },
    };
  }

  /** Makes the task (spec `Task(ft, opts, inst, on_start, on_resolve)`), not yet started. */
  prepare(onStart: OnStart, onResolve: OnResolve): Task {
    const task = this.rt.canon.newTask(this.funcName, this.liftKind);
    task.typeAsync = this.ft.async;
    task.lifted = this.lifted;
    task.onStartValues = onStart;
    task.onResolve = (flat) => onResolve(flat === undefined ? undefined : task.values);
    return task;
  }

  call(onStart: OnStart, onResolve: OnResolve, caller: RuntimeInstance | undefined): OnCancel {
    const inst = this.rt.canon;
    if (inst.poisoned) throw inst.poisonedTrap({ builtin: `call ${this.name}` });
    // Spec `Store.lift`: trap_if(not inst.may_enter_from(caller)). A child
    // calling its parent (or an instance itself) enters nothing new.
    if (caller !== undefined && !inst.mayEnterFrom(caller.canon)) {
      inst.checkEnter(undefined, { instance: caller.name, builtin: `call ${this.name}` }, caller.canon);
    }
    const task = this.prepare(onStart, onResolve);
    task.enterFrom = caller?.canon;
    if (caller !== undefined) {
      // The callee trapped: the caller cannot go on either (the spec aborts both).
      task.onFail = (trap) => caller.canon.poison(trap);
    }
    startTask(task, []);
    // Started later (backpressure): that entry comes from the scheduler.
    task.enterFrom = undefined;
    return () => requestCancellation(task, caller?.canon);
  }
}

/**
 * A function given by the host, at the component level: it receives lifted
 * values and returns the result values (or a Promise of them, which keeps
 * the call pending while the store runs other work).
 */
export class HostFunc implements ComponentFunc {
  readonly kind = 'func';
  constructor(
    readonly ft: FuncType,
    readonly name: string,
    readonly store: { pendingHostPromises: number; settleHost(fn: () => void): void },
    /** Returns the result values (`[]` or `[v]`), or a Promise of them. */
    readonly impl: (args: unknown[]) => unknown[] | Promise<unknown[]>,
  ) {}

  call(onStart: OnStart, onResolve: OnResolve, caller: RuntimeInstance | undefined): OnCancel {
    const args = onStart();
    const site: TrapSite = { instance: caller?.name, builtin: `host ${this.name}` };
    let r: unknown[] | Promise<unknown[]>;
    try {
      r = this.impl(args);
    } catch (e) {
      if (e instanceof Trap) throw e;
      throw new Trap('host-error', { ...site, detail: `host function threw: ${e instanceof Error ? e.message : String(e)}`, cause: e });
    }
    if (r instanceof Promise) {
      const store = this.store;
      store.pendingHostPromises++;
      r.then(
        (v) => store.settleHost(() => resolveFromHost(caller, site, () => onResolve(v))),
        (e) => store.settleHost(() => caller?.canon.poison(
          e instanceof Trap ? e : new Trap('host-error', { ...site, detail: `host function rejected: ${e instanceof Error ? e.message : String(e)}`, cause: e }),
        )),
      );
    } else {
      onResolve(r);
    }
    return () => {};
  }
}

/** Runs a late resolution from the run queue: a trap lowering the results poisons the caller. */
function resolveFromHost(caller: RuntimeInstance | undefined, site: TrapSite, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (caller === undefined) throw e;
    caller.canon.poison(toTrap(e).locate({ instance: caller.name, task: site.task }));
  }
}

/**
 * `canon lower`: `callee` as a core function of `rt` (spec `canon_lower`).
 * Sync: the arguments are lifted from the caller, the call runs, and when the
 * callee has not resolved on return the caller blocks (other instances run;
 * docs/deviations.md, entry 9). Async: a Subtask in the
 * caller's table, packed with its state in the result.
 */
export function canonLower(
  rt: RuntimeInstance,
  callee: ComponentFunc,
  /** The function type as the lowering component sees it (its own resource types). */
  ft: FuncType,
  opts: CanonOptions,
  label: string,
): (...flat: FlatValue[]) => FlatValue | undefined {
  const inst = rt.canon;
  const builtin = opts.async ? `[async-lower]${label}` : `canon lower ${label}`;
  const maxParams = opts.async ? MAX_FLAT_ASYNC_PARAMS : MAX_FLAT_PARAMS;
  const maxResults = opts.async ? 0 : MAX_FLAT_RESULTS;
  return (...flatArgs: FlatValue[]): FlatValue | undefined => {
    const task = inst.current;
    const site: TrapSite = { instance: inst.name, task: task?.name, builtin };
    if (inst.poisoned) throw inst.poisonedTrap(site);
    rt.checkMayLeave(builtin);
    if (task === undefined) throw new Trap('no-current-task', site);
    const vi = new CoreValueIter(flatArgs);
    const lenders = new Lenders();
    const cx = context(rt, opts, lenders);
    const subtask = new Subtask(label);
    let onProgress = (): void => {};
    const onStart: OnStart = () => {
      onProgress();
      subtask.state = SubtaskState.STARTED;
      return liftFlatValues(cx, maxParams, vi, paramTypes(ft));
    };
    const onResolve: OnResolve = (result) => {
      if (inst.poisoned) return;
      onProgress();
      if (result === undefined) {
        subtask.resolve(subtask.state === SubtaskState.STARTING ? SubtaskState.CANCELLED_BEFORE_STARTED : SubtaskState.CANCELLED_BEFORE_RETURNED, []);
      } else {
        const flat = lowerFlatValues(cx, maxResults, result, resultTypes(ft), vi);
        subtask.resolve(SubtaskState.RETURNED, flat);
      }
      lenders.release();
    };
    const store = inst.store;
    const loops = store.jspi === undefined ? 0 : store.scheduler.syncLoops.length;
    const poisonedBefore = inst.poisoned;
    subtask.onCancel = callee.call(onStart, onResolve, rt);
    // The callee trapped and took this instance with it (the spec aborts both):
    // the caller's code unwinds with the callee's trap itself.
    const unwind = (): Trap => (poisonedBefore === undefined ? inst.poisoned! : inst.poisonedTrap(site));
    if (inst.poisoned) throw unwind();
    if (store.jspi !== undefined && !subtask.resolved()) {
      // JSPI. A non-async callee that blocked is in the spec's sync-call loop,
      // which runs inside this call: the caller waits for it even when the
      // call is async-lowered (a transparent wait, no may-block rule of its own).
      const inLoop = store.scheduler.syncLoops.length > loops;
      const th = !opts.async || inLoop ? store.jspi.canSuspend(task) : undefined;
      if (th !== undefined) {
        return store.suspendThread(th, task, `call ${callee.name}`, () => subtask.resolved() || inst.poisoned !== undefined, site, () => {
          if (inst.poisoned) throw unwind();
          subtask.deliverResolve();
          if (opts.async) return SubtaskState.RETURNED;
          const r = subtask.flatResults;
          return r.length === 0 ? undefined : r[0];
        }, inLoop);
      }
    }
    if (!opts.async) {
      if (!subtask.resolved()) {
        inst.store.blockUntil(task, `call ${callee.name}`, 0, () => subtask.resolved() || inst.poisoned !== undefined, site, true);
        if (inst.poisoned) throw unwind();
      }
      subtask.deliverResolve();
      const r = subtask.flatResults;
      return r.length === 0 ? undefined : r[0];
    }
    if (subtask.resolved()) {
      subtask.deliverResolve();
      return SubtaskState.RETURNED;
    }
    const handle = inst.handles.add(subtask, site);
    onProgress = () =>
      subtask.setPendingEvent(() => {
        if (subtask.resolved()) subtask.deliverResolve();
        return [EventCode.SUBTASK, handle, subtask.state];
      });
    return (subtask.state | (handle << 4)) >>> 0;
  };
}
