// control: a stream round trip within one task. Passes in every build.

import { futurePoll } from "../future";
import { streamWriteBytes, streamRead } from "../stream";
import { Scenario, PHASE_READY, laundered, scenarioNew, scenarioFree, dropIf } from "./common";

@unmanaged
class Control extends Scenario {
  w: usize;
  r: usize;
  wDone: bool;
  rDone: bool;
  byte: u8;
}

function poll(self: usize): bool {
  const s = changetype<Control>(self);
  if (!laundered(s)) return false;
  if (s.phase == PHASE_READY) {
    s.w = changetype<usize>(streamWriteBytes(s.tx, 7, 1));
    s.r = changetype<usize>(streamRead(s.rx, self + offsetof<Control>("byte"), 1));
    s.phase = PHASE_READY + 1;
  }
  if (!s.wDone) s.wDone = futurePoll(s.w);
  if (!s.rDone) s.rDone = futurePoll(s.r);
  if (!(s.wDone && s.rDone)) return false;
  s.output = s.byte;
  return true;
}

function drop(self: usize): void {
  const s = changetype<Control>(self);
  dropIf(s.w);
  dropIf(s.r);
  scenarioFree(s);
}

export function controlNew(): usize {
  return scenarioNew(offsetof<Control>(), poll.index, drop.index);
}
