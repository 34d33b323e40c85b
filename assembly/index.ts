// The guest runtime's entry: the task slot, layout facts for the host, pool
// statistics, and the scenario exports.

export { wasip3_task_set } from "./slot";
export {
  WASIP3_TASK_SIZE, WASIP3_TASK_V2_SIZE, WASIP3_TASK_VTABLE_SIZE,
  OFFSET_VERSION, OFFSET_PTR, OFFSET_WAITABLE_REGISTER, OFFSET_WAITABLE_UNREGISTER, OFFSET_VTABLE,
  VTABLE_OFFSET_WAITABLE_REGISTER, VTABLE_OFFSET_WAITABLE_UNREGISTER, VTABLE_OFFSET_CLONE, VTABLE_OFFSET_DROP,
} from "./abi";
// The trace numbers, exported (like the layout facts) for the host's agreement test.
export {
  TRACE_SLOT_SET, TRACE_REGISTER, TRACE_UNREGISTER, TRACE_CLONE, TRACE_DROP, TRACE_CALLBACK,
  TRACE_TASK_NEW, TRACE_TASK_FREE, TRACE_TASK_EXIT, TRACE_STATUS_NEW, TRACE_STATUS_FREE, TRACE_GUEST_VIOLATION,
  TRACE_STEP,
  VIOLATION_STALE_REGISTRATION, VIOLATION_USE_AFTER_FREE, VIOLATION_BAD_DROP, VIOLATION_REGISTRATION_LEFT_BEHIND,
  VIOLATION_WRONG_TASK_UNREGISTER,
} from "./trace";
export { TASK_LABEL_EXPORT, TASK_LABEL_BLOCK_ON } from "./task";
import { setQuarantine } from "./pool";
import { liveSharedStates, liveEntries } from "./task";
import { liveOperations } from "./waitable";
export * from "./exports";

/** The ABI version this build publishes and its importer understands. */
export const ABI: u32 = ABI_VERSION;

export function live_shared_states(): u32 {
  return liveSharedStates();
}
export function live_entries(): u32 {
  return liveEntries();
}
export function live_operations(): u32 {
  return liveOperations();
}
/** How many freed blocks wait, poisoned, before reuse (default 8; 0 reuses at once). */
export function set_quarantine(limit: u32): void {
  setQuarantine(limit);
}
export * from "./driver";
