/**
 * The store: all instances and host peers that share one run queue (spec
 * `Store`). Everything runs synchronously: a call drives the queue until
 * nothing more can run, then settles the Promises of top-level calls.
 */
import { Trace } from '../trace/trace.js';
import { DeadlockError, TimeoutTrap, Trap, trapIf, type TrapSite } from './errors.js';
import { HostInstance } from './host-instance.js';
import { ComponentInstance } from './instance.js';
import type { InstanceOptions } from './linker.js';
import { contain } from './lift.js';
import { checkTimeout, resolveLimits, runWithWatchdog, type Limits } from './limits.js';
import { Scheduler, type SpinVerdict } from './scheduler.js';
import { JspiRuntime, resolveJspiMode, type JspiMode, type Thread } from './jspi.js';
import { rememberBytes } from './wasm-types.js';
import type { FlatValue, LiftKind, Task } from './task.js';

interface TopLevelCall {
  task: Task;
  resolve: (v: FlatValue[]) => void;
  reject: (e: Trap) => void;
  /** Resolve with `Number(v)` of every value (`callExport`). */
  asNumbers: boolean;
}

/** A top-level call's deadline (kept beside the call, so calls without one cost nothing more). */
interface Deadline {
  /** `performance.now()` by which the call must settle. */
  deadline: number;
  timeoutMs: number;
}

export interface StoreOptions {
  trace?: Trace;
  /** Resource caps of every instance (an instantiation's own `limits` win); default `DEFAULT_LIMITS`. */
  limits?: Partial<Limits>;
  /**
   * Deadline in milliseconds (default none) of every top-level call
   * (`callExport`; a call's own `timeoutMs` wins), every instantiation (its
   * start function; `InstanceOptions.timeoutMs` wins), every host-peer call
   * and every `run`. When it passes: the trap `timeout`, and the instance
   * whose code was running (and the instance of the call) poisoned.
   */
  timeoutMs?: number;
  /**
   * JSPI stack switching for the component host (default `auto`: on when
   * the engine has `WebAssembly.Suspending`). On: a synchronous or stackful
   * task that blocks suspends on its own stack and other tasks run; off: the
   * wait is served inside the import call (docs/deviations.md, entries 8 and
   * 9). `on` without engine support throws `JspiUnavailableError`.
   */
  jspi?: JspiMode | boolean;
}

/**
 * The watchdog fires this long after the deadline, so the clock check at
 * each callback turn (which blames exactly the task whose turn it is) gets
 * the first chance; the watchdog stops code that never returns to the host.
 */
const WATCHDOG_GRACE_MS = 25;
/**
 * Consecutive YIELD resumptions after which a blocking wait that is still not
 * satisfied reports `deadlock` (a livelock: see `blockUntil`).
 */
export const YIELD_SPIN_LIMIT = 100_000;
/**
 * Consecutive YIELD resumptions (callback YIELDs, JSPI `thread.yield`s) after
 * which the drive gives the event loop a turn (`setImmediate`) while a
 * top-level call waits: timers, I/O and host Promises then settle before the
 * yielding tasks run again. Counted in steps, never in time, so a run with
 * the same inputs (deterministic WASI's virtual clock included) takes its
 * turns at the same points.
 */
export const YIELD_TURN_STEPS = 1000;

export class Store {
  readonly trace: Trace;
  readonly scheduler = new Scheduler();
  readonly instances: ComponentInstance[] = [];
  readonly hosts: HostInstance[] = [];
  /** Host Promises (async-lowered host imports) not settled yet. */
  pendingHostPromises = 0;
  /**
   * Stream and future ends held by JS code (the component API's readers and
   * writers) that are still open: a top-level call waiting on one is waiting
   * for the host, not deadlocked.
   */
  hostHeldEnds = 0;
  /** Default resource caps of this store's instances. */
  readonly limits: Limits;
  /**
   * The entries in progress, innermost last: the entering set of each entry
   * (`ComponentInstance.enteringSet`), except entries from the host into an
   * instance with no parent, which that instance counts (`rootEntered`).
   */
  entries: (ComponentInstance | ComponentInstance[])[] = [];
  /** Default deadline (ms) of calls, instantiations and runs; Infinity: none. */
  readonly timeoutMs: number;
  /**
   * The deadline (`performance.now()`) of the guarded synchronous run in
   * progress, Infinity when none: checked at every callback turn and queued start.
   */
  deadlineAt = Infinity;
  /** The timeoutMs that `deadlineAt` came from (for messages). */
  private deadlineMs = Infinity;
  private guarding = false;
  private driving = false;
  /**
   * A drive was asked for while one ran (a host Promise settled, or a JSPI
   * thread handed back, inside it): the running drive runs the queue again
   * before it settles, so that work is not left queued behind a verdict of
   * deadlock.
   */
  private redrive = false;
  /** Drives queued by `driveSoon` as microtasks, not run yet: no deadlock verdict meanwhile. */
  private drivesQueued = 0;
  private batching = 0;
  private readonly topLevel = new Set<TopLevelCall>();
  /** Top-level calls with a deadline, not settled yet. */
  private readonly timed = new Map<TopLevelCall, Deadline>();
  /** Fires at the earliest deadline of calls waiting for host Promises. */
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private readonly runAllFn = (): void => this.runQueue();
  /** A `setImmediate` drive is due (yielding tasks wait for the event loop's turn). */
  private turnPending = false;
  /** JSPI mode's machinery; undefined when off. */
  readonly jspi: JspiRuntime | undefined;

