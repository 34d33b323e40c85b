/**
 * JSPI mode: real stack switching where the running engine has
 * `WebAssembly.Suspending` and `WebAssembly.promising` (Node 24).
 *
 * Without it (Node 20) a blocking built-in is served inside the import call
 * (docs/deviations.md, entries 8 and 9). With it, each thread of a
 * synchronous or stackful task (spec `Thread`) runs on its own stack,
 * entered through `WebAssembly.promising`; a blocking built-in called on
 * that stack suspends it (spec `Thread.wait_until` / `suspend`), the store's
 * run queue runs other work (spec `Store.tick`), and the thread is resumed
 * when its `ready_func` holds.
 *
 * Two small core modules, made here byte by byte, keep every frame between
 * the `promising` entry and the suspension a wasm frame (JSPI cannot
 * suspend JS frames):
 * - the **trampoline** of a lifted core function calls it and hands its
 *   results to the host (`done`), so a thread that never suspends finishes
 *   synchronously, as it does without JSPI;
 * - the **shim** of a blocking built-in calls the built-in's JS function
 *   (the fast path: it returns at once when it need not block), and only when
 *   that function decided to block (it set the store's flag) calls the
 *   `Suspending` import, whose Promise the scheduler settles with the
 *   built-in's result when it resumes the thread.
 */
import { Trap, toTrap, type TrapSite } from './errors.js';
import { inWatchdog, runInWatchdog, watchdogWebAssembly } from './limits.js';
import type { Enterable, Runnable } from './scheduler.js';
import type { ThreadEntry } from './instance.js';
import type { FlatValue, Task } from './task.js';

/** `jspi` option of a store: `auto` (the default) is `on` when the engine has JSPI. */
export type JspiMode = 'auto' | 'on' | 'off';

/** The engine has `WebAssembly.Suspending` and `WebAssembly.promising`. */
export function jspiSupported(): boolean {
  const W = WebAssembly as unknown as Record<string, unknown>;
  return typeof W['Suspending'] === 'function' && typeof W['promising'] === 'function';
}

/** `jspi: 'on'` on an engine without JSPI. */
export class JspiUnavailableError extends Error {
  readonly rule = 'jspi-unavailable';
  constructor() {
    super(`[jspi-unavailable] jspi: 'on' needs WebAssembly.Suspending and WebAssembly.promising (Node >= 24); this is Node ${process.versions.node}`);
    this.name = 'JspiUnavailableError';
  }
}

/** Resolves a `jspi` option to on (true) or off; `on` without engine support throws `JspiUnavailableError`. */
export function resolveJspiMode(mode: JspiMode | boolean | undefined): boolean {
  if (mode === undefined || mode === 'auto') return jspiSupported();
  if (mode === true || mode === 'on') {
    if (!jspiSupported()) throw new JspiUnavailableError();
    return true;
  }
  if (mode === false || mode === 'off') return false;
  throw new TypeError(`jspi must be 'auto', 'on' or 'off', not ${JSON.stringify(mode)}`);
}

// ------------------------------------------------------------ wasm bytes

type CoreValType = 'i32' | 'i64' | 'f32' | 'f64';
export interface CoreSig {
  readonly params: readonly CoreValType[];
  readonly results: readonly CoreValType[];
}

const VALTYPE: Record<CoreValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const functype = (p: readonly CoreValType[], r: readonly CoreValType[]): number[] => [0x60, ...vec(p.map((t) => [VALTYPE[t]])), ...vec(r.map((t) => [VALTYPE[t]]))];
const sigKey = (s: CoreSig): string => `${s.params.join(',')}>${s.results.join(',')}`;

function moduleBytes(types: number[][], imports: number[][], funcs: number[], exports: number[][], bodies: number[][]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((f) => uleb(f)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies.map((b) => [...uleb(b.length), ...b]))),
  ]);
}

const shimModules = new Map<string, WebAssembly.Module>();
const trampolineModules = new Map<string, WebAssembly.Module>();

/**
 * `(func (export "f") (param P) (result R)`: calls `fast`; when the flag
 * global is set afterwards, returns what `slow` (the Suspending import) returns.
 */
