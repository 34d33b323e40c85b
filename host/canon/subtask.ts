import { SubtaskState } from './constants.js';
import { trapIf, type TrapSite } from './errors.js';
import type { FlatValue } from './task.js';
import { Waitable } from './waitable.js';

/**
 * The caller's view of an async-lowered call (spec `Subtask`): a waitable in
 * the caller's table that reports SUBTASK events with the new state.
 */
export class Subtask extends Waitable {
  state: SubtaskState = SubtaskState.STARTING;
  /** Asks the callee to cancel (spec `on_cancel`); set once the callee was called. */
  onCancel: (() => void) | undefined = undefined;
  cancellationRequested = false;
  /** The caller was told the subtask resolved (spec `resolve_delivered`). */
  resolveDelivered = false;
  flatResults: FlatValue[] = [];
  /** For messages: what was called. */
  constructor(readonly callee: string) {
    super();
  }

  resolved(): boolean {
    return (
      this.state === SubtaskState.RETURNED ||
      this.state === SubtaskState.CANCELLED_BEFORE_STARTED ||
      this.state === SubtaskState.CANCELLED_BEFORE_RETURNED
    );
  }

  resolve(state: SubtaskState, flatResults: FlatValue[]): void {
    this.state = state;
    this.flatResults = flatResults;
  }

  deliverResolve(): void {
    this.resolveDelivered = true;
  }

  /** Spec `Subtask.drop`: only after the resolution was delivered. */
  drop(site: TrapSite): void {
    trapIf(!this.resolveDelivered, 'subtask-not-resolved', site);
    this.dropWaitable();
  }
}
