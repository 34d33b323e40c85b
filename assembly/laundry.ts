// The `test` world's guest (wit/scenarios.wit): the `launder` peer as its own
// component, the counterpart of the embedded host's host/guest/launder.ts.
//
//   launder: async func(x: stream<u8>) -> stream<u8>
//
// Callback-lifted. It creates a new stream, hands its readable end back with
// `task.return` at once, and then forwards bytes from `x` ON DEMAND: it reads
// from `x` only while a read is pending on the stream it returned. To learn
// that a read is pending it makes a zero-length write on its writable end,
// which completes only when the reader reads (the reader's read stays
// pending and is then served by the real write). So a write into `x` stays
// BLOCKED until the runner reads from the laundered stream, which step 1 of
// the #1618 scenario depends on.
//
// It never blocks in the lift function: under jco 1.35 a JS caller of an
// export only sees the result once the core lift call returns.
//
// AssemblyScript cannot export `[async-lift]shim:scenarios/laundry#launder`,
// so the exports are `launder_lift` / `launder_callback` and
// scripts/componentize.mjs renames them before embedding the WIT.
// Built with `--use abort=assembly/cm/guestAbort`: an assertion writes its
// text to wasi:cli/stderr, then traps.

import {
  EVENT_STREAM_READ, EVENT_STREAM_WRITE, CALLBACK_CODE_EXIT as CALLBACK_EXIT, CALLBACK_CODE_WAIT as CALLBACK_WAIT, BLOCKED, COPY_COMPLETED,
} from "./abi";

// ---- canonical built-ins (docs/task-abi.md, "Built-in names") -------------

@external("$root", "[waitable-set-new]")
declare function waitable_set_new(): u32;
@external("$root", "[waitable-set-drop]")
declare function waitable_set_drop(set: u32): void;
@external("$root", "[waitable-join]")
declare function waitable_join(waitable: u32, set: u32): void;
@external("$root", "[context-get-0]")
declare function context_get_0(): usize;
@external("$root", "[context-set-0]")
declare function context_set_0(value: usize): void;

// The exported function's own built-ins live in `[export]<interface>`.
@external("[export]shim:scenarios/laundry", "[task-return]launder")
declare function task_return_launder(readable: u32): void;
@external("[export]shim:scenarios/laundry", "[stream-new-0]launder")
declare function stream_new(): u64;
@external("[export]shim:scenarios/laundry", "[async-lower][stream-read-0]launder")
declare function stream_read(readable: u32, ptr: usize, n: u32): u32;
@external("[export]shim:scenarios/laundry", "[async-lower][stream-write-0]launder")
declare function stream_write(writable: u32, ptr: usize, n: u32): u32;
@external("[export]shim:scenarios/laundry", "[stream-drop-readable-0]launder")
declare function stream_drop_readable(readable: u32): void;
@external("[export]shim:scenarios/laundry", "[stream-drop-writable-0]launder")
declare function stream_drop_writable(writable: u32): void;

// abort -> wasi:cli/stderr (`--use abort=assembly/cm/guestAbort`), and cabi_realloc.
export { cabi_realloc } from "./cm";

// ---- the forwarding state machine -----------------------------------------

const BUF_SIZE: u32 = 64;

/** What the task waits for. */
const WAIT_READER: u32 = 1; // the zero-length write on `out`: a read is pending
const WAIT_INPUT: u32 = 2; // a read on `x`
const WAIT_WRITE: u32 = 3; // the write of forwarded bytes on `out`

@unmanaged
class Laundry {
  set: u32;
  input: u32; // readable end of `x`
  out: u32; // writable end of the returned stream
  waiting: u32;
  buf: usize;
  len: u32; // bytes in buf
  off: u32; // bytes of buf already written
  inputDone: bool;
}

function waitOn(l: Laundry, handle: u32, what: u32): u32 {
  l.waiting = what;
  waitable_join(handle, l.set);
  return CALLBACK_WAIT | (l.set << 4);
}

function finish(l: Laundry): u32 {
  stream_drop_readable(l.input);
  stream_drop_writable(l.out);
  waitable_set_drop(l.set);
  heap.free(l.buf);
  heap.free(changetype<usize>(l));
  context_set_0(0);
  return CALLBACK_EXIT;
}

/** Wait until the reader has a read pending on `out`. */
function awaitReader(l: Laundry): u32 {
  const r = stream_write(l.out, l.buf, 0);
  if (r == BLOCKED) return waitOn(l, l.out, WAIT_READER);
  return readerReady(l, r);
}

function readerReady(l: Laundry, r: u32): u32 {
  if ((r & 0xf) != COPY_COMPLETED) return finish(l); // the reader dropped its end
  return readInput(l);
}

function readInput(l: Laundry): u32 {
  const r = stream_read(l.input, l.buf, BUF_SIZE);
  if (r == BLOCKED) return waitOn(l, l.input, WAIT_INPUT);
  return inputRead(l, r);
}

function inputRead(l: Laundry, r: u32): u32 {
  l.len = r >>> 4;
  l.off = 0;
  // DROPPED may still carry the last bytes: forward them, then stop.
  l.inputDone = (r & 0xf) != COPY_COMPLETED;
  if (l.len == 0) return l.inputDone ? finish(l) : readInput(l);
  return writeOut(l);
}

function writeOut(l: Laundry): u32 {
  while (l.off < l.len) {
    const r = stream_write(l.out, l.buf + l.off, l.len - l.off);
    if (r == BLOCKED) return waitOn(l, l.out, WAIT_WRITE);
    l.off += r >>> 4;
    if ((r & 0xf) != COPY_COMPLETED) return finish(l); // the reader dropped its end
  }
  return l.inputDone ? finish(l) : awaitReader(l);
}

export function launder_lift(input: u32): u32 {
  const l = changetype<Laundry>(heap.alloc(offsetof<Laundry>()));
  l.set = waitable_set_new();
  l.input = input;
  l.buf = heap.alloc(BUF_SIZE);
  l.len = 0;
  l.off = 0;
  l.inputDone = false;
  const pair = stream_new();
  l.out = <u32>(pair >>> 32);
  context_set_0(changetype<usize>(l));
  task_return_launder(<u32>pair);
  return awaitReader(l);
}

export function launder_callback(event: u32, handle: u32, payload: u32): u32 {
  const l = changetype<Laundry>(context_get_0());
  waitable_join(handle, 0);
  if (event == EVENT_STREAM_WRITE && handle == l.out && l.waiting == WAIT_READER) return readerReady(l, payload);
  if (event == EVENT_STREAM_READ && handle == l.input && l.waiting == WAIT_INPUT) return inputRead(l, payload);
  if (event == EVENT_STREAM_WRITE && handle == l.out && l.waiting == WAIT_WRITE) {
    l.off += payload >>> 4;
    if ((payload & 0xf) != COPY_COMPLETED) return finish(l);
    return writeOut(l);
  }
  assert(false, "unexpected event " + event.toString() + " on handle " + handle.toString() + " while waiting for " + l.waiting.toString());
  return CALLBACK_EXIT;
}
