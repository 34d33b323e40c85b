// The guest runtime's entry: the task slot, layout facts for the host, pool
// statistics, and the scenario exports.

export { wasip3_task_set } from "./slot";
export {
  WASIP3_TASK_SIZE, WASIP3_TASK_V2_SIZE, WASIP3_TASK_VTABLE_SIZE,
  OFFSET_VERSION, OFFSET_PTR, OFFSET_WAITABLE_REGISTER, OFFSET_WAITABLE_UNREGISTER, OFFSET_VTABLE,
  VTABLE_OFFSET_WAITABLE_REGISTER, VTABLE_OFFSET_WAITABLE_UNREGISTER, VTABLE_OFFSET_CLONE, VTABLE_OFFSET_DROP,
} from "./abi";
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
