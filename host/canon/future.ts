import { CopyResult, CopyState } from './constants.js';
import { trapIf, type TrapSite } from './errors.js';
import { moveElements, type ElemType, type ReadableBuffer, type WritableBuffer } from './buffer.js';
import { CopyEnd, type CanonOwner, type OnCopyDone } from './stream.js';

/**
 * The state shared by the two ends of one future (spec `SharedFutureImpl`):
 * a one-element rendezvous. The reader never sees DROPPED: the writer may
 * only drop its end once a write reported COMPLETED or DROPPED (a write after
 * the reader went away reports DROPPED at once; `WritableFutureEnd.drop`).
 * The one exception is a writer whose instance trapped: the host then drops
 * its ends and a reader gets DROPPED.
 */
export class SharedFuture {
  dropped = false;
  pendingInst: CanonOwner | undefined = undefined;
  pendingBuffer: ReadableBuffer | WritableBuffer | undefined = undefined;
  pendingSide: 'read' | 'write' | undefined = undefined;
  private pendingOnCopyDone: OnCopyDone | undefined = undefined;

  constructor(readonly elem: ElemType) {}

  private setPending(
    inst: CanonOwner | undefined,
    side: 'read' | 'write' | undefined,
    buffer: ReadableBuffer | WritableBuffer | undefined,
    onCopyDone: OnCopyDone | undefined,
  ): void {
    this.pendingInst = inst;
    this.pendingSide = side;
    this.pendingBuffer = buffer;
    this.pendingOnCopyDone = onCopyDone;
  }

  private resetAndNotifyPending(result: CopyResult): void {
    const done = this.pendingOnCopyDone;
    this.setPending(undefined, undefined, undefined, undefined);
    done?.(result);
  }

  cancel(): void {
    this.resetAndNotifyPending(CopyResult.CANCELLED);
  }

  drop(): void {
    if (!this.dropped) {
      this.dropped = true;
      if (this.pendingBuffer !== undefined) this.resetAndNotifyPending(CopyResult.DROPPED);
    }
  }

  private checkSameInstance(inst: CanonOwner, site: TrapSite): void {
    trapIf(inst === this.pendingInst && this.elem.numeric === false, 'same-instance-copy', site);
  }

  read(inst: CanonOwner, dst: WritableBuffer, onCopyDone: OnCopyDone, site: TrapSite): void {
    if (this.dropped) {
      onCopyDone(CopyResult.DROPPED); // only after the writer's instance trapped
    } else if (this.pendingBuffer === undefined) {
      this.setPending(inst, 'read', dst, onCopyDone);
    } else {
      this.checkSameInstance(inst, site);
      moveElements(this.pendingBuffer as ReadableBuffer, dst, 1);
      this.resetAndNotifyPending(CopyResult.COMPLETED);
      onCopyDone(CopyResult.COMPLETED);
    }
  }

  write(inst: CanonOwner, src: ReadableBuffer, onCopyDone: OnCopyDone, site: TrapSite): void {
    if (this.dropped) {
      onCopyDone(CopyResult.DROPPED);
    } else if (this.pendingBuffer === undefined) {
      this.setPending(inst, 'write', src, onCopyDone);
    } else {
      this.checkSameInstance(inst, site);
      moveElements(src, this.pendingBuffer as WritableBuffer, 1);
      this.resetAndNotifyPending(CopyResult.COMPLETED);
      onCopyDone(CopyResult.COMPLETED);
    }
  }
}

export class ReadableFutureEnd extends CopyEnd {
  constructor(readonly shared: SharedFuture) {
    super();
  }
  get kindName(): string {
    return 'readable future end';
  }
  get readable(): boolean {
    return true;
  }
  /** Spec `ReadableFutureEnd.copy`, after the transition `copy`. */
  copy(inst: CanonOwner, dst: WritableBuffer, onCopyDone: OnCopyDone, site: TrapSite): void {
    this.startCopy(site);
    this.shared.read(inst, dst, onCopyDone, site);
  }
}

export class WritableFutureEnd extends CopyEnd {
  constructor(readonly shared: SharedFuture) {
    super();
  }
  get kindName(): string {
    return 'writable future end';
  }
  get readable(): boolean {
    return false;
  }
  /** Spec `WritableFutureEnd.copy`, after the transition `copy`. */
  copy(inst: CanonOwner, src: ReadableBuffer, onCopyDone: OnCopyDone, site: TrapSite): void {
    this.startCopy(site);
    this.shared.write(inst, src, onCopyDone, site);
  }
  /** Spec: the writable end of a future may be dropped only once it is DONE. */
  override drop(site: TrapSite): void {
    trapIf(this.state !== CopyState.DONE, 'future-write-not-done', site);
    super.drop(site);
  }
}
