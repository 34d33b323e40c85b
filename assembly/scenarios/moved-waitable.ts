// moved-waitable: an operation registered in the export task E is polled
// again in a nested task B (block_on) and completes there. V1 never removes
// it from E, so E cannot exit: the executor finds the entry's cb_ptr freed
// and traps ("registration left behind"). V2 removes it before registering
// with B, and the export returns the byte read (1).

import { futurePoll, join } from "../future";
import { blockOn } from "../task";
import { streamWriteBytes, streamRead } from "../stream";
import { trace, TRACE_STEP } from "../trace";
import { Scenario, PHASE_READY, laundered, scenarioNew, scenarioFree } from "./common";

@unmanaged
class MovedWaitable extends Scenario {
  byte: u8;
}

function poll(self: usize): bool {
  const s = changetype<MovedWaitable>(self);
  if (!laundered(s)) return false;
  trace(TRACE_STEP, 0, s.tx, 0, 1);
  const w = changetype<usize>(streamWriteBytes(s.tx, 1, 1));
  if (futurePoll(w)) throw new Error("moved-waitable: the write completed at once; it must block");
  trace(TRACE_STEP, 0, s.tx, 0, 2);
  blockOn(join(w, changetype<usize>(streamRead(s.rx, self + offsetof<MovedWaitable>("byte"), 1))));
  trace(TRACE_STEP, 0, s.tx, 0, 3);
  s.output = s.byte;
  return true;
}

function drop(self: usize): void {
  scenarioFree(changetype<MovedWaitable>(self));
}

export function movedWaitableNew(): usize {
  return scenarioNew(offsetof<MovedWaitable>(), poll.index, drop.index);
}
