import type { EventCode } from './constants.js';
import type { WaitableSet } from './waitable-set.js';

/** `(event code, handle, payload)`: what wait/poll and callbacks receive (spec `EventTuple`). */
export type EventTuple = readonly [code: EventCode, handle: number, payload: number];

/** The NONE event. */
export const NO_EVENT: EventTuple = [0, 0, 0];

/**
 * Anything a task can wait for (spec `Waitable`): a stream or future end or a
 * subtask. It holds at most one pending event, produced lazily by a thunk so
 * that state changes happen when the event is delivered, as in the spec.
 */
export class Waitable {
  /** Produces the event and applies its state change; undefined when none is pending. */
  private pendingEvent: (() => EventTuple) | undefined = undefined;
  /** The set this waitable is joined to (spec `wset`). */
  wset: WaitableSet | undefined = undefined;
  /** A synchronous built-in is blocked on this waitable (spec `has_sync_waiter`). */
  hasSyncWaiter = false;
  /** Neighbours in the join order of `wset` (managed by WaitableSet). */
  prevInSet: Waitable | undefined = undefined;
  nextInSet: Waitable | undefined = undefined;

  setPendingEvent(thunk: () => EventTuple): void {
    this.pendingEvent = thunk;
  }

  hasPendingEvent(): boolean {
    return this.pendingEvent !== undefined;
  }

  inWaitableSet(): boolean {
    return this.wset !== undefined;
  }

  /** Removes and returns the pending event (delivering it). */
  getPendingEvent(): EventTuple {
    const thunk = this.pendingEvent;
    if (thunk === undefined) throw new Error('internal: no pending event');
    this.pendingEvent = undefined;
    return thunk();
  }

  /** Moves this waitable to `wset`, or out of any set when undefined (spec `join`). */
  join(wset: WaitableSet | undefined): void {
    if (this.wset !== undefined) this.wset.remove(this);
    this.wset = wset;
    if (wset !== undefined) wset.add(this);
  }

  /** Leaves its set; called when the handle is dropped. */
  dropWaitable(): void {
    this.join(undefined);
  }
}
