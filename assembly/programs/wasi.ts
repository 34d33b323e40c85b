// What the project's WASI 0.3 programs (assembly/programs/*.ts, worlds of
// wit/programs.wit) share: the raw canonical built-ins and WASI imports by
// their wit-component names, and `Out`, a byte stream to the host written in
// order (stdout's `write-via-stream`, or a file's).
//
// Written against the raw imports on purpose (small, no framework): each
// program is one callback-lifted `run` whose callback feeds events to the
// objects here and returns WAIT until its work is done. They are meant to be
// ported to the public AssemblyScript API (assembly/sdk/) once it exists;
// the state machines below are what that API's futures would hide.
//
// An import declared here and not used by a program is not imported by it
// (asc only emits what is called), so one file serves every world.

import { EVENT_STREAM_READ, EVENT_STREAM_WRITE, EVENT_SUBTASK, EVENT_FUTURE_READ } from "../abi";

export const BLOCKED: u32 = 0xffff_ffff;
export const COPY_DROPPED: u32 = 1;
/** Subtask states in the low 4 bits of an async-lowered call's result. */
export const RETURNED: u32 = 2;
export const CALLBACK_EXIT: u32 = 0;
export const CALLBACK_WAIT: u32 = 2;
export { EVENT_STREAM_READ, EVENT_STREAM_WRITE, EVENT_SUBTASK, EVENT_FUTURE_READ };

// --- canonical built-ins
@external("$root", "[waitable-set-new]")
export declare function waitable_set_new(): u32;
@external("$root", "[waitable-join]")
export declare function waitable_join(waitable: u32, set: u32): void;
@external("$root", "[subtask-drop]")
export declare function subtask_drop(subtask: u32): void;
@external("[export]wasi:cli/run@0.3.0", "[task-return]run")
export declare function run_return(isErr: u32): void;

// --- wasi:cli
@external("wasi:cli/environment@0.3.0", "get-arguments")
declare function get_arguments(resultPtr: usize): void;
@external("wasi:cli/exit@0.3.0", "exit-with-code")
export declare function exit_with_code(code: u32): void;

@external("wasi:cli/stdout@0.3.0", "[async-lower]write-via-stream")
declare function stdout_write_via_stream(readable: u32, resultPtr: usize): u32;
@external("wasi:cli/stdout@0.3.0", "[stream-new-0]write-via-stream")
declare function stream_new(): u64;
@external("wasi:cli/stdout@0.3.0", "[async-lower][stream-write-0]write-via-stream")
declare function stream_write(writable: u32, ptr: usize, n: u32): u32;
@external("wasi:cli/stdout@0.3.0", "[stream-drop-writable-0]write-via-stream")
declare function stream_drop_writable(writable: u32): void;

@external("wasi:cli/stdin@0.3.0", "read-via-stream")
declare function stdin_read_via_stream(resultPtr: usize): void;
@external("wasi:cli/stdin@0.3.0", "[async-lower][stream-read-0]read-via-stream")
declare function stdin_stream_read(readable: u32, ptr: usize, n: u32): u32;
@external("wasi:cli/stdin@0.3.0", "[stream-drop-readable-0]read-via-stream")
declare function stdin_stream_drop(readable: u32): void;
@external("wasi:cli/stdin@0.3.0", "[async-lower][future-read-1]read-via-stream")
declare function stdin_future_read(readable: u32, ptr: usize): u32;
@external("wasi:cli/stdin@0.3.0", "[future-drop-readable-1]read-via-stream")
declare function stdin_future_drop(readable: u32): void;

// --- wasi:clocks, wasi:random
@external("wasi:clocks/monotonic-clock@0.3.0", "[async-lower]wait-for")
export declare function wait_for(ns: u64): u32;
@external("wasi:random/random@0.3.0", "get-random-bytes")
export declare function get_random_bytes(len: u64, resultPtr: usize): void;
@external("wasi:random/random@0.3.0", "get-random-u64")
export declare function get_random_u64(): u64;

