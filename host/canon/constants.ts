/**
 * Every number of the async canonical ABI that crosses the guest boundary,
 * defined once. Names and values follow the component-model spec
 * (`design/mvp/canonical-abi/definitions.py`); docs/task-abi.md, "Canonical
 * ABI numbers", lists them.
 */

/** First value of `waitable-set.wait/poll` and first callback argument (spec `EventCode`). */
export const EventCode = {
  NONE: 0,
  SUBTASK: 1,
  STREAM_READ: 2,
  STREAM_WRITE: 3,
  FUTURE_READ: 4,
  FUTURE_WRITE: 5,
  TASK_CANCELLED: 6,
} as const;
export type EventCode = (typeof EventCode)[keyof typeof EventCode];

/** Low nibble of a callback-lifted export's (or its callback's) result (spec `CallbackCode`). */
export const CallbackCode = {
  EXIT: 0,
  YIELD: 1,
  WAIT: 2,
  /** Largest valid code: anything above traps. */
  MAX: 2,
} as const;
export type CallbackCode = (typeof CallbackCode)[keyof typeof CallbackCode];

/** Low nibble of a stream/future copy result (spec `CopyResult`). Streams add `count << 4`. */
export const CopyResult = {
  COMPLETED: 0,
  DROPPED: 1,
  CANCELLED: 2,
} as const;
export type CopyResult = (typeof CopyResult)[keyof typeof CopyResult];

/** The same numbers under the name host peers use (`HostCopyResult.kind`). */
export const CopyResultKind = CopyResult;
export type CopyResultKind = CopyResult;

/**
 * What a host peer's read/write callback receives: how the copy ended and
 * how many elements were copied (a guest sees the same as `kind | (count << 4)`).
 */
export interface HostCopyResult {
  readonly kind: CopyResultKind;
  readonly count: number;
}

/** Returned by an async copy, cancel or subtask.cancel that did not finish yet. */
export const BLOCKED = 0xffff_ffff;

/** Subtask states (spec `Subtask.State`); an async-lowered call returns `state | (handle << 4)`. */
export const SubtaskState = {
  STARTING: 0,
  STARTED: 1,
  RETURNED: 2,
  CANCELLED_BEFORE_STARTED: 3,
  CANCELLED_BEFORE_RETURNED: 4,
} as const;
export type SubtaskState = (typeof SubtaskState)[keyof typeof SubtaskState];

/** State of one stream/future end (spec `CopyState`). */
export const CopyState = {
  IDLE: 1,
  COPYING: 2,
  CANCELLING_COPY: 3,
  DONE: 4,
} as const;
export type CopyState = (typeof CopyState)[keyof typeof CopyState];

/** Task lifecycle (spec `Task.State`). */
export const TaskState = {
  INITIAL: 1,
  STARTED: 2,
  PENDING_CANCEL: 3,
  CANCEL_DELIVERED: 4,
  RESOLVED: 5,
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** `thread.yield` and the cancellable waits return this when cancellation was delivered (spec `Cancelled`). */
export const Cancelled = { FALSE: 0, TRUE: 1 } as const;

/** Largest handle index (spec `Table.MAX_LENGTH`); keeps `handle << 4` inside 32 bits. */
export const TABLE_MAX_LENGTH = 2 ** 28 - 1;
/** Largest element count of one stream copy (spec `Buffer.MAX_LENGTH`). */
export const BUFFER_MAX_LENGTH = 2 ** 28 - 1;
/** Backpressure counter limit (spec: `backpressure.inc` traps when it reaches 2^16). */
export const BACKPRESSURE_LIMIT = 2 ** 16;
/** Number of context slots per task (`context.get/set` 0 and 1). */
export const CONTEXT_SLOTS = 2;

/** Packs a stream copy result: low nibble the result, the element count above it. */
export function packCopyResult(result: CopyResult, count: number): number {
  return (result | (count << 4)) >>> 0;
}
