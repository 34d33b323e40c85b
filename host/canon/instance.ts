import { CopyState } from './constants.js';
import { LimitExceeded, Trap, trapIf, toTrap, type TrapSite } from './errors.js';
import { LIMIT_FLAGS, resolveLimits, type Limits } from './limits.js';
import { Builtins } from './builtins.js';
import { ReadableFutureEnd } from './future.js';
import { link, type InstanceOptions } from './linker.js';
import { startTask } from './lift.js';
import type { Enterable } from './scheduler.js';
import type { Store } from './store.js';
import { CopyEnd, ReadableStreamEnd, type CanonOwner } from './stream.js';
import { Task, type FlatValue, type LiftKind } from './task.js';
import { Table } from './table.js';
import type { Waitable } from './waitable.js';
import type { WaitableSet } from './waitable-set.js';
import type { ErrorContextHandle, ResourceHandle } from './resource.js';
import type { JspiRuntime, Thread } from './jspi.js';

const NOOP_RESOLVE = (): void => {};

/** JSPI: what `ComponentInstance.enterThread` did (the task to restore and the entry to leave). */
export interface ThreadEntry {
  readonly prev: Task | undefined;
  readonly entry: ComponentInstance | ComponentInstance[];
}

/** Options of one top-level call. */
export interface CallOptions {
  /**
   * The call must settle within this many milliseconds (default: the store's
   * `timeoutMs`); else the trap `timeout` and the instance poisoned.
   */
  timeoutMs?: number;
}

/**
 * One instantiated core module with its own handle table (spec
 * `ComponentInstance`). Guest code is entered only through `enter`, which
 * enforces non-reentrance (`may_enter`), tracks the current task, and turns
 * anything thrown into a Trap that poisons the instance.
 */
export class ComponentInstance implements Enterable, CanonOwner {
  /** This instance's resource caps (the store's, overridden by the instantiation's). */
  readonly limits: Limits;
  readonly handles: Table<Waitable | WaitableSet | ResourceHandle | ErrorContextHandle>;
  /** Stream and future ends (readable or writable) in `handles`. */
  streamEnds = 0;
  readonly canon: Builtins;
  readonly exports: WebAssembly.Exports;
  /** The core module, for an instance made from one; undefined for a component instance (see `Store.componentInstance`). */
  readonly module: WebAssembly.Module | undefined;
  /** The first trap; once set, nothing enters this instance again. */
  poisoned: Trap | undefined = undefined;
  /** Spec `backpressure` counter. */
  backpressure = 0;
  /** Tasks queued to start (spec `num_waiting_to_enter`). */
  numWaitingToEnter = 0;
  /** The task whose callback-lifted code holds the instance (spec `exclusive_thread`). */
  exclusive: Task | undefined = undefined;
  /** The task whose code is on the stack right now. */
  current: Task | undefined = undefined;
  /** Live tasks (started or waiting to start, not yet exited or failed). */
  readonly tasks = new Set<Task>();
  private depth = 0;
  /**
   * The component instance this one was instantiated inside (spec
   * `ComponentInstance.parent`); undefined for one made by the host.
   */
  parent: ComponentInstance | undefined = undefined;
  /**
   * Entries in progress whose entering set holds this instance: the spec's
   * `may_enter` is `entered === 0` (a counter, since the host's entries nest).
   */
  entered = 0;
  /**
   * The part of `entered` made by entries from the host into this instance
   * with no parent (the common case): counted here instead of recorded in
   * `Store.entries`, which the hot path of every guest call would otherwise
   * push to and search (`Store.withEntriesSuspended` lifts both).
   */
  rootEntered = 0;

  constructor(
    readonly store: Store,
    readonly name: string,
    module: WebAssembly.Module | undefined,
    opts: InstanceOptions,
  ) {
    this.module = module;
    this.limits = resolveLimits(store.limits, opts.limits);
    this.handles = new Table(this.limits.maxHandles);
    this.canon = new Builtins(this);
    if (module === undefined) {
      // A component instance: its core instances are made by the component
      // loader, which binds built-ins with `builtinsFor` and lifts functions
      // explicitly (`Task.lifted`).
      this.exports = Object.freeze({});
      return;
    }
    const imports = link(this, module, opts);
    try {
      this.exports = new WebAssembly.Instance(module, imports).exports;
    } catch (e) {
      const t = e instanceof WebAssembly.LinkError
        ? new Trap('unresolved-import', { instance: name, detail: `link error: ${e.message}`, cause: e })
        : toTrap(e).locate({ instance: name });
      this.poison(t);
      throw t;
    }
  }

