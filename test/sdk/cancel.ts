// An SDK component for test/sdk.test.ts: a read raced against yields, and
// cancelled when the yields run out (or by the caller); and a synchronous
// export running futures with blockOn.
import {
  Future, StreamType, StreamReader, StreamRead, Yield, yield_, startTask, continueTask, spawn, blockOn,
} from "wasip3-task-shim/assembly/sdk";

@external("[export]$root", "[stream-new-0]first-byte")
declare function stream_new(): u64;
@external("[export]$root", "[async-lower][stream-read-0]first-byte")
declare function stream_read(end: u32, ptr: usize, n: u32): u32;
@external("[export]$root", "[async-lower][stream-write-0]first-byte")
declare function stream_write(end: u32, ptr: usize, n: u32): u32;
@external("[export]$root", "[stream-cancel-read-0]first-byte")
declare function stream_cancel_read(end: u32): u32;
@external("[export]$root", "[stream-cancel-write-0]first-byte")
declare function stream_cancel_write(end: u32): u32;
@external("[export]$root", "[stream-drop-readable-0]first-byte")
declare function stream_drop_readable(end: u32): void;
@external("[export]$root", "[stream-drop-writable-0]first-byte")
declare function stream_drop_writable(end: u32): void;
@external("[export]$root", "[task-return]first-byte")
declare function first_byte_return(value: u32): void;

const BYTES = new StreamType<u8>(
  (): u64 => stream_new(),
  (e: u32, p: usize, n: u32): u32 => stream_read(e, p, n),
  (e: u32, p: usize, n: u32): u32 => stream_write(e, p, n),
  (e: u32): u32 => stream_cancel_read(e),
  (e: u32): u32 => stream_cancel_write(e),
  (e: u32): void => stream_drop_readable(e),
  (e: u32): void => stream_drop_writable(e),
);

class FirstByte extends Future<u32> {
  read: StreamRead<u8> | null = null;
  pause: Yield | null = null;
  yields: u32 = 0;
  constructor(public input: StreamReader<u8>, public patience: u32) {
    super();
  }
  poll(): bool {
    if (this.read === null) this.read = this.input.read(1);
    if (this.read!.poll()) {
      const got = this.read!.value;
      this.value = got.length > 0 ? <u32>got[0] : 0xffff_fffe; // 0xfffffffe: the writer dropped
    } else {
      if (this.patience == 0xffff_ffff) return false; // wait for the byte (the read is registered)
      if (this.pause !== null && !this.pause!.poll()) return false;
      if (this.yields < this.patience) {
        this.yields++;
        this.pause = yield_();
        this.pause!.poll();
        return false;
      }
      this.read!.cancel(); // unregisters the read, then stream.cancel-read
      this.value = 0xffff_ffff;
    }
    this.input.drop();
    return true;
  }
  /** The task was cancelled: cancel the read in flight and drop the end. */
  cancel(): void {
    if (this.read !== null) this.read!.cancel();
    this.input.drop();
  }
}

function returnFirstByte(f: Future<u32>): void {
  first_byte_return(f.value);
}

// @ts-ignore: decorator
@exportName("[async-lift]first-byte")
export function first_byte_lift(s: u32, patience: u32): u32 {
  return startTask<u32>(new FirstByte(new StreamReader<u8>(s, BYTES), patience), returnFirstByte);
}

// @ts-ignore: decorator
@exportName("[callback][async-lift]first-byte")
export function first_byte_callback(event: u32, waitable: u32, payload: u32): u32 {
  return continueTask(event, waitable, payload);
}

// ---- count-sync: blockOn, spawn and yield_ inside a nested task ------------

/** Counts to `n`, yielding between steps; `value` is `n`. */
class Count extends Future<u32> {
  pause: Yield | null = null;
  constructor(public n: u32, public total: Counter | null) {
    super();
    this.value = 0;
  }
  poll(): bool {
    while (this.value < this.n) {
      if (this.pause !== null && !this.pause!.poll()) return false;
      this.value++;
      if (this.total !== null) this.total!.count++;
      this.pause = yield_();
    }
    return true;
  }
}

class Counter {
  count: u32 = 0;
}

/** Spawns a Count that adds to `counter` while it counts itself. */
class Outer extends Future<u32> {
  started: bool = false;
  inner: Count;
  counter: Counter = new Counter();
  constructor(public n: u32) {
    super();
    this.inner = new Count(n, null);
  }
  poll(): bool {
    if (!this.started) {
      spawn(new Count(this.n, this.counter));
      this.started = true;
    }
    if (!this.inner.poll()) return false;
    this.value = this.inner.value;
    return true;
  }
}

// @ts-ignore: decorator
@exportName("count-sync")
export function count_sync(n: u32): u32 {
  const outer = new Outer(n);
  const own = blockOn<u32>(outer);
  // blockOn returns once the spawned counter finished too.
  return own + outer.counter.count;
}
