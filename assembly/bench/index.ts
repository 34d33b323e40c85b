// The benchmark guest (asconfig.json target `bench-v2`, TRACE=0): the guest
// runtime (assembly/) driven by the exports the benchmarks in bench/ need.
// Never part of the shipped package's runtime; see README.md, "Performance".
//
//   [async-lift]spin(n)        YIELD n times, then task.return(n)      (calls.ts)
//   [async-lift]produce(total) -> stream<u8>, 64 KiB writes            (streams.ts)
//   [async-lift]consume(rx)    reads 64 KiB at a time until DROPPED    (consume.ts)
//   abi_cycle_v1(iters)        V1 cycle: register + unregister through the struct
//   abi_cycle_v2(iters)        V2 cycle: clone + register + unregister + drop through the vtable
//   join_cycle(iters)          the two waitable.join calls of a cycle alone (host built-in cost)
//   [async-lift]wait-one()     one export task waiting on one stream read (scale benchmark)
//   wake_all()                 writes one byte to every waiting task's stream
//   [async-lift]wakes(n)       one task woken n times (steady-state allocation)
//   heap_used()                bytes in used TLSF blocks (walks the allocator's heap)

export * from "./calls";
export { lift__produce, callback__produce } from "./streams";
export * from "./consume";
export { wasip3_task_set } from "../slot";
export { live_shared_states, live_entries, live_operations } from "./stats";

import { Wasip3TaskV2, Wasip3TaskVtable, EVENT_NONE } from "../abi";
import {
  context_get_0, context_set_0, waitable_join, waitable_set_new, waitable_set_drop,
  stream_new, stream_read, stream_write, stream_drop_readable, stream_drop_writable,
} from "../canon";
import { TaskState, taskNew, taskExit, exportTurn, TASK_LABEL_EXPORT } from "../task";
import { Future, futurePoll, futureDrop } from "../future";
import { WaitableOperation } from "../waitable";
import { streamRead, streamWriteBytes } from "../stream";

// ---- benchmark 3: the task-ABI cycle inside wasm ----

/** A completion callback that is never called (every registration is unregistered first). */
function noWake(cbPtr: usize, code: u32): void {
  unreachable();
}
const CB_STATUS: usize = memory.data(16);

/** A task of the runtime's executor and a waitable to register: a stream's readable end. */
function cycleSetUp(): TaskState {
  return taskNew(TASK_LABEL_EXPORT);
}

function cycleTearDown(task: TaskState, ends: u64): void {
  stream_drop_readable(<u32>ends);
  stream_drop_writable(<u32>(ends >> 32));
  taskExit(task);
}

/** `iters` V1 cycles (waitable_register + waitable_unregister through the V1 slots, call_indirect). */
export function abi_cycle_v1(iters: u32): u32 {
  const task = cycleSetUp();
  const ends = stream_new();
  const w = <u32>ends;
  let check: u32 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    const prev = call_indirect<usize>(task.waitable_register, task.ptr, w, noWake.index, CB_STATUS);
    const got = call_indirect<usize>(task.waitable_unregister, task.ptr, w);
    check += <u32>(got - prev);
  }
  cycleTearDown(task, ends);
  return check; // iters * CB_STATUS (mod 2^32)
}

/** `iters` V2 cycles (clone + register + unregister + drop through the vtable, call_indirect). */
export function abi_cycle_v2(iters: u32): u32 {
  const task = cycleSetUp();
  const ends = stream_new();
  const w = <u32>ends;
  let check: u32 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    const vt = changetype<Wasip3TaskVtable>(changetype<Wasip3TaskV2>(task).vtable);
    const held = call_indirect<usize>(vt.clone, task.ptr);
    const prev = call_indirect<usize>(vt.waitable_register, held, w, noWake.index, CB_STATUS);
    const got = call_indirect<usize>(vt.waitable_unregister, held, w);
    call_indirect<void>(vt.drop, held);
    check += <u32>(got - prev);
  }
  cycleTearDown(task, ends);
  return check;
}

/** The canonical part of a cycle alone: waitable.join(w, set) then waitable.join(w, 0). */
export function join_cycle(iters: u32): u32 {
  const ends = stream_new();
  const w = <u32>ends;
  const set = waitable_set_new();
  for (let i: u32 = 0; i < iters; i++) {
    waitable_join(w, set);
    waitable_join(w, 0);
  }
  waitable_set_drop(set);
  stream_drop_readable(w);
  stream_drop_writable(<u32>(ends >> 32));
  return iters;
}

// ---- benchmark 4: N concurrent export tasks, each waiting on one stream read ----

@external("[export]$root", "[task-return]wait-one")
declare function waitOneReturn(code: u32): void;

/**
 * The root future of a wait-one task: one read of one byte (the readable end
 * is the operation's handle). `link` (from Pooled, free for the owner's use)
 * chains the waiting tasks for wake_all, so the harness needs no array.
 */
@unmanaged
class WaitOne extends Future {
  op: usize;
  tx: u32;
}

function waitOnePoll(self: usize): bool {
  const f = changetype<WaitOne>(self);
  if (!futurePoll(f.op)) return false;
  f.output = changetype<WaitableOperation>(f.op).code;
  return true;
}

function waitOneDrop(self: usize): void {
  const f = changetype<WaitOne>(self);
  const rx = changetype<WaitableOperation>(f.op).handle;
  futureDrop(f.op);
  stream_drop_readable(rx);
  stream_drop_writable(f.tx);
  heap.free(self);
}

