// Task-ABI events for the host's trace. `TRACE` is a build-time constant
// (`--use TRACE=1`); with TRACE=0 the calls and the import vanish, which is
// how the component build and the release build are made.

@external("wasip3-task-shim", "trace")
declare function trace_event(kind: u32, task: usize, waitable: u32, ptr: usize, extra: usize): void;

/**
 * The guest's trace numbers, defined here once. The host defines the same
 * numbers once (host/trace/trace.ts: `TaskAbiKind`, `GuestTraceKind`,
 * `GuestViolation`); assembly/index.ts exports these so a test checks that
 * the two agree name for name.
 */
export const TRACE_SLOT_SET: u32 = 1;
export const TRACE_REGISTER: u32 = 2;
export const TRACE_UNREGISTER: u32 = 3;
export const TRACE_CLONE: u32 = 4;
export const TRACE_DROP: u32 = 5;
export const TRACE_CALLBACK: u32 = 6;
export const TRACE_TASK_NEW: u32 = 7;
export const TRACE_TASK_FREE: u32 = 8;
export const TRACE_TASK_EXIT: u32 = 9;
export const TRACE_STATUS_NEW: u32 = 10;
export const TRACE_STATUS_FREE: u32 = 11;
export const TRACE_GUEST_VIOLATION: u32 = 12;
/** A scenario step marker: `extra` is the step number (host `GuestTraceKind.STEP`). */
export const TRACE_STEP: u32 = 13;

/** Violation codes carried in `extra` of TRACE_GUEST_VIOLATION (host `GuestViolation`). */
export const VIOLATION_STALE_REGISTRATION: u32 = 1;
export const VIOLATION_USE_AFTER_FREE: u32 = 2;
export const VIOLATION_BAD_DROP: u32 = 3;
export const VIOLATION_REGISTRATION_LEFT_BEHIND: u32 = 4;
export const VIOLATION_WRONG_TASK_UNREGISTER: u32 = 5;

// @ts-ignore: decorator
@inline
export function trace(kind: u32, task: usize, waitable: u32, ptr: usize, extra: usize): void {
  if (TRACE) trace_event(kind, task, waitable, ptr, extra);
}

/** `0x…` for messages. */
export function hex(p: usize): string {
  return "0x" + p.toString(16);
}
