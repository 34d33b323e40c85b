/**
 * Resource limits and deadlines: what keeps a runaway or greedy guest from
 * hanging the host or taking the process to V8's heap limit.
 *
 * - `Limits`: per-instance caps on live handles, live stream/future ends and
 *   live tasks. Going past one is the trap `limit-exceeded` (`LimitExceeded`,
 *   naming the limit), thrown where the excess is created, so the guest that
 *   asked for it is the one poisoned.
 * - Deadlines (`timeoutMs` on the store, an instantiation or a call): the
 *   store drives everything synchronously inside the host's call, so a guest
 *   loop never gives control back. Two mechanisms, both active only while a
 *   deadline is set: every callback turn and queued task start checks the
 *   clock (cooperative: it catches a callback that always returns YIELD and
 *   blames exactly its task), and the whole synchronous run executes inside
 *   `vm.Script#runInContext` with a `timeout` (preemptive: V8 terminates a
 *   wasm loop or a start function that never returns). Either way the result
 *   is the trap `timeout` (`TimeoutTrap`) and the instance poisoned.
 */
import vm from 'node:vm';

export interface Limits {
  /** Live entries of one instance's handle table (waitable sets, stream/future ends, subtasks). */
  maxHandles: number;
  /** Live stream and future ends (readable or writable) in one instance's handle table. */
  maxStreamEnds: number;
  /** Live tasks of one instance (started or waiting to start, not yet exited). */
  maxTasks: number;
}

/**
 * The defaults: far below V8's heap limit (a handle costs ~70 bytes of host
 * heap, a stream's pair of ends ~260, a task ~1 KB with its handles, so the
 * three caps together stay under ~0.5 GB per instance), and far above what
 * the benchmarks need (100,000 concurrent tasks, each with a stream and a set).
 */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxHandles: 1 << 20,
  maxStreamEnds: 1 << 19,
  maxTasks: 1 << 18,
});

/** The CLI flag that sets each limit (for messages). */
export const LIMIT_FLAGS: Readonly<Record<keyof Limits, string>> = Object.freeze({
  maxHandles: '--max-handles',
  maxStreamEnds: '--max-stream-ends',
  maxTasks: '--max-tasks',
});

/** An API option outside its range (a host programming error, not a guest trap). */
export class LimitOptionError extends RangeError {
  override name = 'LimitOptionError';
}

/** Merges limit options, later ones winning over earlier ones, over the defaults; checks each value. */
export function resolveLimits(...parts: (Partial<Limits> | undefined)[]): Limits {
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const p of parts) {
    if (p === undefined) continue;
    for (const key of Object.keys(p) as (keyof Limits)[]) {
      if (!(key in DEFAULT_LIMITS)) throw new LimitOptionError(`unknown limit '${String(key)}' (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
      const v = p[key];
      if (v === undefined) continue;
      checkLimit(key, v);
      out[key] = v;
    }
  }
  return out;
}

function checkLimit(key: string, v: unknown): void {
  if (typeof v !== 'number' || !(Number.isInteger(v) || v === Infinity) || v < 1) {
    throw new LimitOptionError(`limit ${key} must be a positive integer (or Infinity), got ${String(v)}`);
  }
}

/** Checks a `timeoutMs` option: a positive number of milliseconds, or undefined / Infinity for none. */
export function checkTimeout(ms: number | undefined, what = 'timeoutMs'): number {
  if (ms === undefined) return Infinity;
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms <= 0) {
    throw new LimitOptionError(`${what} must be a positive number of milliseconds (or Infinity), got ${String(ms)}`);
  }
  return ms;
}

let watchdogContext: vm.Context | undefined;
let watchdogScript: vm.Script | undefined;

/**
 * The watchdog's context. Its microtasks run right after each script it
 * evaluates, inside that run's timeout (`microtaskMode: 'afterEvaluate'`):
 * JSPI mode takes `WebAssembly.Suspending` and `promising` from here, so a
 * thread resumed after a suspension (a Promise reaction of this context)
 * runs inside the watchdog of the drive that resumed it, not in a later
 * microtask of the main context that no deadline could stop.
 */
function watchdog(): { ctx: vm.Context; script: vm.Script } {
  if (watchdogScript === undefined) {
    watchdogContext = vm.createContext({ fn: undefined }, { microtaskMode: 'afterEvaluate' });
    watchdogScript = new vm.Script('fn()', { filename: 'wasip3-task-watchdog' });
  }
  return { ctx: watchdogContext!, script: watchdogScript };
}

/** The `WebAssembly` namespace of the watchdog's context (its `Suspending` and `promising` for JSPI mode). */
export function watchdogWebAssembly(): typeof WebAssembly {
  const { ctx } = watchdog();
  return vm.runInContext('WebAssembly', ctx) as typeof WebAssembly;
}

/** Depth of `runInWatchdog` / `runWithWatchdog` calls on the stack (their context's microtasks run when the outermost returns). */
let watchdogDepth = 0;

/** Whether code runs inside the watchdog's context now (its microtasks run when that run ends). */
export function inWatchdog(): boolean {
  return watchdogDepth > 0;
}

/**
 * Runs `fn` in the watchdog's context without a deadline, so that the
 * context's microtasks it queues (a JSPI thread resumed) run before this
 * returns.
 */
export function runInWatchdog(fn: () => void): void {
  const { ctx, script } = watchdog();
  const c = ctx as { fn: (() => void) | undefined };
  const prev = c.fn;
  c.fn = fn;
  watchdogDepth++;
  try {
    script.runInContext(ctx);
  } finally {
    watchdogDepth--;
    c.fn = prev;
  }
}

/**
 * Runs `fn` and returns true, unless it is still running after `ms`
 * milliseconds: then V8 terminates it (wherever it is: wasm, host JS; no
 * `catch` or `finally` on the way runs) and this returns false. Exceptions
 * thrown by `fn` propagate unchanged. The watchdog context's microtasks
 * queued meanwhile (JSPI threads resumed) run inside the same deadline.
 *
 * Costs one watchdog thread per call (tens of microseconds), so callers use
 * it once per outermost synchronous run, and only when a deadline is set.
 */
export function runWithWatchdog(ms: number, fn: () => void): boolean {
  const { ctx, script } = watchdog();
  const c = ctx as { fn: (() => void) | undefined };
  const prev = c.fn;
  c.fn = fn;
  watchdogDepth++;
  try {
    script.runInContext(ctx, { timeout: Math.max(1, Math.min(0x7fffffff, Math.ceil(ms))) });
    return true;
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return false;
    throw e;
  } finally {
    watchdogDepth--;
    c.fn = prev;
  }
}
