// Deadlines and resource limits of the embedded host (host/canon/limits.ts):
// a runaway guest stops with a typed trap, its instance poisoned, and the
// process (other instances, other stores) goes on working.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  GuestAbort,
  LimitExceeded,
  LimitOptionError,
  printableGuestText,
  Store,
  Table,
  TimeoutTrap,
  Trap,
  type ComponentInstance,
} from '../host/canon/index.js';
import { Trace } from '../host/trace/trace.js';
import { watModule } from './canon-helpers.js';

const SPIN = `(module
  (func (export "spin") (result i32) (loop $l (br $l)) i32.const 0)
  (func (export "ok") (result i32) i32.const 7))`;

/** Callback-lifted `yielder`: its callback always returns YIELD (1). */
const YIELDER = `(module
  (import "$root" "[thread-yield]" (func $yield (result i32)))
  (func (export "[async-lift]yielder") (result i32) i32.const 1)
  (func (export "[callback][async-lift]yielder") (param i32 i32 i32) (result i32) i32.const 1)
  (func (export "ok") (result i32) i32.const 7))`;

/** Callback-lifted `count(n)`: YIELDs n times, then returns n (a bounded yield loop). */
const COUNTED_YIELDER = `(module
  (import "[export]$root" "[task-return]count" (func $ret (param i32)))
  (global $left (mut i32) (i32.const 0))
  (global $n (mut i32) (i32.const 0))
  (func (export "[async-lift]count") (param $n i32) (result i32)
    (global.set $n (local.get $n))
    (global.set $left (local.get $n))
    i32.const 1)
  (func (export "[callback][async-lift]count") (param i32 i32 i32) (result i32)
    (if (i32.eqz (global.get $left)) (then (call $ret (global.get $n)) (return (i32.const 0))))
    (global.set $left (i32.sub (global.get $left) (i32.const 1)))
    i32.const 1))`;

const START_LOOP = `(module (func $s (loop $l (br $l))) (start $s))`;

/** `sets(n)`: n x waitable-set.new (n = 0: forever); `streams(n)`: the same with stream.new. */
const GREEDY = `(module
  (import "$root" "[waitable-set-new]" (func $wsnew (result i32)))
  (import "$root" "[waitable-set-drop]" (func $wsdrop (param i32)))
  (import "$root" "[stream-new-0]f" (func $snew (result i64)))
  (func (export "sets") (param $n i32) (result i32) (local $last i32)
    (loop $l
      (local.set $last (call $wsnew))
      (br_if $l (i32.or (i32.eqz (local.get $n)) (i32.ne (local.get $last) (local.get $n)))))
    (local.get $last))
  (func (export "drop") (param i32) (call $wsdrop (local.get 0)))
  (func (export "streams") (result i32) (loop $l (drop (call $snew)) (br $l)) i32.const 0)
  (func (export "ok") (result i32) i32.const 7))`;

/** `[async-lift]park`: parks forever on an empty waitable set (WAIT | set << 4). */
const PARKER = `(module
  (import "$root" "[waitable-set-new]" (func $wsnew (result i32)))
  (global $set (mut i32) (i32.const 0))
  (func (export "[async-lift]park") (result i32)
    (if (i32.eqz (global.get $set)) (then (global.set $set (call $wsnew))))
    (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
  (func (export "[callback][async-lift]park") (param i32 i32 i32) (result i32) i32.const 0))`;

async function trapOf(p: Promise<unknown>): Promise<Trap> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Trap) return e;
    throw e;
  }
  throw new Error('expected a trap, got a result');
}

/** The process and the store still work: a fresh instance of `wat` answers `ok`. */
async function stillWorks(store: Store, wat: string, name: string): Promise<void> {
  const fresh = store.instantiate(await watModule(wat), { name });
  expect(await fresh.callExport('ok')).toEqual([7]);
  const other = new Store().instantiate(await watModule(wat), { name: `${name}-elsewhere` });
  expect(await other.callExport('ok')).toEqual([7]);
}