  private readonly builtinsByMemory = new Map<WebAssembly.Memory, Builtins>();
  private threads: Table<Thread> | undefined = undefined;

  /** JSPI: spec `ComponentInstance.threads` (thread.index numbers), made on first use. */
  threadTable(): Table<Thread> {
    return (this.threads ??= new Table<Thread>(this.limits.maxTasks));
  }

  /** The built-ins acting with `memory` as their `(memory ...)` option (one object per memory). */
  builtinsFor(memory: WebAssembly.Memory | undefined): Builtins {
    if (memory === undefined) return this.canon;
    let b = this.builtinsByMemory.get(memory);
    if (b === undefined) this.builtinsByMemory.set(memory, (b = new Builtins(this, memory)));
    return b;
  }

  get memory(): WebAssembly.Memory {
    const m = this.exports['memory'];
    if (!(m instanceof WebAssembly.Memory)) throw new Trap('no-memory', { instance: this.name });
    return m;
  }

  get table(): WebAssembly.Table | undefined {
    const t = this.exports['table'];
    return t instanceof WebAssembly.Table ? t : undefined;
  }

  /** The exported memory, once known (exports never change after instantiation). */
  get exportedMemory(): WebAssembly.Memory | undefined {
    if (this.memoryCache === undefined) {
      const m = this.exports?.['memory'];
      if (m instanceof WebAssembly.Memory) this.memoryCache = m;
    }
    return this.memoryCache;
  }
  private memoryCache: WebAssembly.Memory | undefined = undefined;

  /** The memory, or a trap naming the built-in that needed it. */
  memoryFor(site: TrapSite): WebAssembly.Memory {
    const m = this.exports?.['memory'];
    trapIf(!(m instanceof WebAssembly.Memory), 'no-memory', site);
    return m as WebAssembly.Memory;
  }

  /**
   * Whether the scheduler may run this instance's work now (an entry from
   * the host, spec `may_enter_from(None)`), and its code is not on the JS
   * stack.
   */
  mayEnter(): boolean {
    if (this.depth !== 0 || this.poisoned !== undefined || this.entered !== 0) return false;
    for (let p = this.parent; p !== undefined; p = p.parent) if (p.entered !== 0) return false;
    return true;
  }

  /** Spec `self_and_ancestors`. */
  selfAndAncestors(): ComponentInstance[] {
    const s: ComponentInstance[] = [];
    for (let i: ComponentInstance | undefined = this; i !== undefined; i = i.parent) s.push(i);
    return s;
  }

  /**
   * Spec `entering_set`: the instances an entry from `caller` (undefined: the
   * host) enters. Instances the caller is already inside (itself and its
   * ancestors) are not entered again, so a child calling its parent (or an
   * instance calling itself) enters nothing.
   */
  enteringSet(caller: ComponentInstance | undefined): ComponentInstance[] {
    const mine = this.selfAndAncestors();
    if (caller === undefined) return mine;
    const theirs = caller.selfAndAncestors();
    return mine.filter((i) => !theirs.includes(i));
  }

  /**
   * Spec `may_enter_from(caller)`, plus the host's own rule: an entry that
   * enters this instance also needs its code off the JS stack (no stack
   * switching: docs/deviations.md, entry 9).
   */
  mayEnterFrom(caller: ComponentInstance | undefined): boolean {
    if (this.poisoned !== undefined) return false;
    if (caller === undefined && this.parent === undefined) return this.depth === 0 && this.entered === 0;
    const set = this.enteringSet(caller);
    for (const i of set) if (i.entered !== 0) return false;
    return set.length === 0 || this.depth === 0;
  }

  /** True while guest code of this instance is on the JS stack. */
  onStack(): boolean {
    return this.depth > 0;
  }

  /** Throws unless `task` may run guest code here now, entered from `caller` (undefined: the host). */
  checkEnter(task: Task | undefined, site: TrapSite = {}, caller: ComponentInstance | undefined = undefined): void {
    if (this.poisoned) throw this.poisonedTrap(site);
    if (!this.mayEnterFrom(caller)) {
      const busy = this.enteringSet(caller).find((i) => i.entered !== 0);
      throw new Trap('may-not-enter', {
        instance: this.name,
        task: task?.name,
        ...site,
        detail: busy !== undefined && busy !== this
          ? `instance ${this.name} is entered${caller ? ` from ${caller.name}` : ''} while its ancestor ${busy.name} is already entered`
          : busy === undefined
            // The spec allows it (that code is a suspended thread); the host cannot (docs/deviations.md, entry 9).
            ? `instance ${this.name} is re-entered while ${this.current?.name ?? 'a call'} waits lower on the JS stack (entering it then needs stack switching)`
            : `instance ${this.name} is re-entered while ${this.current?.name ?? 'a call'} is on the stack`,
      });
    }
  }

