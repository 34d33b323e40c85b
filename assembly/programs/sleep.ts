// `sleep` (world `sleep` of wit/programs.wit): one long `wait-for` (100 ms)
// while another chain of work makes progress: three short `wait-for`s
// (10 ms each) one after the other, each followed by a line on stdout that
// says whether the long sleep is still pending. Then "woke after 100 ms".
// Output (real or virtual clock alike):
//   tick 1 (long sleep pending)
//   tick 2 (long sleep pending)
//   tick 3 (long sleep pending)
//   woke after 100 ms

export { cabi_realloc } from "../cm";
export { programAbort } from "./wasi";
import { Call, Out, run_return, waitable_set_new, wait, wait_for, CALLBACK_EXIT } from "./wasi";

const MS: u64 = 1_000_000;

let set: u32 = 0;
let out: Out | null = null;
let long: Call | null = null;
let short: Call | null = null;
let ticks = 0;
let woke = false;

function next(): u32 {
  const o = out!;
  while (short != null && short!.done && ticks < 3) {
    ticks++;
    o.print("tick " + ticks.toString() + (long!.done ? " (long sleep over)" : " (long sleep pending)") + "\n");
    short = ticks < 3 ? new Call(wait_for(10 * MS), set) : null;
  }
  if (long!.done && !woke) {
    woke = true;
    o.print("woke after 100 ms\n");
  }
  if (woke && ticks == 3) o.end();
  if (!o.done) return wait(set);
  run_return(o.failed ? 1 : 0);
  return CALLBACK_EXIT;
}

export function wasi_run_lift(): u32 {
  set = waitable_set_new();
  out = Out.stdout(set);
  long = new Call(wait_for(100 * MS), set);
  short = new Call(wait_for(10 * MS), set);
  return next();
}

export function wasi_run_callback(event: u32, waitable: u32, payload: u32): u32 {
  if (!long!.onEvent(event, waitable, payload) && !(short != null && short!.onEvent(event, waitable, payload))) {
    out!.onEvent(event, waitable, payload);
  }
  return next();
}