  constructor(opts: StoreOptions = {}) {
    this.jspi = resolveJspiMode(opts.jspi) ? new JspiRuntime(this) : undefined;
    this.trace = opts.trace ?? new Trace();
    this.limits = resolveLimits(opts.limits);
    this.timeoutMs = checkTimeout(opts.timeoutMs);
  }

  /**
   * Synchronous instantiation of a core module, with the canonical built-ins
   * generated from its imports. With a deadline (`opts.timeoutMs`, else the
   * store's), a start function still running at the deadline is stopped: the
   * trap `timeout` (and no instance).
   */
  instantiate(module: WebAssembly.Module | BufferSource, opts: InstanceOptions): ComponentInstance {
    let m: WebAssembly.Module;
    if (module instanceof WebAssembly.Module) m = module;
    else {
      m = new WebAssembly.Module(module);
      rememberBytes(m, module);
    }
    const timeoutMs = opts.timeoutMs === undefined ? this.timeoutMs : checkTimeout(opts.timeoutMs, 'InstanceOptions.timeoutMs');
    let inst: ComponentInstance | undefined;
    let failure: unknown;
    const build = (): void => {
      try {
        inst = new ComponentInstance(this, opts.name, m, opts);
      } catch (e) {
        failure = e;
      }
    };
    if (timeoutMs === Infinity || this.guarding) build();
    else if (!this.guard(build, performance.now() + timeoutMs, timeoutMs)) {
      failure = new TimeoutTrap(timeoutMs, {
        instance: opts.name,
        detail: `timeout: instantiating ${opts.name} (its start function) did not finish within ${timeoutMs} ms`,
      });
    }
    if (inst === undefined) {
      const e = failure;
      if (e instanceof Trap && !(e.code === 'guest-abort' || e.code === 'wasm-trap' || e.code === 'host-error')) {
        this.trace.push({ kind: 'trap', instance: opts.name, task: undefined, code: e.code, message: e.message });
      }
      throw e;
    }
    this.instances.push(inst);
    return inst;
  }

  /**
   * Runs host code `fn` that enters guests directly (e.g. `inst.enter`)
   * under a deadline (`timeoutMs`, default the store's): when it passes, V8
   * stops `fn` wherever it is, the instances whose code was running are
   * poisoned, and this throws their `timeout` trap.
   */
  run<T>(fn: () => T, timeoutMs: number = this.timeoutMs): T {
    const ms = checkTimeout(timeoutMs);
    if (ms === Infinity || this.guarding) return fn();
    let out: { v: T } | undefined;
    const stopped = !this.guard(() => void (out = { v: fn() }), performance.now() + ms, ms);
    if (stopped || out === undefined) {
      this.expireDue();
      this.drive();
      throw this.lastTimeout ?? new TimeoutTrap(ms, { detail: `timeout: not finished within ${ms} ms` });
    }
    return out.v;
  }
  /** The timeout trap of the last watchdog stop (for `run`). */
  private lastTimeout: TimeoutTrap | undefined = undefined;
  /** Whether the last watchdog stop poisoned an instance or stopped a peer. */
  private stopMadeProgress = false;

