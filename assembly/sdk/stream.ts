// `stream<T>` ends of the public API over the runtime's importer
// (WaitableOperation: every copy registers with the current task through the
// wasip3 task ABI, V1 or V2 as built).
//
// The canonical built-ins of a stream type are imported per use in the WIT
// (`[stream-new-N]<func>` in the interface of the function whose type
// mentions it); the glue declares them and hands them over as a
// `StreamType<T>`.

import { WaitableOperation, operationNew, operationPoll, operationDrop } from "../waitable";
import { COPY_COMPLETED, COPY_DROPPED, copyResultKind, copyResultCount } from "../abi";
import { Future } from "./future";
import { Codec, isNumeric, elementSize } from "./codec";

/**
 * The canonical built-ins of one `stream<T>` type, as functions with a
 * table index (an `@external` function has none: glue wraps each import
 * in a plain function), plus the element codec (`null` for numbers).
 */
export class StreamType<T> {
  constructor(
    /** `[stream-new-N]`: () -> readable | (writable << 32). */
    public newFn: () => u64,
    /** `[async-lower][stream-read-N]`: (readable, ptr, n) -> copy result or BLOCKED. */
    public readFn: (end: u32, ptr: usize, n: u32) => u32,
    /** `[async-lower][stream-write-N]`: (writable, ptr, n) -> copy result or BLOCKED. */
    public writeFn: (end: u32, ptr: usize, n: u32) => u32,
    /** `[stream-cancel-read-N]`: (readable) -> copy result. */
    public cancelReadFn: (end: u32) => u32,
    /** `[stream-cancel-write-N]`: (writable) -> copy result. */
    public cancelWriteFn: (end: u32) => u32,
    /** `[stream-drop-readable-N]`. */
    public dropReadableFn: (end: u32) => void,
    /** `[stream-drop-writable-N]`. */
    public dropWritableFn: (end: u32) => void,
    /** Lift/lower of one element; `null` when `T` is a number type. */
    public codec: Codec<T> | null = null,
  ) {}
}

// ---- the copy as a runtime operation ---------------------------------------

/** The managed future behind an operation (kept in its `inline` word). */
@unmanaged
class OpRef {
  copyFn: u32;
  cancelFn: u32;
}

function copyStart(self: usize): u32 {
  const op = changetype<WaitableOperation>(self);
  const ref = changetype<OpRef>(self + offsetof<WaitableOperation>("inline"));
  return call_indirect<u32>(ref.copyFn, op.handle, op.buf, op.len);
}
function futureCopyStart(self: usize): u32 {
  const op = changetype<WaitableOperation>(self);
  const ref = changetype<OpRef>(self + offsetof<WaitableOperation>("inline"));
  return call_indirect<u32>(ref.copyFn, op.handle, op.buf);
}
function copyCancel(self: usize): u32 {
  const op = changetype<WaitableOperation>(self);
  const ref = changetype<OpRef>(self + offsetof<WaitableOperation>("inline"));
  return call_indirect<u32>(ref.cancelFn, op.handle);
}
function opPoll(self: usize): bool {
  return operationPoll(changetype<WaitableOperation>(self));
}
function opDrop(self: usize): void {
  operationDrop(changetype<WaitableOperation>(self));
}

/**
 * A runtime operation copying `len` elements at `buf` on `end` with
 * `copyFn`: fn(end, ptr, n) for a stream, fn(end, ptr) for a future (`future` true).
 */
export function copyOperation(end: u32, copyFn: u32, cancelFn: u32, buf: usize, len: u32, future: bool = false): WaitableOperation {
  const op = operationNew(end, future ? futureCopyStart.index : copyStart.index, copyCancel.index, opPoll.index, opDrop.index);
  const ref = changetype<OpRef>(changetype<usize>(op) + offsetof<WaitableOperation>("inline"));
  ref.copyFn = copyFn;
  ref.cancelFn = cancelFn;
  op.buf = buf;
  op.len = len;
  return op;
}

