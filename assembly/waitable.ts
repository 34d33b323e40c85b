// The importer side of the task ABI: `WaitableOperation`, one in-flight
// stream/future copy, with wit-bindgen's `register_waker` / `unregister_waker`
// and cancellation. The operation block itself is the completion status whose
// address is the `cb_ptr` handed to the executor; it comes from a poisoning
// pool, so a pointer kept past the operation's end is recognisable.
//
// Build-time ABI_VERSION selects the importer: 1 knows only `wasip3_task`
// (unregisters through whatever task is current); 2 is V2-aware and does what
// wit-bindgen's `WaitableOperation` does: registering with a V2 task it holds
// a cloned strong reference to that task (reused for the same `ptr`, else the
// old one is released first) and marks it registered; registering with a V1
// task it keeps the handle it holds; an unregister goes through the held
// handle when there is one, else through the current task. Every non-null
// `prev` from register or unregister must be this operation's `cb_ptr` (docs/task-abi.md,
// "The importer").

import { Wasip3Task, Wasip3TaskV2, Wasip3TaskVtable, WASIP3_TASK_V1, WASIP3_TASK_V2, BLOCKED } from "./abi";
import { Future } from "./future";
import { Pool, initPool, poolAlloc, poolFree, isPoisoned } from "./pool";
import { currentTaskStruct } from "./slot";
import {
  trace, hex, TRACE_REGISTER, TRACE_UNREGISTER, TRACE_STATUS_NEW, TRACE_STATUS_FREE, TRACE_GUEST_VIOLATION,
  VIOLATION_STALE_REGISTRATION, VIOLATION_USE_AFTER_FREE, VIOLATION_WRONG_TASK_UNREGISTER,
} from "./trace";
import { violation } from "./violation";

export const OP_START: u32 = 0;
export const OP_IN_PROGRESS: u32 = 1;
export const OP_DONE: u32 = 2;

/** What an operation does, as table indices: start (returns a copy result) and cancel. */
@unmanaged
export class WaitableOperation extends Future {
  /** fn(self) -> u32: issue the canonical read/write; BLOCKED or a copy result. */
  startFn: u32;
  /** fn(self) -> u32: the canonical cancel; a copy result. */
  cancelFn: u32;
  /**
   * fn(self, code) -> bool: a result arrived (from start or a callback);
   * true when it finishes the operation. Streams and futures finish on any
   * result; a subtask only once it has RETURNED.
   */
  updateFn: u32;
  /** The waitable (stream/future end) the operation is in flight on. */
  handle: u32;
  state: u32;
  /** The copy result once known. */
  code: u32;
  /** Set by the completion callback: `code` holds a result not yet consumed. */
  codeReady: bool;
  /** V2: registered through the held handle (set by a register with it, cleared by an unregister through it). */
  heldRegistered: bool;
  /** The buffer in linear memory and its element count. */
  buf: usize;
  len: u32;
  /** The task `ptr` this operation is registered with, 0 when none. */
  registeredTask: usize;
  /** V2: a cloned reference to the task registered with (ptr and vtable), 0 when none. */
  heldPtr: usize;
  heldVtable: usize;
  /** Inline storage for small buffers. */
  inline: u64;
}

const OP_MAGIC: u32 = 0x4f50_4552; // "OPER"
export const OP_POOL = initPool(changetype<Pool>(memory.data(offsetof<Pool>())), offsetof<WaitableOperation>(), OP_MAGIC);

/** `updateFn` for operations that finish on their first result (stream and future copies). */
function finishOnAnyResult(self: usize, code: u32): bool {
  return true;
}

export function operationNew(handle: u32, startFn: u32, cancelFn: u32, pollFn: u32, dropFn: u32, updateFn: u32 = 0): WaitableOperation {
  const op = changetype<WaitableOperation>(poolAlloc(OP_POOL));
  op.pollFn = pollFn;
  op.dropFn = dropFn;
  op.startFn = startFn;
  op.cancelFn = cancelFn;
  op.updateFn = updateFn != 0 ? updateFn : finishOnAnyResult.index;
  op.handle = handle;
  op.state = OP_START;
  trace(TRACE_STATUS_NEW, 0, handle, changetype<usize>(op), 0);
  return op;
}

