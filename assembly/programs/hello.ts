// A WASIp3 program (world `hello` of wit/programs.wit): `wasi:cli/run@0.3.0`
// `run`, callback-lifted, writes "hello from assemblyscript" and its
// arguments to stdout through one `write-via-stream` stream, then a second
// line once the first was taken, drops the stream and returns the write's
// result. (Sleeping is assembly/programs/sleep.ts: wit-component lowers
// `wait-for` async without a `memory` option, which the component host
// accepts, docs/deviations.md entry 16.)
// The core exports `wasi_run_lift` / `wasi_run_callback` are renamed to
// `[async-lift]wasi:cli/run@0.3.0#run` and its `[callback]` by the component
// build (scripts/componentize.mjs).

export { cabi_realloc } from "../cm";
import { EVENT_SUBTASK, EVENT_STREAM_WRITE } from "../abi";

@external("$root", "[waitable-set-new]")
declare function waitable_set_new(): u32;
@external("$root", "[waitable-join]")
declare function waitable_join(waitable: u32, set: u32): void;
@external("$root", "[subtask-drop]")
declare function subtask_drop(subtask: u32): void;
@external("[export]wasi:cli/run@0.3.0", "[task-return]run")
declare function task_return(isErr: u32): void;
@external("wasi:cli/environment@0.3.0", "get-arguments")
declare function get_arguments(resultPtr: usize): void;
@external("wasi:cli/stdout@0.3.0", "[async-lower]write-via-stream")
declare function write_via_stream(readable: u32, resultPtr: usize): u32;
@external("wasi:cli/stdout@0.3.0", "[stream-new-0]write-via-stream")
declare function stream_new(): u64;
@external("wasi:cli/stdout@0.3.0", "[async-lower][stream-write-0]write-via-stream")
declare function stream_write(writable: u32, ptr: usize, n: u32): u32;
@external("wasi:cli/stdout@0.3.0", "[stream-drop-writable-0]write-via-stream")
declare function stream_drop_writable(writable: u32): void;

const BLOCKED: u32 = 0xffff_ffff;
const RETURNED: u32 = 2;
const CALLBACK_EXIT: u32 = 0;
const CALLBACK_WAIT: u32 = 2;

const RESULT: usize = memory.data(16);
const ARGS: usize = memory.data(8);

let set: u32 = 0;
let writable: u32 = 0;
let writeTask: u32 = 0;
let step: u32 = 0;
let first: ArrayBuffer = new ArrayBuffer(0);
let second: ArrayBuffer = new ArrayBuffer(0);

function wait(): u32 {
  return CALLBACK_WAIT | (set << 4);
}

/** Writes `bytes`; true when the host took them at once. */
function write(bytes: ArrayBuffer): bool {
  return stream_write(writable, changetype<usize>(bytes), <u32>bytes.byteLength) != BLOCKED;
}

/** Runs the program from `step` until it must wait for an event. */
function advance(): u32 {
  for (;;) {
    if (step == 0) {
      step = 1;
      if (!write(first)) return wait();
    } else if (step == 1) {
      step = 3;
      if (!write(second)) return wait();
    } else if (step == 3) {
      stream_drop_writable(writable);
      step = 4;
      return wait();
    } else {
      return wait();
    }
  }
  return wait();
}

export function wasi_run_lift(): u32 {
  get_arguments(ARGS);
  let text = "hello from assemblyscript";
  const argv = load<usize>(ARGS);
  const argc = load<u32>(ARGS, 4);
  for (let i: u32 = 0; i < argc; i++) {
    const p = argv + <usize>i * 8;
    text += " " + String.UTF8.decodeUnsafe(load<usize>(p), load<u32>(p, 4));
  }
  first = String.UTF8.encode(text + "\n");
  second = String.UTF8.encode("second line\n");
  set = waitable_set_new();
  const ends = stream_new();
  writable = <u32>(ends >> 32);
  waitable_join(writable, set);
  writeTask = write_via_stream(<u32>ends, RESULT) >> 4;
  waitable_join(writeTask, set);
  return advance();
}

export function wasi_run_callback(event: u32, waitable: u32, payload: u32): u32 {
  if (event == EVENT_SUBTASK && payload == RETURNED) {
    subtask_drop(waitable);
    if (waitable == writeTask) {
      task_return(load<u8>(RESULT));
      return CALLBACK_EXIT;
    }
    return wait();
  }
  if (event == EVENT_STREAM_WRITE) return advance();
  return wait();
}

/** The abort of this build (`--use abort=…`): a trap, no import (the host reports it). */
export function programAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
