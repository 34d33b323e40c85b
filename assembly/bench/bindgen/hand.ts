// World `echo` with glue written by hand against the canonical ABI and the
// SDK: what the generated glue is measured against.
import { Future, ready, startTask, continueTask } from "wasip3-task-shim/assembly/sdk";

const RET: usize = memory.data(8, 4);

// @ts-ignore: decorator
@exportName("echo")
export function echo(ptr: usize, len: usize): usize {
  const s = String.UTF8.decodeUnsafe(ptr, len);
  if (ptr != 0) heap.free(ptr);
  const n = String.UTF8.byteLength(s);
  const out: usize = n == 0 ? 0 : heap.alloc(<usize>n);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, out);
  store<usize>(RET, out);
  store<usize>(RET, <usize>n, 4);
  return RET;
}

// @ts-ignore: decorator
@exportName("cabi_post_echo")
export function echo_post(ret: usize): void {
  const p = load<usize>(ret);
  if (p != 0) heap.free(p);
}

@external("[export]$root", "[task-return]echo-async")
declare function echo_async_return(ptr: usize, len: usize): void;

function returnEcho(f: Future<string>): void {
  const s = f.value;
  const n = String.UTF8.byteLength(s);
  const out: usize = n == 0 ? 0 : heap.alloc(<usize>n);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, out);
  echo_async_return(out, <usize>n);
  if (out != 0) heap.free(out);
}

// @ts-ignore: decorator
@exportName("[async-lift]echo-async")
export function echo_async_lift(ptr: usize, len: usize): u32 {
  const s = String.UTF8.decodeUnsafe(ptr, len);
  if (ptr != 0) heap.free(ptr);
  return startTask<string>(ready<string>(s), returnEcho);
}

// @ts-ignore: decorator
@exportName("[callback][async-lift]echo-async")
export function echo_async_callback(event: u32, waitable: u32, payload: u32): u32 {
  return continueTask(event, waitable, payload);
}
