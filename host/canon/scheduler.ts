/**
 * The run queue (the spec's `Store.waiting` list of threads with a
 * `ready_func`). Every piece of deferred work is a `Runnable`: a callback-lifted
 * task parked on WAIT or YIELD, a task waiting to start (backpressure), a host
 * peer's completion callback. `step` runs the oldest runnable that is ready and
 * whose owner may be entered (is not on the JS stack), so the same inputs
 * always give the same order (the spec picks at random: docs/deviations.md,
 * entry 10). Nothing here uses timers or microtasks.
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
  /**
   * True for a task parked on YIELD: always ready, so running it is not by
   * itself progress (a blocking wait counts such steps to find a livelock).
   */
  readonly yielding?: boolean;
  /** Runs the work. Must not throw: traps are handled (and the owner poisoned) inside. */
  run(): void;
  /**
   * JSPI: resuming a suspended thread, which goes on asynchronously (the
   * scheduler pauses until it hands control back). Never run from inside
   * guest code (a nested wait), only by the store's drive.
   */
  readonly async?: boolean;
  /** The task whose thread this resumes (a callback task's turn, a suspended thread), for the sync-call loop. */
  readonly candidate?: unknown;
}

/** What `runAll` does after a run of YIELD-only steps (see there). */
export type SpinVerdict = 'go' | 'stop' | 'turn';

/** A task blocked in the spec's sync-call loop (`canon_lift` of a non-async function). */
interface SyncLoop {
  readonly inst: Enterable & { exclusive: unknown };
  readonly task: { inSyncLoop: boolean };
  done(): boolean;
}

export class Scheduler {
  /**
   * The queue in arrival order. Runnables that ran or were removed leave a
   * hole (undefined) instead of being spliced out, so taking the oldest ready
   * runnable is O(1) when it is at the front (the common case: work becomes
   * ready in the order it was queued); holes are compacted away in bulk.
   */
  private queue: (Runnable | undefined)[] = [];
  /** Index of the first slot that may hold a runnable. */
  private head = 0;
  /** Live runnables in the queue. */
  private count = 0;
  /** Steps in a row that only ran tasks parked on YIELD (see `runAll`). */
  private yieldSteps = 0;
  /** Number of runnables run so far (for tests and benchmarks). */
  steps = 0;
  /** The runnable being run (innermost, when runs nest); undefined between runs. */
  running: Runnable | undefined = undefined;
  /** JSPI: a resumed thread runs asynchronously; nothing else runs until it hands control back. */
  paused = false;
  /**
   * JSPI: the innermost synchronous task that blocked before returning (spec
   * `canon_lift`'s loop for a non-async function): until it resolves only
   * threads of its instance run.
   */
  syncLoops: SyncLoop[] = [];
  /** The runnable the latest `step` ran. */
  lastRan: Runnable | undefined = undefined;

  add(r: Runnable): void {
    this.queue.push(r);
    this.count++;
  }

  /** Queues `r` before everything else (spec: a thread switched to runs next). */
  addFirst(r: Runnable): void {
    if (this.head > 0) this.queue[--this.head] = r;
    else this.queue.unshift(r);
    this.count++;
  }

  /** Removes `r` if queued; returns whether it was. */
  remove(r: Runnable): boolean {
    const i = this.queue.indexOf(r, this.head);
    if (i < 0) return false;
    this.take(i);
    return true;
  }

  private take(i: number): void {
    this.queue[i] = undefined;
    this.count--;
    if (this.count === 0) {
      this.queue.length = 0;
      this.head = 0;
      return;
    }
    if (i === this.head) {
      const q = this.queue;
      let h = i + 1;
      while (q[h] === undefined) h++;
      this.head = h;
    }
    // Compact when holes dominate (amortised O(1) per removal).
    const holes = this.queue.length - this.head - this.count;
    if (this.head > 1024 || holes > 1024) {
      if (this.head + holes > this.queue.length >>> 1) this.compact();
    }
  }

  private compact(): void {
    const live: Runnable[] = [];
    const q = this.queue;
    for (let i = this.head; i < q.length; i++) {
      const r = q[i];
      if (r !== undefined) live.push(r);
    }
    this.queue = live;
    this.head = 0;
  }

  /**
   * Runs the oldest ready runnable whose owner may be entered; false when
   * there is none. `top`: called by the store's drive, not from inside guest
   * code, so JSPI thread resumptions may run.
   */
  step(top = false): boolean {
    const q = this.queue;
    let loop: SyncLoop | undefined;
    if (this.syncLoops.length !== 0) {
      // The innermost loop whose task has not resolved yet.
      const loops = this.syncLoops;
      while (loops.length > 0 && loops[loops.length - 1]!.done()) loops.pop()!.task.inSyncLoop = false;
      loop = loops[loops.length - 1];
    }
    for (let i = this.head; i < q.length; i++) {
      const r = q[i];
      if (r === undefined) continue;
      if (r.async === true && !top) continue;
      if (loop !== undefined && (r.owner !== loop.inst || r.candidate === undefined || r.candidate === loop.inst.exclusive)) continue;
      if ((r.owner === undefined || r.owner.mayEnter()) && r.ready()) {
        this.take(i);
        this.steps++;
        this.lastRan = r;
        const outer = this.running;
        this.running = r;
        r.run();
        this.running = outer;
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

  /**
   * Steps until nothing can run (or, JSPI, a resumed thread runs
   * asynchronously). Every `every` steps in a row that only ran tasks parked
   * on YIELD, `verdict(n)` decides: `go` on, `stop` (they stay queued and go
   * on at the next run), or `turn`: stop and return true, so the caller gives
   * the embedder's event loop a turn before running them again. The count
   * goes on across runs (a JSPI thread's yield resumes in a run of its own).
   */
  runAll(verdict?: (n: number) => SpinVerdict, every = Infinity): boolean {
    if (verdict === undefined) {
      while (!this.paused && this.step(true));
      return false;
    }
    let n = this.yieldSteps;
    while (!this.paused && this.step(true)) {
      if (this.lastRan?.yielding !== true) {
        n = 0;
        continue;
      }
      if (++n % every !== 0) continue;
      const v = verdict(n);
      if (v === 'go') continue;
      this.yieldSteps = 0;
      return v === 'turn';
    }
    this.yieldSteps = n;
    return false;
  }

  /** Whether some queued runnable satisfies `p` and is ready. */
  hasReady(p: (r: Runnable) => boolean): boolean {
    for (let i = this.head; i < this.queue.length; i++) {
      const r = this.queue[i];
      if (r !== undefined && p(r) && r.ready()) return true;
    }
    return false;
  }

  /** Labels of everything still queued (for deadlock messages). */
  describe(): string[] {
    const out: string[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const r = this.queue[i];
      if (r !== undefined) out.push(r.label);
    }
    return out;
  }

  get length(): number {
    return this.count;
  }
}
