import { describe, expect, it } from 'vitest';
import { EventCode, Store, SubtaskState, type FlatValue, type HostCall, type HostSubtask } from '../host/canon/index.js';
import { eventLog, watModule } from './canon-helpers.js';

const { STARTING, STARTED, RETURNED, CANCELLED_BEFORE_STARTED, CANCELLED_BEFORE_RETURNED } = SubtaskState;
const SUBTASK = EventCode.SUBTASK;

describe('subtasks backed by host functions', () => {
  async function caller(f: (args: FlatValue[], call: HostCall) => FlatValue[] | Promise<FlatValue[]> | void) {
    const store = new Store();
    const peer = store.hostInstance('host');
    const { log, imports } = eventLog();
    const inst = store.instantiate(await watModule('caller'), { name: 'a', imports: { test: imports }, asyncImports: { imp: { f } } });
    return { store, peer, inst, log };
  }

  it('a host function that returns at once: RETURNED, results at the result pointer', async () => {
    const seen: FlatValue[][] = [];
    const { inst, log } = await caller((args) => {
      seen.push(args);
      return [Number(args[0]) * 2];
    });
    expect(await inst.callExport('run', [21])).toEqual([42]);
    expect(seen).toEqual([[21, 32]]);
    expect(log).toEqual([[100, RETURNED, 0]]);
  });

  it('a host function that returns later from the run queue: STARTED, then a SUBTASK event', async () => {
    const { inst, log, peer } = await caller((args, call) => {
      peer.defer(() => call.return([Number(args[0]) + 100]));
    });
    expect(await inst.callExport('run', [1])).toEqual([101]);
    expect(log).toEqual([
      [100, STARTED, 2],
      [SUBTASK, 2, RETURNED],
    ]);
  });

  it('a host function that returns a Promise', async () => {
    const { inst, log, store } = await caller(async (args) => [Number(args[0]) + 7]);
    const p = inst.callExport('run', [0]);
    expect(store.pendingHostPromises).toBe(1);
    expect(await p).toEqual([7]);
    expect(log).toEqual([
      [100, STARTED, 2],
      [SUBTASK, 2, RETURNED],
    ]);
  });

  it('results that fit their core type are stored exactly (i32 either reading)', async () => {
    for (const [v, stored] of [[-1, 0xffff_ffff], [0xffff_ffff, 0xffff_ffff], [-(2 ** 31), 2 ** 31], [5, 5]] as const) {
      const { inst } = await caller(() => [v]);
      expect((await inst.callExport('run', [0]))[0] >>> 0).toBe(stored);
    }
  });

  for (const [what, v, text] of [
    ['1.5', 1.5, /result 0 is 1\.5, which is not an i32/],
    ['NaN', NaN, /result 0 is NaN/],
    ['2^32', 2 ** 32, /result 0 is 4294967296/],
    ['-2^31-1', -(2 ** 31) - 1, /not an i32/],
    ['a string', '7', /result 0 is "7" \(string\)/],
    ['2^64 as a bigint', 2n ** 64n, /not an i64/],
  ] as const) {
    it(`a host callee returning ${what} traps result-type in the caller (never stored truncated)`, async () => {
      const { inst } = await caller(() => [v as unknown as number]);
      const err = (await inst.callExport('run', [0]).catch((e: unknown) => e)) as { code: string; message: string };
      expect(err.code).toBe('result-type');
      expect(err.message).toMatch(text);
      expect(inst.poisoned).toBe(err);
    });
  }

  it('a result that does not fit, returned later through call.return, traps result-type too', async () => {
    const { inst, peer } = await caller((_args, call) => {
      peer.defer(() => call.return([1.5]));
    });
    const err = (await inst.callExport('run', [0]).catch((e: unknown) => e)) as { code: string };
    expect(err.code).toBe('result-type');
  });

  it('subtask.cancel of a host call: CANCELLED_BEFORE_RETURNED', async () => {
    let cancelled = false;
    const { inst, log } = await caller((_args, call) => {
      call.onCancel = () => {
        cancelled = true;
        call.cancel();
      };
    });
    expect(await inst.callExport('run', [0x100])).toEqual([1000 + CANCELLED_BEFORE_RETURNED]);
    expect(cancelled).toBe(true);
    expect(log).toEqual([
      [100, STARTED, 2],
      [101, CANCELLED_BEFORE_RETURNED, 0],
    ]);
  });
});