  /** Marks the entry of `task`'s code (spec `enter_from`); returns what `leave` undoes. */
  private enterFrom(task: Task): ComponentInstance | ComponentInstance[] {
    const from = task.enterFrom;
    if (from !== undefined) task.enterFrom = undefined;
    if (from === undefined && this.parent === undefined) {
      if (this.depth > 0 || this.entered > 0 || this.poisoned) this.checkEnter(task);
      this.entered++;
      this.rootEntered++;
      return this;
    }
    if (this.poisoned || !this.mayEnterFrom(from)) this.checkEnter(task, {}, from);
    const set = this.enteringSet(from);
    for (const i of set) i.entered++;
    this.store.entries.push(set);
    return set;
  }

  /** Spec `leave_to`. */
  private leave(entry: ComponentInstance | ComponentInstance[]): void {
    if (entry === this) {
      this.entered--;
      this.rootEntered--;
      return;
    }
    const entries = this.store.entries;
    // Innermost last; found from the end (entries on separate stacks may finish out of order).
    const at = entries.lastIndexOf(entry);
    if (at === entries.length - 1) entries.pop();
    else if (at >= 0) entries.splice(at, 1);
    for (const i of entry as ComponentInstance[]) i.entered--;
  }

  /** Runs guest code for `task`. Anything thrown becomes a Trap, poisons the instance, and is rethrown. */
  enter<T>(task: Task, fn: () => T): T {
    const entry = this.enterFrom(task);
    const j = this.store.jspi;
    if (j !== undefined) return this.enterPlain(j, task, fn, entry);
    this.depth++;
    const prev = this.current;
    this.current = task;
    try {
      const r = fn();
      // Poisoned meanwhile (e.g. re-entered from a host import): unwind now.
      if (this.poisoned) throw this.poisoned;
      return r;
    } catch (e) {
      throw this.entryFailed(task, e);
    } finally {
      this.depth--;
      this.current = prev;
      this.leave(entry);
    }
  }

  /** JSPI: `enter` on the JS stack (not a thread's own stack): nothing inside may suspend. */
  private enterPlain<T>(j: JspiRuntime, task: Task, fn: () => T, entry: ComponentInstance | ComponentInstance[]): T {
    this.depth++;
    const prev = this.current;
    const top = j.top;
    j.top = undefined;
    this.current = task;
    try {
      const r = fn();
      if (this.poisoned) throw this.poisoned;
      return r;
    } catch (e) {
      throw this.entryFailed(task, e);
    } finally {
      this.depth--;
      this.current = prev;
      j.top = top;
      this.leave(entry);
    }
  }

  /**
   * JSPI: a thread's stack enters (or resumes in) this instance (spec
   * `enter_from` around `thread.resume()`); returns what `leaveThread` undoes.
   */
  enterThread(task: Task): ThreadEntry {
    const entry = this.enterFrom(task);
    this.depth++;
    const prev = this.current;
    this.current = task;
    return { prev, entry };
  }

  /**
   * JSPI: the thread's stack left (suspended, returned or failed): its entry
   * is lifted (spec `leave_to` once `canon_lift` or `Thread.resume` returns),
   * so a suspended thread leaves the instances it entered.
   */
  leaveThread(e: ThreadEntry): void {
    this.depth--;
    this.current = e.prev;
    this.leave(e.entry);
  }

  /** `enter` for a guest function called with up to three arguments (no closure per call). */
  enterCall<A extends unknown[], T>(task: Task, fn: (...a: A) => T, a?: A[0], b?: A[1], c?: A[2]): T {
    const entry = this.enterFrom(task);
    const j = this.store.jspi;
    if (j !== undefined) return this.enterPlain(j, task, () => (fn as unknown as (a: unknown, b: unknown, c: unknown) => T)(a, b, c), entry);
    this.depth++;
    const prev = this.current;
    this.current = task;
    try {
      const r = (fn as unknown as (a: unknown, b: unknown, c: unknown) => T)(a, b, c);
      if (this.poisoned) throw this.poisoned;
      return r;
    } catch (e) {
      throw this.entryFailed(task, e);
    } finally {
      this.depth--;
      this.current = prev;
      this.leave(entry);
    }
  }

