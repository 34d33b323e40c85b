// Fine-grained exports that let the host drive this runtime's executor and
// importer step by step, so one scenario script runs in every pairing of the
// compatibility matrix (guest or host executor x guest or host importer).
// These are exported for the host's eyes only; the component build leaves
// them out.

import { TaskState, taskNew, taskExit, pollOnce } from "./task";
import { futurePoll, futureDrop } from "./future";
import { streamWriteBytes, streamRead } from "./stream";
import { WaitableOperation } from "./waitable";

/** A new task of this runtime's executor; returns its struct (what goes in the slot). */
export function exec_task_new(label: u32): usize {
  return changetype<usize>(taskNew(label));
}

/** Deliver at most one pending event of the task's set (waitable-set.poll); returns the event code. */
export function exec_task_poll(task: usize): u32 {
  return pollOnce(changetype<TaskState>(task).shared);
}

/**
 * Exit the task if it may: a task never exits while registrations remain, so
 * this returns the number remaining (and exits only when it is 0).
 */
export function exec_task_exit(task: usize): u32 {
  const count = changetype<TaskState>(task).shared.count;
  if (count == 0) taskExit(changetype<TaskState>(task));
  return count;
}

/** An importer operation: write one byte. */
export function op_write_new(writable: u32, byte: u32): usize {
  return changetype<usize>(streamWriteBytes(writable, <u64>(byte & 0xff), 1));
}

/** An importer operation: read one byte (into the operation's inline buffer). */
export function op_read_new(readable: u32): usize {
  const op = streamRead(readable, 0, 1);
  op.buf = changetype<usize>(op) + offsetof<WaitableOperation>("inline");
  return changetype<usize>(op);
}

/** Poll with the current task installed; 1 when done. */
export function op_poll(op: usize): u32 {
  return futurePoll(op) ? 1 : 0;
}

/** The copy result of a finished operation. */
export function op_result(op: usize): u32 {
  return changetype<WaitableOperation>(op).code;
}

/** Drop (cancelling if in flight) with whatever task is current. */
export function op_drop(op: usize): void {
  futureDrop(op);
}

/** Memory for the host's own structs in this instance (host executor task structs, host importer statuses). */
export function host_alloc(size: u32): usize {
  const p = heap.alloc(size);
  memory.fill(p, 0, size);
  return p;
}