describe('subtasks backed by another instance', () => {
  async function pair() {
    const store = new Store();
    const a = eventLog();
    const b = eventLog();
    const callee = store.instantiate(await watModule('callee'), { name: 'b', imports: { test: b.imports } });
    const inst = store.instantiate(await watModule('caller'), {
      name: 'a',
      imports: { test: a.imports },
      asyncImports: { imp: { f: { instance: callee, export: 'f' } } },
    });
    return { store, inst, callee, a: a.log, b: b.log };
  }

  it('the callee starts synchronously, yields, returns; the caller sees STARTED then RETURNED', async () => {
    const { inst, a, b } = await pair();
    expect(await inst.callExport('run', [4])).toEqual([5]);
    expect(a).toEqual([
      [100, STARTED, 2],
      [SUBTASK, 2, RETURNED],
    ]);
    expect(b).toEqual([
      [200, 4, 0],
      [200 + EventCode.NONE, 4, 0],
    ]);
  });

  it('subtask.cancel (sync) delivers TASK_CANCELLED to the callee, which confirms with task.cancel', async () => {
    const { inst, a, b } = await pair();
    expect(await inst.callExport('run', [0x101])).toEqual([1000 + CANCELLED_BEFORE_RETURNED]);
    expect(a).toEqual([
      [100, STARTED, 2],
      [101, CANCELLED_BEFORE_RETURNED, 0],
    ]);
    expect(b).toEqual([
      [200, 0x101, 0],
      [200 + EventCode.TASK_CANCELLED, 0x101, 0],
    ]);
  });

  it('subtask.cancel (async) resolves at once when the callee confirms before blocking', async () => {
    const { inst, a } = await pair();
    expect(await inst.callExport('run', [0x201])).toEqual([1000 + CANCELLED_BEFORE_RETURNED]);
    expect(a).toEqual([
      [100, STARTED, 2],
      [102, CANCELLED_BEFORE_RETURNED, 0],
    ]);
  });

  it('backpressure: the call waits STARTING until backpressure.dec, then STARTED and RETURNED events', async () => {
    const { store, inst, callee, a, b } = await pair();
    await callee.callExport('hold');
    expect(callee.backpressure).toBe(1);
    const [p] = store.batch(() => [inst.callExport('run', [8]), callee.callExport('release')]);
    expect(await p).toEqual([9]);
    expect(a).toEqual([
      [100, STARTING, 2],
      [SUBTASK, 2, STARTED],
      [SUBTASK, 2, RETURNED],
    ]);
    expect(b[0]).toEqual([200, 8, 0]);
  });

  it('cancelling a call still waiting on backpressure: CANCELLED_BEFORE_STARTED, the callee never runs', async () => {
    const { inst, callee, a, b } = await pair();
    await callee.callExport('hold');
    expect(await inst.callExport('run', [0x200])).toEqual([1000 + CANCELLED_BEFORE_STARTED]);
    expect(a).toEqual([
      [100, STARTING, 2],
      [102, CANCELLED_BEFORE_STARTED, 0],
    ]);
    expect(b).toEqual([]);
  });

  it('a trap in the callee poisons the callee and its caller; other instances go on', async () => {
    const store = new Store();
    const bad = store.instantiate(await watModule('(module (memory (export "memory") 1) (func (export "[async-lift]f") (param i32) (result i32) unreachable) (func (export "[callback][async-lift]f") (param i32 i32 i32) (result i32) unreachable))'), { name: 'bad' });
    const inst = store.instantiate(await watModule('caller'), {
      name: 'a',
      imports: { test: { log: () => {} } },
      asyncImports: { imp: { f: { instance: bad, export: 'f' } } },
    });
    const err = (await inst.callExport('run', [1]).catch((e: unknown) => e)) as { code: string };
    expect(err.code).toBe('wasm-trap');
    expect(bad.poisoned).toBe(err);
    expect(inst.poisoned).toBe(err);
    const fresh = store.instantiate(await watModule('callee'), { name: 'c', imports: { test: { log: () => {} } } });
    expect(await fresh.callExport('f', [2])).toEqual([3]);
  });
});

describe('cancellable blocking built-ins', () => {
  for (const [mode, tag, expected] of [
    [0, 300, EventCode.TASK_CANCELLED],
    [1, 301, 1],
    [2, 302, 1],
  ] as const) {
    it(`mode ${mode}: cancellation reaches a task blocked inside its export`, async () => {
      const store = new Store();
      const host = store.hostInstance('host');
      const { log, imports } = eventLog();
      const inst = store.instantiate(await watModule('cancellable'), { name: 'g', imports: { test: imports } });
      const results: (FlatValue[] | undefined)[] = [];
      let sub: HostSubtask | undefined;
      host.defer(() => sub!.cancel(), 'cancel g');
      host.call(inst, 'g', [mode], (r) => results.push(r), undefined, (s) => (sub = s));
      expect(log).toEqual([[tag, expected, 0]]);
      expect(results).toEqual([undefined]);
      expect(inst.poisoned).toBeUndefined();
    });
  }

  it('without a cancellation the cancellable wait is a deadlock', async () => {
    const store = new Store();
    const inst = store.instantiate(await watModule('cancellable'), { name: 'g', imports: { test: { log: () => {} } } });
    const err = (await inst.callExport('g', [0]).catch((e: unknown) => e)) as { code: string };
    expect(err.code).toBe('deadlock');
  });
});