function shimModule(sig: CoreSig): WebAssembly.Module {
  const key = sigKey(sig);
  let m = shimModules.get(key);
  if (m !== undefined) return m;
  if (sig.results.length > 1) throw new Error(`internal: a blocking built-in with ${sig.results.length} results`);
  const n = sig.params.length;
  const gets = sig.params.flatMap((_, i) => [0x20, ...uleb(i)]);
  const body =
    sig.results.length === 0
      ? [0x00, ...gets, 0x10, 0x00, 0x23, 0x00, 0x04, 0x40, 0x10, 0x01, 0x0b, 0x0b]
      : [0x01, 0x01, VALTYPE[sig.results[0]!], ...gets, 0x10, 0x00, 0x21, ...uleb(n), 0x23, 0x00, 0x04, 0x40, 0x10, 0x01, 0x0f, 0x0b, 0x20, ...uleb(n), 0x0b];
  m = new WebAssembly.Module(
    moduleBytes(
      [functype(sig.params, sig.results), functype([], sig.results)],
      [
        [...name('s'), ...name('fast'), 0x00, 0x00],
        [...name('s'), ...name('slow'), 0x00, 0x01],
        [...name('s'), ...name('flag'), 0x03, 0x7f, 0x01],
      ],
      [0],
      [[...name('f'), 0x00, 0x02]],
      [body],
    ),
  );
  shimModules.set(key, m);
  return m;
}

/** `(func (export "run") (param P))`: calls `f`, then `done` with its results. */
function trampolineModule(sig: CoreSig): WebAssembly.Module {
  const key = sigKey(sig);
  let m = trampolineModules.get(key);
  if (m !== undefined) return m;
  const gets = sig.params.flatMap((_, i) => [0x20, ...uleb(i)]);
  m = new WebAssembly.Module(
    moduleBytes(
      [functype(sig.params, sig.results), functype(sig.results, []), functype(sig.params, [])],
      [
        [...name('t'), ...name('f'), 0x00, 0x00],
        [...name('t'), ...name('done'), 0x00, 0x01],
      ],
      [2],
      [[...name('run'), 0x00, 0x02]],
      [[0x00, ...gets, 0x10, 0x00, 0x10, 0x01, 0x0b]],
    ),
  );
  trampolineModules.set(key, m);
  return m;
}

// ------------------------------------------------------------ threads

/** What the store gives the JSPI runtime. */
export interface JspiStore {
  readonly scheduler: { add(r: Runnable): void; addFirst(r: Runnable): void; remove(r: Runnable): boolean; paused: boolean };
  drive(): void;
  /** Drives again once the resumed stack is off (in the running drive, or in a microtask). */
  driveSoon(): void;
}