  /**
   * Runs `fn` under the watchdog until `deadline` (+ a grace). Returns
   * false when V8 had to terminate it; then every instance whose code was
   * on the stack, and the owner of the work being run, is poisoned with
   * `timeout` (no `finally` ran on the way, so their entry state is reset).
   */
  private guard(fn: () => void, deadline: number, timeoutMs: number): boolean {
    const remaining = deadline - performance.now();
    let finished = false;
    this.guarding = true;
    this.deadlineAt = deadline;
    this.deadlineMs = timeoutMs;
    try {
      finished = remaining > 0 && runWithWatchdog(remaining + WATCHDOG_GRACE_MS, fn);
    } finally {
      this.guarding = false;
      this.deadlineAt = Infinity;
    }
    if (finished) return true;
    this.stopMadeProgress = this.watchdogFired(timeoutMs, remaining > 0);
    return false;
  }

  /** Repairs and poisons what V8's termination left behind; true when an instance or peer was stopped. */
  private watchdogFired(timeoutMs: number, ran: boolean): boolean {
    this.lastTimeout = undefined;
    if (!ran) return false;
    const running = this.scheduler.running;
    this.scheduler.running = undefined;
    const victims = new Set<ComponentInstance>();
    for (const inst of this.instances) if (inst.onStack()) victims.add(inst);
    // JSPI: a resumed thread that was running is gone with its stack (its
    // `promising` Promise never settles): its instance is a victim, and the
    // run queue, paused for it, goes on.
    const stopped = this.jspi?.abandonInFlight();
    if (stopped !== undefined) victims.add(stopped.task.inst);
    for (const inst of this.instances) inst.entered = inst.rootEntered = 0;
    this.entries = [];
    if (running?.owner instanceof ComponentInstance) victims.add(running.owner);
    let any = false;
    for (const h of this.hosts) {
      if (h.abandonStack(new TimeoutTrap(timeoutMs, { instance: h.name, detail: `timeout: host peer ${h.name} was still running ${timeoutMs} ms after the call began (stopped by the watchdog)` }))) any = true;
    }
    for (const inst of victims) {
      // Stopped between two turns of a callback task (its code is not on the
      // stack then): the task whose turn the scheduler was running is blamed.
      const turn = running?.owner === inst ? (running.candidate as Task | undefined) : undefined;
      const task = inst.abandonStack() ?? turn;
      if (inst.poisoned) continue;
      const trap = new TimeoutTrap(timeoutMs, {
        instance: inst.name,
        task: task?.name,
        detail: `timeout: instance ${inst.name} was still running ${task ? `task ${task.name}` : 'guest code'} when its ${timeoutMs} ms deadline passed (stopped by the watchdog)`,
      });
      this.lastTimeout ??= trap;
      inst.poison(trap);
      any = true;
    }
    return any;
  }

  /** Fails every top-level call whose deadline has passed (poisoning its instance); true when there was one. */
  private expireDue(): boolean {
    if (this.timed.size === 0) return false;
    const now = performance.now();
    let any = false;
    for (const [call, d] of this.timed) {
      const t = call.task;
      if (d.deadline > now || t.trap || t.resolved()) continue;
      const trap = new TimeoutTrap(d.timeoutMs, {
        instance: t.inst.name,
        task: t.name,
        detail: `timeout: call ${t.funcName} of instance ${t.inst.name} did not finish within ${d.timeoutMs} ms`,
      });
      if (t.inst.poisoned) t.inst.failTask(t, trap);
      else t.inst.poison(trap);
      any = true;
    }
    return any;
  }

  /**
   * The clock check of callback turns and queued starts (only while a
   * deadline is set): throws `timeout` for `task` once the deadline passed.
   */
  checkDeadline(task: Task): void {
    if (performance.now() <= this.deadlineAt) return;
    throw new TimeoutTrap(this.deadlineMs, {
      instance: task.inst.name,
      task: task.name,
      detail: `timeout: task ${task.name} was still taking turns when its ${this.deadlineMs} ms deadline passed`,
    });
  }

  /**
   * A component instance with no core module of its own (spec
   * `ComponentInstance`): its handle table, tasks and backpressure are shared
   * by the core instances the component loader makes for it.
   */
  componentInstance(name: string): ComponentInstance {
    const inst = new ComponentInstance(this, name, undefined, { name });
    this.instances.push(inst);
    return inst;
  }

  /** An instance implemented in JS (a host peer) with its own stream ends. */
  hostInstance(name: string): HostInstance {
    const h = new HostInstance(this, name);
    this.hosts.push(h);
    return h;
  }

