import { CopyResult, CopyState } from './constants.js';
import { trapIf, type TrapSite } from './errors.js';
import { checkCopyTransition, COPY_TRANSITIONS, isCopying, type CopyTransition } from './copy-state.js';

const { copy: COPY, cancel_copy: CANCEL_COPY, stream_event: STREAM_EVENT, future_event: FUTURE_EVENT, drop: DROP } = COPY_TRANSITIONS;
/** The rows' next states, read once: the result-independent ones as a state, the events' per result. */
const AFTER_COPY = COPY.next![CopyResult.COMPLETED];
const AFTER_CANCEL_COPY = CANCEL_COPY.next![CopyResult.COMPLETED];
const AFTER_STREAM_EVENT = STREAM_EVENT.next!;
const AFTER_FUTURE_EVENT = FUTURE_EVENT.next!;
import { moveElements, type ElemType, type ReadableBuffer, type WritableBuffer } from './buffer.js';
import { Waitable } from './waitable.js';

/** Anything that owns stream ends and takes part in copies: a ComponentInstance or a HostInstance. */
export interface CanonOwner {
  readonly name: string;
}

/** Gives the pending side its buffer back; called when the pending side's event is delivered. */
export type ReclaimBuffer = () => void;
/** Called on the pending side when some elements were copied to or from its buffer. */
export type OnCopy = (reclaim: ReclaimBuffer) => void;
/** Called when a copy ends with a result. */
export type OnCopyDone = (result: CopyResult) => void;

/** The side of a copy that gets told what happened to it (an object, so one per copy, not two closures). */
export interface CopyListener {
  /** Some elements were copied to or from this side's buffer while it was the pending side. */
  onCopy(reclaim: ReclaimBuffer): void;
  /** The copy ended with `result`. */
  onCopyDone(result: CopyResult): void;
}

/**
 * The state shared by the two ends of one stream (spec `SharedStreamImpl`):
 * a rendezvous. A read or write that finds the other side pending copies
 * min(remaining) elements at once; otherwise it becomes the pending side.
 */
export class SharedStream {
  dropped = false;
  pendingInst: CanonOwner | undefined = undefined;
  pendingBuffer: ReadableBuffer | WritableBuffer | undefined = undefined;
  /** Which side is pending: the reader (its buffer is written into) or the writer. */
  pendingSide: 'read' | 'write' | undefined = undefined;
  private pendingListener: CopyListener | undefined = undefined;

  constructor(readonly elem: ElemType) {}

  private setPending(
    inst: CanonOwner | undefined,
    side: 'read' | 'write' | undefined,
    buffer: ReadableBuffer | WritableBuffer | undefined,
    listener: CopyListener | undefined,
  ): void {
    this.pendingInst = inst;
    this.pendingSide = side;
    this.pendingBuffer = buffer;
    this.pendingListener = listener;
  }

  resetPending(): void {
    this.setPending(undefined, undefined, undefined, undefined);
  }

  /** Given to the pending side with `onCopy`: made once per stream (on its first copy), not per copy. */
  private reclaimFn: ReclaimBuffer | undefined = undefined;
  private get reclaim(): ReclaimBuffer {
    return (this.reclaimFn ??= () => this.resetPending());
  }

  private resetAndNotifyPending(result: CopyResult): void {
    const listener = this.pendingListener;
    this.resetPending();
    listener?.onCopyDone(result);
  }

  /** The pending side cancels its copy. */
  cancel(): void {
    this.resetAndNotifyPending(CopyResult.CANCELLED);
  }

  /** One end went away: the other side's pending copy ends DROPPED. */
  drop(): void {
    if (!this.dropped) {
      this.dropped = true;
      if (this.pendingBuffer !== undefined) this.resetAndNotifyPending(CopyResult.DROPPED);
    }
  }

