/**
 * The store: all instances and host peers that share one run queue (spec
 * `Store`). Everything runs synchronously: a call drives the queue until
 * nothing more can run, then settles the Promises of top-level calls.
 */
import { Trace } from '../trace/trace.js';
import { DeadlockError, Trap, trapIf, type TrapSite } from './errors.js';
import { HostInstance } from './host-instance.js';
import { ComponentInstance } from './instance.js';
import type { InstanceOptions } from './linker.js';
import { contain } from './lift.js';
import { Scheduler } from './scheduler.js';
import type { FlatValue, LiftKind, Task } from './task.js';

interface TopLevelCall {
  task: Task;
  resolve: (v: FlatValue[]) => void;
  reject: (e: Trap) => void;
  /** Resolve with `Number(v)` of every value (`callExport`). */
  asNumbers: boolean;
}

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
  private driving = false;
  private batching = 0;
  private readonly topLevel = new Set<TopLevelCall>();

  constructor(opts: { trace?: Trace } = {}) {
    this.trace = opts.trace ?? new Trace();
  }

  /** Synchronous instantiation of a core module, with the canonical built-ins generated from its imports. */
  instantiate(module: WebAssembly.Module | BufferSource, opts: InstanceOptions): ComponentInstance {
    const m = module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module);
    try {
      const inst = new ComponentInstance(this, opts.name, m, opts);
      this.instances.push(inst);
      return inst;
    } catch (e) {
      if (e instanceof Trap && !(e.code === 'guest-abort' || e.code === 'wasm-trap' || e.code === 'host-error')) {
        this.trace.push({ kind: 'trap', instance: opts.name, task: undefined, code: e.code, message: e.message });
      }
      throw e;
    }
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

  /** Used by `ComponentInstance.callExport`. */
  callTopLevel(inst: ComponentInstance, name: string, kind: LiftKind, args: readonly FlatValue[], asNumbers = false): Promise<FlatValue[]> {
    return this.runTopLevel(inst.newTask(name, kind), args, asNumbers);
  }

  /**
   * Starts a task made by the caller (a core export, or a component's lifted
   * function with `task.lifted` set) as a top-level call. Resolves with the
   * flat results, or with `task.values` for a component task.
   */
  runTopLevel(task: Task, args: readonly FlatValue[], asNumbers = false): Promise<FlatValue[]> {
    const inst = task.inst;
    const p = new Promise<FlatValue[]>((resolve, reject) => {
      this.topLevel.add({ task, resolve, reject, asNumbers });
    });
    contain(task, () => {
      if (!inst.mayEnter()) inst.checkEnter(task, { builtin: `call ${task.funcName}` });
      inst.start(task, args);
    });
    this.drive();
    return p;
  }

  /** Runs the queue until nothing can run, then settles top-level calls (unless nested or batching). */
  drive(): void {
    if (this.driving || this.batching > 0) return;
    this.driving = true;
    try {
      this.scheduler.runAll();
    } finally {
      this.driving = false;
    }
    this.settle();
  }

  /** Host Promise settled: apply `fn` from the run queue and drive again. */
  settleHost(fn: () => void): void {
    this.pendingHostPromises--;
    this.scheduler.add({ label: 'host promise settled', owner: undefined, ready: () => true, run: fn });
    this.drive();
  }

  private settle(): void {
    for (const call of [...this.topLevel]) {
      const t = call.task;
      if (t.trap) {
        call.reject(t.trap);
      } else if (t.resolved()) {
        if (t.values !== undefined) call.resolve(t.values as FlatValue[]);
        else if (t.result !== undefined) call.resolve(call.asNumbers ? t.result.map(Number) : t.result);
        else call.reject(new Trap('task-cancel-not-delivered', { instance: t.inst.name, task: t.name, detail: `task ${t.name} was cancelled` }));
      } else if (this.pendingHostPromises > 0 || this.hostHeldEnds > 0) {
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
    }
  }

  /**
   * Serves a blocking wait inside a guest call: runs other instances' and host
   * peers' work (never the waiting instance, whose code is on the stack) until
   * `ready()`. Traps `may-not-block` for a non-async task and `deadlock` when
   * nothing can run.
   */
  blockUntil(task: Task, what: string, set: number, ready: () => boolean, site: TrapSite, mayBlock = task.isAsync): void {
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
    const ok = this.scheduler.runUntil(ready);
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
    const n = this.scheduler.length;
    for (let k = 0; k < n; k++) if (!this.scheduler.step()) break;
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
      args: args.map(Number),
      result: result as number | bigint | undefined,
    });
  }
}

function describeSet(t: Task, si: number): string {
  if (!t.inst.handles.has(si)) return 'no entry';
  const s = t.inst.handles.get(si) as { size?: number };
  return `${s.size ?? 0} member(s), none with an event`;
}