// --- wasi:filesystem
@external("wasi:filesystem/preopens@0.3.0", "get-directories")
export declare function get_directories(resultPtr: usize): void;
@external("wasi:filesystem/types@0.3.0", "[method]descriptor.open-at")
export declare function open_at(dir: u32, pathFlags: u32, path: usize, pathLen: usize, openFlags: u32, flags: u32, resultPtr: usize): void;
@external("wasi:filesystem/types@0.3.0", "[method]descriptor.read-via-stream")
declare function file_read_via_stream(fd: u32, offset: u64, resultPtr: usize): void;
@external("wasi:filesystem/types@0.3.0", "[async-lower][stream-read-0][method]descriptor.read-via-stream")
declare function file_stream_read(readable: u32, ptr: usize, n: u32): u32;
@external("wasi:filesystem/types@0.3.0", "[stream-drop-readable-0][method]descriptor.read-via-stream")
declare function file_stream_drop(readable: u32): void;
@external("wasi:filesystem/types@0.3.0", "[async-lower][future-read-1][method]descriptor.read-via-stream")
declare function file_future_read(readable: u32, ptr: usize): u32;
@external("wasi:filesystem/types@0.3.0", "[future-drop-readable-1][method]descriptor.read-via-stream")
declare function file_future_drop(readable: u32): void;
@external("wasi:filesystem/types@0.3.0", "[async-lower][method]descriptor.write-via-stream")
declare function file_write_via_stream(fd: u32, readable: u32, offset: u64, resultPtr: usize): u32;
@external("wasi:filesystem/types@0.3.0", "[method]descriptor.read-directory")
export declare function read_directory(fd: u32, resultPtr: usize): void;
@external("wasi:filesystem/types@0.3.0", "[async-lower][stream-read-0][method]descriptor.read-directory")
export declare function dir_stream_read(readable: u32, ptr: usize, n: u32): u32;
@external("wasi:filesystem/types@0.3.0", "[stream-drop-readable-0][method]descriptor.read-directory")
export declare function dir_stream_drop(readable: u32): void;
@external("wasi:filesystem/types@0.3.0", "[async-lower][future-read-1][method]descriptor.read-directory")
export declare function dir_future_read(readable: u32, ptr: usize): u32;
@external("wasi:filesystem/types@0.3.0", "[future-drop-readable-1][method]descriptor.read-directory")
export declare function dir_future_drop(readable: u32): void;
@external("wasi:filesystem/types@0.3.0", "[resource-drop]descriptor")
export declare function drop_descriptor(fd: u32): void;

/** The value the callback returns to wait on `set`. */
export function wait(set: u32): u32 {
  return CALLBACK_WAIT | (set << 4);
}

/** The program's arguments (argv[0] first). */
export function getArguments(): string[] {
  const area = heap.alloc(8);
  get_arguments(area);
  const argv = load<usize>(area);
  const argc = load<u32>(area, 4);
  const out = new Array<string>();
  for (let i: u32 = 0; i < argc; i++) {
    const p = argv + <usize>i * 8;
    out.push(String.UTF8.decodeUnsafe(load<usize>(p), load<u32>(p, 4)));
  }
  return out;
}

/** An async-lowered call in progress: done once its subtask returned. */
export class Call {
  subtask: u32 = 0;
  done: bool = false;
  /** `status` is the async-lowered call's result. */
  constructor(status: u32, set: u32) {
    if ((status & 0xf) == RETURNED) this.done = true;
    else {
      this.subtask = status >> 4;
      waitable_join(this.subtask, set);
    }
  }
  /** True when the event was this call's return. */
  onEvent(event: u32, waitable: u32, payload: u32): bool {
    if (event != EVENT_SUBTASK || waitable != this.subtask || this.done) return false;
    if (payload != RETURNED) return true;
    subtask_drop(this.subtask);
    this.done = true;
    return true;
  }
}

