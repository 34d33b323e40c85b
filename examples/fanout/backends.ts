// The three backends of the fan-out example as a component (world
// `backends-impl`): each answers after a number of yields (3, 2, 1), so
// they finish in the reverse order of their start. Glue written by hand.
import { Future, Yield, yield_, startTask, continueTask } from "wasip3-task-shim/assembly/sdk";

/** `value` after `turns` yields to the host. */
class After extends Future<u32> {
  pause: Yield | null = null;
  constructor(public result: u32, public turns: i32) {
    super();
  }
  poll(): bool {
    while (this.turns > 0) {
      if (this.pause === null) this.pause = yield_();
      if (!this.pause!.poll()) return false;
      this.pause = null;
      this.turns--;
    }
    this.value = this.result;
    return true;
  }
}

@external("[export]example:fanout/backends", "[task-return]double")
declare function double_return(v: u32): void;
@external("[export]example:fanout/backends", "[task-return]square")
declare function square_return(v: u32): void;
@external("[export]example:fanout/backends", "[task-return]increment")
declare function increment_return(v: u32): void;

function returnDouble(f: Future<u32>): void {
  double_return(f.value);
}
function returnSquare(f: Future<u32>): void {
  square_return(f.value);
}
function returnIncrement(f: Future<u32>): void {
  increment_return(f.value);
}

// @ts-ignore: decorator
@exportName("[async-lift]example:fanout/backends#double")
export function double_lift(x: u32): u32 {
  return startTask<u32>(new After(2 * x, 3), returnDouble);
}
// @ts-ignore: decorator
@exportName("[callback][async-lift]example:fanout/backends#double")
export function double_callback(event: u32, waitable: u32, payload: u32): u32 {
  return continueTask(event, waitable, payload);
}
// @ts-ignore: decorator
@exportName("[async-lift]example:fanout/backends#square")
export function square_lift(x: u32): u32 {
  return startTask<u32>(new After(x * x, 2), returnSquare);
}
// @ts-ignore: decorator
@exportName("[callback][async-lift]example:fanout/backends#square")
export function square_callback(event: u32, waitable: u32, payload: u32): u32 {
  return continueTask(event, waitable, payload);
}
// @ts-ignore: decorator
@exportName("[async-lift]example:fanout/backends#increment")
export function increment_lift(x: u32): u32 {
  return startTask<u32>(new After(x + 1, 1), returnIncrement);
}
// @ts-ignore: decorator
@exportName("[callback][async-lift]example:fanout/backends#increment")
export function increment_callback(event: u32, waitable: u32, payload: u32): u32 {
  return continueTask(event, waitable, payload);
}