  /** The spec's same-instance rule (marked temporary there). */
  private checkSameInstance(inst: CanonOwner, site: TrapSite): void {
    trapIf(inst === this.pendingInst && this.elem.numeric === false, 'same-instance-copy', site);
  }

  read(inst: CanonOwner, dst: WritableBuffer, listener: CopyListener, site: TrapSite): void {
    if (this.dropped) {
      listener.onCopyDone(CopyResult.DROPPED);
    } else if (this.pendingBuffer === undefined) {
      this.setPending(inst, 'read', dst, listener);
    } else {
      this.checkSameInstance(inst, site);
      const src = this.pendingBuffer as ReadableBuffer;
      if (src.remain() > 0) {
        if (dst.remain() > 0) {
          const n = Math.min(dst.remain(), src.remain());
          moveElements(src, dst, n);
          this.pendingListener!.onCopy(this.reclaim);
        }
        listener.onCopyDone(CopyResult.COMPLETED);
      } else {
        // A zero-length write was waiting: complete it and wait ourselves.
        this.resetAndNotifyPending(CopyResult.COMPLETED);
        this.setPending(inst, 'read', dst, listener);
      }
    }
  }

  write(inst: CanonOwner, src: ReadableBuffer, listener: CopyListener, site: TrapSite): void {
    if (this.dropped) {
      listener.onCopyDone(CopyResult.DROPPED);
    } else if (this.pendingBuffer === undefined) {
      this.setPending(inst, 'write', src, listener);
    } else {
      this.checkSameInstance(inst, site);
      const dst = this.pendingBuffer as WritableBuffer;
      if (dst.remain() > 0) {
        if (src.remain() > 0) {
          const n = Math.min(src.remain(), dst.remain());
          moveElements(src, dst, n);
          this.pendingListener!.onCopy(this.reclaim);
        }
        listener.onCopyDone(CopyResult.COMPLETED);
      } else if (src.isZeroLength() && dst.isZeroLength()) {
        listener.onCopyDone(CopyResult.COMPLETED);
      } else {
        // A zero-length read was waiting (readiness probe): complete it and wait ourselves.
        this.resetAndNotifyPending(CopyResult.COMPLETED);
        this.setPending(inst, 'write', src, listener);
      }
    }
  }
}

/**
 * One end of a stream or future (spec `CopyEnd`); a waitable. Its `state`
 * changes only through the named transitions of copy-state.ts, each made by
 * one method here: `copy` by `startCopy` (called by the subclasses' `copy`),
 * `cancel_copy` by `cancelCopy`, `stream_event` by `streamEvent`,
 * `future_event` by `futureEvent`, `drop` by `drop`. The `may*` / `check*`
 * methods are the guards, for callers that must trap before other checks.
 */
export abstract class CopyEnd extends Waitable {
  private copyState: CopyState = CopyState.IDLE;
  abstract readonly shared: { readonly elem: ElemType; drop(): void; cancel(): void };

  /** Spec `CopyEnd.state` (read-only: change it through a transition). */
  get state(): CopyState {
    return this.copyState;
  }

  /** Spec `CopyEnd.copying()`. */
  copying(): boolean {
    return isCopying(this.copyState);
  }

  // Each transition reads its own row of the table (its `fromMask` and
  // `next`, taken out once above), so the copy path makes no lookup by name.

  /**
   * Whether `copy` may happen now (the guard's fast path: the copy path tests
   * this first and builds no trap site unless it fails).
   */
  mayCopy(): boolean {
    return (COPY.fromMask & (1 << this.copyState)) !== 0;
  }

  /** Whether `cancel_copy` may happen now (no synchronous waiter, a copy in progress). */
  mayCancelCopy(): boolean {
    return !this.hasSyncWaiter && (CANCEL_COPY.fromMask & (1 << this.copyState)) !== 0;
  }

