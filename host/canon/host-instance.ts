/**
 * A host peer: JS code that owns stream/future ends, takes part in the same
 * rendezvous copies as guests, and is driven by the same run queue. It is
 * callback-based: completions run from the run queue (or at once when the
 * other side was already waiting).
 */
import { CopyResult, type HostCopyResult } from './constants.js';
import { Trap, toTrap, trapIf, type TrapSite } from './errors.js';
import { describeElemType, HostBuffer, U8, type ElemType } from './buffer.js';
import type { Enterable, Runnable } from './scheduler.js';
import type { Store } from './store.js';
import { ReadableStreamEnd, SharedStream, WritableStreamEnd, type CanonOwner, type CopyEnd, type CopyListener, type OnCopyDone, type ReclaimBuffer } from './stream.js';
import { ReadableFutureEnd, SharedFuture, WritableFutureEnd } from './future.js';
import type { ComponentInstance } from './instance.js';
import { requestCancellation, startTask } from './lift.js';
import type { FlatValue, Task } from './task.js';

/** A host peer's call of a guest export (the host is the caller). */
export interface HostSubtask {
  readonly task: Task;
  /** Requests cancellation (spec `request_cancellation`); `onResolve(undefined)` follows once the callee confirms. */
  cancel(): void;
}

const NO_RECLAIM: ReclaimBuffer = () => {};

/** What a host stream copy does when it makes progress or ends: the end's event, whose delivery is `stream_event`. */
function hostStreamListener(end: CopyEnd): CopyListener {
  const event = (result: CopyResult, reclaim: ReclaimBuffer) => () => {
    reclaim();
    end.streamEvent(result);
    return [0, 0, result] as const;
  };
  return {
    onCopy: (reclaim) => end.setPendingEvent(event(CopyResult.COMPLETED, reclaim)),
    onCopyDone: (r) => end.setPendingEvent(event(r, NO_RECLAIM)),
  };
}

/** As `hostStreamListener` for a future copy: its event's delivery is `future_event`. */
function hostFutureOnCopyDone(end: CopyEnd): OnCopyDone {
  return (r) =>
    end.setPendingEvent(() => {
      end.futureEvent(r);
      return [0, 0, r] as const;
    });
}

/** The byte forms of the copies are for elements copied as bytes; typed ones go through `readValues`/`writeValues`. */
function bytesOnly(elem: ElemType, site: TrapSite): void {
  if (elem.typed === true) {
    throw new Trap('type-mismatch', { ...site, detail: `elements of ${describeElemType(elem)} move as values, not bytes (use the values form of this copy)` });
  }
}

export class HostInstance implements Enterable, CanonOwner {
  /** The first error thrown by one of this peer's callbacks. */
  failed: Trap | undefined = undefined;
  private depth = 0;

  constructor(
    readonly store: Store,
    readonly name: string,
  ) {}

  mayEnter(): boolean {
    return this.depth === 0 && this.failed === undefined;
  }

  /**
   * V8 terminated this peer's callback (a deadline's watchdog): reset the
   * entry state no `finally` restored and record `trap`. True when the peer was on the stack.
   */
  abandonStack(trap: Trap): boolean {
    if (this.depth === 0) return false;
    this.depth = 0;
    if (!this.failed) {
      this.failed = trap;
      this.store.trace.push({ kind: 'trap', instance: this.name, task: undefined, code: trap.code, message: trap.message });
    }
    return true;
  }

  private site(builtin: string): TrapSite {
    return { instance: this.name, builtin };
  }

  /** Runs one of this peer's callbacks; an exception is recorded as a trap of this peer. */
  private run(fn: () => void): void {
    this.depth++;
    try {
      fn();
    } catch (e) {
      const t = toTrap(e).locate({ instance: this.name });
      if (!this.failed) {
        this.failed = t;
        this.store.trace.push({ kind: 'trap', instance: this.name, task: undefined, code: t.code, message: t.message });
      }
    } finally {
      this.depth--;
    }
  }

  /** Delivers `end`'s event to `done` now when pending, else from the run queue once it is. */
  private whenEvent(end: CopyEnd, label: string, done: (payload: number) => void): void {
    if (end.hasPendingEvent()) {
      const [, , payload] = end.getPendingEvent();
      this.run(() => done(payload));
      return;
    }
    const r: Runnable = {
      label: `${this.name}: ${label}`,
      owner: this,
      ready: () => end.hasPendingEvent(),
      run: () => {
        const [, , payload] = end.getPendingEvent();
        this.run(() => done(payload));
      },
    };
    this.store.scheduler.add(r);
  }

