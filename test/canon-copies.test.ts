/**
 * Stream and future copies from hand-written WAT (test/wat/copies.wat,
 * events.wat, xfer.wat), checked against the spec's SharedStreamImpl /
 * SharedFutureImpl, stream_copy, future_copy and cancel_copy: zero-length
 * reads and writes, partial copies, every copy result (BLOCKED, COMPLETED,
 * DROPPED, CANCELLED) with its count, 8- and 12-byte elements copied by byte
 * range, ends moved between instances, and the NONE / TASK_CANCELLED payloads.
 */
import { describe, expect, it } from 'vitest';
import { CopyResult, EventCode, Store, type ElemType, type FlatValue, type HostSubtask } from '../host/canon/index.js';
import { BLOCKED, eventLog, watModule } from './canon-helpers.js';

const { COMPLETED, DROPPED, CANCELLED } = CopyResult;
const { NONE, STREAM_READ, STREAM_WRITE, FUTURE_WRITE, TASK_CANCELLED } = EventCode;
/** A stream copy result: the low nibble, the count above it. */
const res = (r: CopyResult, n: number): number => (r | (n << 4)) >>> 0;

const ELEMS: Record<string, ElemType> = {
  u8: { size: 1, align: 1 },
  u64: { size: 8, align: 8 },
  u32: { size: 4, align: 4 },
  rec: { size: 12, align: 4, numeric: false },
};

async function copies() {
  const store = new Store();
  const { log, imports } = eventLog();
  const inst = store.instantiate(await watModule('copies'), {
    name: 'g',
    imports: { test: imports },
    elementType: (_kind, _module, func) => ELEMS[func]!,
  });
  return { store, inst, log };
}

