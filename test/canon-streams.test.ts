import { describe, expect, it } from 'vitest';
import { CopyResultKind, EventCode, Store, type HostCopyResult } from '../host/canon/index.js';
import { BLOCKED, eventLog, watModule } from './canon-helpers.js';

describe('streams within one instance', () => {
  it('a write blocks until a read arrives; the writer then gets STREAM_WRITE with the count', async () => {
    const store = new Store();
    const { log, imports } = eventLog();
    const inst = store.instantiate(await watModule('streams'), { name: 'g', imports: { test: imports } });
    const result = await inst.callExport('rendezvous');
    const [r, w] = [log[0]![1]!, log[0]![2]!];
    expect([r, w]).toEqual([1, 2]);
    expect(log.slice(1)).toEqual([
      [100, BLOCKED, 0], // write 4: nobody reads
      [101, EventCode.NONE, 0], // poll: nothing pending
      [102, 0 | (2 << 4), 0], // read 2: COMPLETED, 2 elements
      [EventCode.STREAM_WRITE, w, 0 | (2 << 4)], // the writer: COMPLETED, 2 of 4 copied
      [103, BLOCKED, 0], // write 2 more
      [104, 0 | (2 << 4), 0], // read 3: gets the 2 offered
      [EventCode.STREAM_WRITE, w, 0 | (2 << 4)],
      [105, BLOCKED, 0],
      [106, 2 | (0 << 4), 0], // cancel-write: CANCELLED, 0 copied
      [107, 1 | (0 << 4), 0], // reader dropped: DROPPED
    ]);
    // bytes 1,2 then 3,4 read into 200..203
    expect(result).toEqual([0x04030201]);
    expect(inst.handles.size).toBe(0);
  });
});

describe('streams between a guest and a host peer', () => {
  const GIVE = `(module
    (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
    (import "$root" "[waitable-join]" (func $join (param i32 i32)))
    (import "[export]$root" "[task-return]give" (func $ret (param i32)))
    (import "$root" "[stream-new-0]give" (func $stream_new (result i64)))
    (import "$root" "[async-lower][stream-write-0]give" (func $write (param i32 i32 i32) (result i32)))
    (import "$root" "[stream-drop-writable-0]give" (func $drop_w (param i32)))
    (import "test" "give" (func $give (param i32)))
    (import "test" "log" (func $log (param i32 i32 i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "hello")
    (global $w (mut i32) (i32.const 0))
    (func (export "[async-lift]give") (param $first i32) (result i32)
      (local $s i64) (local $set i32)
      (local.set $s (call $stream_new))
      (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $s) (i64.const 32))))
      (local.set $set (call $set_new))
      (if (local.get $first)
        (then ;; hand the reader over first: the host's read is then pending
          (call $give (i32.wrap_i64 (local.get $s)))
          (call $log (i32.const 100) (call $write (global.get $w) (i32.const 64) (i32.const 5)) (i32.const 0))
          (call $drop_w (global.get $w))
          (call $ret (i32.const 1))
          (return (i32.const 0))))
      ;; write first (blocks), then hand the reader over
      (call $log (i32.const 100) (call $write (global.get $w) (i32.const 64) (i32.const 5)) (i32.const 0))
      (call $join (global.get $w) (local.get $set))
      (call $give (i32.wrap_i64 (local.get $s)))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "[callback][async-lift]give") (param $ev i32) (param $h i32) (param $p i32) (result i32)
      (call $log (local.get $ev) (local.get $h) (local.get $p))
      (call $join (global.get $w) (i32.const 0))
      (call $drop_w (global.get $w))
      (call $ret (i32.const 2))
      (i32.const 0)))`;

  async function setup(readLen: number) {
    const store = new Store();
    const peer = store.hostInstance('peer');
    const { log, imports } = eventLog();
    const reads: { result: HostCopyResult; text: string }[] = [];
    const inst = store.instantiate(await watModule(GIVE), {
      name: 'g',
      imports: {
        test: {
          ...imports,
          give: (h: number) => {
            const end = inst.takeReadableStream(h);
            const readAll = (): void =>
              peer.read(end, readLen, (result, bytes) => {
                reads.push({ result, text: Buffer.from(bytes).toString() });
                if (result.kind === CopyResultKind.COMPLETED) readAll();
                else peer.dropReadable(end);
              });
            readAll();
          },
        },
      },
    });
    return { store, inst, log, reads };
  }

  it('guest write completes at once when the host read is already pending', async () => {
    const { inst, log, reads } = await setup(8);
    expect(await inst.callExport('give', [1])).toEqual([1]);
    expect(log).toEqual([[100, 0 | (5 << 4), 0]]);
    // The writer dropped its end before the host's event was delivered: as in
    // the spec, the pending reader's event becomes DROPPED, still with the 5 elements.
    expect(reads).toEqual([{ result: { kind: CopyResultKind.DROPPED, count: 5 }, text: 'hello' }]);
  });

  it('guest write blocks; the host read then copies and the guest gets STREAM_WRITE', async () => {
    const { inst, log, reads } = await setup(3);
    expect(await inst.callExport('give', [0])).toEqual([2]);
    // The host reads 3, then (from its callback) 2 more from the same pending
    // write: the writer's buffer is only given back when its event is delivered,
    // so its one STREAM_WRITE event reports all 5.
    expect(log).toEqual([
      [100, BLOCKED, 0],
      [EventCode.STREAM_WRITE, 2, 0 | (5 << 4)],
    ]);
    expect(reads).toEqual([
      { result: { kind: CopyResultKind.COMPLETED, count: 3 }, text: 'hel' },
      { result: { kind: CopyResultKind.COMPLETED, count: 2 }, text: 'lo' },
      { result: { kind: CopyResultKind.DROPPED, count: 0 }, text: '' },
    ]);
  });
});
