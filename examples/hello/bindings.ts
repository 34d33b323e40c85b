// Glue for world `hello` (wit/world.wit), written by hand against the SDK:
// the `wasi:cli/stdout` import (async-lowered, with its stream<u8>
// built-ins) and the `wasi:cli/run` export.
import {
  Future, StreamType, StreamReader, Subtask, startTask, continueTask,
} from "wasip3-task-shim/assembly/sdk";

// ---- import wasi:cli/stdout@0.3.0 ----------------------------------------

@external("wasi:cli/stdout@0.3.0", "[async-lower]write-via-stream")
declare function write_via_stream_async(data: u32, result: usize): u32;
@external("wasi:cli/stdout@0.3.0", "[stream-new-0]write-via-stream")
declare function stream_new(): u64;
@external("wasi:cli/stdout@0.3.0", "[async-lower][stream-read-0]write-via-stream")
declare function stream_read(end: u32, ptr: usize, n: u32): u32;
@external("wasi:cli/stdout@0.3.0", "[async-lower][stream-write-0]write-via-stream")
declare function stream_write(end: u32, ptr: usize, n: u32): u32;
@external("wasi:cli/stdout@0.3.0", "[stream-cancel-read-0]write-via-stream")
declare function stream_cancel_read(end: u32): u32;
@external("wasi:cli/stdout@0.3.0", "[stream-cancel-write-0]write-via-stream")
declare function stream_cancel_write(end: u32): u32;
@external("wasi:cli/stdout@0.3.0", "[stream-drop-readable-0]write-via-stream")
declare function stream_drop_readable(end: u32): void;
@external("wasi:cli/stdout@0.3.0", "[stream-drop-writable-0]write-via-stream")
declare function stream_drop_writable(end: u32): void;

/** `stream<u8>` as the stdout interface's functions see it. */
export const BYTES = new StreamType<u8>(
  (): u64 => stream_new(),
  (e: u32, p: usize, n: u32): u32 => stream_read(e, p, n),
  (e: u32, p: usize, n: u32): u32 => stream_write(e, p, n),
  (e: u32): u32 => stream_cancel_read(e),
  (e: u32): u32 => stream_cancel_write(e),
  (e: u32): void => stream_drop_readable(e),
  (e: u32): void => stream_drop_writable(e),
);

/** `result<_, error-code>` lifted as: -1 for ok, else the error-code's case. */
function liftResultErrorCode(area: usize): i32 {
  return load<u8>(area) == 0 ? -1 : <i32>load<u8>(area, 1);
}

/** `write-via-stream: async func(data: stream<u8>) -> result<_, error-code>`; the stream moves to the host. */
export function writeViaStream(data: StreamReader<u8>): Subtask<i32> {
  const area = new ArrayBuffer(2);
  const status = write_via_stream_async(data.take(), changetype<usize>(area));
  return new Subtask<i32>(status, area, liftResultErrorCode);
}

// ---- export wasi:cli/run@0.3.0 --------------------------------------------

@external("[export]wasi:cli/run@0.3.0", "[task-return]run")
declare function run_return(isErr: u32): void;

/** What the program implements: `run: async func() -> result` (value: true for ok). */
export abstract class Run extends Future<bool> {}

let makeRun: (() => Run) | null = null;

/** Register the program's `run` (call at top level). */
export function implementRun(make: () => Run): void {
  makeRun = make;
}

function returnRun(f: Future<bool>): void {
  run_return(f.value ? 0 : 1);
}

// @ts-ignore: decorator
@exportName("[async-lift]wasi:cli/run@0.3.0#run")
export function run_lift(): u32 {
  return startTask<bool>(makeRun!(), returnRun);
}

// @ts-ignore: decorator
@exportName("[callback][async-lift]wasi:cli/run@0.3.0#run")
export function run_callback(event: u32, waitable: u32, payload: u32): u32 {
  return continueTask(event, waitable, payload);
}
