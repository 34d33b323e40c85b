import { TRAP_RULES, trapIf, type TrapSite } from './errors.js';
import { NO_EVENT, type EventTuple, type Waitable } from './waitable.js';

/**
 * A set of waitables a task waits on (spec `WaitableSet`). Deterministic:
 * when several members have events, the one joined earliest is delivered
 * first (the spec leaves the order open).
 */
export class WaitableSet {
  /** Members in join order. */
  readonly elems: Waitable[] = [];
  /** How many tasks are waiting on this set right now (spec `num_waiting`). */
  numWaiting = 0;

  add(w: Waitable): void {
    this.elems.push(w);
  }

  remove(w: Waitable): void {
    const i = this.elems.indexOf(w);
    if (i >= 0) this.elems.splice(i, 1);
  }

  hasPendingEvent(): boolean {
    for (const w of this.elems) if (w.hasPendingEvent()) return true;
    return false;
  }

  /** Delivers the first pending event (the caller checked there is one). */
  getPendingEvent(): EventTuple {
    for (const w of this.elems) if (w.hasPendingEvent()) return w.getPendingEvent();
    return NO_EVENT;
  }

  /** The spec's `WaitableSet.drop` checks. */
  drop(site: TrapSite): void {
    trapIf(this.elems.length > 0, 'waitable-set-not-empty', {
      ...site,
      detail: `${TRAP_RULES['waitable-set-not-empty']}: ${this.elems.length} waitable(s) still joined`,
    });
    trapIf(this.numWaiting > 0, 'waitable-set-waited-on', site);
  }
}
