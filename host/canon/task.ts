import { TaskState, CONTEXT_SLOTS } from './constants.js';
import { Trap, trapIf, type TrapSite } from './errors.js';
import type { ComponentInstance } from './instance.js';
import type { Runnable } from './scheduler.js';

/** A core value: i32/f32/f64 as number, i64 as bigint. */
export type FlatValue = number | bigint;

/** Called once when the task resolves: the flat results, or undefined when it was cancelled. */
export type OnResolve = (result: FlatValue[] | undefined) => void;

/**
 * How the function was lifted:
 * - `sync`: a plain export (a non-async function type; it may not block);
 * - `callback`: `[async-lift]f` + `[callback][async-lift]f`, driven by `driveCallback`;
 * - `stackful`: `[async-lift]f` without a callback: must `task.return` before it returns
 *   (it may block inside with waitable-set.wait, served synchronously).
 */
export type LiftKind = 'sync' | 'callback' | 'stackful';

/** Where a task is parked in its callback loop (cancellable), so cancellation can reach it. */
export interface Parked {
  readonly runnable: Runnable;
  /** What it waits for, for messages: "yield" or "waitable set N". */
  readonly what: string;
  /** The waitable set handle waited on; 0 for a yield. */
  readonly set: number;
  /** Undo the park's bookkeeping (e.g. the set's `numWaiting`) when cancellation takes it over. */
  readonly unpark: () => void;
}

/**
 * A function lifted by a component's `canon lift` (rather than found by its
 * wit-component export name in a core module's exports): the core function,
 * its `callback` option, and the hooks that lower the arguments when the task
 * starts and take the results of a sync lift (lift, `on_resolve`, post-return).
 */
export interface LiftedCore {
  readonly fn: (...a: FlatValue[]) => unknown;
  readonly callback?: ((code: number, p1: number, p2: number) => number) | undefined;
  /** The component function type (for `task.return`'s type check); opaque here. */
  readonly type?: unknown;
  /** The lift's string encoding and memory (spec `LiftOptions`, which `task.return` must match); opaque here. */
  readonly liftOptions?: { readonly stringEncoding: string; readonly memory: unknown };
  /** Spec `task.start()` then `lower_flat_values`: the flat arguments (runs inside the instance). */
  readonly lowerArgs?: ((task: Task) => FlatValue[]) | undefined;
  /** A sync lift's flat results (runs inside the instance; resolves the task). */
  readonly syncResults?: ((task: Task, flat: FlatValue[]) => void) | undefined;
  /** The core function's flat type (JSPI: its trampoline's signature). */
  readonly sig?: import('./jspi.js').CoreSig | undefined;
}

let nextTaskId = 1;

