// Pool statistics of the runtime, for the benchmarks' "back to baseline" checks.
import { liveSharedStates, liveEntries } from "../task";
import { liveOperations } from "../waitable";

export function live_shared_states(): u32 {
  return liveSharedStates();
}
export function live_entries(): u32 {
  return liveEntries();
}
export function live_operations(): u32 {
  return liveOperations();
}
