/**
 * `canon lift`: starting a task and driving a callback-lifted export (the
 * spec's `canon_lift` loop, turned inside out so each turn is one runnable).
 *
 * Every entry point here contains traps: a trap poisons the task's instance
 * and fails its tasks, and never propagates into whoever scheduled the work
 * (which may be another instance blocked in a wait).
 */
import { CallbackCode, EventCode, TaskState } from './constants.js';
import { Trap, toTrap, trapIf, type TrapSite } from './errors.js';
import type { ComponentInstance } from './instance.js';
import type { Enterable, Runnable } from './scheduler.js';
import type { FlatValue, LiftedCore, Parked, Task } from './task.js';
import type { EventTuple } from './waitable.js';
import { WaitableSet } from './waitable-set.js';
import { Thread, type CoreSig, type JspiRuntime } from './jspi.js';

const CANCELLED_EVENT: EventTuple = [EventCode.TASK_CANCELLED, 0, 0];
const NONE_EVENT: EventTuple = [EventCode.NONE, 0, 0];

/** Runs `fn`; a trap is recorded on the task's instance instead of propagating. */
export function contain(task: Task, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    failContained(task, e);
  }
}

/** What `contain` does with a caught exception. */
function failContained(task: Task, e: unknown): void {
  const t = toTrap(e).locate({ instance: task.inst.name, task: task.name });
  // A call refused because the instance was already poisoned reports that (instance-poisoned), not the first trap again.
  const before = task.inst.poisoned;
  task.inst.poison(t);
  task.inst.failTask(task, before !== undefined ? t : (task.inst.poisoned ?? t));
}

/** Spec `has_backpressure` for an async task about to start. */
function hasBackpressure(task: Task): boolean {
  const inst = task.inst;
  return inst.backpressure > 0 || (task.needsExclusive() && inst.exclusive !== undefined);
}

/**
 * Starts `task` now, or queues it while the instance has backpressure (spec
 * `enter_implicit_thread`). The caller has checked that the instance may be entered.
 */
export function startTask(task: Task, args: readonly FlatValue[]): void {
  const inst = task.inst;
  if (task.typeAsync && (hasBackpressure(task) || inst.numWaitingToEnter > 0 || !inst.mayEnterFrom(task.enterFrom))) {
    inst.numWaitingToEnter++;
    const runnable: Runnable = {
      label: `start ${task.name}`,
      owner: inst,
      ready: () => !hasBackpressure(task),
      run: () => {
        task.starting = undefined;
        inst.numWaitingToEnter--;
        contain(task, () => {
          if (inst.store.deadlineAt !== Infinity) inst.store.checkDeadline(task);
          begin(task, args);
        });
      },
    };
    task.starting = runnable;
    inst.store.scheduler.add(runnable);
    return;
  }
  contain(task, () => begin(task, args));
}

/** Spec `task.start()` and the first call of the lifted function. */
function begin(task: Task, args: readonly FlatValue[]): void {
  const inst = task.inst;
  task.state = TaskState.STARTED;
  task.onStart?.();
  const lifted = task.lifted;
  if (lifted !== undefined) {
    beginLifted(task, lifted);
    return;
  }
  const exports = inst.exports;
  switch (task.kind) {
    case 'sync': {
      const fn = exports[task.funcName] as (...a: FlatValue[]) => FlatValue | undefined;
      const r = inst.enter(task, () => fn(...args));
      // A multi-value function returns its values as an array (the JS API's view).
      const values = r === undefined ? [] : Array.isArray(r) ? (r as FlatValue[]) : [r];
      if (inst.store.trace.canon) inst.store.traceCanon(inst, task, task.funcName, args, values.length === 1 ? values[0] : undefined);
      task.return_(values, { instance: inst.name, task: task.name });
      exit(task);
      return;
    }
    case 'stackful': {
      const fn = exports[`[async-lift]${task.funcName}`] as (...a: FlatValue[]) => void;
      inst.enter(task, () => fn(...args));
      trapIf(!task.resolved(), 'exit-without-return', { instance: inst.name, task: task.name, builtin: `[async-lift]${task.funcName}` });
      exit(task);
      return;
    }
    case 'callback': {
      const fn = inst.liftFunction(task.funcName);
      inst.exclusive = task;
      const packed =
        args.length === 0 ? inst.enterCall(task, fn as () => number)
        : args.length === 1 ? inst.enterCall(task, fn as (a: FlatValue) => number, args[0])
        : inst.enter(task, () => fn(...args));
      if (inst.store.trace.canon) inst.store.traceCanon(inst, task, `[async-lift]${task.funcName}`, args, packed);
      handleCallbackCode(task, packed >>> 0);
      return;
    }
  }
}

