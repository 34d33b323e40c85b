// An async-lowered import call (`[async-lower]<func>`) as a future. The glue
// lowers the arguments, makes the call (which returns `state | (subtask << 4)`)
// and wraps the status here; when the callee has returned, the result is
// lifted from the result area the glue passed.

import { WaitableOperation, operationNew, operationPoll, operationDrop } from "../waitable";
import { BLOCKED } from "../abi";
import { subtask_cancel, subtask_drop } from "../canon";
import { Future } from "./future";

// Subtask states (the low nibble of an async-lowered call's result, and the
// payload of a SUBTASK event).
export const SUBTASK_STARTING: u32 = 0;
export const SUBTASK_STARTED: u32 = 1;
export const SUBTASK_RETURNED: u32 = 2;
export const SUBTASK_CANCELLED_BEFORE_STARTED: u32 = 3;
export const SUBTASK_CANCELLED_BEFORE_RETURNED: u32 = 4;

function isResolved(state: u32): bool {
  return state == SUBTASK_RETURNED || state == SUBTASK_CANCELLED_BEFORE_STARTED || state == SUBTASK_CANCELLED_BEFORE_RETURNED;
}

/** The call was made already: report its state (`op.len` holds it until the first poll). */
function subtaskStart(self: usize): u32 {
  const op = changetype<WaitableOperation>(self);
  const state = op.len;
  return isResolved(state) ? state : BLOCKED;
}

/** Done once resolved; then the subtask handle is dropped. */
function subtaskUpdate(self: usize, state: u32): bool {
  if (!isResolved(state)) return false;
  const op = changetype<WaitableOperation>(self);
  if (op.handle != 0) subtask_drop(op.handle);
  op.handle = 0;
  return true;
}

/** `[subtask-cancel]`; a resolved subtask is dropped (a BLOCKED cancel leaves the callee running, handle kept). */
function subtaskCancel(self: usize): u32 {
  const op = changetype<WaitableOperation>(self);
  const r = subtask_cancel(op.handle);
  if (r != BLOCKED) {
    subtask_drop(op.handle);
    op.handle = 0;
  }
  return r;
}

function opPoll(self: usize): bool {
  return operationPoll(changetype<WaitableOperation>(self));
}
function opDrop(self: usize): void {
  operationDrop(changetype<WaitableOperation>(self));
}

/**
 * An import call in flight. `value` is the lifted result once the callee
 * returned (`lift(resultArea)`); `cancelled` when cancellation resolved it
 * first. Cancelling calls `[subtask-cancel]`.
 */
export class Subtask<T> extends Future<T> {
  op: usize;
  state: u32;
  /** Where the callee writes the result (kept alive with the call). */
  resultArea: ArrayBuffer | null;
  /** The lowered arguments (kept alive until the callee has read them). */
  args: Object | null;
  lift: (resultArea: usize) => T;
  constructor(status: u32, resultArea: ArrayBuffer | null, lift: (resultArea: usize) => T, args: Object | null = null) {
    super();
    this.state = status & 0xf;
    this.resultArea = resultArea;
    this.args = args;
    this.lift = lift;
    const op = operationNew(status >> 4, subtaskStart.index, subtaskCancel.index, opPoll.index, opDrop.index, subtaskUpdate.index);
    op.len = this.state;
    this.op = changetype<usize>(op);
  }
  poll(): bool {
    const op = changetype<WaitableOperation>(this.op);
    if (op === null) return true;
    if (!operationPoll(op)) return false;
    this.state = op.code;
    operationDrop(op);
    this.op = 0;
    this.args = null;
    if (this.state == SUBTASK_RETURNED) {
      const area = this.resultArea;
      this.value = this.lift(area !== null ? changetype<usize>(area) : 0);
    }
    return true;
  }
  cancel(): void {
    const op = this.op;
    if (op == 0) return;
    this.op = 0;
    operationDrop(changetype<WaitableOperation>(op));
  }
  /** Whether cancellation resolved the call before it returned. */
  get cancelled(): bool {
    return this.state == SUBTASK_CANCELLED_BEFORE_STARTED || this.state == SUBTASK_CANCELLED_BEFORE_RETURNED;
  }
}

/** A `lift` for calls without a result. */
export function noResult(resultArea: usize): bool {
  return true;
}