  /**
   * V8 terminated the guest's code (the deadline's watchdog): no `finally`
   * on the way ran, so the entry bookkeeping is reset here. Returns the task
   * that was innermost on the stack. The caller poisons the instance.
   */
  abandonStack(): Task | undefined {
    const task = this.current;
    this.depth = 0;
    this.entered = 0;
    this.rootEntered = 0;
    this.current = undefined;
    return task;
  }

  private entryFailed(task: Task, e: unknown): Trap {
    const t = toTrap(e).locate({ instance: this.name, task: task.name });
    this.poison(t);
    return t;
  }

  /** Exports never change after instantiation: each name's lift kind is looked up once. */
  private readonly liftKinds = new Map<string, LiftKind | undefined>();
  private readonly liftFns = new Map<string, (...a: FlatValue[]) => number>();
  private readonly callbackFns = new Map<string, (code: number, handle: number, payload: number) => number>();

  /** `[async-lift]<name>` (exports never change after instantiation, so it is looked up once). */
  liftFunction(name: string): (...a: FlatValue[]) => number {
    let f = this.liftFns.get(name);
    if (f === undefined) {
      f = this.exports[`[async-lift]${name}`] as (...a: FlatValue[]) => number;
      this.liftFns.set(name, f);
    }
    return f;
  }

  /** `[callback][async-lift]<name>`, looked up once. */
  callbackFunction(name: string): (code: number, handle: number, payload: number) => number {
    let f = this.callbackFns.get(name);
    if (f === undefined) {
      f = this.exports[`[callback][async-lift]${name}`] as (code: number, handle: number, payload: number) => number;
      this.callbackFns.set(name, f);
    }
    return f;
  }

  /** The trap reported by calls after poisoning. */
  poisonedTrap(site: TrapSite = {}): Trap {
    const first = this.poisoned!;
    return new Trap('instance-poisoned', {
      instance: this.name,
      ...site,
      detail: `instance ${this.name} is poisoned by an earlier trap: ${first.message}`,
      cause: first,
    });
  }

  /**
   * Records the first trap, fails every live task with it, and drops every
   * stream/future end this instance holds so peers see DROPPED instead of hanging.
   */
  poison(trap: Trap): void {
    if (this.poisoned) return;
    trap.locate({ instance: this.name });
    this.poisoned = trap;
    this.store.trace.push({
      kind: 'trap',
      instance: this.name,
      task: trap.task,
      code: trap.code,
      message: trap.message,
    });
    for (const task of [...this.tasks]) this.failTask(task, trap);
    if (this.threads !== undefined) for (const [, t] of this.threads.entries()) if (t.queued) this.store.scheduler.remove(t);
    for (const [, e] of this.handles.entries()) {
      if (e instanceof CopyEnd) e.shared.drop();
    }
  }

  /** Ends `task` with `trap`: unparks it and tells whoever waits for it. */
  failTask(task: Task, trap: Trap): void {
    if (task.trap) return;
    task.trap = trap;
    task.exited = true;
    if (task.parked) {
      this.store.scheduler.remove(task.parked.runnable);
      task.parked.unpark();
      task.parked = undefined;
    }
    if (task.starting) {
      this.store.scheduler.remove(task.starting);
      task.starting = undefined;
      this.numWaitingToEnter--;
    }
    if (task.thread !== undefined) {
      this.store.scheduler.remove(task.thread);
      task.thread = undefined;
    }
    if (this.exclusive === task) this.exclusive = undefined;
    this.tasks.delete(task);
    task.onFail?.(trap);
  }

  /** Which lift an export uses, or undefined when the instance has no such export. */
  liftKind(name: string): LiftKind | undefined {
    if (this.liftKinds.has(name)) return this.liftKinds.get(name);
    const kind = this.findLiftKind(name);
    this.liftKinds.set(name, kind);
    return kind;
  }

  private findLiftKind(name: string): LiftKind | undefined {
    const lift = this.exports[`[async-lift]${name}`];
    if (typeof lift === 'function') {
      return typeof this.exports[`[callback][async-lift]${name}`] === 'function' ? 'callback' : 'stackful';
    }
    return typeof this.exports[name] === 'function' ? 'sync' : undefined;
  }