describe('deadlines', () => {
  it('a wasm loop in an export stops at the store deadline: trap timeout, instance poisoned, process alive', async () => {
    const store = new Store({ timeoutMs: 150 });
    const inst = store.instantiate(await watModule(SPIN), { name: 'spinner' });
    const t = await trapOf(inst.callExport('spin'));
    expect(t).toBeInstanceOf(TimeoutTrap);
    expect(t.code).toBe('timeout');
    expect((t as TimeoutTrap).timeoutMs).toBe(150);
    expect(t.instance).toBe('spinner');
    expect(t.message).toMatch(/spinner\/spin/);
    expect(inst.poisoned).toBe(t);
    expect((await trapOf(inst.callExport('ok'))).code).toBe('instance-poisoned');
    expect(inst.onStack()).toBe(false);
    expect(store.trace.events.some((e) => e.kind === 'trap' && e.code === 'timeout')).toBe(true);
    await stillWorks(store, SPIN, 'next');
  });

  it('a per-call timeoutMs applies on a store without one, and wins over the store\'s', async () => {
    const store = new Store();
    const inst = store.instantiate(await watModule(SPIN), { name: 'a' });
    const t = await trapOf(inst.callExport('spin', [], { timeoutMs: 100 }));
    expect([t.code, (t as TimeoutTrap).timeoutMs]).toEqual(['timeout', 100]);
    const long = new Store({ timeoutMs: 60_000 });
    const b = long.instantiate(await watModule(SPIN), { name: 'b' });
    const t0 = performance.now();
    expect((await trapOf(b.callExport('spin', [], { timeoutMs: 100 }))).code).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it('a loop in a start function stops at the instantiation deadline; no instance is added', async () => {
    const store = new Store();
    let thrown: unknown;
    try {
      store.instantiate(await watModule(START_LOOP), { name: 'starter', timeoutMs: 100 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TimeoutTrap);
    expect((thrown as Trap).instance).toBe('starter');
    expect((thrown as Trap).message).toMatch(/start function/);
    expect(store.instances).toHaveLength(0);
    await stillWorks(store, SPIN, 'after-start');
  });

  // No assertion here depends on how many turns fit before the deadline (a
  // loaded machine may run few): whichever stops the loop (the clock check
  // at a turn, or the watchdog when the process was descheduled past its
  // grace period), the trap is the same.
  it('a callback that always returns YIELD stops at the deadline: a typed timeout blamed on its own task, the instance poisoned', async () => {
    const store = new Store({ timeoutMs: 150 });
    const inst = store.instantiate(await watModule(YIELDER), { name: 'y' });
    const t = await trapOf(inst.callExport('yielder'));
    expect(t).toBeInstanceOf(TimeoutTrap);
    expect([t.code, (t as TimeoutTrap).timeoutMs, t.instance]).toEqual(['timeout', 150, 'y']);
    expect(t.task).toMatch(/^y\/yielder#/);
    expect(inst.poisoned).toBe(t);
    expect((await trapOf(inst.callExport('ok'))).code).toBe('instance-poisoned');
    expect(inst.onStack()).toBe(false);
    await stillWorks(store, YIELDER, 'y2');
  });

  it('the watchdog stopping a YIELD loop between two turns blames the task whose turn it was', async () => {
    // The clock check disabled: only the watchdog can stop the loop, as when
    // the process is descheduled across the deadline and its grace period.
    // It mostly fires in the scheduler, between turns, where no guest code
    // of the task is on the stack.
    for (let i = 0; i < 5; i++) {
      const store = new Store({ timeoutMs: 40 });
      store.checkDeadline = () => {};
      const inst = store.instantiate(await watModule(YIELDER), { name: `w${i}` });
      const t = await trapOf(inst.callExport('yielder'));
      expect(t).toBeInstanceOf(TimeoutTrap);
      expect(t.task).toMatch(new RegExp(`^w${i}/yielder#`));
      expect(inst.poisoned).toBe(t);
      expect(inst.onStack()).toBe(false);
    }
  });

  it('a traced YIELD loop keeps at most maxEvents events (and a note), counting the rest', async () => {
    const trace = new Trace(true);
    trace.maxEvents = 500;
    const store = new Store({ trace });
    const inst = store.instantiate(await watModule(COUNTED_YIELDER), { name: 'c' });
    // 2000 turns trace far more than 500 events, however long they take.
    expect(await inst.callExport('count', [2000])).toEqual([2000]);
    expect(trace.dropped).toBeGreaterThan(1500);
    expect(trace.events.length).toBe(501);
    expect(trace.events[500]).toMatchObject({ kind: 'note' });
    expect((trace.events[500] as { text: string }).text).toMatch(/trace limit reached: 500 events/);
  });

  it('a call waiting on a host Promise that never settles times out (a timer, nothing else drives the store)', async () => {
    const store = new Store();
    const inst = store.instantiate(await watModule('caller'), {
      name: 'waiter',
      imports: { test: { log: () => {} } },
      asyncImports: { imp: { f: () => new Promise<never>(() => {}) } },
    });
    const t = await trapOf(inst.callExport('run', [1], { timeoutMs: 50 }));
    expect(t.code).toBe('timeout');
    expect(t.message).toMatch(/call run of instance waiter did not finish within 50 ms/);
    expect(inst.poisoned).toBe(t);
  });

  it('Store.run stops host code that entered a guest and throws the timeout', async () => {
    const store = new Store({ timeoutMs: 100 });
    const inst = store.instantiate(await watModule(SPIN), { name: 'direct' });
    const task = inst.newTask('spin', 'sync');
    let thrown: unknown;
    try {
      store.run(() => inst.enter(task, () => (inst.exports['spin'] as () => number)()));
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Trap).code).toBe('timeout');
    expect(inst.poisoned?.code).toBe('timeout');
    expect(store.run(() => 42)).toBe(42);
  });

  it('no deadline, no watchdog: a bad timeoutMs is a typed option error', () => {
    expect(() => new Store({ timeoutMs: 0 })).toThrow(LimitOptionError);
    expect(() => new Store({ timeoutMs: Number.NaN })).toThrow(/timeoutMs must be a positive number/);
    expect(new Store().timeoutMs).toBe(Infinity);
  });
});

describe('resource limits', () => {
  it('a waitable-set.new loop traps limit-exceeded at the default maxHandles, far from the heap limit', async () => {
    const store = new Store();
    const inst = store.instantiate(await watModule(GREEDY), { name: 'greedy' });
    const t = await trapOf(inst.callExport('sets', [0]));
    expect(t).toBeInstanceOf(LimitExceeded);
    expect([t.code, (t as LimitExceeded).limit, (t as LimitExceeded).max]).toEqual(['limit-exceeded', 'maxHandles', DEFAULT_LIMITS.maxHandles]);
    expect(t.message).toMatch(/--max-handles/);
    expect(inst.poisoned).toBe(t);
    expect(inst.handles.size).toBe(DEFAULT_LIMITS.maxHandles);
    await stillWorks(store, GREEDY, 'modest');
  });

  it('limits come from the store and an instantiation overrides them', async () => {
    const store = new Store({ limits: { maxHandles: 100 } });
    const a = store.instantiate(await watModule(GREEDY), { name: 'a' });
    expect(await a.callExport('sets', [100])).toEqual([100]);
    const b = store.instantiate(await watModule(GREEDY), { name: 'b' });
    const t = await trapOf(b.callExport('sets', [101]));
    expect([(t as LimitExceeded).limit, (t as LimitExceeded).max]).toEqual(['maxHandles', 100]);
    const c = store.instantiate(await watModule(GREEDY), { name: 'c', limits: { maxHandles: 200 } });
    expect(await c.callExport('sets', [200])).toEqual([200]);
    expect(() => new Store({ limits: { maxHandles: 0 } })).toThrow(LimitOptionError);
    expect(() => new Store({ limits: { maxWidgets: 3 } as never })).toThrow(/unknown limit 'maxWidgets'/);
  });

  it('a stream.new loop traps at maxStreamEnds', async () => {
    const store = new Store({ limits: { maxStreamEnds: 1000 } });
    const inst = store.instantiate(await watModule(GREEDY), { name: 'streamer' });
    const t = await trapOf(inst.callExport('streams'));
    expect([t.code, (t as LimitExceeded).limit, (t as LimitExceeded).max]).toEqual(['limit-exceeded', 'maxStreamEnds', 1000]);
    expect(t.message).toMatch(/stream and future ends.*--max-stream-ends/);
    expect(inst.streamEnds).toBe(1000);
    expect(inst.handles.size).toBe(1000);
  });

  it('a top-level call beyond maxTasks is rejected with limit-exceeded', async () => {
    const store = new Store({ limits: { maxTasks: 3 } });
    const inst: ComponentInstance = store.instantiate(await watModule(PARKER), { name: 'parker' });
    const calls: Promise<unknown>[] = [];
    store.batch(() => {
      for (let i = 0; i < 4; i++) calls.push(inst.callExport('park'));
    });
    const outcomes = await Promise.allSettled(calls);
    const fourth = outcomes[3] as PromiseRejectedResult;
    expect(fourth.reason).toBeInstanceOf(LimitExceeded);
    expect([fourth.reason.limit, fourth.reason.max]).toEqual(['maxTasks', 3]);
    // The first three parked (then the store found nothing could wake them).
    for (const o of outcomes.slice(0, 3)) expect((o as PromiseRejectedResult).reason.code).not.toBe('limit-exceeded');
  });
});

describe('handle table numbering (spec Table: LIFO free list, no restart)', () => {
  it('add, add, remove 1, remove 2, add returns 2, then 1, then 3', () => {
    const t = new Table<object>();
    expect([t.add({}), t.add({})]).toEqual([1, 2]);
    t.remove(1);
    t.remove(2);
    expect(t.size).toBe(0);
    expect([t.add({}), t.add({}), t.add({})]).toEqual([2, 1, 3]);
    expect(t.size).toBe(3);
  });

  it('guest handles follow it: two sets, drop both, the next set is handle 2', async () => {
    const store = new Store();
    const inst = store.instantiate(await watModule(GREEDY), { name: 'numbers' });
    expect(await inst.callExport('sets', [2])).toEqual([2]);
    await inst.callExport('drop', [1]);
    await inst.callExport('drop', [2]);
    expect(inst.handles.size).toBe(0);
    // sets(n) makes sets until one is numbered n: 2 comes first now.
    expect(await inst.callExport('sets', [2])).toEqual([2]);
    expect(inst.handles.size).toBe(1);
  });

  it('a table capped below MAX_LENGTH traps limit-exceeded; at MAX_LENGTH it keeps the spec\'s table-full', () => {
    const t = new Table<object>(2);
    t.add({});
    t.add({});
    expect(() => t.add({}, { instance: 'x' })).toThrow(LimitExceeded);
    t.remove(1);
    expect(t.add({})).toBe(1);
  });
});

describe('guest abort text', () => {
  const ABORT = `(module
    (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
    (memory (export "memory") 2)
    (data (i32.const 8) "\\1b\\00[\\003\\001\\00m\\00r\\00e\\00d\\00\\2e\\20")
    (func (export "shout")
      (i32.store (i32.const 4) (i32.const 60000))
      (memory.fill (i32.const 26) (i32.const 0) (i32.const 59982))
      (call $abort (i32.const 8) (i32.const 0) (i32.const 3) (i32.const 4))))`;

  it('a 60,000-byte message with ANSI escapes and NULs is bounded and escaped', async () => {
    const inst = new Store().instantiate(await watModule(ABORT), { name: 'loud' });
    const t = await trapOf(inst.callExport('shout'));
    expect(t).toBeInstanceOf(GuestAbort);
    const g = t as GuestAbort;
    // No control character reaches the message: ESC, NUL and U+202E are written as escapes.
    expect(t.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(g.guestMessage.startsWith('\\x1b[31mred\\u202e\\x00\\x00')).toBe(true);
    expect(g.guestMessage).toMatch(/… \(28976 more characters\)$/);
    expect(t.message.length).toBeLessThan(8 * 1024);
    expect([g.line, g.column]).toEqual([3, 4]);
  });

  it('printableGuestText keeps ordinary text and surrogate pairs, escapes the rest', () => {
    expect(printableGuestText('oops é! 🎉')).toBe('oops é! 🎉');
    expect(printableGuestText('a\nb\\c\u0007')).toBe('a\\nb\\\\c\\x07');
    expect(printableGuestText('x'.repeat(10), 4)).toBe('xxxx… (6 more characters)');
    expect(printableGuestText('\ud800z')).toBe('\\ud800z');
  });
});

describe('deadlines in the component host', () => {
  it('a core instance whose start function loops stops at the store deadline', async () => {
    const { parse } = await import('@bytecodealliance/jco');
    const { loadComponent } = await import('../host/component/api.js');
    const bytes = await parse(`(component
      (core module $m (func $s (loop $l (br $l))) (start $s))
      (core instance (instantiate $m)))`);
    const store = new Store({ timeoutMs: 100 });
    let thrown: unknown;
    try {
      loadComponent(bytes).instantiate({}, { store, name: 'looper' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TimeoutTrap);
    expect(new Store().instantiate(await watModule(SPIN), { name: 'after' }).exports['ok']).toBeTypeOf('function');
  });
});
