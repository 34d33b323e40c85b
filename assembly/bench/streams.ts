// Benchmark 2: stream<u8> throughput in 64 KiB copies.
//   produce(total) -> stream<u8>: returns the readable end at once
//     (task.return), then writes `total` bytes in 64 KiB writes from its
//     callback loop, waiting on its waitable set whenever a write blocks.
//   consume(stream<u8>) -> u32: reads 64 KiB at a time until the writer
//     drops its end; returns the byte count (guest-to-guest with produce).
// Both use the canonical built-ins directly, as generated bindings do.

import {
  BLOCKED, CALLBACK_CODE_EXIT, CALLBACK_CODE_WAIT, COPY_DROPPED, EVENT_NONE,
  copyResultKind, copyResultCount,
} from "../abi";
import { context_get_0, context_set_0, waitable_join, waitable_set_new, waitable_set_drop } from "../canon";

export const CHUNK: u32 = 64 * 1024;

@external("[export]$root", "[stream-new-0]produce")
export declare function produceStreamNew(): u64;
@external("[export]$root", "[async-lower][stream-write-0]produce")
declare function produceWrite(writable: u32, ptr: usize, n: u32): u32;
@external("[export]$root", "[stream-drop-writable-0]produce")
export declare function produceDropWritable(writable: u32): void;
@external("[export]$root", "[task-return]produce")
declare function produceReturn(readable: u32): void;

@unmanaged
class Pump {
  handle: u32;
  left: u32;
  set: u32;
  joined: bool;
}

let buffer: usize = 0;
function chunkBuffer(): usize {
  if (buffer == 0) buffer = heap.alloc(CHUNK);
  return buffer;
}

function pumpNew(handle: u32, total: u32): Pump {
  const p = changetype<Pump>(heap.alloc(offsetof<Pump>()));
  p.handle = handle;
  p.left = total;
  p.set = 0;
  p.joined = false;
  context_set_0(changetype<usize>(p));
  return p;
}

function pumpWait(p: Pump): u32 {
  if (p.set == 0) p.set = waitable_set_new();
  if (!p.joined) {
    waitable_join(p.handle, p.set);
    p.joined = true;
  }
  return CALLBACK_CODE_WAIT | (p.set << 4);
}

// ---- produce ----

/** Writes until done or blocked; `code` is the result of the previous write (BLOCKED for none). */
function produceTurn(p: Pump, code: u32): u32 {
  const buf = chunkBuffer();
  for (;;) {
    if (code != BLOCKED) {
      const n = copyResultCount(code);
      p.left = n >= p.left ? 0 : p.left - n;
      if (copyResultKind(code) == COPY_DROPPED) p.left = 0;
    }
    if (p.left == 0) {
      if (p.joined) waitable_join(p.handle, 0);
      produceDropWritable(p.handle);
      if (p.set != 0) waitable_set_drop(p.set);
      heap.free(changetype<usize>(p));
      return CALLBACK_CODE_EXIT;
    }
    code = produceWrite(p.handle, buf, p.left < CHUNK ? p.left : CHUNK);
    if (code == BLOCKED) return pumpWait(p);
  }
  return 0; // not reached
}

export function lift__produce(total: u32): u32 {
  const ends = produceStreamNew();
  const p = pumpNew(<u32>(ends >> 32), total);
  produceReturn(<u32>ends);
  return produceTurn(p, BLOCKED);
}

export function callback__produce(event: u32, waitable: u32, payload: u32): u32 {
  const p = changetype<Pump>(context_get_0());
  return produceTurn(p, event == EVENT_NONE ? BLOCKED : payload);
}
