// The executor side of the task ABI: what wit-bindgen calls `TaskState` (one
// per component-model task, and one per `block_on`) around a reference-counted
// `SharedTaskState` (waitable map + lazily created waitable set).
//
// The `ptr` published in the task struct is the address of the shared state.
// The owning task holds one reference; `clone` adds one, `drop` removes one,
// and the state (and its waitable set) is freed when the count reaches 0.

import {
  Wasip3Task, Wasip3TaskV2, Wasip3TaskVtable, WASIP3_TASK_V1, WASIP3_TASK_V2, EventOut,
  CALLBACK_CODE_EXIT, CALLBACK_CODE_WAIT, CALLBACK_CODE_YIELD, EVENT_NONE, EVENT_TASK_CANCELLED,
} from "./abi";
import { waitable_join, waitable_set_new, waitable_set_drop, waitable_set_wait, waitable_set_poll, task_cancel } from "./canon";
import { Pool, Pooled, initPool, poolAlloc, poolFree, isLive, isPoisoned } from "./pool";
import { wasip3_task_set } from "./slot";
import {
  trace, hex, TRACE_CALLBACK, TRACE_CLONE, TRACE_DROP, TRACE_TASK_NEW, TRACE_TASK_FREE, TRACE_TASK_EXIT,
  TRACE_GUEST_VIOLATION, VIOLATION_BAD_DROP, VIOLATION_REGISTRATION_LEFT_BEHIND,
} from "./trace";
import { violation } from "./violation";
import { Future, futurePoll, futureDrop } from "./future";

/** Labels carried by TASK_NEW events so timelines can name tasks. */
export const TASK_LABEL_EXPORT: u32 = 1;
export const TASK_LABEL_BLOCK_ON: u32 = 2;

/** One remembered registration: waitable -> (callback, cb_ptr). */
@unmanaged
class Entry extends Pooled {
  // `link` (from Pooled) chains the entries of one task.
  waitable: u32;
  callback: u32;
  cbPtr: usize;
}

@unmanaged
export class SharedTaskState extends Pooled {
  /** References: 1 for the owning task, +1 per `clone`. */
  refs: u32;
  /** The waitable set, 0 until the first registration. */
  set: u32;
  /** Head of the entry list. */
  entries: usize;
  /** Number of entries; the task may not exit while it is non-zero. */
  count: u32;
  /** TASK_LABEL_*, for traces. */
  label: u32;
}

/**
 * The owning side of a task. It starts with the published struct itself, so
 * the pointer stored in the slot is the TaskState's address. In the V1 build
 * only the first 16 bytes (the V1 struct) are published; `vtable` stays 0.
 */
@unmanaged
export class TaskState extends Wasip3TaskV2 {
  shared: SharedTaskState;
  /** The root future of an export task, 0 once it completed and was dropped. */
  root: usize;
  /** fn(value u32): the export's `task.return`, called with the root's output once it completed. */
  returnFn: u32;
}

const SHARED_MAGIC: u32 = 0x5348_5244; // "SHRD"
const ENTRY_MAGIC: u32 = 0x454e_5452; // "ENTR"
// Not scrubbed: their owners set every field (taskNew, taskWaitableRegister).
export const SHARED_POOL = initPool(changetype<Pool>(memory.data(offsetof<Pool>())), offsetof<SharedTaskState>(), SHARED_MAGIC, false);
export const ENTRY_POOL = initPool(changetype<Pool>(memory.data(offsetof<Pool>())), offsetof<Entry>(), ENTRY_MAGIC, false);

/** The static vtable published by the V2 build. */
const VTABLE = changetype<Wasip3TaskVtable>(memory.data(offsetof<Wasip3TaskVtable>()));
VTABLE.waitable_register = taskWaitableRegister.index;
VTABLE.waitable_unregister = taskWaitableUnregister.index;
VTABLE.clone = taskClone.index;
VTABLE.drop = taskDrop.index;