/** Where a lifted call's own traps happen (made only when one is raised: every call would pay for its strings). */
function liftSite(task: Task): TrapSite {
  return { instance: task.inst.name, task: task.name, builtin: `canon lift ${task.funcName}` };
}

/** `begin` for a component's lifted function (spec `canon_lift`'s `thread_func`). */
function beginLifted(task: Task, lifted: LiftedCore): void {
  const inst = task.inst;
  const jspi = inst.store.jspi;
  if (jspi !== undefined && lifted.sig !== undefined) {
    if (task.kind !== 'callback') beginThread(jspi, task, lifted, liftSite(task));
    else {
      inst.exclusive = task;
      const flat = lowerArgsKeepingCaller(task, lifted);
      callbackTurn(jspi, task, lifted.fn, lifted.sig, flat);
    }
    return;
  }
  switch (task.kind) {
    case 'sync': {
      inst.enter(task, () => {
        const flat = lifted.lowerArgs ? lifted.lowerArgs(task) : [];
        const r = lifted.fn(...flat);
        const results: FlatValue[] = r === undefined ? [] : Array.isArray(r) ? (r as FlatValue[]) : [r as FlatValue];
        if (lifted.syncResults) lifted.syncResults(task, results);
        else task.return_(results, liftSite(task));
      });
      exit(task);
      return;
    }
    case 'stackful': {
      inst.enter(task, () => {
        const flat = lifted.lowerArgs ? lifted.lowerArgs(task) : [];
        lifted.fn(...flat);
      });
      if (!task.resolved()) trapIf(true, 'exit-without-return', liftSite(task));
      exit(task);
      return;
    }
    case 'callback': {
      inst.exclusive = task;
      const packed = inst.enter(task, () => {
        const flat = lifted.lowerArgs ? lifted.lowerArgs(task) : [];
        return lifted.fn(...flat) as number;
      });
      handleCallbackCode(task, packed >>> 0);
      return;
    }
  }
}

/**
 * JSPI: the task's implicit thread on its own stack (spec `Thread(task,
 * thread_func)` then `thread.resume()`). When it blocks, the caller goes on
 * (an async function) or the spec's sync-call loop runs (a non-async one);
 * the rest of `thread_func` runs when its code returns.
 */
function beginThread(jspi: JspiRuntime, task: Task, lifted: LiftedCore, site: TrapSite): void {
  const inst = task.inst;
  const from = task.enterFrom;
  const flat = lowerArgsKeepingCaller(task, lifted);
  const thread = implicitThread(jspi, task);
  task.thread = thread;
  // Spec `enter_implicit_thread`: an async function lifted synchronously holds the instance while it runs.
  const exclusive = task.kind === 'sync' && task.typeAsync;
  if (exclusive) inst.exclusive = task;
  thread.onReturn = (results) => {
    if (task.thread === thread) task.thread = undefined;
    contain(task, () => {
      if (task.kind === 'sync') {
        inst.enter(task, () => {
          if (lifted.syncResults) lifted.syncResults(task, results);
          else task.return_(results, site);
        });
      } else trapIf(!task.resolved(), 'exit-without-return', site);
      if (inst.exclusive === task) inst.exclusive = undefined;
      exit(task);
    });
  };
  const outcome = jspi.start(thread, jspi.entry(lifted.fn, lifted.sig!), flat, (e) => {
    if (task.thread === thread) task.thread = undefined;
    failContained(task, e);
  });
  if (outcome === 'done') {
    // It returned without suspending: the rest of `thread_func` still runs
    // inside the caller's `enter_from` (after a resumption, the scheduler's).
    task.enterFrom = from;
    thread.onReturn(thread.results ?? []);
    task.enterFrom = undefined;
  }
}