/** One call of an export (spec `Task` with its implicit thread). */
export class Task {
  state: TaskState = TaskState.INITIAL;
  /** Context slots 0 and 1 (spec `Thread.storage`), as two fields (no array per task). */
  private context0 = 0;
  private context1 = 0;
  /** Values passed to task.return. */
  result: FlatValue[] | undefined = undefined;
  /** The trap that ended this task, if any. */
  trap: Trap | undefined = undefined;
  /** The callback loop finished (EXIT) or the stackful/sync callee returned. */
  exited = false;
  parked: Parked | undefined = undefined;
  /** Waiting to start (backpressure); the runnable that will start it. */
  starting: Runnable | undefined = undefined;
  /** Called when the task's code starts running (spec `on_start`). */
  onStart: (() => void) | undefined = undefined;
  /** Called once when the task fails with a trap. */
  onFail: ((trap: Trap) => void) | undefined = undefined;
  /** Called once when the task's code is finished (EXIT, or the lifted function returned). */
  onExit: (() => void) | undefined = undefined;
  /** Set for a component's lifted function; undefined for a core module's export. */
  lifted: LiftedCore | undefined = undefined;
  /** A component task's `on_start`: its arguments as component-level values. */
  onStartValues: (() => unknown[]) | undefined = undefined;
  /** The component-level result given to `task.return` (a component task), before `onResolve`. */
  values: unknown[] | undefined = undefined;
  /** Spec `num_borrows`: borrow handles lent to this task and not yet dropped. */
  numBorrows = 0;
  /**
   * The function type is `async` (spec `ft.async_`): such a task may block.
   * A core module's export is async exactly when it is async-lifted; a
   * component function may be `async` with a synchronous lift.
   */
  typeAsync: boolean;
  /** JSPI: the task's implicit thread while it runs on its own stack. */
  thread: import('./jspi.js').Thread | undefined = undefined;
  /** JSPI: spec `implicit_thread` (registered in the instance's threads while the task runs). */
  implicitThread: import('./jspi.js').Thread | undefined = undefined;
  /** JSPI: blocked in the spec's sync-call loop (a non-async function that has not returned). */
  inSyncLoop = false;
  /** What a blocked task waits on, for deadlock messages. */
  blockedOn: string | undefined = undefined;
  /**
   * The calling component instance of a call between components, until the
   * task's code is first entered (spec `Store.lift`'s `caller`): that entry's
   * entering set is taken relative to it. Undefined: entered from the host.
   */
  enterFrom: import('./instance.js').ComponentInstance | undefined = undefined;
  readonly id: number;
  private nameCache: string | undefined = undefined;

  constructor(
    readonly inst: ComponentInstance,
    readonly funcName: string,
    readonly kind: LiftKind,
    public onResolve: OnResolve,
  ) {
    this.id = nextTaskId++;
    this.typeAsync = kind !== 'sync';
  }

  /** `<instance>/<function>#<id>`, made on first use (most tasks are never named). */
  get name(): string {
    return (this.nameCache ??= `${this.inst.name}/${this.funcName}#${this.id}`);
  }

  getContext(slot: number): number {
    return slot === 0 ? this.context0 : this.context1;
  }

  setContext(slot: number, v: number): void {
    if (slot === 0) this.context0 = v;
    else this.context1 = v;
  }

  /** The function type declares `async` (callback or stackful lift). */
  get isAsync(): boolean {
    return this.kind !== 'sync';
  }

  /** Spec: only a task of an `async` function type may block (`canon_lift` traps for the others). */
  mayBlock(): boolean {
    return this.typeAsync;
  }

  /** Spec `needs_exclusive`: callback-lifted (and sync) code runs one task at a time per instance. */
  needsExclusive(): boolean {
    return this.kind !== 'stackful';
  }

  resolved(): boolean {
    return this.state === TaskState.RESOLVED;
  }

  /** Spec `deliver_pending_cancel`. */
  deliverPendingCancel(cancellable: boolean): boolean {
    if (cancellable && this.state === TaskState.PENDING_CANCEL) {
      this.state = TaskState.CANCEL_DELIVERED;
      return true;
    }
    return false;
  }

  /** Spec `Task.return_`. */
  return_(result: FlatValue[], site: TrapSite): void {
    trapIf(this.state === TaskState.RESOLVED, 'task-return-twice', site);
    this.state = TaskState.RESOLVED;
    this.result = result;
    this.onResolve(result);
  }

  /** Spec `Task.cancel`: confirm a delivered cancellation. */
  cancel(site: TrapSite): void {
    trapIf(this.state === TaskState.RESOLVED, 'task-return-twice', site);
    trapIf(this.state !== TaskState.CANCEL_DELIVERED, 'task-cancel-not-delivered', site);
    // Spec: trap_if(self.num_borrows > 0), as for task.return.
    trapIf(this.numBorrows > 0, 'borrows-outstanding', site);
    this.state = TaskState.RESOLVED;
    this.onResolve(undefined);
  }

  /** The task was cancelled before it ever started (spec: the INITIAL branch of `request_cancellation`). */
  cancelBeforeStart(): void {
    this.state = TaskState.RESOLVED;
    this.exited = true;
    this.onResolve(undefined);
  }
}