/**
 * One copy in flight, as a future: polls the operation, which registers
 * with the current task; when it completed, `code` holds the copy result
 * and the operation is freed. Cancelling frees it too (unregister, then the
 * canonical cancel).
 */
export abstract class Copy<V> extends Future<V> {
  op: usize = 0;
  /** The copy result (`COPY_COMPLETED`, `COPY_DROPPED`, `COPY_CANCELLED` | count << 4). */
  code: u32 = 0;
  /** Step the operation; true when it completed (`code` is set). */
  protected step(): bool {
    const op = this.op;
    if (op == 0) return true;
    if (!operationPoll(changetype<WaitableOperation>(op))) return false;
    this.code = changetype<WaitableOperation>(op).code;
    operationDrop(changetype<WaitableOperation>(op));
    this.op = 0;
    return true;
  }
  cancel(): void {
    const op = this.op;
    if (op == 0) return;
    this.op = 0;
    operationDrop(changetype<WaitableOperation>(op));
  }
  /** The other end was dropped (the copy result was DROPPED). */
  get dropped(): bool {
    return copyResultKind(this.code) == COPY_DROPPED;
  }
  /** Elements the copy moved. */
  get count(): u32 {
    return copyResultCount(this.code);
  }
}

// ---- reading ---------------------------------------------------------------

/** A read of up to `max` elements: `value` is what arrived (maybe fewer; empty and `dropped` at the end). */
export class StreamRead<T> extends Copy<Array<T>> {
  buf: ArrayBuffer;
  type: StreamType<T>;
  constructor(reader: StreamReader<T>, max: u32) {
    super();
    const t = reader.type;
    this.type = t;
    this.buf = new ArrayBuffer(<i32>(max * elementSize<T>(t.codec)));
    this.op = changetype<usize>(copyOperation(reader.handle, t.readFn.index, t.cancelReadFn.index, changetype<usize>(this.buf), max));
  }
  poll(): bool {
    if (!this.step()) return false;
    const n = <i32>this.count;
    const out = new Array<T>(n);
    const base = changetype<usize>(this.buf);
    const codec = this.type.codec;
    if (codec !== null) {
      for (let i = 0; i < n; i++) out[i] = codec.load(base + <usize>i * codec.size);
    } else if (isNumeric<T>()) {
      memory.copy(out.dataStart, base, <usize>n * sizeof<T>());
    }
    this.value = out;
    return true;
  }
}

/** A read of up to `max` bytes of a numeric stream into an `ArrayBuffer` (`value`, exactly the bytes that arrived). */
export class StreamReadBytes<T> extends Copy<ArrayBuffer> {
  buf: ArrayBuffer;
  constructor(reader: StreamReader<T>, max: u32) {
    super();
    if (!isNumeric<T>()) ERROR("readBytes needs a stream of a number type");
    const t = reader.type;
    if (t.codec !== null) throw new Error("readBytes: this stream's elements go through a codec");
    this.buf = new ArrayBuffer(<i32>(max * <u32>sizeof<T>()));
    this.op = changetype<usize>(copyOperation(reader.handle, t.readFn.index, t.cancelReadFn.index, changetype<usize>(this.buf), max));
  }
  poll(): bool {
    if (!this.step()) return false;
    const bytes = <i32>(this.count * <u32>sizeof<T>());
    this.value = bytes == this.buf.byteLength ? this.buf : this.buf.slice(0, bytes);
    return true;
  }
}

