// A task-ABI violation the guest detects itself: traced (TRACE_GUEST_VIOLATION
// with the code) and thrown, with an abort text that starts with the
// violation's kind, exactly as the host names it (host/trace/violation.ts
// `ViolationKind`): `violation <kind>: <what happened>`. Under jco, where the
// guest has no trace import, that text on stderr is all a host sees, so the
// kind must be in it.

import {
  trace, TRACE_GUEST_VIOLATION,
  VIOLATION_STALE_REGISTRATION, VIOLATION_USE_AFTER_FREE, VIOLATION_BAD_DROP, VIOLATION_REGISTRATION_LEFT_BEHIND,
  VIOLATION_WRONG_TASK_UNREGISTER,
} from "./trace";

/** The host's name for a guest violation code. */
export function violationKind(code: u32): string {
  if (code == VIOLATION_STALE_REGISTRATION) return "stale-registration";
  if (code == VIOLATION_USE_AFTER_FREE) return "use-after-free";
  if (code == VIOLATION_BAD_DROP) return "bad-drop";
  if (code == VIOLATION_REGISTRATION_LEFT_BEHIND) return "registration-left-behind";
  if (code == VIOLATION_WRONG_TASK_UNREGISTER) return "wrong-task-unregister";
  return "unknown-violation-" + code.toString();
}

/**
 * Trace the violation and return the abort text: `throw new Error(violation(...))`
 * (AssemblyScript passes a thrown error's message to `abort` only in that form).
 */
export function violation(code: u32, task: usize, waitable: u32, ptr: usize, message: string): string {
  trace(TRACE_GUEST_VIOLATION, task, waitable, ptr, code);
  return "violation " + violationKind(code) + ": " + message;
}
