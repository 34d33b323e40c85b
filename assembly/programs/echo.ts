// `echo` (world `echo` of wit/programs.wit): stdin to stdout. One 64 KiB
// read at a time from stdin's `read-via-stream`; each chunk is written to
// stdout's `write-via-stream` before the next read starts. run returns err
// when stdin's end future says err or stdout was closed.

export { cabi_realloc } from "../cm";
export { programAbort } from "./wasi";
import { In, stdinIn, Out, run_return, waitable_set_new, wait, CALLBACK_EXIT } from "./wasi";

let set: u32 = 0;
let input: In | null = null;
let out: Out | null = null;

function next(): u32 {
  const i = input!;
  const o = out!;
  for (;;) {
    if (i.hasChunk) o.write(i.chunk());
    if (o.dropped && !i.ended) break; // stdout is gone: stop reading
    if (i.ended || !o.idle) break;
    if (!i.read()) break;
  }
  if ((i.ended && i.settled) || o.dropped) o.end();
  if (!o.done) return wait(set);
  run_return(o.failed || (i.settled && i.failed) ? 1 : 0);
  return CALLBACK_EXIT;
}

export function wasi_run_lift(): u32 {
  set = waitable_set_new();
  input = stdinIn(set);
  out = Out.stdout(set);
  return next();
}

export function wasi_run_callback(event: u32, waitable: u32, payload: u32): u32 {
  if (!input!.onEvent(event, waitable, payload)) out!.onEvent(event, waitable, payload);
  return next();
}
