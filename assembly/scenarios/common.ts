// What every scenario starts with: a stream<u8> whose reader went through
// another instance (`launder`) and came back, so writes and reads happen
// across instances (the canonical ABI forbids both ends in one instance).

import { Future, futurePoll, futureDrop } from "../future";
import { stream_drop_readable, stream_drop_writable } from "../canon";
import { streamNew } from "../stream";
import { launderCall, launderResult } from "../subtask";
import { WaitableOperation } from "../waitable";

/** Scenario phases below PHASE_READY belong to the setup. */
export const PHASE_READY: u32 = 2;

@unmanaged
export class Scenario extends Future {
  /** 0: start the launder call; 1: waiting for it; PHASE_READY and up: the scenario's own. */
  phase: u32;
  /** The writable end H. */
  tx: u32;
  /** The laundered readable end R2. */
  rx: u32;
  /** The launder call while in flight. */
  call: usize;
}

/** Drive the setup; true once `tx` and `rx` are ready (the caller goes on in the same poll). */
export function laundered(s: Scenario): bool {
  if (s.phase == 0) {
    const ends = streamNew();
    s.tx = <u32>(ends >> 32);
    s.call = changetype<usize>(launderCall(<u32>ends));
    s.phase = 1;
  }
  if (s.phase == 1) {
    if (!futurePoll(s.call)) return false;
    s.rx = launderResult(changetype<WaitableOperation>(s.call));
    futureDrop(s.call);
    s.call = 0;
    s.phase = PHASE_READY;
  }
  return true;
}

/** Allocate a zeroed scenario future of `size` bytes. */
export function scenarioNew(size: usize, pollFn: u32, dropFn: u32): usize {
  const p = heap.alloc(size);
  memory.fill(p, 0, size);
  const s = changetype<Scenario>(p);
  s.pollFn = pollFn;
  s.dropFn = dropFn;
  return p;
}

/** Release the setup's resources and the future itself (after the scenario dropped its own). */
export function scenarioFree(s: Scenario): void {
  if (s.call != 0) futureDrop(s.call);
  if (s.tx != 0) stream_drop_writable(s.tx);
  if (s.rx != 0) stream_drop_readable(s.rx);
  heap.free(changetype<usize>(s));
}

/** Drop a future field if set. */
export function dropIf(f: usize): void {
  if (f != 0) futureDrop(f);
}