  /** Spec `trap_if(e.state != CopyState.IDLE)` of `stream_copy` / `future_copy`: the guard of `copy`. */
  checkCopy(site: TrapSite): void {
    const s = this.copyState;
    if ((COPY.fromMask & (1 << s)) === 0) {
      const name = `${this.kindName}${site.handle === undefined ? '' : ` ${site.handle}`}`;
      const detail = s === CopyState.DONE
        ? `${name} is done: a copy on it reported DROPPED (the other end is gone), and a done end takes no further copies`
        : `${name} already has a ${this.readable ? 'read' : 'write'} pending`;
      checkCopyTransition('copy', s, site, detail);
    }
  }

  /** Transition `copy` (spec `e.state = CopyState.COPYING`): the subclasses' `copy`, and the guest's stream copy before its shared copy. */
  startCopy(site: TrapSite): void {
    if (!this.mayCopy()) this.checkCopy(site);
    this.copyState = AFTER_COPY;
  }

  /** Spec `trap_if(e.state != CopyState.COPYING or e.has_sync_waiter)` of `cancel_copy`. */
  checkCancelCopy(site: TrapSite): void {
    trapIf(this.hasSyncWaiter, 'not-copying', site);
    const s = this.copyState;
    if ((CANCEL_COPY.fromMask & (1 << s)) === 0) checkCopyTransition('cancel_copy', s, site);
  }

  /** Transition `cancel_copy` (spec `e.state = CopyState.CANCELLING_COPY`); the caller then cancels the shared copy. */
  cancelCopy(site: TrapSite): void {
    if (!this.mayCancelCopy()) this.checkCancelCopy(site);
    this.copyState = AFTER_CANCEL_COPY;
  }

  /** Transition `stream_event`: the stream copy's event is being delivered with `result`. */
  streamEvent(result: CopyResult): void {
    const s = this.copyState;
    if ((STREAM_EVENT.fromMask & (1 << s)) === 0) this.illegal('stream_event', s);
    this.copyState = AFTER_STREAM_EVENT[result];
  }

  /** Transition `future_event`: the future copy's event is being delivered with `result`. */
  futureEvent(result: CopyResult): void {
    const s = this.copyState;
    if ((FUTURE_EVENT.fromMask & (1 << s)) === 0) this.illegal('future_event', s);
    this.copyState = AFTER_FUTURE_EVENT[result];
  }

  private illegal(t: CopyTransition, s: CopyState): never {
    checkCopyTransition(t, s, { builtin: `${this.kindName} ${t}` });
    throw new Error(`internal: ${t} from state ${s} was not refused`);
  }

  /** Spec `CopyEnd.drop`: no copy may be in progress (transition `drop`, which keeps the state). */
  drop(site: TrapSite): void {
    const s = this.copyState;
    if ((DROP.fromMask & (1 << s)) === 0) checkCopyTransition('drop', s, site);
    this.shared.drop();
    this.dropWaitable();
  }

  abstract get kindName(): string;
  /** The end reads (a readable end) rather than writes. */
  abstract get readable(): boolean;
}

export class ReadableStreamEnd extends CopyEnd {
  constructor(readonly shared: SharedStream) {
    super();
  }
  get kindName(): string {
    return 'readable stream end';
  }
  get readable(): boolean {
    return true;
  }
  /** Spec `ReadableStreamEnd.copy`, after the transition `copy`. */
  copy(inst: CanonOwner, dst: WritableBuffer, listener: CopyListener, site: TrapSite): void {
    this.startCopy(site);
    this.shared.read(inst, dst, listener, site);
  }
}

export class WritableStreamEnd extends CopyEnd {
  constructor(readonly shared: SharedStream) {
    super();
  }
  get kindName(): string {
    return 'writable stream end';
  }
  get readable(): boolean {
    return false;
  }
  /** Spec `WritableStreamEnd.copy`, after the transition `copy`. */
  copy(inst: CanonOwner, src: ReadableBuffer, listener: CopyListener, site: TrapSite): void {
    this.startCopy(site);
    this.shared.write(inst, src, listener, site);
  }
}
