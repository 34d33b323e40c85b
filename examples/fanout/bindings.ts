// Glue for world `fanout` (wit/world.wit), written by hand against the SDK:
// three async-lowered imports and one callback-lifted export.
import { Future, Subtask, startTask, continueTask } from "wasip3-task-shim/assembly/sdk";

// ---- import example:fanout/backends -----------------------------------------

@external("example:fanout/backends", "[async-lower]double")
declare function double_async(x: u32, result: usize): u32;
@external("example:fanout/backends", "[async-lower]square")
declare function square_async(x: u32, result: usize): u32;
@external("example:fanout/backends", "[async-lower]increment")
declare function increment_async(x: u32, result: usize): u32;

function liftU32(area: usize): u32 {
  return load<u32>(area);
}

/** `double: async func(x: u32) -> u32` */
export function double(x: u32): Subtask<u32> {
  const area = new ArrayBuffer(4);
  return new Subtask<u32>(double_async(x, changetype<usize>(area)), area, liftU32);
}
/** `square: async func(x: u32) -> u32` */
export function square(x: u32): Subtask<u32> {
  const area = new ArrayBuffer(4);
  return new Subtask<u32>(square_async(x, changetype<usize>(area)), area, liftU32);
}
/** `increment: async func(x: u32) -> u32` */
export function increment(x: u32): Subtask<u32> {
  const area = new ArrayBuffer(4);
  return new Subtask<u32>(increment_async(x, changetype<usize>(area)), area, liftU32);
}

// ---- export combine ------------------------------------------------------------

@external("[export]$root", "[task-return]combine")
declare function combine_return(value: u32): void;

let makeCombine: ((x: u32) => Future<u32>) | null = null;

/** Register the implementation of `combine: async func(x: u32) -> u32`. */
export function implementCombine(make: (x: u32) => Future<u32>): void {
  makeCombine = make;
}

function returnCombine(f: Future<u32>): void {
  combine_return(f.value);
}

// @ts-ignore: decorator
@exportName("[async-lift]combine")
export function combine_lift(x: u32): u32 {
  return startTask<u32>(makeCombine!(x), returnCombine);
}

// @ts-ignore: decorator
@exportName("[callback][async-lift]combine")
export function combine_callback(event: u32, waitable: u32, payload: u32): u32 {
  return continueTask(event, waitable, payload);
}