  /**
   * Calls `[async-lift]<name>` (+ its callback) when present, else the plain
   * export `<name>`. Resolves with the values passed to task.return (or the
   * plain result); rejects with a Trap. Runs the scheduler to quiescence inside.
   */
  callExport(name: string, args: readonly number[] = [], opts: CallOptions = {}): Promise<number[]> {
    return this.callExportFlat(name, args, true, opts) as Promise<number[]>;
  }

  /** As `callExport`, keeping i64 values as bigint (arguments and results). */
  callExportFlat(name: string, args: readonly FlatValue[] = [], asNumbers = false, opts: CallOptions = {}): Promise<FlatValue[]> {
    const kind = this.liftKind(name);
    if (this.poisoned) return Promise.reject(this.poisonedTrap({ detail: undefined }));
    if (kind === undefined) {
      return Promise.reject(new Trap('no-such-export', { instance: this.name, detail: `instance ${this.name} has no function export "${name}" or "[async-lift]${name}"` }));
    }
    return this.store.callTopLevel(this, name, kind, args, asNumbers, opts.timeoutMs);
  }

  /** Creates a task for export `name` and starts it (or queues it behind backpressure). */
  newTask(name: string, kind: LiftKind): Task {
    if (this.tasks.size >= this.limits.maxTasks) {
      throw new LimitExceeded('maxTasks', this.limits.maxTasks, 'live tasks', LIMIT_FLAGS.maxTasks, { instance: this.name, builtin: `call ${name}` });
    }
    const task = new Task(this, name, kind, NOOP_RESOLVE);
    this.tasks.add(task);
    return task;
  }

  /** Starts `task` with `args`; traps are contained (the instance is poisoned, the task failed). */
  start(task: Task, args: readonly FlatValue[]): void {
    startTask(task, args);
  }

  /** Moves a readable stream end out of this instance (spec `lift_stream`): it must be idle and in no set. */
  takeReadableStream(handle: number, site: TrapSite = {}): ReadableStreamEnd {
    const s = { instance: this.name, builtin: 'takeReadableStream', handle, ...site };
    return this.takeEnd(handle, ReadableStreamEnd, s, (e) => new ReadableStreamEnd(e.shared));
  }

  /** Puts a readable stream end into this instance's table (spec `lower_stream`). */
  addReadableStream(end: ReadableStreamEnd): number {
    return this.addEnd(end, { instance: this.name, builtin: 'addReadableStream' });
  }

  /** Moves a readable future end out of this instance (spec `lift_future`). */
  takeReadableFuture(handle: number, site: TrapSite = {}): ReadableFutureEnd {
    const s = { instance: this.name, builtin: 'takeReadableFuture', handle, ...site };
    return this.takeEnd(handle, ReadableFutureEnd, s, (e) => new ReadableFutureEnd(e.shared));
  }

  addReadableFuture(end: ReadableFutureEnd): number {
    return this.addEnd(end, { instance: this.name, builtin: 'addReadableFuture' });
  }

  /** Traps `limit-exceeded` unless `n` more stream/future ends fit (`Limits.maxStreamEnds`). */
  reserveEnds(n: number, site: TrapSite): void {
    if (this.streamEnds + n > this.limits.maxStreamEnds) {
      throw new LimitExceeded('maxStreamEnds', this.limits.maxStreamEnds, 'stream and future ends', LIMIT_FLAGS.maxStreamEnds, { instance: this.name, ...site });
    }
  }

  /** Puts a stream/future end into the table, counting it against `maxStreamEnds`. */
  addEnd(end: CopyEnd, site: TrapSite): number {
    this.reserveEnds(1, site);
    const i = this.handles.add(end, site);
    this.streamEnds++;
    return i;
  }

  /** Removes the stream/future end at `i` from the table. */
  removeEnd(i: number, site: TrapSite): CopyEnd {
    const e = this.handles.remove(i, site) as CopyEnd;
    this.streamEnds--;
    return e;
  }

  private takeEnd<E extends ReadableStreamEnd | ReadableFutureEnd>(
    handle: number,
    cls: abstract new (...args: never[]) => E,
    site: TrapSite,
    fresh: (e: E) => E,
  ): E {
    const e = this.handles.getAs(handle, cls, site);
    trapIf(e.state !== CopyState.IDLE, e.state === CopyState.DONE ? 'end-done' : 'end-busy', site);
    trapIf(e.inWaitableSet(), 'end-in-set', site);
    this.removeEnd(handle, site);
    return fresh(e);
  }
}

