// The reading side of the guest-to-guest stream benchmark (core-module build only).

import {
  BLOCKED, CALLBACK_CODE_EXIT, CALLBACK_CODE_WAIT, COPY_DROPPED, EVENT_NONE,
  copyResultKind, copyResultCount,
} from "../abi";
import { context_get_0, context_set_0, waitable_join, waitable_set_new, waitable_set_drop } from "../canon";
import { CHUNK } from "./streams";

@external("[export]$root", "[async-lower][stream-read-0]consume")
declare function consumeRead(readable: u32, ptr: usize, n: u32): u32;
@external("[export]$root", "[stream-drop-readable-0]consume")
declare function consumeDropReadable(readable: u32): void;
@external("[export]$root", "[task-return]consume")
declare function consumeReturn(count: u32): void;

@unmanaged
class Sink {
  handle: u32;
  got: u32;
  set: u32;
  joined: bool;
}

let buffer: usize = 0;

function consumeTurn(s: Sink, code: u32): u32 {
  if (buffer == 0) buffer = heap.alloc(CHUNK);
  for (;;) {
    if (code != BLOCKED) {
      s.got += copyResultCount(code);
      if (copyResultKind(code) == COPY_DROPPED) {
        if (s.joined) waitable_join(s.handle, 0);
        consumeDropReadable(s.handle);
        if (s.set != 0) waitable_set_drop(s.set);
        consumeReturn(s.got);
        heap.free(changetype<usize>(s));
        return CALLBACK_CODE_EXIT;
      }
    }
    code = consumeRead(s.handle, buffer, CHUNK);
    if (code == BLOCKED) {
      if (s.set == 0) s.set = waitable_set_new();
      if (!s.joined) {
        waitable_join(s.handle, s.set);
        s.joined = true;
      }
      return CALLBACK_CODE_WAIT | (s.set << 4);
    }
  }
  return 0; // not reached
}

export function lift__consume(readable: u32): u32 {
  const s = changetype<Sink>(heap.alloc(offsetof<Sink>()));
  s.handle = readable;
  s.got = 0;
  s.set = 0;
  s.joined = false;
  context_set_0(changetype<usize>(s));
  return consumeTurn(s, BLOCKED);
}

export function callback__consume(event: u32, waitable: u32, payload: u32): u32 {
  return consumeTurn(changetype<Sink>(context_get_0()), event == EVENT_NONE ? BLOCKED : payload);
}
