/**
 * `canon lower` with the async ABI: an `[async-lower]func` import creates a
 * Subtask in the caller's table. The callee is either a host function or an
 * export of another instance (started synchronously, as the spec's
 * deterministic cross-component call: control comes back when it returns or blocks).
 *
 * Core arguments: the flat parameters, then a result pointer when the callee
 * returns values. For an instance export the host compares the argument count
 * with the export's parameter count; for a host function the last argument is
 * the result pointer whenever the function returns a non-empty result.
 * Results are stored at the result pointer as consecutive flat values:
 * number -> 4 bytes (i32), bigint -> 8 bytes (i64, 8-aligned). Core modules
 * carry no component types, so these are the only types a result can have
 * here: a value that does not fit its core type (1.5, NaN, 2^32, a string)
 * traps `result-type` in the caller instead of being stored truncated (a
 * deviation from the spec's typed lowering, listed in docs/deviations.md).
 */
import { EventCode, SubtaskState } from './constants.js';
import { Trap, toTrap, trapIf, type TrapSite } from './errors.js';
import type { ComponentInstance } from './instance.js';
import { requestCancellation, startTask } from './lift.js';
import { Subtask } from './subtask.js';
import type { FlatValue } from './task.js';

/** The host's side of one async-lowered call. */
export interface HostCall {
  /** The callee as named by the import, `module::func`. */
  readonly callee: string;
  /** The caller asked to cancel (subtask.cancel). */
  readonly cancelRequested: boolean;
  /** Resolves the subtask with results (RETURNED). Ignored once resolved. */
  return(results: FlatValue[]): void;
  /** Confirms a requested cancellation (CANCELLED_BEFORE_RETURNED). */
  cancel(): void;
  /**
   * Called when the caller requests cancellation. When unset, a request
   * cancels the call at once (CANCELLED_BEFORE_RETURNED).
   */
  onCancel: (() => void) | undefined;
}

/**
 * A host function behind an async-lowered import. Return the results now
 * (RETURNED at once), a Promise of them (settles later; the store drives the
 * run again when it does), or nothing and call `call.return()` later from the
 * run queue (deterministic).
 */
export type HostAsyncFunction = (args: FlatValue[], call: HostCall) => FlatValue[] | Promise<FlatValue[]> | void;

/** Another instance's export behind an async-lowered import. */
export interface ExportCallee {
  instance: ComponentInstance;
  export: string;
}

export type AsyncCallee = HostAsyncFunction | ExportCallee;

type Fn = (...args: never[]) => unknown;

const I32_MIN = -(2 ** 31);
const U32_MAX = 2 ** 32 - 1;
const I64_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;

const show = (v: unknown): string => (typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * A result must fit the core type it is stored as: a number an i32 (signed or
 * unsigned reading), a bigint an i64. Anything else traps `result-type`.
 */
function checkResultType(v: unknown, i: number, site: TrapSite): void {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= I32_MIN && v <= U32_MAX) return;
    throw new Trap('result-type', { ...site, detail: `result ${i} is ${show(v)}, which is not an i32 (an integer in [-2^31, 2^32-1])` });
  }
  if (typeof v === 'bigint') {
    if (v >= I64_MIN && v <= U64_MAX) return;
    throw new Trap('result-type', { ...site, detail: `result ${i} is ${show(v)}, which is not an i64 (in [-2^63, 2^64-1])` });
  }
  throw new Trap('result-type', { ...site, detail: `result ${i} is ${show(v)} (${typeof v}): a result must be a number (i32) or a bigint (i64)` });
}

/** Stores flat results at `ptr` in the caller's memory. */
function storeResults(inst: ComponentInstance, ptr: number | undefined, results: readonly FlatValue[], site: TrapSite): void {
  if (results.length === 0) return;
  results.forEach((v, i) => checkResultType(v, i, site));
  trapIf(ptr === undefined, 'async-call-shape', { ...site, detail: `the callee returned ${results.length} value(s) but the call passed no result pointer` });
  const mem = inst.memoryFor(site);
  let p = ptr!;
  for (const v of results) {
    const size = typeof v === 'bigint' ? 8 : 4;
    trapIf(p % size !== 0, 'unaligned-pointer', { ...site, detail: `result pointer ${p} is not ${size}-byte aligned` });
    trapIf(p + size > mem.buffer.byteLength, 'out-of-bounds', { ...site, detail: `result range [${p}, ${p + size}) lies outside memory of ${mem.buffer.byteLength} bytes` });
    const dv = new DataView(mem.buffer);
    if (typeof v === 'bigint') dv.setBigUint64(p, BigInt.asUintN(64, v), true);
    else dv.setUint32(p, v >>> 0, true);
    p += size;
  }
}