/**
 * Drive the operation: start it, or consume a delivered result, or register
 * (again) with the current task. Returns true when done (`op.code` holds the result).
 */
export function operationPoll(op: WaitableOperation): bool {
  if (op.state == OP_DONE) throw new Error("cannot re-poll an operation after it completed");
  if (op.state == OP_START) {
    const code = call_indirect<u32>(op.startFn, changetype<usize>(op));
    op.state = OP_IN_PROGRESS;
    if (code != BLOCKED && update(op, code)) return true;
  } else if (op.codeReady) {
    op.codeReady = false;
    if (update(op, op.code)) return true;
  }
  registerWaker(op);
  return false;
}

function update(op: WaitableOperation, code: u32): bool {
  op.code = code;
  if (!call_indirect<bool>(op.updateFn, changetype<usize>(op), code)) return false;
  op.state = OP_DONE;
  return true;
}

/** The completion callback given to `waitable_register`: fn(cb_ptr, code). */
function operationWake(cbPtr: usize, code: u32): void {
  if (isPoisoned(cbPtr)) {
    throw new Error(violation(VIOLATION_USE_AFTER_FREE, 0, 0, cbPtr, "callback into freed completion status " + hex(cbPtr) + " (code " + code.toString() + "): a registration outlived its operation"));
  }
  const op = changetype<WaitableOperation>(cbPtr);
  op.code = code;
  op.codeReady = true;
  // The executor forgot the entry before calling us.
  op.registeredTask = 0;
}

/** register_waker (docs/task-abi.md, "The importer"). */
export function registerWaker(op: WaitableOperation): void {
  const t = currentTaskStruct();
  if (t == 0) throw new Error("register_waker: no task is installed in the wasip3_task_set slot");
  const task = changetype<Wasip3Task>(t);
  const version = task.version;
  if (version < WASIP3_TASK_V1) throw new Error("register_waker: wasip3_task at " + hex(t) + " has version 0, which is invalid");
  const ptr = task.ptr;
  const w = op.handle;
  if (ABI_VERSION >= 2 && version >= WASIP3_TASK_V2) {
    // A V2 task: hold a handle to it (a V1 task leaves the held handle as it is).
    // Registered with another V2 task before: leave it first (unregister, drop).
    if (op.heldPtr != 0 && op.heldPtr != ptr) releaseHandle(op);
    if (op.heldPtr == 0) {
      const vtable = changetype<Wasip3TaskVtable>(changetype<Wasip3TaskV2>(t).vtable);
      op.heldPtr = call_indirect<usize>(vtable.clone, ptr);
      op.heldVtable = changetype<usize>(vtable);
    }
    op.heldRegistered = true;
  }
  const cbPtr = changetype<usize>(op);
  const prev = call_indirect<usize>(task.waitable_register, ptr, w, operationWake.index, cbPtr);
  trace(TRACE_REGISTER, ptr, w, cbPtr, prev);
  if (prev != 0) checkPrev(op, ptr, prev);
  op.registeredTask = ptr;
}

/**
 * The upstream assertion is `prev == cb_ptr`. This checks more, so a stale
 * entry is named every time, whatever the allocator did with the memory.
 */
function checkPrev(op: WaitableOperation, ptr: usize, prev: usize): void {
  const cbPtr = changetype<usize>(op);
  const where = "waitable_register(task " + hex(ptr) + ", waitable " + op.handle.toString() + ") returned prev " + hex(prev);
  if (isPoisoned(prev)) {
    throw new Error(violation(VIOLATION_USE_AFTER_FREE, ptr, op.handle, prev, where + ", which points into a freed completion status: a stale registration left behind by an earlier operation (wit-bindgen #1618)"));
  }
  if (prev != cbPtr) {
    throw new Error(violation(VIOLATION_STALE_REGISTRATION, ptr, op.handle, prev, where + ", not this operation's cb_ptr " + hex(cbPtr) + ": assertion prev == cb_ptr failed (wit-bindgen #1618)"));
  }
  if (op.registeredTask != ptr && !(op.heldRegistered && op.heldPtr == ptr)) {
    throw new Error(violation(VIOLATION_STALE_REGISTRATION, ptr, op.handle, prev, where + ", equal to this operation's cb_ptr, but this operation never registered with that task: a stale entry whose memory was reused (wit-bindgen #1618)"));
  }
}