function waitOneReturnFn(code: u32): void {
  waitOneReturn(code);
}

/** The waiting tasks' root futures, oldest first (through `link`). */
let waiting: usize = 0;
let waitingTail: usize = 0;

export function lift__wait_one(): u32 {
  const ends = stream_new();
  const f = changetype<WaitOne>(heap.alloc(offsetof<WaitOne>()));
  memory.fill(changetype<usize>(f), 0, offsetof<WaitOne>());
  f.pollFn = waitOnePoll.index;
  f.dropFn = waitOneDrop.index;
  f.tx = <u32>(ends >> 32);
  const op = streamRead(<u32>ends, 0, 1);
  op.buf = changetype<usize>(op) + offsetof<WaitableOperation>("inline");
  f.op = changetype<usize>(op);
  if (waitingTail != 0) changetype<WaitOne>(waitingTail).link = changetype<usize>(f);
  else waiting = changetype<usize>(f);
  waitingTail = changetype<usize>(f);
  const task = taskNew(TASK_LABEL_EXPORT);
  task.root = changetype<usize>(f);
  task.returnFn = waitOneReturnFn.index;
  context_set_0(changetype<usize>(task));
  return exportTurn(task, EVENT_NONE, 0, 0);
}

export function callback__wait_one(event: u32, waitable: u32, payload: u32): u32 {
  return exportTurn(changetype<TaskState>(context_get_0()), event, waitable, payload);
}

const ONE_BYTE: usize = memory.data(8);

/** Wakes every waiting task (one byte into its stream); returns how many. */
export function wake_all(): u32 {
  let n: u32 = 0;
  for (let p = waiting; p != 0; p = changetype<WaitOne>(p).link) {
    stream_write(changetype<WaitOne>(p).tx, ONE_BYTE, 1);
    n++;
  }
  waiting = 0;
  waitingTail = 0;
  return n;
}

// ---- benchmark 5: one task woken n times ----

@external("[export]$root", "[task-return]wakes")
declare function wakesReturn(n: u32): void;

/**
 * Each round: a one-byte write on the task's own stream blocks and registers
 * with the task; a direct read of the readable end completes the rendezvous,
 * so the write's event is pending; the task answers WAIT and the host wakes it
 * with that event (a callback turn), which completes the write operation.
 */
@unmanaged
class Wakes extends Future {
  op: usize;
  left: u32;
  rx: u32;
  tx: u32;
}

const SCRATCH: usize = memory.data(8);

function wakesPoll(self: usize): bool {
  const f = changetype<Wakes>(self);
  for (;;) {
    if (f.op == 0) {
      if (f.left == 0) return true;
      f.op = changetype<usize>(streamWriteBytes(f.tx, 1, 1));
    }
    if (!futurePoll(f.op)) {
      stream_read(f.rx, SCRATCH, 1);
      return false;
    }
    futureDrop(f.op);
    f.op = 0;
    f.left--;
  }
  return false; // not reached
}

function wakesDrop(self: usize): void {
  const f = changetype<Wakes>(self);
  if (f.op != 0) futureDrop(f.op);
  stream_drop_readable(f.rx);
  stream_drop_writable(f.tx);
  heap.free(self);
}

function wakesReturnFn(n: u32): void {
  wakesReturn(n);
}

export function lift__wakes(n: u32): u32 {
  const ends = stream_new();
  const f = changetype<Wakes>(heap.alloc(offsetof<Wakes>()));
  memory.fill(changetype<usize>(f), 0, offsetof<Wakes>());
  f.pollFn = wakesPoll.index;
  f.dropFn = wakesDrop.index;
  f.rx = <u32>ends;
  f.tx = <u32>(ends >> 32);
  f.left = n;
  f.output = n;
  const task = taskNew(TASK_LABEL_EXPORT);
  task.root = changetype<usize>(f);
  task.returnFn = wakesReturnFn.index;
  context_set_0(changetype<usize>(task));
  return exportTurn(task, EVENT_NONE, 0, 0);
}

export function callback__wakes(event: u32, waitable: u32, payload: u32): u32 {
  return exportTurn(changetype<TaskState>(context_get_0()), event, waitable, payload);
}

// ---- memory ----

/** TLSF root size on wasm32 (AssemblyScript's std/assembly/rt/tlsf.ts, ROOT_SIZE: 23 first-level lists). */
const TLSF_ROOT_SIZE: usize = 1572;

/**
 * Bytes in used heap blocks (payload + 4-byte header), by walking every
 * block from the first to the tail. Returns 0xffffffff if the walk does not
 * end exactly at the tail block (then the layout assumption is wrong).
 */
export function heap_used(): u32 {
  heap.free(heap.alloc(0)); // make sure the allocator is initialised (a fresh instance has no heap yet)
  const rootOffset = (__heap_base + 15) & ~(<usize>15);
  let p = ((rootOffset + TLSF_ROOT_SIZE + 4 + 15) & ~(<usize>15)) - 4;
  const end = <usize>memory.size() << 16;
  let used: usize = 0;
  while (p + 4 <= end) {
    const info = load<usize>(p);
    const size = info & ~(<usize>3);
    if (size == 0) return p == end - 4 ? <u32>used : 0xffff_ffff;
    if ((info & 1) == 0) used += size + 4;
    p += 4 + size;
  }
  return 0xffff_ffff;
}

/** Linear memory size in bytes. */
export function memory_bytes(): u32 {
  return <u32>(memory.size() << 16);
}
