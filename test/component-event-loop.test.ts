/**
 * A guest that YIELDs in a loop while a host Promise is pending: the store's
 * drive gives Node's event loop a turn every YIELD_TURN_STEPS yielding steps
 * while a top-level call waits, so timers and I/O run and the Promise the
 * loop waits for can settle. Without it, the loop holds the thread until
 * the call's deadline. The component (WAT): `set-after(ns)` waits on the
 * async import `wait-for(ns)` (a subtask), then sets a flag; `poll()`
 * returns YIELD from its callback until the flag is set, then returns how
 * many times it yielded.
 */
import { describe, expect, it } from 'vitest';
import { Store, TimeoutTrap } from '../host/canon/index.js';
import { YIELD_TURN_STEPS } from '../host/canon/store.js';
import { loadComponent } from '../host/component/api.js';
import { WasiHost } from '../host/wasi/index.js';
import { wat } from './component-bytes.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../host/guest/builds.js';
import { jspiNode } from '../host/jco/run.js';

const POLLER = `(component
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $clock
    (export "wait-for" (func async (param "how-long" u64)))))
  (alias export $clock "wait-for" (func $wait-for))
  (core func $wait-for (canon lower (func $wait-for) async))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $subtask-drop (canon subtask.drop))
  (core func $ret (canon task.return))
  (core func $ret-u32 (canon task.return (result u32)))
  (core module $M
    (import "" "wait-for" (func $wait-for (param i64) (result i32)))
    (import "" "ws-new" (func $ws-new (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask-drop" (func $subtask-drop (param i32)))
    (import "" "ret" (func $ret))
    (import "" "ret-u32" (func $ret-u32 (param i32)))
    (global $flag (mut i32) (i32.const 0))
    (global $yields (mut i32) (i32.const 0))
    (global $set (mut i32) (i32.const 0))
    (func (export "set-after") (param $ns i64) (result i32)
      (local $r i32)
      (local.set $r (call $wait-for (local.get $ns)))
      ;; RETURNED (2) at once: the flag is set now
      (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 2))
        (then (global.set $flag (i32.const 1)) (call $ret) (return (i32.const 0))))
      (global.set $set (call $ws-new))
      (call $join (i32.shr_u (local.get $r) (i32.const 4)) (global.get $set))
      ;; WAIT on the set
      (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
    (func (export "set-cb") (param $ev i32) (param $h i32) (param $state i32) (result i32)
      ;; SUBTASK (1) RETURNED (2): the wait is over
      (if (i32.and (i32.eq (local.get $ev) (i32.const 1)) (i32.eq (local.get $state) (i32.const 2)))
        (then (call $subtask-drop (local.get $h)) (global.set $flag (i32.const 1)) (call $ret) (return (i32.const 0))))
      (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
    (func (export "poll") (result i32) (call $poll-cb (i32.const 0) (i32.const 0) (i32.const 0)))
    (func $poll-cb (export "poll-cb") (param i32 i32 i32) (result i32)
      (if (global.get $flag) (then (call $ret-u32 (global.get $yields)) (return (i32.const 0))))
      (global.set $yields (i32.add (global.get $yields) (i32.const 1)))
      ;; YIELD
      (i32.const 1)))
  (core instance $m (instantiate $M (with "" (instance
    (export "wait-for" (func $wait-for))
    (export "ws-new" (func $ws-new))
    (export "join" (func $join))
    (export "subtask-drop" (func $subtask-drop))
    (export "ret" (func $ret))
    (export "ret-u32" (func $ret-u32))))))
  (func (export "set-after") async (param "ns" u64)
    (canon lift (core func $m "set-after") async (callback (core func $m "set-cb"))))
  (func (export "poll") async (result u32)
    (canon lift (core func $m "poll") async (callback (core func $m "poll-cb")))))`;

/** POLLER's `set-after`, and a stackful `spin()` calling thread.yield until the flag is set (JSPI). */
const THREAD_POLLER = POLLER.replace(
  '(core func $ret-u32 (canon task.return (result u32)))',
  '(core func $ret-u32 (canon task.return (result u32)))\n  (core func $yield (canon thread.yield))',
).replace(
  '(import "" "ret-u32" (func $ret-u32 (param i32)))',
  `(import "" "ret-u32" (func $ret-u32 (param i32)))
    (import "" "yield" (func $yield (result i32)))
    (func (export "spin")
      (block $done (loop $l
        (br_if $done (global.get $flag))
        (drop (call $yield))
        (global.set $yields (i32.add (global.get $yields) (i32.const 1)))
        (br $l)))
      (call $ret-u32 (global.get $yields)))`,
).replace(
  '(export "ret-u32" (func $ret-u32))',
  '(export "ret-u32" (func $ret-u32))\n    (export "yield" (func $yield))',
).replace(
  '  (func (export "poll") async (result u32)',
  '  (func (export "spin") async (result u32) (canon lift (core func $m "spin") async))\n  (func (export "poll") async (result u32)',
);

