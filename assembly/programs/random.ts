// `random` (world `random` of wit/programs.wit): 16 bytes of
// `get-random-bytes` and one `get-random-u64`, in hex on stdout:
//   bytes <32 hex digits>
//   u64 <16 hex digits>

export { cabi_realloc } from "../cm";
export { programAbort } from "./wasi";
import { Out, get_random_bytes, get_random_u64, hex, run_return, waitable_set_new, wait, CALLBACK_EXIT } from "./wasi";

let set: u32 = 0;
let out: Out | null = null;

function next(): u32 {
  if (!out!.done) return wait(set);
  run_return(out!.failed ? 1 : 0);
  return CALLBACK_EXIT;
}

export function wasi_run_lift(): u32 {
  const area = heap.alloc(8);
  get_random_bytes(16, area);
  const bytes = new ArrayBuffer(<i32>load<u32>(area, 4));
  memory.copy(changetype<usize>(bytes), load<usize>(area), <usize>bytes.byteLength);
  const u = get_random_u64();
  const u8s = new ArrayBuffer(8);
  for (let i = 0; i < 8; i++) store<u8>(changetype<usize>(u8s) + <usize>i, <u8>(u >> (<u64>(56 - 8 * i))));
  set = waitable_set_new();
  out = Out.stdout(set);
  out!.print("bytes " + hex(bytes) + "\nu64 " + hex(u8s) + "\n");
  out!.end();
  return next();
}

export function wasi_run_callback(event: u32, waitable: u32, payload: u32): u32 {
  out!.onEvent(event, waitable, payload);
  return next();
}