/** Where waitable-set.wait/poll store the event's handle and payload. */
const EVENT_OUT = changetype<EventOut>(memory.data(offsetof<EventOut>()));

// Inlined into every task-ABI entry point (each cycle passes here four
// times); the violation path stays out of line.
// @ts-ignore: decorator
@inline
function sharedFrom(ptr: usize, what: string): SharedTaskState {
  if (!isLive(SHARED_POOL, ptr)) notLiveSharedState(ptr, what);
  return changetype<SharedTaskState>(ptr);
}

function notLiveSharedState(ptr: usize, what: string): void {
  throw new Error(violation(VIOLATION_BAD_DROP, ptr, 0, ptr, what + " on task " + hex(ptr) + ", which is not a live task state (freed or never made)"));
}

// ---- the task ABI functions, reached through the struct and the vtable ----

/** Join `waitable` to this task's set and remember (callback, cb_ptr); return the previous cb_ptr or 0. */
function taskWaitableRegister(ptr: usize, waitable: u32, callback: u32, cbPtr: usize): usize {
  const shared = sharedFrom(ptr, "waitable_register");
  if (shared.set == 0) shared.set = waitable_set_new();
  let prev: usize = 0;
  const e = findEntry(shared, waitable);
  if (e != null) {
    prev = e.cbPtr;
    e.callback = callback;
    e.cbPtr = cbPtr;
  } else {
    const n = changetype<Entry>(poolAlloc(ENTRY_POOL));
    n.waitable = waitable;
    n.callback = callback;
    n.cbPtr = cbPtr;
    n.link = shared.entries;
    shared.entries = changetype<usize>(n);
    shared.count++;
  }
  waitable_join(waitable, shared.set);
  return prev;
}

/** Remove `waitable` from its set and forget it; return the remembered cb_ptr or 0. */
function taskWaitableUnregister(ptr: usize, waitable: u32): usize {
  const shared = sharedFrom(ptr, "waitable_unregister");
  // As wit-bindgen does: the waitable leaves whatever set it is in, entry or not.
  waitable_join(waitable, 0);
  return removeEntry(shared, waitable);
}

function taskClone(ptr: usize): usize {
  const shared = sharedFrom(ptr, "clone");
  shared.refs++;
  trace(TRACE_CLONE, ptr, 0, ptr, shared.refs);
  return ptr;
}

function taskDrop(ptr: usize): void {
  const shared = sharedFrom(ptr, "drop");
  if (shared.refs <= 1) {
    // The last reference belongs to the owning task, never to a clone holder.
    throw new Error(violation(VIOLATION_BAD_DROP, ptr, 0, ptr, "drop on task " + hex(ptr) + " without a cloned reference (refs " + shared.refs.toString() + ")"));
  }
  sharedRelease(shared, TRACE_DROP);
}

// ---- the map ----

function findEntry(shared: SharedTaskState, waitable: u32): Entry | null {
  let p = shared.entries;
  while (p != 0) {
    const e = changetype<Entry>(p);
    if (e.waitable == waitable) return e;
    p = e.link;
  }
  return null;
}

function removeEntry(shared: SharedTaskState, waitable: u32): usize {
  let prevLink: usize = changetype<usize>(shared) + offsetof<SharedTaskState>("entries");
  let p = shared.entries;
  while (p != 0) {
    const e = changetype<Entry>(p);
    if (e.waitable == waitable) {
      store<usize>(prevLink, e.link);
      shared.count--;
      const cbPtr = e.cbPtr;
      poolFree(ENTRY_POOL, p);
      return cbPtr;
    }
    prevLink = p + offsetof<Pooled>("link");
    p = e.link;
  }
  return 0;
}