/**
 * JSPI: `task.start()` and the lowering of the arguments, entered from the
 * task's caller; the thread's own stack then enters from that caller too
 * (one `enter_from(caller)` in the spec, two entries here).
 */
function lowerArgsKeepingCaller(task: Task, lifted: LiftedCore): FlatValue[] {
  const from = task.enterFrom;
  const flat = task.inst.enter(task, () => (lifted.lowerArgs ? lifted.lowerArgs(task) : []));
  task.enterFrom = from;
  return flat;
}

const CALLBACK_SIG: CoreSig = { params: ['i32', 'i32', 'i32'], results: ['i32'] };

/**
 * JSPI: one call of a callback-lifted task's code (the first, or a callback)
 * on its own stack, so a synchronous blocking built-in inside it suspends
 * (holding the instance's exclusive thread, as the spec's callback loop
 * does); the returned code is handled when the call returns.
 */
function callbackTurn(jspi: JspiRuntime, task: Task, fn: (...a: FlatValue[]) => unknown, sig: CoreSig, args: readonly FlatValue[]): void {
  const thread = implicitThread(jspi, task);
  task.thread = thread;
  thread.onReturn = (results) => {
    if (task.thread === thread) task.thread = undefined;
    contain(task, () => handleCallbackCode(task, Number(results[0] ?? 0) >>> 0));
  };
  const outcome = jspi.start(thread, jspi.entry(fn, sig), args, (e) => {
    if (task.thread === thread) task.thread = undefined;
    failContained(task, e);
  });
  if (outcome === 'done') {
    if (task.thread === thread) task.thread = undefined;
    handleCallbackCode(task, Number(thread.results?.[0] ?? 0) >>> 0);
  }
}

/** Spec `enter_implicit_thread`'s `register_thread`: the task's first thread, with its index. */
function implicitThread(jspi: JspiRuntime, task: Task): Thread {
  let t = task.implicitThread;
  if (t === undefined) {
    t = task.implicitThread = new Thread(task, jspi, true);
    t.index = task.inst.threadTable().add(t, { instance: task.inst.name, task: task.name });
  }
  return t;
}

function exit(task: Task): void {
  const it = task.implicitThread;
  if (it !== undefined && it.index !== undefined) {
    // Spec `exit_implicit_thread`: unregister_thread.
    task.inst.threadTable().remove(it.index, { instance: task.inst.name, task: task.name });
    it.index = undefined;
  }
  task.exited = true;
  task.inst.tasks.delete(task);
  task.onExit?.();
}

/** Where a callback code is checked, for traps. */
function callbackSite(task: Task): TrapSite {
  return { instance: task.inst.name, task: task.name, builtin: `[callback][async-lift]${task.funcName}` };
}

/** Interprets a callback code (spec `unpack_callback_result` and the `canon_lift` loop). */
function handleCallbackCode(task: Task, packed: number): void {
  const inst = task.inst;
  const code = packed & 0xf;
  const si = packed >>> 4;
  if (code > CallbackCode.MAX) {
    throw new Trap('bad-callback-code', {
      ...callbackSite(task),
      detail: `callback code 0x${packed.toString(16)} has low nibble ${code}: only EXIT 0, YIELD 1 and WAIT 2 exist`,
    });
  }
  if (inst.exclusive === task) inst.exclusive = undefined;
  if (code === CallbackCode.EXIT) {
    if (!task.resolved()) throw new Trap('exit-without-return', callbackSite(task));
    exit(task);
    return;
  }
  if (code === CallbackCode.YIELD) {
    park(task, new ParkedTask(task, undefined, 0));
    return;
  }
  // WAIT
  const wset = inst.handles.lookup(si, WaitableSet) ?? inst.handles.getAs(si, WaitableSet, { ...callbackSite(task), detail: undefined });
  wset.numWaiting++;
  park(task, new ParkedTask(task, wset, si));
}

/**
 * A task parked in its callback loop (YIELD, or WAIT on a set): its own
 * runnable. Ready once the instance is free and, for WAIT, the set has an
 * event (or a cancellation is pending); running it delivers that event.
 */
