// wit-bindgen issue #1618, exactly the three steps of docs/task-abi.md,
// "The #1618 bug, step by step".
//
// The export task E holds the writer H of a stream<u8> whose reader went
// through another instance (`launder`) and came back as R2.
//   1. w1 = write(H, [1]) is polled once in E: blocked, registered in E.
//   2. block_on(join(w1, read(R2))) runs task B: w1 is polled again there and
//      registers H in B; the read completes the rendezvous; w1 finishes and
//      is freed. Under V1 nothing removes E's entry for H.
//   3. w2 = write(H, [2]) is polled in E: under V1 `waitable_register` returns
//      the stale cb_ptr of w1 and the guest traps naming it; under V2 there is
//      no entry and the scenario completes, returning (1 << 8) | 2.

import { futurePoll, join } from "../future";
import { blockOn } from "../task";
import { streamWriteBytes, streamRead } from "../stream";
import { trace, TRACE_STEP } from "../trace";
import { Scenario, PHASE_READY, laundered, scenarioNew, scenarioFree, dropIf } from "./common";

@unmanaged
class BlockOnStale extends Scenario {
  w2: usize;
  r2: usize;
  w2Done: bool;
  r2Done: bool;
  byte1: u8;
  byte2: u8;
}

function poll(self: usize): bool {
  const s = changetype<BlockOnStale>(self);
  if (!laundered(s)) return false;
  if (s.phase == PHASE_READY) {
    trace(TRACE_STEP, 0, s.tx, 0, 1);
    const w1 = changetype<usize>(streamWriteBytes(s.tx, 1, 1));
    if (futurePoll(w1)) throw new Error("block-on-stale: the first write completed at once; it must block");

    trace(TRACE_STEP, 0, s.tx, 0, 2);
    const r1 = changetype<usize>(streamRead(s.rx, self + offsetof<BlockOnStale>("byte1"), 1));
    blockOn(join(w1, r1));

    trace(TRACE_STEP, 0, s.tx, 0, 3);
    s.w2 = changetype<usize>(streamWriteBytes(s.tx, 2, 1));
    s.w2Done = futurePoll(s.w2);
    s.r2 = changetype<usize>(streamRead(s.rx, self + offsetof<BlockOnStale>("byte2"), 1));
    s.r2Done = futurePoll(s.r2);
    s.phase = PHASE_READY + 1;
  } else {
    if (!s.w2Done) s.w2Done = futurePoll(s.w2);
    if (!s.r2Done) s.r2Done = futurePoll(s.r2);
  }
  if (!(s.w2Done && s.r2Done)) return false;
  s.output = (<u32>s.byte1 << 8) | <u32>s.byte2;
  return true;
}

function drop(self: usize): void {
  const s = changetype<BlockOnStale>(self);
  dropIf(s.w2);
  dropIf(s.r2);
  scenarioFree(s);
}

export function blockOnStaleNew(): usize {
  return scenarioNew(offsetof<BlockOnStale>(), poll.index, drop.index);
}
