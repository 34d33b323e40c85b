// An async-lowered import call as a WaitableOperation: `launder` of
// shim:scenarios/laundry. The call returns `state | (subtask << 4)`; if the
// callee has not RETURNED yet, the subtask is the waitable, registered with
// the current task like any other, and SUBTASK events carry its new state.

import { WaitableOperation, operationNew, operationPoll, operationDrop } from "./waitable";
import { BLOCKED } from "./abi";
import { launder_async, subtask_cancel, subtask_drop } from "./canon";

export const SUBTASK_STARTING: u32 = 0;
export const SUBTASK_STARTED: u32 = 1;
export const SUBTASK_RETURNED: u32 = 2;

function launderStart(self: usize): u32 {
  const op = changetype<WaitableOperation>(self);
  const status = launder_async(op.len, op.buf);
  const state = status & 0xf;
  if (state == SUBTASK_RETURNED) return state;
  op.handle = status >> 4;
  return BLOCKED;
}

/** A subtask is done once it RETURNED; then its handle is released. */
function subtaskUpdate(self: usize, code: u32): bool {
  if (code != SUBTASK_RETURNED) return false;
  const op = changetype<WaitableOperation>(self);
  if (op.handle != 0) subtask_drop(op.handle);
  op.handle = 0;
  return true;
}

function subtaskCancel(self: usize): u32 {
  return subtask_cancel(changetype<WaitableOperation>(self).handle);
}

function opPoll(self: usize): bool {
  return operationPoll(changetype<WaitableOperation>(self));
}
function opDrop(self: usize): void {
  operationDrop(changetype<WaitableOperation>(self));
}

/** Call `launder(readable)`; when done, `launderResult(op)` is the new readable end. */
export function launderCall(readable: u32): WaitableOperation {
  const op = operationNew(0, launderStart.index, subtaskCancel.index, opPoll.index, opDrop.index, subtaskUpdate.index);
  op.len = readable; // the argument, until the call starts
  op.buf = changetype<usize>(op) + offsetof<WaitableOperation>("inline");
  return op;
}

export function launderResult(op: WaitableOperation): u32 {
  return load<u32>(op.buf);
}