type Fn = (...a: unknown[]) => Promise<unknown>;

/** A deadline far beyond the few ms the scenarios need: without turns for the event loop they hit it. */
const DEADLINE_MS = 2000;

describe('a guest yielding in a loop while a host Promise is pending (no JSPI)', { timeout: 20_000 }, async () => {
  const c = loadComponent(await wat(POLLER));

  it('a real setTimeout behind an async host import fires while another task yields', async () => {
    const store = new Store({ jspi: 'off', timeoutMs: DEADLINE_MS });
    let fired = 0;
    const clock = { waitFor: (ns: bigint) => new Promise<void>((r) => setTimeout(() => (fired++, r()), Number(ns / 1_000_000n))) };
    const x = c.instantiate({ 'wasi:clocks/monotonic-clock@0.3.0': clock }, { store }).exports as Record<string, Fn>;
    const set = x['setAfter']!(5_000_000n);
    const polled = x['poll']!();
    const [n] = await Promise.all([polled, set]);
    expect(fired).toBe(1);
    // It yielded, and the event loop ran meanwhile (else the timer could not have fired).
    expect(n).toBeGreaterThan(0);
  });

  it('a JS timer started after the yielding call begins runs, and its call sets the flag', async () => {
    const store = new Store({ jspi: 'off', timeoutMs: DEADLINE_MS });
    const clock = { waitFor: () => Promise.resolve() };
    const x = c.instantiate({ 'wasi:clocks/monotonic-clock@0.3.0': clock }, { store }).exports as Record<string, Fn>;
    const polled = x['poll']!();
    let set: Promise<unknown> | undefined;
    await new Promise<void>((r) => setTimeout(() => ((set = x['setAfter']!(0n)), r()), 2));
    expect(await polled).toBeGreaterThan(0);
    await set;
  });

  it('deterministic WASI: the virtual clock wakes the waiter after a fixed number of yields, the same every run', async () => {
    const counts: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const store = new Store({ jspi: 'off', timeoutMs: DEADLINE_MS });
      const wasi = new WasiHost({ store, deterministic: true });
      const x = c.instantiate(wasi.imports, { store }).exports as Record<string, Fn>;
      // One virtual hour: no real time passes.
      const set = x['setAfter']!(3_600_000_000_000n);
      const [n] = await Promise.all([x['poll']!(), set]);
      counts.push(n);
    }
    expect(counts[0]).toBeGreaterThanOrEqual(YIELD_TURN_STEPS);
    expect(counts).toEqual([counts[0], counts[0], counts[0]]);
  });

  it('a loop waiting for what never comes still stops at the deadline, typed, and the event loop ran meanwhile', async () => {
    const store = new Store({ jspi: 'off', timeoutMs: 1000 });
    const x = c.instantiate({ 'wasi:clocks/monotonic-clock@0.3.0': { waitFor: () => new Promise<never>(() => {}) } }, { store }).exports as Record<string, Fn>;
    let ticks = 0;
    const tick = setInterval(() => ticks++, 1);
    const e = await x['poll']!().catch((err: unknown) => err);
    clearInterval(tick);
    expect(e).toBeInstanceOf(TimeoutTrap);
    expect((e as TimeoutTrap).instance).toBe('root');
    expect((e as TimeoutTrap).timeoutMs).toBe(1000);
    expect(ticks).toBeGreaterThan(0);
  });
});


// Each JSPI resumption drives the store under its own watchdog when a
// deadline is set (~0.5 ms each on a loaded machine), so YIELD_TURN_STEPS
// of them take far longer than callback turns: hence the long deadline.
// JSPI needs Node 24: the scenario runs in the pinned Node 24
// (test/fixtures/jspi-thread-yield-turns.mjs), as test/jspi.test.ts does.
describe('a stackful task looping on thread.yield while a host Promise is pending (JSPI, Node 24)', () => {
  it('a real setTimeout behind an async host import fires while the thread yields', () => {
    const r = spawnSync(jspiNode(), [join('test', 'fixtures', 'jspi-thread-yield-turns.mjs')], {
      cwd: packageRoot,
      input: THREAD_POLLER,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal, 'the fixture hung').toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { fired: number; yields: number; jspi: boolean };
    expect(out.jspi).toBe(true);
    expect(out.fired).toBe(1);
    // it yielded more than one turn's worth of steps: the timer fired during the loop, not before it
    expect(out.yields).toBeGreaterThan(0);
  }, 60_000);
});
