/**
 * The run queue (the spec's `Store.waiting` list of threads with a
 * `ready_func`). Every piece of deferred work is a `Runnable`: a callback-lifted
 * task parked on WAIT or YIELD, a task waiting to start (backpressure), a host
 * peer's completion callback. `step` runs the oldest runnable that is ready and
 * whose owner may be entered (is not on the JS stack), so the same inputs
 * always give the same order. Nothing here uses timers or microtasks.
 */

/** Something whose code runs: a ComponentInstance or a HostInstance. */
export interface Enterable {
  readonly name: string;
  /** False while the owner's code is on the JS stack (spec `may_enter`). */
  mayEnter(): boolean;
}

export interface Runnable {
  /** For traces and deadlock messages. */
  readonly label: string;
  /** Whose code `run` executes; never run while that owner is on the stack. */
  readonly owner: Enterable | undefined;
  ready(): boolean;
  /** Runs the work. Must not throw: traps are handled (and the owner poisoned) inside. */
  run(): void;
}

export class Scheduler {
  private readonly waiting: Runnable[] = [];
  /** Number of runnables run so far (for tests and benchmarks). */
  steps = 0;

  add(r: Runnable): void {
    this.waiting.push(r);
  }

  /** Removes `r` if queued; returns whether it was. */
  remove(r: Runnable): boolean {
    const i = this.waiting.indexOf(r);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  has(r: Runnable): boolean {
    return this.waiting.includes(r);
  }

  /** Runs the oldest ready runnable whose owner may be entered; false when there is none. */
  step(): boolean {
    for (let i = 0; i < this.waiting.length; i++) {
      const r = this.waiting[i]!;
      if ((r.owner === undefined || r.owner.mayEnter()) && r.ready()) {
        this.waiting.splice(i, 1);
        this.steps++;
        r.run();
        return true;
      }
    }
    return false;
  }

  /** Steps until `done()` holds (true) or nothing can run (false). */
  runUntil(done: () => boolean): boolean {
    while (!done()) {
      if (!this.step()) return done();
    }
    return true;
  }

  /** Labels of everything still queued (for deadlock messages). */
  describe(): string[] {
    return this.waiting.map((r) => r.label);
  }

  get length(): number {
    return this.waiting.length;
  }
}