  /** Runs `fn` later from the run queue, as this peer. */
  defer(fn: () => void, label = 'deferred'): void {
    this.store.scheduler.add({ label: `${this.name}: ${label}`, owner: this, ready: () => true, run: () => this.run(fn) });
  }

  /**
   * Calls export `name` of `target` as an async caller (like an async-lowered
   * import of this peer). The callee starts at once unless it has
   * backpressure. `onResolve` gets the task.return values, or undefined when
   * the call was cancelled; `onTrap` gets the callee's trap. `onCreated`
   * receives the handle before the callee starts (the callee may block, and
   * work run meanwhile may want to cancel it).
   */
  call(
    target: ComponentInstance,
    name: string,
    args: readonly FlatValue[],
    onResolve: (result: FlatValue[] | undefined) => void,
    onTrap: (trap: Trap) => void = () => {},
    onCreated: (sub: HostSubtask) => void = () => {},
  ): HostSubtask {
    const kind = target.liftKind(name);
    trapIf(kind === undefined, 'unresolved-import', { ...this.site(`call ${name}`), detail: `instance ${target.name} has no export "${name}"` });
    target.checkEnter(undefined, { builtin: `${this.name} calls ${name}` });
    const task = target.newTask(name, kind!);
    task.onResolve = (r) => this.run(() => onResolve(r));
    task.onFail = (t) => this.run(() => onTrap(t));
    const sub: HostSubtask = { task, cancel: () => requestCancellation(task) };
    onCreated(sub);
    this.store.startGuarded(() => startTask(task, args));
    this.store.drive();
    return sub;
  }

  streamNew(elem: ElemType = U8): { readable: ReadableStreamEnd; writable: WritableStreamEnd } {
    const shared = new SharedStream(elem);
    return { readable: new ReadableStreamEnd(shared), writable: new WritableStreamEnd(shared) };
  }

  futureNew(elem: ElemType = U8): { readable: ReadableFutureEnd; writable: WritableFutureEnd } {
    const shared = new SharedFuture(elem);
    return { readable: new ReadableFutureEnd(shared), writable: new WritableFutureEnd(shared) };
  }

  /**
   * Starts a read of up to `n` elements. `onDone(result, bytes)` runs from the
   * run queue, or at once when a writer was already waiting. `result.kind` is
   * COMPLETED, DROPPED or CANCELLED (`CopyResultKind`), `result.count` the
   * number of elements in `bytes` (a view of `into` when given).
   */
  read(end: ReadableStreamEnd, n: number, onDone: (result: HostCopyResult, bytes: Uint8Array) => void, into?: Uint8Array): void {
    const site = this.site('host stream.read');
    bytesOnly(end.shared.elem, site);
    // `into` (at least n elements long): the caller's buffer, reused across reads
    const buffer = new HostBuffer(end.shared.elem, n, into);
    end.copy(this, buffer, hostStreamListener(end), site);
    this.whenEvent(end, `read ${n}`, (result) => onDone({ kind: result as CopyResult, count: buffer.progress }, buffer.filled()));
  }

  /** Starts a write of `bytes` (whole elements). `onDone(result, count)` as for `read`. */
  write(end: WritableStreamEnd, bytes: Uint8Array, onDone: (result: HostCopyResult, count: number) => void): void {
    const site = this.site('host stream.write');
    bytesOnly(end.shared.elem, site);
    const size = end.shared.elem.size;
    const n = size === 0 ? 0 : Math.floor(bytes.length / size);
    const buffer = new HostBuffer(end.shared.elem, n, bytes.slice(0, n * size));
    end.copy(this, buffer, hostStreamListener(end), site);
    this.whenEvent(end, `write ${n}`, (result) => onDone({ kind: result as CopyResult, count: buffer.progress }, buffer.progress));
  }

  /** As `read`, for typed elements: `onDone(result, values)` gets the values lifted out of the writer. */
  readValues(end: ReadableStreamEnd, n: number, onDone: (result: HostCopyResult, values: readonly unknown[]) => void): void {
    const site = this.site('host stream.read');
    const buffer = new HostBuffer(end.shared.elem, n);
    end.copy(this, buffer, hostStreamListener(end), site);
    this.whenEvent(end, `read ${n}`, (result) => onDone({ kind: result as CopyResult, count: buffer.progress }, buffer.values));
  }