function sharedRelease(shared: SharedTaskState, kind: u32): void {
  const ptr = changetype<usize>(shared);
  shared.refs--;
  trace(kind, ptr, 0, ptr, shared.refs);
  if (shared.refs != 0) return;
  if (shared.count != 0) {
    trace(TRACE_GUEST_VIOLATION, ptr, 0, ptr, VIOLATION_REGISTRATION_LEFT_BEHIND);
    // Forget the entries (their waitables belong to other sets by now, or the
    // set drop below traps, as the canonical ABI says it must).
    while (shared.entries != 0) removeEntry(shared, changetype<Entry>(shared.entries).waitable);
  }
  if (shared.set != 0) waitable_set_drop(shared.set);
  trace(TRACE_TASK_FREE, ptr, 0, ptr, 0);
  poolFree(SHARED_POOL, ptr);
}

// ---- the owning task ----

export function taskNew(label: u32): TaskState {
  const shared = changetype<SharedTaskState>(poolAlloc(SHARED_POOL));
  shared.link = 0;
  shared.refs = 1;
  shared.set = 0;
  shared.entries = 0;
  shared.count = 0;
  shared.label = label;
  const task = changetype<TaskState>(heap.alloc(offsetof<TaskState>()));
  memory.fill(changetype<usize>(task), 0, offsetof<TaskState>());
  task.ptr = changetype<usize>(shared);
  task.waitable_register = taskWaitableRegister.index;
  task.waitable_unregister = taskWaitableUnregister.index;
  if (ABI_VERSION >= 2) {
    task.version = WASIP3_TASK_V2;
    task.vtable = changetype<usize>(VTABLE);
  } else {
    task.version = WASIP3_TASK_V1;
  }
  task.shared = shared;
  trace(TRACE_TASK_NEW, task.ptr, 0, changetype<usize>(task), label);
  return task;
}

/** The owning task is done: release its reference and free the struct. */
export function taskExit(task: TaskState): void {
  // Traced as TASK_EXIT with the count of references left.
  sharedRelease(task.shared, TRACE_TASK_EXIT);
  heap.free(changetype<usize>(task));
}

/** Deliver one event: leave the set, forget the entry, then call the callback once. */
export function deliver(shared: SharedTaskState, event: u32, waitable: u32, payload: u32): void {
  if (event == EVENT_NONE) return;
  // Cancellation is no waitable's event: exportTurn handles it; the only other
  // caller waits non-cancellably, where the canonical ABI never delivers it.
  if (event == EVENT_TASK_CANCELLED) throw new Error("TASK_CANCELLED delivered to a non-cancellable wait of task " + hex(changetype<usize>(shared)));
  let p = shared.entries;
  let callback: u32 = 0;
  let cbPtr: usize = 0;
  let found = false;
  while (p != 0) {
    const e = changetype<Entry>(p);
    if (e.waitable == waitable) {
      callback = e.callback;
      cbPtr = e.cbPtr;
      found = true;
      break;
    }
    p = e.link;
  }
  if (!found) {
    throw new Error("event " + event.toString() + " for waitable " + waitable.toString() + " that no operation registered in task " + hex(changetype<usize>(shared)));
  }
  waitable_join(waitable, 0);
  removeEntry(shared, waitable);
  trace(TRACE_CALLBACK, changetype<usize>(shared), waitable, cbPtr, payload);
  call_indirect<void>(callback, cbPtr, payload);
}

// ---- driving tasks ----

/** Set by a future that asked to yield (the SDK's `yield_()`), read once per turn. */
let yieldRequested = false;

/** Ask the task being polled to end this turn with YIELD instead of WAIT. */
export function requestYield(): void {
  yieldRequested = true;
}

/** Whether a yield was requested since the last call (and clear it). */
export function takeYield(): bool {
  const y = yieldRequested;
  yieldRequested = false;
  return y;
}

/**
 * One turn of a callback-lifted export task: with the task installed in the
 * slot, deliver the event, poll the root future (dropping it once ready), and
 * answer EXIT only when the root is done and no registration remains.
 */
