// `future<T>` ends of the public API (a one-value channel), over the same
// runtime operations as streams.

import { COPY_COMPLETED, copyResultKind } from "../abi";
import { Copy, copyOperation } from "./stream";
import { Codec, isNumeric, elementSize } from "./codec";

/** The canonical built-ins of one `future<T>` type (see `StreamType<T>`). */
export class FutureType<T> {
  constructor(
    /** `[future-new-N]`: () -> readable | (writable << 32). */
    public newFn: () => u64,
    /** `[async-lower][future-read-N]`: (readable, ptr) -> copy result or BLOCKED. */
    public readFn: (end: u32, ptr: usize) => u32,
    /** `[async-lower][future-write-N]`: (writable, ptr) -> copy result or BLOCKED. */
    public writeFn: (end: u32, ptr: usize) => u32,
    /** `[future-cancel-read-N]`. */
    public cancelReadFn: (end: u32) => u32,
    /** `[future-cancel-write-N]`. */
    public cancelWriteFn: (end: u32) => u32,
    /** `[future-drop-readable-N]`. */
    public dropReadableFn: (end: u32) => void,
    /** `[future-drop-writable-N]`. */
    public dropWritableFn: (end: u32) => void,
    /** Lift/lower of the value; `null` when `T` is a number type. */
    public codec: Codec<T> | null = null,
  ) {}
}

/** The read of a future's value: `value` once it arrived. */
export class FutureRead<T> extends Copy<T> {
  buf: ArrayBuffer;
  type: FutureType<T>;
  constructor(reader: FutureReader<T>) {
    super();
    const t = reader.type;
    this.type = t;
    this.buf = new ArrayBuffer(<i32>max<u32>(elementSize<T>(t.codec), 1));
    this.op = changetype<usize>(copyOperation(reader.handle, t.readFn.index, t.cancelReadFn.index, changetype<usize>(this.buf), 0, true));
  }
  poll(): bool {
    if (!this.step()) return false;
    if (copyResultKind(this.code) != COPY_COMPLETED) throw new Error("future read: the writer dropped its end without writing");
    const base = changetype<usize>(this.buf);
    const codec = this.type.codec;
    if (codec !== null) this.value = codec.load(base);
    else if (isNumeric<T>()) this.value = load<T>(base);
    return true;
  }
}

/** The write of a future's value: `value` is true when the reader took it, false when it had dropped its end. */
export class FutureWrite<T> extends Copy<bool> {
  buf: ArrayBuffer;
  constructor(writer: FutureWriter<T>, v: T) {
    super();
    const t = writer.type;
    this.buf = new ArrayBuffer(<i32>max<u32>(elementSize<T>(t.codec), 1));
    const base = changetype<usize>(this.buf);
    const codec = t.codec;
    if (codec !== null) codec.store(base, v);
    else if (isNumeric<T>()) store<T>(base, v);
    this.op = changetype<usize>(copyOperation(writer.handle, t.writeFn.index, t.cancelWriteFn.index, base, 0, true));
  }
  poll(): bool {
    if (!this.step()) return false;
    this.value = copyResultKind(this.code) == COPY_COMPLETED;
    return true;
  }
}

/** The readable end of a `future<T>`. */
export class FutureReader<T> {
  constructor(public handle: u32, public type: FutureType<T>) {}
  /** Read the value (once). */
  read(): FutureRead<T> {
    return new FutureRead<T>(this);
  }
  /** Drop the end (`[future-drop-readable-N]`). */
  drop(): void {
    if (this.handle == 0) return;
    this.type.dropReadableFn(this.handle);
    this.handle = 0;
  }
  /** Give the handle away; this object forgets it. */
  take(): u32 {
    const h = this.handle;
    this.handle = 0;
    return h;
  }
}

/** The writable end of a `future<T>`. */
export class FutureWriter<T> {
  constructor(public handle: u32, public type: FutureType<T>) {}
  /** Write the value (once). */
  write(v: T): FutureWrite<T> {
    return new FutureWrite<T>(this, v);
  }
  /** Drop the end (`[future-drop-writable-N]`; the canonical ABI traps if nothing was written). */
  drop(): void {
    if (this.handle == 0) return;
    this.type.dropWritableFn(this.handle);
    this.handle = 0;
  }
  /** Give the handle away; this object forgets it. */
  take(): u32 {
    const h = this.handle;
    this.handle = 0;
    return h;
  }
}

/** Both ends of a new future. */
export class FuturePair<T> {
  constructor(public reader: FutureReader<T>, public writer: FutureWriter<T>) {}
}

/** A new `future<T>` (`[future-new-N]`). */
export function futureNew<T>(type: FutureType<T>): FuturePair<T> {
  const ends = type.newFn();
  return new FuturePair<T>(new FutureReader<T>(<u32>ends, type), new FutureWriter<T>(<u32>(ends >> 32), type));
}