describe('futures', () => {
  it('read-first, write-first with the reader dropped, cancel-read then read again', async () => {
    const store = new Store();
    const { log, imports } = eventLog();
    const inst = store.instantiate(await watModule('futures'), {
      name: 'g',
      imports: { test: imports },
      elementType: () => ({ size: 4, align: 4 }),
    });
    expect(await inst.callExport('fut')).toEqual([0]); // 0xdeadbeef ^ 0xdeadbeef
    expect(log).toEqual([
      [100, 0xffff_ffff, 2], // read: BLOCKED (set is handle 1)
      [101, 0, 3], // write: COMPLETED at once
      [EventCode.FUTURE_READ, 2, 0], // the reader: COMPLETED
      [102, 0xffff_ffff, 3], // write first: BLOCKED (handles reused)
      [EventCode.FUTURE_WRITE, 3, 1], // the reader went away: DROPPED
      [103, 0xffff_ffff, 0],
      [104, 2, 0], // cancel-read: CANCELLED
      [105, 0xffff_ffff, 0], // no reader pending now: BLOCKED
      [106, 0, 0], // read again: COMPLETED at once
      [EventCode.FUTURE_WRITE, 2, 0], // the writer's event (LIFO free list: w reuses 2), then it may be dropped
    ]);
    expect(new DataView(inst.memory.buffer).getUint32(200, true)).toBe(0xdeadbeef);
  });
});

describe('EXIT with work outstanding', () => {
  // The spec traps only a task that exits unresolved (Task.unregister_thread:
  // trap_if(state != RESOLVED); catalogue entries no-return / exit-unresolved).
  // A resolved task may exit with a subtask still running; its SUBTASK
  // event stays pending in the instance's table.
  it('a resolved task may EXIT while its subtask is still running', async () => {
    const store = new Store();
    const peer = store.hostInstance('host');
    let call: HostCall | undefined;
    const inst = store.instantiate(
      await watModule(`(module
        (import "imp" "[async-lower]f" (func $f (param i32 i32) (result i32)))
        (import "[export]$root" "[task-return]run" (func $ret (param i32)))
        (memory (export "memory") 1)
        (func (export "[async-lift]run") (result i32)
          (call $ret (call $f (i32.const 5) (i32.const 32)))
          (i32.const 0))
        (func (export "[callback][async-lift]run") (param i32 i32 i32) (result i32) unreachable))`),
      { name: 'a', asyncImports: { imp: { f: (_args, c) => void (call = c) } } },
    );
    expect(await inst.callExport('run')).toEqual([STARTED | (1 << 4)]);
    expect(inst.poisoned).toBeUndefined();
    expect(inst.handles.size).toBe(1); // the subtask
    // the callee returns after the caller's task is gone: the result lands, no trap
    peer.defer(() => call!.return([9]));
    store.drive();
    expect(new DataView(inst.memory.buffer).getUint32(32, true)).toBe(9);
    expect(inst.poisoned).toBeUndefined();
  });
});

describe('backpressure honoured when starting top-level calls', () => {
  it('calls queue while backpressure > 0 and start in arrival order once it drops to 0', async () => {
    const store = new Store();
    const { log, imports } = eventLog();
    const callee = store.instantiate(await watModule('callee'), { name: 'b', imports: { test: imports } });
    await callee.callExport('hold');
    const [p2, p4, rel] = store.batch(() => {
      const p2 = callee.callExport('f', [2]);
      const p4 = callee.callExport('f', [4]);
      expect(log).toEqual([]); // neither started: backpressure
      expect(callee.numWaitingToEnter).toBe(2);
      return [p2, p4, callee.callExport('release')]; // a non-async export is not subject to backpressure
    });
    expect(await rel).toEqual([]);
    expect(await p2).toEqual([3]);
    expect(await p4).toEqual([5]);
    expect(log).toEqual([
      [200, 2, 0],
      [200, 4, 0], // started while task 1 yields (exclusive is free)
      [200 + EventCode.NONE, 2, 0],
      [200 + EventCode.NONE, 4, 0],
    ]);
    expect(callee.numWaitingToEnter).toBe(0);
  });
});
