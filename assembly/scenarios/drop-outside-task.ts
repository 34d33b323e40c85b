// drop-outside-task: an operation registered in the export task E is
// dropped, half finished, while a nested task B is current. V1 unregisters
// through B (the wrong task): E's entry stays, pointing at the freed
// operation, and E cannot exit (the executor traps: "registration left
// behind"). V2 unregisters through the handle it holds on E; the export
// returns 1.

import { Future, futurePoll, futureDrop } from "../future";
import { blockOn } from "../task";
import { streamWriteBytes } from "../stream";
import { trace, TRACE_STEP } from "../trace";
import { Scenario, laundered, scenarioNew, scenarioFree } from "./common";

@unmanaged
class DropOutsideTask extends Scenario {}

/** A future that, polled once, drops `victim` (with whatever task is current) and is ready. */
@unmanaged
class DropNow extends Future {
  victim: usize;
}
function dropNowPoll(self: usize): bool {
  const d = changetype<DropNow>(self);
  futureDrop(d.victim);
  d.victim = 0;
  return true;
}
function dropNowDrop(self: usize): void {
  const d = changetype<DropNow>(self);
  if (d.victim != 0) futureDrop(d.victim);
  heap.free(self);
}

function poll(self: usize): bool {
  const s = changetype<DropOutsideTask>(self);
  if (!laundered(s)) return false;
  trace(TRACE_STEP, 0, s.tx, 0, 1);
  const w = changetype<usize>(streamWriteBytes(s.tx, 1, 1));
  if (futurePoll(w)) throw new Error("drop-outside-task: the write completed at once; it must block");
  trace(TRACE_STEP, 0, s.tx, 0, 2);
  const d = changetype<DropNow>(heap.alloc(offsetof<DropNow>()));
  memory.fill(changetype<usize>(d), 0, offsetof<DropNow>());
  d.pollFn = dropNowPoll.index;
  d.dropFn = dropNowDrop.index;
  d.victim = w;
  blockOn(changetype<usize>(d));
  trace(TRACE_STEP, 0, s.tx, 0, 3);
  s.output = 1;
  return true;
}

function drop(self: usize): void {
  scenarioFree(changetype<DropOutsideTask>(self));
}

export function dropOutsideTaskNew(): usize {
  return scenarioNew(offsetof<DropOutsideTask>(), poll.index, drop.index);
}