class ParkedTask implements Runnable, Parked {
  constructor(
    readonly task: Task,
    /** The set waited on; undefined for a yield. */
    private readonly wset: WaitableSet | undefined,
    readonly set: number,
  ) {}

  get runnable(): Runnable {
    return this;
  }

  get what(): string {
    return this.wset === undefined ? 'yield' : `waitable set ${this.set}`;
  }

  get label(): string {
    return `${this.task.name} ${this.wset === undefined ? 'yields' : `waits on waitable set ${this.set}`}`;
  }

  get owner(): Enterable {
    return this.task.inst;
  }

  get candidate(): Task {
    return this.task;
  }

  get yielding(): boolean {
    return this.wset === undefined;
  }

  ready(): boolean {
    if (this.task.inst.exclusive !== undefined) return false;
    const wset = this.wset;
    return wset === undefined || wset.hasPendingEvent() || this.task.state === TaskState.PENDING_CANCEL;
  }

  run(): void {
    const task = this.task;
    task.parked = undefined;
    try {
      deliver(task, this.take());
    } catch (e) {
      failContained(task, e);
    }
  }

  /** The event to deliver. */
  private take(): EventTuple {
    const wset = this.wset;
    if (wset === undefined) return this.task.deliverPendingCancel(true) ? CANCELLED_EVENT : NONE_EVENT;
    wset.numWaiting--;
    return this.task.deliverPendingCancel(true) ? CANCELLED_EVENT : wset.getPendingEvent();
  }

  /** Undo the park's bookkeeping when cancellation takes it over. */
  unpark(): void {
    if (this.wset !== undefined) this.wset.numWaiting--;
  }
}

/** Parks `task` in its callback loop. */
function park(task: Task, parked: ParkedTask): void {
  task.parked = parked;
  task.inst.store.scheduler.add(parked);
}

/** Calls the callback with `event` and interprets what it returns. */
function deliver(task: Task, event: EventTuple): void {
  const inst = task.inst;
  // A deadline is set: a callback that keeps returning YIELD (or WAIT with events always ready) stops here.
  if (inst.store.deadlineAt !== Infinity) inst.store.checkDeadline(task);
  const callback = task.lifted?.callback ?? inst.callbackFunction(task.funcName);
  inst.exclusive = task;
  const jspi = inst.store.jspi;
  if (jspi !== undefined && task.lifted?.sig !== undefined) {
    callbackTurn(jspi, task, callback as (...a: FlatValue[]) => unknown, CALLBACK_SIG, event);
    return;
  }
  const packed = inst.enterCall(task, callback, event[0], event[1], event[2]);
  if (inst.store.trace.canon) inst.store.traceCanon(inst, task, `[callback][async-lift]${task.funcName}`, event, packed);
  handleCallbackCode(task, packed >>> 0);
}

/**
 * Spec `Task.request_cancellation`: a task not started yet is cancelled at
 * once; a task parked in its callback loop (always cancellable) gets
 * TASK_CANCELLED now; otherwise the request waits for its next cancellable wait.
 */
export function requestCancellation(task: Task, caller?: ComponentInstance): void {
  const inst = task.inst;
  if (task.trap || task.resolved()) return;
  if (task.state === TaskState.INITIAL) {
    if (task.starting) {
      inst.store.scheduler.remove(task.starting);
      task.starting = undefined;
      inst.numWaitingToEnter--;
    }
    inst.tasks.delete(task);
    task.cancelBeforeStart();
    return;
  }
  if (task.state !== TaskState.STARTED) return;
  const parked = task.parked;
  if (parked && inst.mayEnterFrom(caller) && inst.exclusive === undefined) {
    inst.store.scheduler.remove(parked.runnable);
    parked.unpark();
    task.parked = undefined;
    task.state = TaskState.CANCEL_DELIVERED;
    // Spec: `self.inst.enter_from(caller)` around the resumption.
    task.enterFrom = caller;
    contain(task, () => deliver(task, CANCELLED_EVENT));
    task.enterFrom = undefined;
    return;
  }
  task.state = TaskState.PENDING_CANCEL;
}

