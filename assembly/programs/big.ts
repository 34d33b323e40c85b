// `big [n]` (world `big` of wit/programs.wit): n bytes on stdout (default
// 1 MiB + 1), byte i = i % 251, offered to the host in one stream.write of
// the whole buffer: the host takes it in its own chunks, and the write goes
// on from where each one stopped. run returns err when stdout was closed.

export { cabi_realloc } from "../cm";
export { programAbort } from "./wasi";
import { Out, getArguments, run_return, waitable_set_new, wait, CALLBACK_EXIT } from "./wasi";

let set: u32 = 0;
let out: Out | null = null;

function next(): u32 {
  const o = out!;
  if (!o.done) return wait(set);
  run_return(o.failed ? 1 : 0);
  return CALLBACK_EXIT;
}

export function wasi_run_lift(): u32 {
  const args = getArguments();
  const n = args.length > 1 ? I32.parseInt(args[1]) : 1048577;
  const bytes = new ArrayBuffer(n);
  for (let i = 0; i < n; i++) store<u8>(changetype<usize>(bytes) + <usize>i, <u8>(i % 251));
  set = waitable_set_new();
  out = Out.stdout(set);
  out!.write(bytes);
  out!.end();
  return next();
}

export function wasi_run_callback(event: u32, waitable: u32, payload: u32): u32 {
  out!.onEvent(event, waitable, payload);
  return next();
}