/** The core function for `[async-lower]<label>` in `inst`. */
export function lowerAsyncImport(inst: ComponentInstance, label: string, callee: AsyncCallee): Fn {
  const builtin = `[async-lower]${label}`;
  return (...coreArgs: FlatValue[]) => {
    const site: TrapSite = { builtin, instance: inst.name, task: inst.current?.name };
    const subtask = new Subtask(label);
    let retptr: number | undefined;
    let handle = 0;
    let onProgress = (): void => {};

    const onStart = (): void => {
      onProgress();
      subtask.state = SubtaskState.STARTED;
    };
    const onResolve = (result: FlatValue[] | undefined): void => {
      if (subtask.resolved() || inst.poisoned) return;
      onProgress();
      if (result === undefined) {
        subtask.resolve(
          subtask.state === SubtaskState.STARTING ? SubtaskState.CANCELLED_BEFORE_STARTED : SubtaskState.CANCELLED_BEFORE_RETURNED,
          [],
        );
      } else {
        try {
          storeResults(inst, retptr, result, site);
        } catch (e) {
          // The caller's result pointer is bad: the caller traps, not the callee.
          inst.poison(toTrap(e).locate({ instance: inst.name }));
          return;
        }
        subtask.resolve(SubtaskState.RETURNED, result);
      }
    };

    if (typeof callee === 'function') {
      callHost(inst, label, callee, coreArgs, subtask, onStart, onResolve, (p) => (retptr = p));
    } else {
      const target = callee.instance;
      const kind = target.liftKind(callee.export);
      trapIf(kind === undefined, 'unresolved-import', { ...site, detail: `instance ${target.name} has no export "${callee.export}"` });
      const fn = target.exports[kind === 'sync' ? callee.export : `[async-lift]${callee.export}`] as Fn;
      const n = fn.length;
      trapIf(coreArgs.length !== n && coreArgs.length !== n + 1, 'async-call-shape', {
        ...site,
        detail: `${builtin} passed ${coreArgs.length} argument(s); export ${callee.export} of ${target.name} takes ${n} (plus an optional result pointer)`,
      });
      if (coreArgs.length === n + 1) retptr = Number(coreArgs[n]) >>> 0;
      if (target.poisoned) throw target.poisonedTrap(site);
      trapIf(target === inst || target.onStack(), 'may-not-enter', { ...site, detail: `${builtin} re-enters instance ${target.name}, which is on the stack` });
      const task = target.newTask(callee.export, kind!);
      task.onStart = onStart;
      task.onResolve = onResolve;
      task.onFail = (trap) => {
        // The callee trapped: the caller cannot go on either (the spec aborts both).
        inst.poison(trap);
      };
      subtask.onCancel = () => requestCancellation(task);
      startTask(task, coreArgs.slice(0, n));
    }

    if (inst.poisoned) throw inst.poisonedTrap(site);
    if (subtask.resolved()) {
      subtask.deliverResolve();
      inst.store.traceCanon(inst, inst.current, builtin, coreArgs, SubtaskState.RETURNED);
      return subtask.state;
    }
    handle = inst.handles.add(subtask, site);
    onProgress = () =>
      subtask.setPendingEvent(() => {
        if (subtask.resolved()) subtask.deliverResolve();
        return [EventCode.SUBTASK, handle, subtask.state];
      });
    const packed = (subtask.state | (handle << 4)) >>> 0;
    inst.store.traceCanon(inst, inst.current, builtin, coreArgs, packed);
    return packed;
  };
}

/** Calls a host function for an async-lowered import. */
function callHost(
  inst: ComponentInstance,
  label: string,
  fn: HostAsyncFunction,
  coreArgs: FlatValue[],
  subtask: Subtask,
  onStart: () => void,
  onResolve: (r: FlatValue[] | undefined) => void,
  setRetptr: (p: number | undefined) => void,
): void {
  const store = inst.store;
  let cancelRequested = false;
  const returnResults = (results: FlatValue[]): void => {
    if (results.length > 0) setRetptr(Number(coreArgs[coreArgs.length - 1]) >>> 0);
    onResolve(results);
  };
  const call: HostCall = {
    callee: label,
    get cancelRequested() {
      return cancelRequested;
    },
    return: returnResults,
    cancel: () => onResolve(undefined),
    onCancel: undefined,
  };
  subtask.onCancel = () => {
    cancelRequested = true;
    if (call.onCancel) call.onCancel();
    else onResolve(undefined);
  };
  onStart();
  const r = fn(coreArgs.slice(), call);
  if (Array.isArray(r)) {
    returnResults(r);
  } else if (r instanceof Promise) {
    store.pendingHostPromises++;
    r.then(
      (v) => store.settleHost(() => returnResults(v)),
      (e) => store.settleHost(() => inst.poison(new Trap('host-error', { instance: inst.name, builtin: `[async-lower]${label}`, detail: `host function rejected: ${e instanceof Error ? e.message : String(e)}`, cause: e }))),
    );
  }
}