/**
 * A `stream<u8>` the program writes and the host reads: chunks are written
 * in order, each to its end (a partial write goes on from where the host
 * stopped); `end()` drops the writable end once everything queued was
 * taken. `Out.stdout(set)` passes it to `wasi:cli/stdout` `write-via-stream`;
 * `Out.file(set, fd)` to a descriptor's.
 */
export class Out {
  readonly readable: u32;
  readonly writable: u32;
  /** The host call the stream was passed to (`write-via-stream`). */
  call: Call | null = null;
  /** Its `result<_, error-code>`: byte 0 is 1 for err, byte 1 (cli) or 4 (filesystem) the error code. */
  readonly result: usize = heap.alloc(24);
  private queue: ArrayBuffer[] = [];
  private offset: i32 = 0;
  private pending: bool = false;
  private ending: bool = false;
  /** The writable end is dropped. */
  closed: bool = false;
  /** The host dropped its end (a closed stdout): what was not taken is discarded. */
  dropped: bool = false;
  /** Bytes the host took. */
  written: u64 = 0;

  constructor(readonly set: u32) {
    const ends = stream_new();
    this.readable = <u32>ends;
    this.writable = <u32>(ends >> 32);
    waitable_join(this.writable, set);
  }

  static stdout(set: u32): Out {
    const out = new Out(set);
    out.call = new Call(stdout_write_via_stream(out.readable, out.result), set);
    return out;
  }

  static file(set: u32, fd: u32): Out {
    const out = new Out(set);
    out.call = new Call(file_write_via_stream(fd, out.readable, 0, out.result), set);
    return out;
  }

  write(bytes: ArrayBuffer): void {
    if (bytes.byteLength > 0) this.queue.push(bytes);
    this.pump();
  }

  print(text: string): void {
    this.write(String.UTF8.encode(text));
  }

  /** Drops the writable end once everything queued is written. */
  end(): void {
    this.ending = true;
    this.pump();
  }

  /** The host call returned (it took everything, or failed). */
  get done(): bool {
    return this.call != null && this.call!.done;
  }

  /** The host call returned err. */
  get failed(): bool {
    return this.done && load<u8>(this.result) != 0;
  }

  /** Nothing queued and no write in flight. */
  get idle(): bool {
    return !this.pending && this.queue.length == 0;
  }

  private pump(): void {
    while (!this.pending && !this.closed) {
      if (this.dropped) this.queue.length = 0;
      if (this.queue.length == 0) {
        if (this.ending) {
          stream_drop_writable(this.writable);
          this.closed = true;
        }
        return;
      }
      const b = this.queue[0];
      const r = stream_write(this.writable, changetype<usize>(b) + <usize>this.offset, <u32>(b.byteLength - this.offset));
      if (r == BLOCKED) {
        this.pending = true;
        return;
      }
      this.took(r);
    }
  }

  private took(r: u32): void {
    const n = <i32>(r >> 4);
    this.written += <u64>n;
    this.offset += n;
    if (this.queue.length > 0 && this.offset >= this.queue[0].byteLength) {
      this.queue.shift();
      this.offset = 0;
    }
    if ((r & 0xf) == COPY_DROPPED) this.dropped = true;
  }

  /** Feeds one event; true when it was this stream's or its call's. */
  onEvent(event: u32, waitable: u32, payload: u32): bool {
    if (event == EVENT_STREAM_WRITE && waitable == this.writable) {
      this.pending = false;
      this.took(payload);
      this.pump();
      return true;
    }
    return this.call != null && this.call!.onEvent(event, waitable, payload);
  }
}

/**
 * A `stream<u8>` the host writes and the program reads, with the
 * `future<result<_, error-code>>` that says how it ended: stdin's
 * `read-via-stream` (`stdinIn`) or a descriptor's (`fileIn`). `read()`
 * starts one read into `buffer`; `chunk()` is what the last one got. (The
 * built-ins differ per interface, so each kind is a subclass: a program
 * imports only those of the kind it uses.)
 */
export class In {
  readonly buffer: ArrayBuffer = new ArrayBuffer(65536);
  private got: i32 = 0;
  /** A read is in flight. */
  pending: bool = false;
  /** The host dropped its end: no more data. */
  ended: bool = false;
  /** The end future was read. */
  settled: bool = false;
  private futurePending: bool = false;
  readonly result: usize = heap.alloc(24);

