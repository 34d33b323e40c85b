// A minimal future: a header of two table indices, `poll(self) -> ready` and
// `drop(self)`, in front of each concrete state machine (AssemblyScript has no
// closures, so each future is an explicit state machine, as Rust compiles one).

import { Pooled } from "./pool";

@unmanaged
export class Future extends Pooled {
  /** fn(self) -> bool: true when ready. Called with the current task installed. */
  pollFn: u32;
  /** fn(self): release everything, cancelling what is in flight. */
  dropFn: u32;
  /** The value a root future produces (what its export returns). */
  output: u32;
}

export function futurePoll(f: usize): bool {
  return call_indirect<bool>(changetype<Future>(f).pollFn, f);
}

export function futureDrop(f: usize): void {
  call_indirect<void>(changetype<Future>(f).dropFn, f);
}

/** Both futures, polled in order, ready when both are. */
@unmanaged
export class Join extends Future {
  a: usize;
  b: usize;
  aDone: bool;
  bDone: bool;
}

function joinPoll(self: usize): bool {
  const j = changetype<Join>(self);
  if (!j.aDone) j.aDone = futurePoll(j.a);
  if (!j.bDone) j.bDone = futurePoll(j.b);
  return j.aDone && j.bDone;
}

function joinDrop(self: usize): void {
  const j = changetype<Join>(self);
  futureDrop(j.a);
  futureDrop(j.b);
  heap.free(self);
}

export function join(a: usize, b: usize): usize {
  const j = changetype<Join>(heap.alloc(offsetof<Join>()));
  memory.fill(changetype<usize>(j), 0, offsetof<Join>());
  j.pollFn = joinPoll.index;
  j.dropFn = joinDrop.index;
  j.a = a;
  j.b = b;
  return changetype<usize>(j);
}
