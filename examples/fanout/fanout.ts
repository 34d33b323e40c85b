// `combine(x)`: calls double(x), square(x) and increment(x) at once (three
// subtasks in flight), waits for all three, returns their sum.
import { Future, JoinAll, Subtask, joinAll } from "wasip3-task-shim/assembly/sdk";
import { double, square, increment, implementCombine } from "./bindings";
export { combine_lift, combine_callback } from "./bindings";

class Combine extends Future<u32> {
  a: Subtask<u32> | null = null;
  b: Subtask<u32> | null = null;
  c: Subtask<u32> | null = null;
  all: JoinAll | null = null;
  constructor(public x: u32) {
    super();
  }
  poll(): bool {
    if (this.all === null) {
      const a = double(this.x);
      const b = square(this.x);
      const c = increment(this.x);
      this.a = a;
      this.b = b;
      this.c = c;
      this.all = joinAll([a, b, c]);
    }
    if (!this.all!.poll()) return false;
    this.value = this.a!.value + this.b!.value + this.c!.value;
    return true;
  }
  cancel(): void {
    if (this.all !== null) this.all!.cancel();
  }
}

implementCombine((x: u32): Future<u32> => new Combine(x));