/** The readable end of a `stream<T>`. */
export class StreamReader<T> {
  constructor(public handle: u32, public type: StreamType<T>) {}
  /** Read up to `max` elements. One read at a time per end. */
  read(max: u32): StreamRead<T> {
    return new StreamRead<T>(this, max);
  }
  /** Read up to `max` elements of a number type as raw bytes. */
  readBytes(max: u32): StreamReadBytes<T> {
    return new StreamReadBytes<T>(this, max);
  }
  /** Drop the end (`[stream-drop-readable-N]`); the writer then sees DROPPED. */
  drop(): void {
    if (this.handle == 0) return;
    this.type.dropReadableFn(this.handle);
    this.handle = 0;
  }
  /** Give the handle away (to pass it to an import or return it); this object forgets it. */
  take(): u32 {
    const h = this.handle;
    this.handle = 0;
    return h;
  }
}

// ---- writing ---------------------------------------------------------------

/**
 * A write of every element in `buf` (lowered already): copies again after a
 * partial write until all went or the reader dropped its end. `value` is
 * the number of elements written; `dropped` says whether the reader left.
 */
export class StreamWrite<T> extends Copy<u32> {
  buf: ArrayBuffer;
  writer: StreamWriter<T>;
  total: u32;
  written: u32 = 0;
  constructor(writer: StreamWriter<T>, buf: ArrayBuffer, total: u32) {
    super();
    this.writer = writer;
    this.buf = buf;
    this.total = total;
    this.start();
  }
  private start(): void {
    const t = this.writer.type;
    const size = elementSize<T>(t.codec);
    this.op = changetype<usize>(copyOperation(this.writer.handle, t.writeFn.index, t.cancelWriteFn.index,
      changetype<usize>(this.buf) + <usize>(this.written * size), this.total - this.written));
  }
  poll(): bool {
    for (;;) {
      if (!this.step()) return false;
      this.written += this.count;
      if (copyResultKind(this.code) != COPY_COMPLETED || this.written >= this.total) break;
      this.start();
    }
    this.value = this.written;
    return true;
  }
}

/** The writable end of a `stream<T>`. */
export class StreamWriter<T> {
  constructor(public handle: u32, public type: StreamType<T>) {}
  /** Write every element of `values` (lowered into a buffer first). One write at a time per end. */
  write(values: Array<T>): StreamWrite<T> {
    const n = values.length;
    const t = this.type;
    const size = elementSize<T>(t.codec);
    const buf = new ArrayBuffer(<i32>(<u32>n * size));
    const codec = t.codec;
    if (codec !== null) {
      for (let i = 0; i < n; i++) codec.store(changetype<usize>(buf) + <usize>i * size, values[i]);
    } else if (isNumeric<T>()) {
      memory.copy(changetype<usize>(buf), values.dataStart, <usize>n * sizeof<T>());
    }
    return new StreamWrite<T>(this, buf, <u32>n);
  }
  /** Write raw bytes to a stream of a number type (`data.byteLength` must be a multiple of the element size). */
  writeBytes(data: ArrayBuffer): StreamWrite<T> {
    if (!isNumeric<T>()) ERROR("writeBytes needs a stream of a number type");
    if (this.type.codec !== null) throw new Error("writeBytes: this stream's elements go through a codec");
    return new StreamWrite<T>(this, data, <u32>data.byteLength / <u32>sizeof<T>());
  }
  /** Write a string as UTF-8 to a `stream<u8>`. */
  writeString(text: string): StreamWrite<T> {
    if (!(isInteger<T>() && sizeof<T>() == 1)) ERROR("writeString needs a stream<u8>");
    return this.writeBytes(String.UTF8.encode(text));
  }
  /** Drop the end (`[stream-drop-writable-N]`): the reader sees the end of the stream. */
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

/** Both ends of a new stream. */
export class StreamPair<T> {
  constructor(public reader: StreamReader<T>, public writer: StreamWriter<T>) {}
}

/** A new `stream<T>` (`[stream-new-N]`): keep one end, pass the other on (`take()`). */
export function streamNew<T>(type: StreamType<T>): StreamPair<T> {
  const ends = type.newFn();
  return new StreamPair<T>(new StreamReader<T>(<u32>ends, type), new StreamWriter<T>(<u32>(ends >> 32), type));
}
