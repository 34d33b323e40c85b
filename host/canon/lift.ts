/**
 * `canon lift`: starting a task and driving a callback-lifted export (the
 * spec's `canon_lift` loop, turned inside out so each turn is one runnable).
 *
 * Every entry point here contains traps: a trap poisons the task's instance
 * and fails its tasks, and never propagates into whoever scheduled the work
 * (which may be another instance blocked in a wait).
 */
import { CallbackCode, EventCode, TaskState } from './constants.js';
import { toTrap, trapIf } from './errors.js';
import type { Runnable } from './scheduler.js';
import type { FlatValue, Task } from './task.js';
import type { EventTuple } from './waitable.js';
import { WaitableSet } from './waitable-set.js';

const CANCELLED_EVENT: EventTuple = [EventCode.TASK_CANCELLED, 0, 0];
const NONE_EVENT: EventTuple = [EventCode.NONE, 0, 0];

/** Runs `fn`; a trap is recorded on the task's instance instead of propagating. */
export function contain(task: Task, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    const t = toTrap(e).locate({ instance: task.inst.name, task: task.name });
    task.inst.poison(t);
    task.inst.failTask(task, task.inst.poisoned ?? t);
  }
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
  if (task.isAsync && (hasBackpressure(task) || inst.numWaitingToEnter > 0 || !inst.mayEnter())) {
    inst.numWaitingToEnter++;
    const runnable: Runnable = {
      label: `start ${task.name}`,
      owner: inst,
      ready: () => !hasBackpressure(task),
      run: () => {
        task.starting = undefined;
        inst.numWaitingToEnter--;
        contain(task, () => begin(task, args));
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
  const exports = inst.exports;
  switch (task.kind) {
    case 'sync': {
      const fn = exports[task.funcName] as (...a: FlatValue[]) => FlatValue | undefined;
      const r = inst.enter(task, () => fn(...args));
      inst.store.traceCanon(inst, task, task.funcName, args, r);
      task.return_(r === undefined ? [] : [r], { instance: inst.name, task: task.name });
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
      const fn = exports[`[async-lift]${task.funcName}`] as (...a: FlatValue[]) => number;
      inst.exclusive = task;
      const packed = inst.enter(task, () => fn(...args));
      inst.store.traceCanon(inst, task, `[async-lift]${task.funcName}`, args, packed);
      handleCallbackCode(task, packed >>> 0);
      return;
    }
  }
}

function exit(task: Task): void {
  task.exited = true;
  task.inst.tasks.delete(task);
  task.onExit?.();
}

/** Interprets a callback code (spec `unpack_callback_result` and the `canon_lift` loop). */
function handleCallbackCode(task: Task, packed: number): void {
  const inst = task.inst;
  const code = packed & 0xf;
  const si = packed >>> 4;
  const site = { instance: inst.name, task: task.name, builtin: `[callback][async-lift]${task.funcName}` };
  trapIf(code > CallbackCode.MAX, 'bad-callback-code', {
    ...site,
    detail: `callback code 0x${packed.toString(16)} has low nibble ${code}: only EXIT 0, YIELD 1 and WAIT 2 exist`,
  });
  if (inst.exclusive === task) inst.exclusive = undefined;
  if (code === CallbackCode.EXIT) {
    trapIf(!task.resolved(), 'exit-without-return', site);
    exit(task);
    return;
  }
  if (code === CallbackCode.YIELD) {
    park(task, 'yield', 0, () => true, () => (task.deliverPendingCancel(true) ? CANCELLED_EVENT : NONE_EVENT), () => {});
    return;
  }
  // WAIT
  const wset = inst.handles.getAs(si, WaitableSet, { ...site, detail: undefined });
  wset.numWaiting++;
  park(
    task,
    `waitable set ${si}`,
    si,
    () => wset.hasPendingEvent() || task.state === TaskState.PENDING_CANCEL,
    () => {
      wset.numWaiting--;
      return task.deliverPendingCancel(true) ? CANCELLED_EVENT : wset.getPendingEvent();
    },
    () => {
      wset.numWaiting--;
    },
  );
}

/** Parks `task` in its callback loop until `ready`; then `take` produces the event to deliver. */
function park(
  task: Task,
  what: string,
  set: number,
  ready: () => boolean,
  take: () => EventTuple,
  unpark: () => void,
): void {
  const inst = task.inst;
  const runnable: Runnable = {
    label: `${task.name} ${what === 'yield' ? 'yields' : `waits on ${what}`}`,
    owner: inst,
    ready: () => inst.exclusive === undefined && ready(),
    run: () => {
      task.parked = undefined;
      contain(task, () => deliver(task, take()));
    },
  };
  task.parked = { runnable, what, set, unpark };
  inst.store.scheduler.add(runnable);
}

/** Calls the callback with `event` and interprets what it returns. */
function deliver(task: Task, event: EventTuple): void {
  const inst = task.inst;
  const callback = inst.exports[`[callback][async-lift]${task.funcName}`] as (c: number, h: number, p: number) => number;
  inst.exclusive = task;
  const packed = inst.enter(task, () => callback(event[0], event[1], event[2]));
  inst.store.traceCanon(inst, task, `[callback][async-lift]${task.funcName}`, event, packed);
  handleCallbackCode(task, packed >>> 0);
}

/**
 * Spec `Task.request_cancellation`: a task not started yet is cancelled at
 * once; a task parked in its callback loop (always cancellable) gets
 * TASK_CANCELLED now; otherwise the request waits for its next cancellable wait.
 */
export function requestCancellation(task: Task): void {
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
  if (parked && inst.mayEnter() && inst.exclusive === undefined) {
    inst.store.scheduler.remove(parked.runnable);
    parked.unpark();
    task.parked = undefined;
    task.state = TaskState.CANCEL_DELIVERED;
    contain(task, () => deliver(task, CANCELLED_EVENT));
    return;
  }
  task.state = TaskState.PENDING_CANCEL;
}