/** Spec `Thread` in JSPI mode: one `promising` stack of a task. */
export class Thread implements Runnable {
  readonly async = true;
  /** Spec `ready_func`: set while the thread waits; undefined when running or suspended without one. */
  readyFunc: (() => boolean) | undefined = undefined;
  /** Spec `cancellable` of the current suspension. */
  cancellable = false;
  /** Spec `index` in the instance's `threads` table (thread.* built-ins). */
  index: number | undefined = undefined;
  /** Spec `storage`: context.get/set slots of this thread (the implicit thread keeps the task's). */
  storage0 = 0;
  storage1 = 0;
  /** Computes the blocking built-in's result when the thread resumes (runs inside the instance). */
  cont: (() => FlatValue | undefined) | undefined = undefined;
  /** Called with the lifted function's flat results when its code returned (runs from the host). */
  onReturn: ((results: FlatValue[]) => void) | undefined = undefined;
  /** What it waits on (for messages). */
  what = '';
  /** Its code is on the JS stack now (entered or resumed, not yet suspended or returned). */
  onStack = false;
  /** Running because the scheduler resumed it (it must hand control back when it stops). */
  resumed = false;
  /** The entry finished (returned or failed) before it ever suspended. */
  finishedSync = false;
  /** Suspended in `slow`: the Promise to settle when resuming. */
  private settle: { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined = undefined;
  results: FlatValue[] | undefined = undefined;
  outcome: 'new' | 'running' | 'suspended' | 'done' | 'failed' = 'new';
  /** What entering the instance did (undone when the stack leaves). */
  private entry: ThreadEntry | undefined = undefined;
  /** The caller instance the current run of this stack entered from (undefined: the host or the scheduler). */
  enteredFrom: import('./instance.js').ComponentInstance | undefined = undefined;
  private prevTop: Thread | undefined = undefined;
  /** A trap made before the engine's own error was known (a wasm trap before the first suspension). */
  provisional: Trap | undefined = undefined;
  /** In the store's run queue (waiting with a `ready_func`). */
  queued = false;
  /** A thread of `thread.new-indirect` not started yet: its entry and argument. */
  start: { entry: (...a: FlatValue[]) => Promise<unknown>; arg: FlatValue; onFail: (e: unknown) => void } | undefined = undefined;

  constructor(
    readonly task: Task,
    readonly rt: JspiRuntime,
    /** Whether this is the task's implicit thread (its first one). */
    readonly implicit: boolean,
  ) {}

  get label(): string {
    return `${this.task.name} ${this.readyFunc === undefined ? 'is suspended' : `waits on ${this.what}`}`;
  }

  get owner(): Enterable {
    return this.task.inst;
  }

  /** Waiting in `thread.yield` (ready at once): running it is not by itself progress. */
  get yielding(): boolean {
    return this.what === 'yield';
  }

  /** The task this thread belongs to (the sync-call loop's candidates are threads of one instance). */
  get candidate(): Task {
    return this.task;
  }

  /** Spec `Thread.suspended`: not running and not waiting (a new thread is suspended). */
  suspended(): boolean {
    return (this.outcome === 'suspended' || this.outcome === 'new') && this.readyFunc === undefined;
  }

  /** Spec `start_waiting_internal`: waits with `ready` in the run queue. */
  startWaiting(ready: () => boolean, first = false): void {
    this.readyFunc = ready;
    if (!this.queued) {
      this.queued = true;
      if (first) this.rt.store.scheduler.addFirst(this);
      else this.rt.store.scheduler.add(this);
    }
  }

  /** Spec `stop_waiting_internal` (the thread is resumed some other way). */
  stopWaiting(): void {
    this.readyFunc = undefined;
    if (this.queued) {
      this.queued = false;
      this.rt.store.scheduler.remove(this);
    }
  }

  ready(): boolean {
    return this.readyFunc !== undefined && this.readyFunc();
  }

  /** Makes this thread the innermost running stack of its instance. */
  enter(): void {
    const inst = this.task.inst;
    this.enteredFrom = this.task.enterFrom;
    this.entry = inst.enterThread(this.task);
    this.onStack = true;
    this.prevTop = this.rt.top;
    this.rt.top = this;
    this.outcome = 'running';
  }

  /** Its code left the stack (suspended, returned or failed). Idempotent. */
  leave(): void {
    if (!this.onStack) return;
    this.onStack = false;
    this.task.inst.leaveThread(this.entry!);
    this.rt.top = this.prevTop;
    this.entry = undefined;
    this.prevTop = undefined;
  }

  /** Spec `Thread.resume` from the scheduler (`Store.tick`): settles the suspension with the built-in's result. */
  run(): void {
    this.readyFunc = undefined;
    this.queued = false;
    if (this.outcome === 'new') {
      this.startNew();
      return;
    }
    const settle = this.settle;
    this.settle = undefined;
    if (settle === undefined) return;
    this.enter();
    this.resumed = true;
    let value: unknown;
    let failed: unknown;
    let threw = false;
    try {
      const c = this.cont;
      this.cont = undefined;
      value = c === undefined ? undefined : c();
    } catch (e) {
      failed = e;
      threw = true;
    }
    this.rt.inFlight = this;
    this.rt.store.scheduler.paused = true;
    // The stack resumes in a microtask of the watchdog's context: inside
    // the drive's deadline when it has one, else right here.
    const go = threw ? () => settle.reject(failed) : () => settle.resolve(value);
    if (inWatchdog()) go();
    else runInWatchdog(go);
  }

  /** Its stack was terminated by the watchdog: it never runs again (the instance's entry counts are reset by the store). */
  abandon(): void {
    this.onStack = false;
    this.resumed = false;
    this.entry = undefined;
    this.prevTop = undefined;
    this.outcome = 'failed';
    this.stopWaiting();
  }

  /** A new thread's first run: its own stack, synchronously (it runs until it suspends or returns). */
  startNew(): void {
    const st = this.start;
    this.start = undefined;
    if (st === undefined) return;
    this.readyFunc = undefined;
    try {
      const outcome = this.rt.start(this, st.entry, [st.arg], st.onFail);
      if (outcome === 'done') this.onReturn?.(this.results ?? []);
    } catch (e) {
      st.onFail(e);
    }
  }

  /** Called from `slow`: the Promise the suspended stack waits for. */
  suspendNow(): Promise<unknown> {
    this.outcome = 'suspended';
    this.leave();
    const p = new Promise<unknown>((resolve, reject) => (this.settle = { resolve, reject }));
    if (this.resumed) this.rt.handBack(this);
    return p;
  }
}

/** The JSPI machinery of one store. */
export class JspiRuntime {
  /** Set by a blocking built-in that decided to suspend; read (and cleared) by its shim. */
  readonly flag = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  /** The thread whose `promising` stack is innermost (undefined while plain host or guest code runs on top of it). */
  top: Thread | undefined = undefined;
  /** The thread the scheduler resumed and that has not handed control back yet. */
  inFlight: Thread | undefined = undefined;
  /** The thread a blocking built-in just decided to suspend (its shim's `slow` suspends it). */
  suspending: Thread | undefined = undefined;
  /** The last error a host-made import threw into guest code (the trap a thread failed with, known synchronously). */
  lastError: unknown = undefined;
  private readonly slow: unknown;
  private readonly done: (...r: FlatValue[]) => void;
  private readonly entries = new WeakMap<object, (...a: FlatValue[]) => Promise<unknown>>();
  /**
   * `Suspending` and `promising` come from the watchdog's context
   * (host/canon/limits.ts): a resumed stack then runs in that context's
   * microtasks, which run inside the deadline of the drive resuming it.
   */
  private readonly W = watchdogWebAssembly();