export function exportTurn(task: TaskState, event: u32, waitable: u32, payload: u32): u32 {
  const prev = wasip3_task_set(changetype<usize>(task));
  const shared = task.shared;
  if (event == EVENT_TASK_CANCELLED) {
    // The caller cancelled this task (the callback loop waits cancellably).
    // As wit-bindgen does, cancellation is the root future's destruction:
    // dropping it cancels what it has in flight (each operation unregisters
    // and cancels its copy), then task.cancel resolves the task as
    // cancelled. A task that already returned has nothing to cancel.
    if (task.root != 0) {
      futureDrop(task.root);
      task.root = 0;
      task_cancel();
      checkLeftBehind(shared);
    }
  } else {
    deliver(shared, event, waitable, payload);
  }
  if (task.root != 0 && futurePoll(task.root)) {
    const output = changetype<Future>(task.root).output;
    futureDrop(task.root);
    task.root = 0;
    // The root is done: what remains registered must be live work, never a
    // registration some operation left behind (checked before returning, so
    // a host sees the trap instead of a result).
    checkLeftBehind(shared);
    call_indirect<void>(task.returnFn, output);
  }
  if (task.root == 0 && shared.count == 0) {
    wasip3_task_set(prev);
    taskExit(task);
    return CALLBACK_CODE_EXIT;
  }
  if (yieldRequested) {
    // A future asked to be polled again after the host ran others.
    yieldRequested = false;
    wasip3_task_set(prev);
    return CALLBACK_CODE_YIELD;
  }
  if (shared.count == 0) {
    wasip3_task_set(prev);
    throw new Error("task " + hex(changetype<usize>(shared)) + " is pending but registered no waitable: nothing can wake it");
  }
  wasip3_task_set(prev);
  return CALLBACK_CODE_WAIT | (shared.set << 4);
}

/**
 * Run `future` to completion in a nested task whose loop blocks in
 * `waitable-set.wait`. The future is dropped inside, with the nested task
 * still installed; the slot is restored afterwards.
 */
export function blockOn(future: usize): void {
  const task = taskNew(TASK_LABEL_BLOCK_ON);
  const shared = task.shared;
  const prev = wasip3_task_set(changetype<usize>(task));
  while (!futurePoll(future)) {
    if (shared.count == 0) throw new Error("block_on: the future is pending but registered no waitable");
    waitFor(shared);
  }
  futureDrop(future);
  // Never exit while registrations remain (and never wait for stale ones).
  checkLeftBehind(shared);
  while (shared.count != 0) waitFor(shared);
  wasip3_task_set(prev);
  taskExit(task);
}

/**
 * Trap if an entry's cb_ptr points into a freed completion status: such a
 * registration was left behind by an operation that registered here, moved
 * on and ended (V1), and waiting for it would wait forever.
 */
function checkLeftBehind(shared: SharedTaskState): void {
  let p = shared.entries;
  while (p != 0) {
    const e = changetype<Entry>(p);
    if (isPoisoned(e.cbPtr)) {
      const ptr = changetype<usize>(shared);
      throw new Error(violation(VIOLATION_REGISTRATION_LEFT_BEHIND, ptr, e.waitable, e.cbPtr, "task " + hex(ptr) + " cannot exit: waitable " + e.waitable.toString() + " is still registered with cb_ptr " + hex(e.cbPtr)
        + ", a freed completion status: a registration left behind by an operation that moved to another task or was dropped there"));
    }
    p = e.link;
  }
}

function waitFor(shared: SharedTaskState): void {
  const event = waitable_set_wait(shared.set, changetype<usize>(EVENT_OUT));
  deliver(shared, event, EVENT_OUT.waitable, EVENT_OUT.payload);
}

/** Polls the task's set once (waitable-set.poll) and delivers what it returned; returns the event code. */
export function pollOnce(shared: SharedTaskState): u32 {
  if (shared.set == 0) return EVENT_NONE;
  const event = waitable_set_poll(shared.set, changetype<usize>(EVENT_OUT));
  deliver(shared, event, EVENT_OUT.waitable, EVENT_OUT.payload);
  return event;
}

/** Live task states and entries, for tests and benchmarks. */
export function liveSharedStates(): u32 {
  return SHARED_POOL.live;
}
export function liveEntries(): u32 {
  return ENTRY_POOL.live;
}