/**
 * unregister_waker: through the held handle (V2; the handle stays held), else
 * through whatever task is current (V1). A non-null `prev` must be this
 * operation's own `cb_ptr` (wit-bindgen asserts it).
 */
export function unregisterWaker(op: WaitableOperation): void {
  const w = op.handle;
  let ptr: usize;
  let prev: usize;
  let throughCurrent = false;
  if (ABI_VERSION >= 2 && op.heldPtr != 0) {
    ptr = op.heldPtr;
    const vtable = changetype<Wasip3TaskVtable>(op.heldVtable);
    prev = call_indirect<usize>(vtable.waitable_unregister, ptr, w);
    op.heldRegistered = false;
  } else {
    const t = currentTaskStruct();
    if (t == 0) throw new Error("unregister_waker: no task is installed in the wasip3_task_set slot");
    const task = changetype<Wasip3Task>(t);
    ptr = task.ptr;
    prev = call_indirect<usize>(task.waitable_unregister, ptr, w);
    throughCurrent = true;
  }
  trace(TRACE_UNREGISTER, ptr, w, changetype<usize>(op), prev);
  const registered = op.registeredTask;
  op.registeredTask = 0;
  if (prev != 0 && prev != changetype<usize>(op)) checkUnregisterPrev(op, ptr, prev);
  // Beyond wit-bindgen (whose V1 path assumes it is still in the task it
  // registered with): name the unregister that goes to another task, which
  // strands the real entry there.
  if (throughCurrent && registered != 0 && registered != ptr) {
    throw new Error(violation(VIOLATION_WRONG_TASK_UNREGISTER, ptr, w, changetype<usize>(op),
      "waitable_unregister(task " + hex(ptr) + ", waitable " + w.toString() + ") went to the current task, but this operation registered with task " + hex(registered)
      + ", whose entry stays behind (a V1 unregister goes through whatever task is current)"));
  }
}

function checkUnregisterPrev(op: WaitableOperation, ptr: usize, prev: usize): void {
  const where = "waitable_unregister(task " + hex(ptr) + ", waitable " + op.handle.toString() + ") returned prev " + hex(prev);
  if (isPoisoned(prev)) {
    throw new Error(violation(VIOLATION_USE_AFTER_FREE, ptr, op.handle, prev, where + ", which points into a freed completion status: the unregister removed a stale registration left behind by an earlier operation"));
  }
  throw new Error(violation(VIOLATION_STALE_REGISTRATION, ptr, op.handle, prev, where + ", not this operation's cb_ptr " + hex(changetype<usize>(op)) + ": assertion prev == cb_ptr failed (the unregister removed another operation's entry)"));
}

/** V2: drop the held handle (wit-bindgen's `CabiTask` drop), unregistering through it first if registered there. */
function releaseHandle(op: WaitableOperation): void {
  if (op.heldRegistered && op.handle != 0) unregisterWaker(op);
  op.heldRegistered = false;
  call_indirect<void>(changetype<Wasip3TaskVtable>(op.heldVtable).drop, op.heldPtr);
  op.heldPtr = 0;
  op.heldVtable = 0;
}

/**
 * Drop: cancel what is in flight (unregister, then the canonical cancel),
 * release the held handle, then poison and free the status.
 */
export function operationDrop(op: WaitableOperation): void {
  if (op.state == OP_IN_PROGRESS && !op.codeReady) {
    unregisterWaker(op);
    call_indirect<u32>(op.cancelFn, changetype<usize>(op));
  }
  if (ABI_VERSION >= 2 && op.heldPtr != 0) releaseHandle(op);
  trace(TRACE_STATUS_FREE, 0, op.handle, changetype<usize>(op), 0);
  poolFree(OP_POOL, changetype<usize>(op));
}

export function liveOperations(): u32 {
  return OP_POOL.live;
}