describe('stream copies within one instance', () => {
  it('zero-length reads and writes follow the spec rendezvous', async () => {
    const { inst, log } = await copies();
    expect(await inst.callExport('zero')).toEqual([0x0201]);
    const [, r, w] = log[0]!;
    expect([r, w]).toEqual([1, 2]);
    expect(log.slice(1)).toEqual([
      [1, BLOCKED, 0], // write 0: nobody reads, the empty write waits
      [2, BLOCKED, 0], // read 0: completes the waiting empty write, then waits itself
      [STREAM_WRITE, w, res(COMPLETED, 0)],
      [3, BLOCKED, 0], // write 2: completes the waiting empty read, then waits
      [STREAM_READ, r, res(COMPLETED, 0)],
      [4, res(COMPLETED, 0), 0], // read 0 with a non-empty write pending: done at once, the write keeps waiting
      [NONE, 0, 0], // ... and the writer got no event
      [5, res(COMPLETED, 2), 0], // read 4: takes the 2 offered
      [STREAM_WRITE, w, res(COMPLETED, 2)],
      [6, BLOCKED, 0], // read 0: waits
      [7, res(COMPLETED, 0), 0], // write 0 meeting a pending empty read: the write completes, the read still waits
      [8, res(CANCELLED, 0), 0], // async cancel-read of the still-waiting empty read
      [NONE, 0, 0],
    ]);
    expect(inst.handles.size).toBe(0);
  });

  it('cancel-read / cancel-write: CANCELLED with 0, or the COMPLETED count a partial copy left pending', async () => {
    const { inst, log } = await copies();
    expect(await inst.callExport('cancel')).toEqual([0x04030201]);
    const [, r, w] = log[0]!;
    expect(log.slice(1)).toEqual([
      [1, BLOCKED, 0],
      [2, res(COMPLETED, 1), 0], // the writer: 1 byte into the pending read
      // The reader's COMPLETED event (1 byte) was already pending: cancel-read
      // delivers it (spec cancel_copy: shared.cancel() only when no event is pending).
      [3, res(COMPLETED, 1), 0],
      [4, BLOCKED, 0],
      [5, res(CANCELLED, 0), 0], // nothing copied: CANCELLED, count 0
      [6, BLOCKED, 0],
      [7, res(CANCELLED, 0), 0], // cancel-write, nothing taken
      [8, BLOCKED, 0], // write 3
      [9, res(COMPLETED, 2), 0], // read 2 of them
      [10, res(COMPLETED, 2), 0], // cancel-write reports the 2 taken so far
      [11, BLOCKED, 0], // the cancelled write is no longer offered
      [12, res(COMPLETED, 1), 0],
      [STREAM_READ, r, res(COMPLETED, 1)],
      [13, BLOCKED, 0],
      [14, res(CANCELLED, 0), 0], // [async-lower] cancel-read of an end in a set
      [15, BLOCKED, 0],
      [16, res(CANCELLED, 0), 0], // [async-lower] cancel-write of an end in a set
      [NONE, 0, 0], // a cancel's result is its event: nothing else is pending
    ]);
    expect(w).toBe(2);
    expect(inst.handles.size).toBe(0);
  });

  it('DROPPED when the other end goes: pending (with the count copied) or before the copy', async () => {
    const { inst, log } = await copies();
    expect(await inst.callExport('dropped')).toEqual([0x0201]);
    const splits = log.filter((e) => e[0] === 99).map((e) => [e[1]!, e[2]!] as const);
    expect(splits).toHaveLength(4);
    const rest = log.filter((e) => e[0] !== 99);
    expect(rest).toEqual([
      [1, BLOCKED, 0],
      [2, res(COMPLETED, 2), 0],
      [STREAM_READ, splits[0]![0], res(DROPPED, 2)], // the writer went: DROPPED, still with its 2 bytes
      [3, BLOCKED, 0],
      [STREAM_WRITE, splits[1]![1], res(DROPPED, 0)], // the reader went
      [4, res(DROPPED, 0), 0], // read after the writer went
      [5, res(DROPPED, 0), 0], // write after the reader went
    ]);
    expect(inst.handles.size).toBe(0);
  });

  it('8-byte elements are copied by byte ranges; empty buffers are not range-checked', async () => {
    const { inst, log } = await copies();
    expect(await inst.callExport('wide')).toEqual([]);
    const [, r, w] = log[0]!;
    expect([r, w]).toEqual([2, 3]);
    expect(log.slice(1)).toEqual([
      [1, BLOCKED, 0], // read 0 elements at 65540: unaligned and past the end, but empty: allowed
      [2, res(CANCELLED, 0), 0],
      [3, BLOCKED, 0], // write 3 elements (24 bytes)
      [4, res(COMPLETED, 2), 0], // read 2: 16 bytes
      [5, res(COMPLETED, 1), 0], // read 2 more: only 1 left in the pending write
      [STREAM_WRITE, w, res(COMPLETED, 3)], // one event for the whole write
      [6, BLOCKED, 0], // 2 elements ending exactly at the end of memory: allowed
      [7, res(CANCELLED, 0), 0],
    ]);
    const mem = new Uint8Array(inst.memory.buffer);
    expect([...mem.subarray(2048, 2064)]).toEqual([...mem.subarray(1024, 1040)]);
    expect([...mem.subarray(4096, 4104)]).toEqual([...mem.subarray(1040, 1048)]);
    expect([...mem.subarray(4104, 4112)]).toEqual(Array(8).fill(0xaa)); // nothing past the copied element
  });
});

