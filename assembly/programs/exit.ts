// `exit [code]` (world `exit` of wit/programs.wit): "exiting with <code>" on
// stdout, then, once the host took the line, `wasi:cli/exit`
// `exit-with-code(code)` (default 7). run never returns.

export { cabi_realloc } from "../cm";
export { programAbort } from "./wasi";
import { Out, exit_with_code, getArguments, waitable_set_new, wait } from "./wasi";

let set: u32 = 0;
let code: u32 = 7;
let out: Out | null = null;

function next(): u32 {
  if (out!.done) exit_with_code(code);
  return wait(set);
}

export function wasi_run_lift(): u32 {
  const args = getArguments();
  if (args.length > 1) code = <u32>I32.parseInt(args[1]) & 0xff;
  set = waitable_set_new();
  out = Out.stdout(set);
  out!.print("exiting with " + code.toString() + "\n");
  out!.end();
  return next();
}

export function wasi_run_callback(event: u32, waitable: u32, payload: u32): u32 {
  out!.onEvent(event, waitable, payload);
  return next();
}