  constructor(readonly store: JspiStore) {
    const W = this.W as unknown as { Suspending: new (f: (...a: unknown[]) => unknown) => unknown };
    this.slow = new W.Suspending(() => {
      this.flag.value = 0;
      const t = this.suspending ?? this.top;
      this.suspending = undefined;
      if (t === undefined) throw new Error('internal: a JSPI suspension outside a thread');
      return t.suspendNow();
    });
    this.done = (...r: FlatValue[]) => {
      const t = this.top;
      if (t === undefined) return;
      t.results = r;
      t.outcome = 'done';
      t.leave();
    };
  }

  /** Whether `task`'s code can suspend here: its thread is the innermost stack, entered through `promising`. */
  canSuspend(task: Task): Thread | undefined {
    const t = this.top;
    return t !== undefined && t.task === task && t.onStack ? t : undefined;
  }

  /**
   * A blocking built-in's import: `fast` is the host function (it returns at
   * once unless it calls `suspend`); the returned function is a wasm export.
   */
  shim(fast: (...a: never[]) => unknown, sig: CoreSig): (...a: never[]) => unknown {
    const dummy = sig.results[0] === 'i64' ? 0n : 0;
    const f = fast as (...a: unknown[]) => unknown;
    const wrapped = (...a: unknown[]): unknown => {
      try {
        const r = f(...a);
        return this.flag.value !== 0 ? dummy : r;
      } catch (e) {
        this.flag.value = 0;
        this.lastError = e;
        throw e;
      }
    };
    const inst = new WebAssembly.Instance(shimModule(sig), { s: { fast: wrapped, slow: this.slow, flag: this.flag } as unknown as WebAssembly.ModuleImports });
    return inst.exports['f'] as (...a: never[]) => unknown;
  }

  /** A host-made import that never blocks, recording what it throws (see `lastError`). */
  record<F extends (...a: never[]) => unknown>(f: F): F {
    const g = f as unknown as (...a: unknown[]) => unknown;
    return ((...a: unknown[]) => {
      try {
        return g(...a);
      } catch (e) {
        this.lastError = e;
        throw e;
      }
    }) as unknown as F;
  }

  /** The `promising` entry of a lifted core function (its trampoline; one per function). */
  entry(core: (...a: FlatValue[]) => unknown, sig: CoreSig): (...a: FlatValue[]) => Promise<unknown> {
    let e = this.entries.get(core);
    if (e === undefined) {
      const inst = new WebAssembly.Instance(trampolineModule(sig), { t: { f: core, done: this.done } as unknown as WebAssembly.ModuleImports });
      const W = this.W as unknown as { promising: (f: unknown) => (...a: FlatValue[]) => Promise<unknown> };
      e = W.promising(inst.exports['run']);
      this.entries.set(core, e);
    }
    return e;
  }