describe('futures: cancel-write, cancels after the value moved, the writer drop rule', () => {
  it('event order and results', async () => {
    const { inst, log } = await copies();
    expect((await inst.callExport('future'))[0]! >>> 0).toBe(0xdeadbeef);
    const splits = log.filter((e) => e[0] === 99).map((e) => [e[1]!, e[2]!] as const);
    const rest = log.filter((e) => e[0] !== 99);
    expect(rest).toEqual([
      [1, BLOCKED, 0],
      [2, CANCELLED, 0], // [future-cancel-write-N]: CANCELLED; the end is IDLE again
      [3, BLOCKED, 0],
      [4, COMPLETED, 0],
      [FUTURE_WRITE, splits[0]![1], COMPLETED], // the writer's event: now DONE, so it may drop
      [5, BLOCKED, 0],
      [6, COMPLETED, 0],
      [7, COMPLETED, 0], // cancel-write after the value was taken: the COMPLETED event
      [8, BLOCKED, 0],
      [9, COMPLETED, 0],
      [10, COMPLETED, 0], // cancel-read after the value arrived: COMPLETED
      [11, BLOCKED, 0],
      [12, CANCELLED, 0], // [async-lower][future-cancel-write-N] of an end in a set
      [NONE, 0, 0],
      [13, DROPPED, 0], // the reader went before the write: DROPPED at once; the writer is DONE
    ]);
    const dv = new DataView(inst.memory.buffer);
    expect([200, 204, 208].map((p) => dv.getUint32(p, true))).toEqual([0xdeadbeef, 0xdeadbeef, 0xdeadbeef]);
    expect(inst.handles.size).toBe(0);
  });
});

describe('a non-numeric stream between two instances', () => {
  it('12-byte elements move by byte range; the reader sees DROPPED when the writer goes', async () => {
    const store = new Store();
    const seq: [string, number, number, number][] = [];
    let moved = 0;
    const mk = (name: string) =>
      watModule('xfer').then((m) =>
        store.instantiate(m, {
          name,
          elementType: () => ELEMS.rec!,
          imports: {
            test: {
              log: (a: number, b: number, c: number) => void seq.push([name, a >>> 0, b >>> 0, c >>> 0]),
              give: (h: number) => void (moved = consumer.addReadableStream(producer.takeReadableStream(h))),
            },
          },
        }),
      );
    const producer = await mk('p');
    const consumer = await mk('c');
    const [p, c] = store.batch(() => {
      const p = producer.callExport('produce');
      return [p, consumer.callExport('consume', [moved])];
    });
    expect(await p).toEqual([]);
    expect(await c).toEqual([6]); // the second element's last field
    expect(moved).toBe(1);
    const w = 2;
    expect(seq).toEqual([
      ['p', 100, BLOCKED, w], // the producer's readable end 1 was moved out, its writable end is 2
      ['c', 200, res(COMPLETED, 2), moved], // 3 wanted, 2 offered
      ['c', 201, BLOCKED, 0],
      ['p', STREAM_WRITE, w, res(COMPLETED, 2)],
      ['c', STREAM_READ, moved, res(DROPPED, 0)],
    ]);
    const src = new Uint8Array(producer.memory.buffer).subarray(64, 88);
    const dst = new Uint8Array(consumer.memory.buffer);
    expect([...dst.subarray(256, 280)]).toEqual([...src]);
    expect([...dst.subarray(280, 304)]).toEqual(Array(24).fill(0));
    expect(producer.handles.size + consumer.handles.size).toBe(0);
  });
});