  /**
   * Runs `fn` (which may start several top-level calls) before driving the
   * queue, so calls that depend on each other are all started before any
   * deadlock verdict.
   */
  batch<T>(fn: () => T): T {
    this.batching++;
    try {
      return fn();
    } finally {
      this.batching--;
      this.drive();
    }
  }

  /** Used by `ComponentInstance.callExport`; `timeoutMs` overrides the store's. */
  callTopLevel(inst: ComponentInstance, name: string, kind: LiftKind, args: readonly FlatValue[], asNumbers = false, timeoutMs?: number): Promise<FlatValue[]> {
    let task: Task;
    try {
      task = inst.newTask(name, kind);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.runTopLevel(task, args, asNumbers, timeoutMs);
  }

  /**
   * Starts a task made by the caller (a core export, or a component's lifted
   * function with `task.lifted` set) as a top-level call. Resolves with the
   * flat results, or with `task.values` for a component task. `timeoutMs`
   * (default the store's) is the call's deadline.
   */
  runTopLevel(task: Task, args: readonly FlatValue[], asNumbers = false, timeoutMs?: number): Promise<FlatValue[]> {
    const inst = task.inst;
    let ms: number;
    try {
      ms = timeoutMs === undefined ? this.timeoutMs : checkTimeout(timeoutMs);
    } catch (e) {
      return Promise.reject(e);
    }
    let call: TopLevelCall;
    const p = new Promise<FlatValue[]>((resolve, reject) => {
      call = { task, resolve, reject, asNumbers };
      this.topLevel.add(call);
    });
    const j = this.jspi;
    if (j !== undefined && j.inFlight !== undefined) {
      // JSPI: a resumed thread is running (asynchronously); the call starts
      // from the run queue once its instance is free, not inside that thread.
      if (ms !== Infinity) this.timed.set(call!, { deadline: performance.now() + ms, timeoutMs: ms });
      this.scheduler.add({
        label: `start ${task.name}`,
        owner: undefined,
        ready: () => inst.poisoned !== undefined || inst.mayEnter(),
        run: () =>
          contain(task, () => {
            if (!inst.mayEnter()) inst.checkEnter(task, { builtin: `call ${task.funcName}` });
            inst.start(task, args);
          }),
      });
      return p;
    }
    if (ms === Infinity) {
      contain(task, () => {
        if (!inst.mayEnter()) inst.checkEnter(task, { builtin: `call ${task.funcName}` });
        inst.start(task, args);
      });
    } else {
      const deadline = performance.now() + ms;
      this.timed.set(call!, { deadline, timeoutMs: ms });
      const start = (): void =>
        contain(task, () => {
          if (!inst.mayEnter()) inst.checkEnter(task, { builtin: `call ${task.funcName}` });
          inst.start(task, args);
        });
      if (this.guarding) start();
      else if (this.driving || this.batching > 0) {
        if (!this.guard(start, deadline, ms)) this.expireDue();
      } else {
        // One watchdog for the start and the drive that follows (each costs a thread).
        this.driving = true;
        try {
          if (!this.guard(() => (start(), this.runQueue()), deadline, ms)) {
            this.expireDue();
            this.runAllWithDeadlines();
          } else this.expireDue();
        } finally {
          this.driving = false;
        }
        if (this.redrive) this.drive();
        else this.settle();
        return p;
      }
    }
    this.drive();
    return p;
  }

  /**
   * Starts guest work from host code outside any drive (a host peer's call):
   * under the store's deadline when it has one.
   */
  startGuarded(fn: () => void): void {
    if (this.timeoutMs === Infinity || this.guarding) fn();
    else this.guard(fn, performance.now() + this.timeoutMs, this.timeoutMs);
  }

  /** Runs the queue until nothing can run, then settles top-level calls (unless nested or batching). */
  drive(): void {
    // A turn for the event loop is due: the drive goes on from it.
    if (this.driving) {
      this.redrive = true;
      return;
    }
    if (this.batching > 0 || this.turnPending) return;
    const j = this.jspi;
    // JSPI: a resumed thread is running; its hand-back drives again.
    if (j !== undefined && j.inFlight !== undefined) return;
    this.driving = true;
    try {
      for (;;) {
        this.redrive = false;
        if (this.guarding || (this.timed.size === 0 && this.timeoutMs === Infinity)) this.runQueue();
        else this.runAllWithDeadlines();
        if (this.turnPending || (j !== undefined && j.inFlight !== undefined)) break;
        if (this.redrive) continue;
        if (j === undefined || !this.breakSyncLoop()) break;
      }
    } finally {
      this.driving = false;
    }
    if (j !== undefined && j.inFlight !== undefined) return;
    this.settle();
  }

  /**
   * JSPI: nothing can run while a synchronous task that blocked has not
   * resolved: spec `canon_lift`'s `trap_if(not candidates)`. Traps it
   * (`may-not-block`); true when there was such a task.
   */
  private breakSyncLoop(): boolean {
    const loops = this.scheduler.syncLoops;
    while (loops.length > 0) {
      const top = loops[loops.length - 1]!;
      loops.pop();
      top.task.inSyncLoop = false;
      if (top.done()) continue;
      const t = top.task as Task;
      const trap = new Trap('may-not-block', {
        instance: t.inst.name,
        task: t.name,
        builtin: t.thread?.what,
        detail: `task ${t.name} of a non-async function blocked on ${t.thread?.what ?? 'a wait'} before returning, and no other thread of instance ${t.inst.name} is ready`,
      });
      t.inst.poison(trap);
      return true;
    }
    return false;
  }

  /**
   * JSPI: suspends `thread` of `task` until `ready` (spec
   * `Thread.wait_until`); `cont` computes the built-in's result on resume.
   * A task of a non-async function enters the spec's sync-call loop: only
   * threads of its instance run until it resolves, and it traps
   * `may-not-block` when none is ready. `transparent`: the wait stands for
   * a callee's sync-call loop the spec runs inside this call (no rule applies).
   */
  suspendThread(
    thread: Thread,
    task: Task,
    what: string,
    ready: (() => boolean) | undefined,
    site: TrapSite,
    cont: () => FlatValue | undefined,
    transparent = false,
    /** Spec `switch_to`: this thread runs next (so the instance has a thread to run). */
    switchTo?: Thread,
  ): 0 {
    const j = this.jspi!;
    if (!transparent && !task.mayBlock() && !task.inSyncLoop) {
      const inst = task.inst;
      trapIf(switchTo === undefined && !(ready?.() ?? false) && !this.scheduler.hasReady((r) => r.owner === inst && r.candidate !== undefined && r.candidate !== inst.exclusive && r !== thread), 'may-not-block', {
        ...site,
        detail: `task ${task.name} of a non-async function would block on ${what} before returning, and no other thread of instance ${inst.name} is ready`,
      });
      task.inSyncLoop = true;
      this.scheduler.syncLoops.push({ inst, task, done: () => task.resolved() || task.trap !== undefined });
    }
    if (switchTo !== undefined) return j.switchTo(thread, switchTo, what, ready, cont);
    return j.suspend(thread, what, ready, cont);
  }

  /** `runAll` under the earliest deadline; when it fires, the rest of the queue goes on under the next one. */
  private runAllWithDeadlines(): void {
    for (;;) {
      let deadline = this.timeoutMs === Infinity ? Infinity : performance.now() + this.timeoutMs;
      let ms = this.timeoutMs;
      for (const [c, d] of this.timed) {
        if (d.deadline < deadline && !c.task.trap && !c.task.resolved()) {
          deadline = d.deadline;
          ms = d.timeoutMs;
        }
      }
      if (deadline === Infinity) {
        this.runQueue();
        return;
      }
      if (this.guard(this.runAllFn, deadline, ms)) {
        this.expireDue();
        return;
      }
      // Stopped: the rest of the queue goes on, if that made progress (else the loop could not end).
      const expired = this.expireDue();
      if (!expired && !this.stopMadeProgress) return;
    }
  }

  /**
   * Runs the queue until nothing can run. Tasks that only ever YIELD (a
   * callback loop polling for something that never comes) are always ready:
   * once they are all that runs and every top-level call has settled, the
   * run stops and leaves them queued, so such a loop cannot hold the
   * embedder's thread forever (they go on at the next drive).
   */
  private runQueue(): void {
    if (this.scheduler.runAll(this.spinVerdict, YIELD_TURN_STEPS)) this.scheduleTurn();
  }

  /**
   * After YIELD_TURN_STEPS yielding steps in a row: while a top-level call
   * waits, a turn of the event loop (its result may be what they poll for);
   * once none waits, a stop, right away when a host Promise or a stream end
   * held by JS can still drive the store again, else after YIELD_SPIN_LIMIT.
   */
  private readonly spinVerdict = (n: number): SpinVerdict => {
    if (!this.nobodyWaits()) return 'turn';
    if (n >= YIELD_SPIN_LIMIT || this.pendingHostPromises > 0 || this.hostHeldEnds > 0) return 'stop';
    return 'go';
  };

  /**
   * JSPI: a resumed thread handed control back. Inside a drive (its stack
   * resumed in the watchdog's microtasks, before the drive's guard returned)
   * that drive runs the queue again; otherwise a drive follows in a
   * microtask, and until it runs no call is judged deadlocked.
   */
  driveSoon(): void {
    if (this.driving) {
      this.redrive = true;
      return;
    }
    this.drivesQueued++;
    queueMicrotask(() => {
      this.drivesQueued--;
      this.drive();
    });
  }

  /** The drive goes on from a macrotask, after the event loop's timers and I/O. */
  private scheduleTurn(): void {
    if (this.turnPending) return;
    this.turnPending = true;
    setImmediate(() => {
      this.turnPending = false;
      this.drive();
    });
  }

  private readonly nobodyWaits = (): boolean => {
    for (const c of this.topLevel) if (!c.task.trap && !c.task.resolved()) return false;
    return true;
  };

  /** Host Promise settled: apply `fn` from the run queue and drive again. */
  settleHost(fn: () => void): void {
    this.pendingHostPromises--;
    this.scheduler.add({ label: 'host promise settled', owner: undefined, ready: () => true, run: fn });
    this.drive();
  }

  private settle(): void {
    const j = this.jspi;
    if (j !== undefined) {
      if (j.inFlight !== undefined) return;
      if (this.scheduler.syncLoops.length > 0) {
        this.drive();
        return;
      }
    }
    if (this.timed.size > 0) this.expireDue();
    // Deleting the visited entry while iterating a Set is safe, and settling a Promise runs no code now.
    for (const call of this.topLevel) {
      const t = call.task;
      if (t.trap) {
        call.reject(t.trap);
      } else if (t.resolved()) {
        if (t.values !== undefined) call.resolve(t.values as FlatValue[]);
        else if (t.result !== undefined) call.resolve(call.asNumbers ? t.result.map(Number) : t.result);
        else call.reject(new Trap('task-cancel-not-delivered', { instance: t.inst.name, task: t.name, detail: `task ${t.name} was cancelled` }));
      } else if (this.pendingHostPromises > 0 || this.hostHeldEnds > 0 || this.turnPending || this.drivesQueued > 0) {
        continue;
      } else {
        const set = t.parked?.set ?? 0;
        const what = t.parked?.what ?? (t.starting ? 'its start (backpressure)' : 'nothing');
        const err = new DeadlockError(t.name, set, {
          instance: t.inst.name,
          detail: `deadlock: task ${t.name} waits on ${what} in instance ${t.inst.name}, but nothing else can run` +
            (set !== 0 ? ` (waitable set ${set} has ${describeSet(t, set)})` : ''),
        });
        t.inst.poison(err);
        call.reject(t.trap ?? err);
      }
      this.topLevel.delete(call);
      this.timed.delete(call);
    }
    this.armTimer();
  }

  /** Calls still waiting (for host Promises) time out at their deadline even if nothing drives the store. */
  private armTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.timed.size === 0) return;
    let deadline = Infinity;
    for (const d of this.timed.values()) deadline = Math.min(deadline, d.deadline);
    // setTimeout's delay is a 32-bit int: a longer one fires after 1 ms (with a
    // TimeoutOverflowWarning), so a far deadline wakes at most every 24.8 days
    // and re-arms (expireDue expires only what is due).
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.expireDue();
      this.drive();
    }, Math.min(0x7fffffff, Math.max(0, deadline - performance.now()) + 1));
  }

  /**
   * Serves a blocking wait inside a guest call: runs other instances' and host
   * peers' work (never the waiting instance, whose code is on the stack) until
   * `ready()`. Traps `may-not-block` for a non-async task and `deadlock` when
   * nothing can run.
   */
  blockUntil(task: Task, what: string, set: number, ready: () => boolean, site: TrapSite, mayBlock = task.mayBlock()): void {
    if (ready()) return;
    // The spec (canon_lift for a non-async function) traps when no other thread of
    // the same instance is ready to run; here the instance's code is on the JS
    // stack, so none can run: a non-async task that would block traps at once
    // (docs/deviations.md, entry 8).
    trapIf(!mayBlock, 'may-not-block', {
      ...site,
      detail: `task ${task.name} of a non-async function would block on ${what}`,
    });
    task.blockedOn = what;
    // The waiting code and everything below it on the stack are, in the spec,
    // suspended threads that have left their instances (`canon_lift` returns
    // when its thread blocks): their entries are lifted while the wait runs
    // other work, and restored after. Their code stays on the JS stack, so
    // their own work still cannot run (`mayEnter` checks the depth).
    this.withEntriesSuspended(() => this.waitFor(task, what, set, ready, site));
  }

  /** Runs `fn` with every entry in progress lifted (see `blockUntil`). */
  private withEntriesSuspended(fn: () => void): void {
    const suspended = this.entries;
    // Entries from the host into parentless instances are counted on the
    // instance (`ComponentInstance.rootEntered`), the others recorded here.
    let roots: [ComponentInstance, number][] | undefined;
    for (const inst of this.instances) {
      if (inst.rootEntered === 0) continue;
      (roots ??= []).push([inst, inst.rootEntered]);
      inst.entered -= inst.rootEntered;
      inst.rootEntered = 0;
    }
    if (suspended.length === 0 && roots === undefined) return fn();
    this.entries = [];
    for (const e of suspended) {
      if (Array.isArray(e)) for (const i of e) i.entered--;
      else e.entered--;
    }
    try {
      fn();
    } finally {
      for (const e of suspended) {
        if (Array.isArray(e)) for (const i of e) i.entered++;
        else e.entered++;
      }
      if (roots !== undefined) {
        for (const [inst, n] of roots) {
          inst.entered += n;
          inst.rootEntered += n;
        }
      }
      this.entries = suspended;
    }
  }

  private waitFor(task: Task, what: string, set: number, ready: () => boolean, site: TrapSite): void {
    // Only tasks parked on YIELD can run, round after round, and the wait is
    // still not over: what it needs is held by code below it on the JS stack
    // (the instances this wait is nested in cannot run until it returns,
    // docs/deviations.md, entry 9), so without stack switching it never ends.
    let spins = 0;
    let ok = true;
    while (!ready()) {
      if (!this.scheduler.step()) {
        ok = ready();
        break;
      }
      spins = this.scheduler.lastRan?.yielding === true ? spins + 1 : 0;
      if (spins >= YIELD_SPIN_LIMIT && !ready()) {
        task.blockedOn = undefined;
        throw new DeadlockError(task.name, set, {
          ...site,
          detail:
            `deadlock: task ${task.name} waits on ${what} in instance ${task.inst.name}, but for ${YIELD_SPIN_LIMIT} steps only yielding tasks ran ` +
            `(${this.scheduler.describe().join('; ')}): what the wait needs is held by code below it on the stack, which cannot run without stack switching`,
        });
      }
    }
    task.blockedOn = undefined;
    if (!ok) {
      const queued = this.scheduler.describe();
      throw new DeadlockError(task.name, set, {
        ...site,
        detail:
          `deadlock: task ${task.name} waits on ${what} in instance ${task.inst.name}, but no other instance or host peer can make progress` +
          (this.pendingHostPromises > 0 ? ` (${this.pendingHostPromises} host Promise(s) pending: a blocking wait cannot wait for a Promise)` : '') +
          (queued.length > 0 ? `; still queued: ${queued.join('; ')}` : ''),
      });
    }
  }

  /** `thread.yield` from inside a guest: runs each runnable that is ready now, once. */
  yieldRound(): void {
    this.withEntriesSuspended(() => {
      const n = this.scheduler.length;
      for (let k = 0; k < n; k++) if (!this.scheduler.step()) break;
    });
  }

  /** Records a built-in call when `trace.canon` is on. */
  traceCanon(
    inst: { name: string },
    task: Task | undefined,
    builtin: string,
    args: readonly FlatValue[],
    result?: number | bigint | FlatValue,
  ): void {
    if (!this.trace.canon) return;
    this.trace.push({
      kind: 'canon',
      instance: inst.name,
      task: task?.name,
      builtin,
      args: args.slice(),
      result: result as number | bigint | undefined,
    });
  }
}

function describeSet(t: Task, si: number): string {
  if (!t.inst.handles.has(si)) return 'no entry';
  const s = t.inst.handles.get(si) as { size?: number };
  return `${s.size ?? 0} member(s), none with an event`;
}
