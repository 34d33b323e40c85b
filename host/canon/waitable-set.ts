import { TRAP_RULES, trapIf, type TrapSite } from './errors.js';
import { NO_EVENT, type EventTuple, type Waitable } from './waitable.js';

/**
 * A set of waitables a task waits on (spec `WaitableSet`). Deterministic:
 * when several members have events, the one joined earliest is delivered
 * first (the spec shuffles: docs/deviations.md, entry 10).
 */
export class WaitableSet {
  /** Members in join order: an intrusive list through `Waitable.prevInSet/nextInSet` (no array per set). */
  private first: Waitable | undefined = undefined;
  private last: Waitable | undefined = undefined;
  private count = 0;
  /** How many tasks are waiting on this set right now (spec `num_waiting`). */
  numWaiting = 0;

  get size(): number {
    return this.count;
  }

  add(w: Waitable): void {
    w.prevInSet = this.last;
    w.nextInSet = undefined;
    if (this.last !== undefined) this.last.nextInSet = w;
    else this.first = w;
    this.last = w;
    this.count++;
  }

  /** Unlinks `w`; the caller (`Waitable.join`) only calls it for a member. */
  remove(w: Waitable): void {
    if (w.wset !== this) return;
    const prev = w.prevInSet;
    const next = w.nextInSet;
    if (prev !== undefined) prev.nextInSet = next;
    else this.first = next;
    if (next !== undefined) next.prevInSet = prev;
    else this.last = prev;
    w.prevInSet = w.nextInSet = undefined;
    this.count--;
  }

  hasPendingEvent(): boolean {
    for (let w = this.first; w !== undefined; w = w.nextInSet) if (w.hasPendingEvent()) return true;
    return false;
  }

  /** Delivers the first pending event (the caller checked there is one). */
  getPendingEvent(): EventTuple {
    for (let w = this.first; w !== undefined; w = w.nextInSet) if (w.hasPendingEvent()) return w.getPendingEvent();
    return NO_EVENT;
  }

  /** The spec's `WaitableSet.drop` checks. */
  drop(site: TrapSite): void {
    trapIf(this.count > 0, 'waitable-set-not-empty', {
      ...site,
      detail: `${TRAP_RULES['waitable-set-not-empty']}: ${this.count} waitable(s) still joined`,
    });
    trapIf(this.numWaiting > 0, 'waitable-set-waited-on', site);
  }
}