describe('NONE and TASK_CANCELLED payloads; thread.yield results', () => {
  async function events() {
    const store = new Store();
    const host = store.hostInstance('host');
    const { log, imports } = eventLog();
    const inst = store.instantiate(await watModule('events'), { name: 'g', imports: { test: imports } });
    /** Calls `name` as the host and requests cancellation from the run queue. */
    const cancelled = (name: string): (FlatValue[] | undefined)[] => {
      const results: (FlatValue[] | undefined)[] = [];
      let sub: HostSubtask | undefined;
      host.defer(() => sub!.cancel(), `cancel ${name}`);
      host.call(inst, name, [], (r) => results.push(r), (t) => results.push([t.code]), (s) => (sub = s));
      return results;
    };
    return { inst, log, cancelled };
  }

  it('a callback WAITing on a set gets (TASK_CANCELLED, 0, 0)', async () => {
    const { inst, log, cancelled } = await events();
    expect(cancelled('parked')).toEqual([undefined]);
    expect(log).toEqual([[TASK_CANCELLED, 0, 0]]);
    expect(inst.poisoned).toBeUndefined();
  });

  it('a callback after YIELD gets (NONE, 0, 0)', async () => {
    const { inst, log } = await events();
    expect(await inst.callExport('yielder')).toEqual([7]);
    expect(log).toEqual([[NONE, 0, 0]]);
  });

  it('a pending cancellation: non-cancellable yield/poll ignore it, the cancellable wait reports it once', async () => {
    const { log, cancelled } = await events();
    expect(cancelled('pending')).toEqual([undefined]);
    expect(log).toEqual([
      [1, 0, 0], // thread.yield: 0 (the request arrived meanwhile and stays pending)
      [NONE, 0, 0], // waitable-set.poll (not cancellable): NONE, both words 0
      [2, 0, 0], // thread.yield: still 0
      [TASK_CANCELLED, 0, 0], // [cancellable] wait: TASK_CANCELLED, both words 0
      [3, 0, 0], // [cancellable] thread.yield: 0, it was delivered already
      [NONE, 0, 0], // [cancellable] poll: NONE
    ]);
  });

  it('[cancellable][thread-yield] returns 1 for a pending cancellation', async () => {
    const { log, cancelled } = await events();
    expect(cancelled('pending-yield')).toEqual([undefined]);
    expect(log).toEqual([
      [1, 0, 0],
      [2, 1, 0],
    ]);
  });
});

describe('synchronous copy built-ins, served by a host peer while the guest blocks', () => {
  it('stream.read / stream.write / future.read / future.write block, then return the result', async () => {
    const store = new Store();
    const peer = store.hostInstance('peer');
    const { log, imports } = eventLog();
    const host: string[] = [];
    const inst = store.instantiate(await watModule('sync'), {
      name: 'g',
      elementType: (_kind, _module, func) => ELEMS[func]!,
      imports: {
        test: {
          ...imports,
          peer_stream: () => {
            const { readable, writable } = peer.streamNew();
            peer.whenReadPending(writable, (n) => {
              host.push(`read pending ${n}`);
              peer.write(writable, new TextEncoder().encode('abc'), (r) => host.push(`wrote ${r.kind}/${r.count}`));
            });
            return inst.addReadableStream(readable);
          },
          give_stream: (h: number) => {
            const end = inst.takeReadableStream(h);
            peer.defer(() => peer.read(end, 8, (r, bytes) => host.push(`read ${r.kind}/${r.count} ${Buffer.from(bytes).toString()}`)));
          },
          peer_future: () => {
            const { readable, writable } = peer.futureNew(ELEMS.u32);
            peer.defer(() => peer.writeFuture(writable, new Uint8Array([4, 3, 2, 1]), (r) => host.push(`future wrote ${r.kind}`)));
            return inst.addReadableFuture(readable);
          },
          give_future: (h: number) => {
            const end = inst.takeReadableFuture(h);
            peer.defer(() => peer.readFuture(end, (r, bytes) => host.push(`future read ${r.kind} ${[...bytes].join(',')}`)));
          },
        },
      },
    });
    expect(await inst.callExport('sync')).toEqual([0x01020304]);
    expect(log).toEqual([
      [1, res(COMPLETED, 3), 1], // blocked until the peer wrote "abc"
      [2, res(COMPLETED, 4), 2], // blocked until the peer read "wxyz"
      // Handles come off the spec's LIFO free list (2 was freed last), not a restart at 1.
      [3, COMPLETED, 2],
      [4, COMPLETED, 1],
      [5, BLOCKED, 0],
      [6, CANCELLED, 0],
      [7, DROPPED, 0],
    ]);
    expect(host).toEqual([
      'read pending 8',
      `wrote ${COMPLETED}/3`,
      `read ${COMPLETED}/4 wxyz`,
      `future wrote ${COMPLETED}`,
      `future read ${COMPLETED} 239,190,173,222`,
    ]);
    expect(Buffer.from(new Uint8Array(inst.memory.buffer, 300, 3)).toString()).toBe('abc');
    expect(inst.handles.size).toBe(0);
  });
});
