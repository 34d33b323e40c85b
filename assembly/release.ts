// The release build of the guest runtime (asconfig.json target `release`,
// ABI V2, TRACE=0, optimised for size), for the size figure of the
// benchmarks: the runtime without scenarios, matrix driver or layout globals.
// Its exports are the runtime's surface a generated binding would call: the
// task slot, the executor (task, export turn, block_on), the importer's
// stream operations and future poll/drop, and cabi_realloc.

export { wasip3_task_set } from "./slot";
import { TaskState, taskNew, taskExit, exportTurn, blockOn, TASK_LABEL_EXPORT } from "./task";
import { futurePoll, futureDrop } from "./future";
import { streamRead, streamWriteBytes, streamNew } from "./stream";

export function task_new(): usize {
  return changetype<usize>(taskNew(TASK_LABEL_EXPORT));
}
export function task_exit(task: usize): void {
  taskExit(changetype<TaskState>(task));
}
export function export_turn(task: usize, event: u32, waitable: u32, payload: u32): u32 {
  return exportTurn(changetype<TaskState>(task), event, waitable, payload);
}
export function block_on(future: usize): void {
  blockOn(future);
}
export function stream_new(): u64 {
  return streamNew();
}
export function stream_read(readable: u32, buf: usize, len: u32): usize {
  return changetype<usize>(streamRead(readable, buf, len));
}
export function stream_write(writable: u32, bytes: u64, len: u32): usize {
  return changetype<usize>(streamWriteBytes(writable, bytes, len));
}
export function future_poll(f: usize): bool {
  return futurePoll(f);
}
export function future_drop(f: usize): void {
  futureDrop(f);
}
export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (old == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}

/** Release abort: no message formatting, no import; just trap. */
export function releaseAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