  /** As `write`, for typed elements: the reader lowers `values` (from `start` on) under its own options. */
  writeValues(end: WritableStreamEnd, values: readonly unknown[], onDone: (result: HostCopyResult, count: number) => void, start = 0): void {
    const site = this.site('host stream.write');
    const n = values.length - start;
    const buffer = new HostBuffer(end.shared.elem, n, undefined, values, start);
    end.copy(this, buffer, hostStreamListener(end), site);
    this.whenEvent(end, `write ${n}`, (result) => onDone({ kind: result as CopyResult, count: buffer.progress }, buffer.progress));
  }

  /** Cancels a pending host read or write; its `onDone` then reports CANCELLED (or the result already there). */
  cancel(end: ReadableStreamEnd | WritableStreamEnd | ReadableFutureEnd | WritableFutureEnd): void {
    end.cancelCopy(this.site('host cancel'));
    if (!end.hasPendingEvent()) end.shared.cancel();
  }

  /**
   * Calls `cb(n)` once the other side of `end` has a read of `n` elements
   * pending that has not received any element yet (at once when it already
   * has). Lets a peer forward on demand: a read that already got elements
   * but whose event was not delivered does not count, so the peer waits for
   * the reader to take what it was given before pulling more. Never called
   * when the stream is dropped first.
   */
  whenReadPending(end: WritableStreamEnd, cb: (n: number) => void): void {
    const shared = end.shared;
    const pending = () =>
      shared.pendingSide === 'read' && shared.pendingInst !== this && shared.pendingBuffer!.progress === 0;
    if (pending()) {
      this.run(() => cb(shared.pendingBuffer!.remain()));
      return;
    }
    const r: Runnable = {
      label: `${this.name}: when read pending`,
      owner: this,
      ready: () => pending() || shared.dropped,
      run: () => {
        if (!shared.dropped || pending()) this.run(() => cb(shared.pendingBuffer!.remain()));
      },
    };
    this.store.scheduler.add(r);
  }

  /** Reads the one value of a future. */
  readFuture(end: ReadableFutureEnd, onDone: (result: HostCopyResult, bytes: Uint8Array) => void): void {
    bytesOnly(end.shared.elem, this.site('host future.read'));
    const buffer = new HostBuffer(end.shared.elem, 1);
    end.copy(this, buffer, hostFutureOnCopyDone(end), this.site('host future.read'));
    this.whenEvent(end, 'future read', (result) => onDone({ kind: result as CopyResult, count: buffer.progress }, buffer.filled()));
  }

  /** Writes the one value of a future. */
  writeFuture(end: WritableFutureEnd, bytes: Uint8Array, onDone: (result: HostCopyResult) => void): void {
    bytesOnly(end.shared.elem, this.site('host future.write'));
    const buffer = new HostBuffer(end.shared.elem, 1, bytes.slice(0, end.shared.elem.size));
    end.copy(this, buffer, hostFutureOnCopyDone(end), this.site('host future.write'));
    this.whenEvent(end, 'future write', (result) => onDone({ kind: result as CopyResult, count: buffer.progress }));
  }

  /** As `readFuture`, for a typed element: `onDone(result, values)` (one value when COMPLETED). */
  readFutureValue(end: ReadableFutureEnd, onDone: (result: HostCopyResult, values: readonly unknown[]) => void): void {
    const buffer = new HostBuffer(end.shared.elem, 1);
    end.copy(this, buffer, hostFutureOnCopyDone(end), this.site('host future.read'));
    this.whenEvent(end, 'future read', (result) => onDone({ kind: result as CopyResult, count: buffer.progress }, buffer.values));
  }

  /** As `writeFuture`, for a typed element. */
  writeFutureValue(end: WritableFutureEnd, value: unknown, onDone: (result: HostCopyResult) => void): void {
    const buffer = new HostBuffer(end.shared.elem, 1, undefined, [value]);
    end.copy(this, buffer, hostFutureOnCopyDone(end), this.site('host future.write'));
    this.whenEvent(end, 'future write', (result) => onDone({ kind: result as CopyResult, count: buffer.progress }));
  }

  dropReadable(end: ReadableStreamEnd | ReadableFutureEnd): void {
    end.drop(this.site('host drop-readable'));
  }

  dropWritable(end: WritableStreamEnd | WritableFutureEnd): void {
    end.drop(this.site('host drop-writable'));
  }
}