  /**
   * Runs `thread` on a new stack: 'done' when its code returned (results in
   * `thread.results`), 'suspended' when it blocked; throws the trap when it
   * failed before suspending. Afterwards the thread's stack reports back
   * itself (`onReturn`, or a failed task) and hands control back.
   */
  start(thread: Thread, entry: (...a: FlatValue[]) => Promise<unknown>, args: readonly FlatValue[], onFail: (e: unknown) => void): 'done' | 'suspended' {
    this.lastError = undefined;
    thread.enter();
    let p: Promise<unknown>;
    try {
      p = entry(...args);
    } catch (e) {
      thread.leave();
      throw e;
    }
    const outcome = thread.outcome;
    thread.leave();
    thread.finishedSync = outcome !== 'suspended';
    let provisional: Trap | undefined;
    if (outcome === 'running') {
      // It failed before suspending: an error a host import threw is known now; an engine trap only when `p` rejects.
      const known = this.lastError;
      thread.outcome = 'failed';
      provisional = known !== undefined ? undefined : new Trap('wasm-trap', { detail: 'wasm trap (the engine reports it asynchronously under JSPI)' });
      thread.provisional = provisional;
    }
    p.then(
      () => {
        if (thread.finishedSync) return;
        thread.outcome = 'done';
        thread.leave();
        try {
          thread.onReturn?.(thread.results ?? []);
        } catch (e) {
          onFail(e);
        }
        this.handBack(thread);
      },
      (e: unknown) => {
        if (thread.finishedSync) {
          if (provisional !== undefined) fillProvisional(provisional, e);
          return;
        }
        thread.outcome = 'failed';
        thread.leave();
        onFail(e);
        this.handBack(thread);
      },
    );
    if (outcome === 'running') throw this.lastError ?? provisional;
    return outcome as 'done' | 'suspended';
  }

  /**
   * The watchdog terminated the resumed thread that was running: forgets
   * its stack (no code of it runs again; the caller poisons its instance)
   * and unpauses the run queue. Returns that thread, if there was one.
   */
  abandonInFlight(): Thread | undefined {
    const t = this.inFlight;
    if (t === undefined) return undefined;
    this.inFlight = undefined;
    this.store.scheduler.paused = false;
    this.top = undefined;
    this.suspending = undefined;
    this.flag.value = 0;
    t.abandon();
    return t;
  }

  /** The resumed thread stopped (suspended again, returned or failed): the store drives on. */
  handBack(thread: Thread): void {
    thread.resumed = false;
    if (this.inFlight === thread) {
      this.inFlight = undefined;
      this.store.scheduler.paused = false;
    }
    this.store.driveSoon();
  }

  /**
   * Suspends the current thread of `task` (spec `Thread.wait_until`):
   * `ready` is its `ready_func`, `cont` computes the built-in's result when
   * it resumes. The caller returns what this returns; the shim then suspends.
   */
  suspend(thread: Thread, what: string, ready: (() => boolean) | undefined, cont: () => FlatValue | undefined): 0 {
    thread.what = what;
    thread.cont = cont;
    if (ready !== undefined) thread.startWaiting(ready);
    this.suspending = thread;
    this.flag.value = 1;
    return 0;
  }

  /**
   * Spec `switch_to_internal`: the current thread blocks (`ready`: it also
   * waits, as `yield-then-resume` does) and `other` runs next: a new thread
   * at once on its own stack, a suspended one first in the run queue.
   */
  switchTo(thread: Thread, other: Thread, what: string, ready: (() => boolean) | undefined, cont: () => FlatValue | undefined): 0 {
    thread.what = what;
    thread.cont = cont;
    thread.outcome = 'suspended';
    thread.leave();
    if (ready !== undefined) thread.startWaiting(ready);
    if (other.outcome === 'new') {
      // It runs inside this thread's entry (spec: a switch enters nothing):
      // its stack enters from the caller this one entered from.
      other.task.enterFrom = thread.enteredFrom;
      try {
        other.startNew();
      } finally {
        other.task.enterFrom = undefined;
      }
    } else other.startWaiting(() => true, true);
    this.suspending = thread;
    this.flag.value = 1;
    return 0;
  }
}

/** A provisional trap gets the engine's error once it is known (the trap that was thrown before). */
function fillProvisional(t: Trap, e: unknown): void {
  const real = toTrap(e);
  const w = t as unknown as { code: string; rule: string; detail?: string; cause?: unknown; refreshMessage(): void };
  w.code = real.code;
  w.rule = real.rule;
  w.detail = real.detail;
  w.cause = e;
  w.refreshMessage();
}

export type { TrapSite };