  constructor(readonly set: u32, readonly readable: u32, readonly future: u32) {
    waitable_join(readable, set);
    waitable_join(future, set);
  }

  protected streamRead(ptr: usize, n: u32): u32 { unreachable(); return 0; }
  protected streamDrop(): void { unreachable(); }
  protected futureRead(ptr: usize): u32 { unreachable(); return 0; }
  protected futureDrop(): void { unreachable(); }

  /** Starts a read unless one is in flight or the stream ended; true when data or the end is there at once. */
  read(): bool {
    if (this.pending || this.ended) return this.ended;
    const r = this.streamRead(changetype<usize>(this.buffer), <u32>this.buffer.byteLength);
    if (r == BLOCKED) {
      this.pending = true;
      return false;
    }
    this.done(r);
    return true;
  }

  /** The bytes of the last read (a copy). */
  chunk(): ArrayBuffer {
    const taken = this.got;
    this.got = 0;
    return this.buffer.slice(0, taken);
  }

  get hasChunk(): bool {
    return this.got > 0;
  }

  /** The end future said err (valid once `settled`). */
  get failed(): bool {
    return this.settled && load<u8>(this.result) != 0;
  }

  private done(r: u32): void {
    this.got = <i32>(r >> 4);
    if ((r & 0xf) == COPY_DROPPED) {
      this.ended = true;
      this.streamDrop();
      const f = this.futureRead(this.result);
      if (f == BLOCKED) this.futurePending = true;
      else this.closeFuture();
    }
  }

  private closeFuture(): void {
    this.settled = true;
    this.futureDrop();
  }

  /** Feeds one event; true when it was this stream's or its future's. */
  onEvent(event: u32, waitable: u32, payload: u32): bool {
    if (event == EVENT_STREAM_READ && waitable == this.readable) {
      this.pending = false;
      this.done(payload);
      return true;
    }
    if (event == EVENT_FUTURE_READ && waitable == this.future && this.futurePending) {
      this.futurePending = false;
      this.closeFuture();
      return true;
    }
    return false;
  }
}

class StdinIn extends In {
  protected streamRead(ptr: usize, n: u32): u32 { return stdin_stream_read(this.readable, ptr, n); }
  protected streamDrop(): void { stdin_stream_drop(this.readable); }
  protected futureRead(ptr: usize): u32 { return stdin_future_read(this.future, ptr); }
  protected futureDrop(): void { stdin_future_drop(this.future); }
}

class FileIn extends In {
  protected streamRead(ptr: usize, n: u32): u32 { return file_stream_read(this.readable, ptr, n); }
  protected streamDrop(): void { file_stream_drop(this.readable); }
  protected futureRead(ptr: usize): u32 { return file_future_read(this.future, ptr); }
  protected futureDrop(): void { file_future_drop(this.future); }
}

/** stdin (`wasi:cli/stdin` `read-via-stream`). */
export function stdinIn(set: u32): In {
  const area = heap.alloc(8);
  stdin_read_via_stream(area);
  return new StdinIn(set, load<u32>(area), load<u32>(area, 4));
}

/** A file from offset 0 (`descriptor.read-via-stream`). */
export function fileIn(set: u32, fd: u32): In {
  const area = heap.alloc(8);
  file_read_via_stream(fd, 0, area);
  return new FileIn(set, load<u32>(area), load<u32>(area, 4));
}

/** Lower-case hex of `bytes`. */
export function hex(bytes: ArrayBuffer): string {
  const digits = "0123456789abcdef";
  let s = "";
  const view = Uint8Array.wrap(bytes);
  for (let i = 0; i < view.length; i++) {
    s += digits.charAt(view[i] >> 4) + digits.charAt(view[i] & 15);
  }
  return s;
}

/** The abort of these builds (`--use abort=…`): a trap, no import (the host reports it). */
export function programAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
