/**
 * The trap catalogue: each entry is one bad input. Each asserts the trap
 * code, that the instance is poisoned (later calls fail fast naming the first
 * trap), and that the same store still serves a fresh instance.
 */
import { describe, expect, it } from 'vitest';
import { Store, Trap, type ComponentInstance, type HostSubtask, type InstanceOptions } from '../host/canon/index.js';
import { watModule } from './canon-helpers.js';

async function instantiate(store: Store, name: string, extra: Partial<InstanceOptions> = {}): Promise<ComponentInstance> {
  const peer = store.instantiate(await watModule('(module (memory (export "memory") 1))'), { name: `${name}-peer` });
  // three sets in the peer: handle 3 exists there, not in the guest
  for (let i = 0; i < 3; i++) peer.canon.waitableSetNew();
  let inst: ComponentInstance;
  inst = store.instantiate(await watModule('bad'), {
    name,
    elementType: (_kind, _module, func) =>
      func === 'wide' ? { size: 4, align: 4 } : func === 'opaque' ? { size: 4, align: 4, numeric: false } : { size: 1, align: 1 },
    asyncImports: {
      imp: {
        // never returns; ignores cancellation requests
        never: (_args, call) => {
          call.onCancel = () => {};
        },
        // returns later; a cancellation request cancels it at once
        soon: () => {},
        // returns one value at once (stored at the caller's result pointer)
        now: () => [7],
      },
    },
    imports: {
      test: {
        foreign_set: () => 3,
        take: (h: number) => void inst.takeReadableStream(h),
        reenter: () => void inst.callExport('ok').catch(() => {}),
        throws: () => {
          throw new Error('host import failed');
        },
      },
    },
    ...extra,
  });
  return inst;
}

/** Calls `name` as a host peer and requests its cancellation from the run queue; resolves with the trap. */
function callThenCancel(store: Store, inst: ComponentInstance, name: string): Promise<unknown> {
  const host = store.hostInstance(`canceller-${inst.name}`);
  let sub: HostSubtask | undefined;
  let outcome: unknown;
  host.defer(() => sub!.cancel(), `cancel ${name}`);
  // task.cancel resolves the call (as cancelled) before the guest goes on and traps: the trap wins
  host.call(inst, name, [], (r) => void (outcome ??= new Error(`expected a trap, got ${JSON.stringify(r)}`)), (t) => void (outcome = t), (s) => (sub = s));
  return Promise.resolve(outcome);
}

/** Drivers for entries that need more than one call. */
const DRIVERS: Record<string, (store: Store, inst: ComponentInstance) => Promise<unknown>> = {
  // task.return after task.cancel confirmed a delivered cancellation
  'cancel-then-return': (store, inst) => callThenCancel(store, inst, 'cancel-then-return'),
  // one task WAITs on a set, another drops it
  'set-drop-waited-on': (store, inst) =>
    store.batch(() => {
      void inst.callExport('park').catch(() => {});
      return inst.callExport('set-drop-waited-on').then(
        (r) => new Error(`expected a trap, got ${JSON.stringify(r)}`),
        (e: unknown) => e,
      );
    }),
};

const CATALOGUE: [exportName: string, code: string][] = [
  ['join-unknown', 'unknown-handle'],
  ['join-set-to-set', 'wrong-handle-type'],
  ['join-foreign-set', 'unknown-handle'],
  ['set-drop-nonempty', 'waitable-set-not-empty'],
  ['set-drop-stale', 'unknown-handle'],
  ['wait-unknown-set', 'unknown-handle'],
  ['wait-on-stream', 'wrong-handle-type'],
  ['poll-oob', 'out-of-bounds'],
  ['poll-unaligned', 'unaligned-pointer'],
  ['read-oob', 'out-of-bounds'],
  ['read-twice', 'copy-in-progress'],
  ['read-writable', 'wrong-handle-type'],
  ['drop-busy', 'end-busy'],
  ['read-stale', 'unknown-handle'],
  ['cancel-idle', 'not-copying'],
  ['type-mismatch', 'type-mismatch'],
  ['unaligned-buffer', 'unaligned-pointer'],
  ['same-instance-opaque', 'same-instance-copy'],
  ['sync-read-in-set', 'end-in-set'],
  ['read-after-dropped', 'end-done'],
  ['future-drop-unwritten', 'future-write-not-done'],
  ['future-read-twice', 'copy-in-progress'],
  ['future-stale', 'unknown-handle'],
  ['twice', 'task-return-twice'],
  ['return-mismatch', 'task-return-mismatch'],
  ['sync-return', 'task-not-async'],
  ['cancel-undelivered', 'task-cancel-not-delivered'],
  ['no-return', 'exit-without-return'],
  ['bad-code', 'bad-callback-code'],
  ['wait-not-a-set', 'wrong-handle-type'],
  ['sync-wait', 'may-not-block'],
  ['deadlock', 'deadlock'],
  ['reenter', 'may-not-enter'],
  ['backpressure-underflow', 'backpressure-underflow'],
  ['host-throws', 'host-error'],
  ['unreachable', 'wasm-trap'],
  ['subtask-drop-unresolved', 'subtask-not-resolved'],
  ['subtask-cancel-twice', 'subtask-cancel-twice'],
  ['subtask-stale', 'unknown-handle'],
  // added by the issue-4 audit
  ['stream-moved', 'unknown-handle'],
  ['wait-stale-set', 'unknown-handle'],
  ['subtask-cancel-stale', 'unknown-handle'],
  ['subtask-cancel-resolved', 'subtask-resolved'],
  ['wide-oob', 'out-of-bounds'],
  ['buffer-too-long', 'buffer-too-long'],
  ['cancel-sync-in-set', 'end-in-set'],
  ['sync-read-blocks', 'may-not-block'],
  ['future-same-instance-opaque', 'same-instance-copy'],
  ['future-read-after-done', 'end-done'],
  ['future-drop-unwritten-reader-gone', 'future-write-not-done'],
  ['exit-unresolved', 'exit-without-return'],
  ['backpressure-overflow', 'backpressure-overflow'],
  ['result-ptr-oob', 'out-of-bounds'],
  ['cancel-then-return', 'task-return-twice'],
  ['set-drop-waited-on', 'waitable-set-waited-on'],
];

describe('trap catalogue', () => {
  const store = new Store();
  let n = 0;

  it.each(CATALOGUE)('%s -> %s', async (exportName, code) => {
    const inst = await instantiate(store, `bad${n++}`);
    const driver = DRIVERS[exportName];
    const err = driver
      ? await driver(store, inst)
      : await inst.callExport(exportName).then(
          (r) => new Error(`expected a trap, got ${JSON.stringify(r)}`),
          (e: unknown) => e,
        );
    expect(err).toBeInstanceOf(Trap);
    const t = err as Trap;
    expect(t.code).toBe(code);
    expect(t.rule.length).toBeGreaterThan(10);
    expect(t.instance).toBe(inst.name);
    expect(t.message).toContain(`[${code}]`);
    // poisoned: the next call fails fast, naming the first trap
    expect(inst.poisoned).toBe(t);
    const again = (await inst.callExport('ok').catch((e: unknown) => e)) as Trap;
    expect(again.code).toBe('instance-poisoned');
    expect(again.message).toContain(`[${code}]`);
    // the store still serves a fresh instance
    const fresh = await instantiate(store, `fresh${n}`);
    expect(await fresh.callExport('ok')).toEqual([42]);
  });

  it('the catalogue names every bad export of bad.wat exactly once (no bad input goes untested)', async () => {
    const HELPERS = ['ok', 'park', 'backpressure-max', 'memory'];
    const names = WebAssembly.Module.exports(await watModule('bad'))
      .map((e) => e.name.replace(/^\[callback\]/, '').replace(/^\[async-lift\]/, ''))
      .filter((n, i, all) => all.indexOf(n) === i && !HELPERS.includes(n));
    expect(CATALOGUE.map(([name]) => name).sort()).toEqual(names.sort());
  });

  it('each bad input\'s trap is recorded in the trace, once, with its code, in its own instance', async () => {
    const s = new Store();
    for (const [exportName, code] of CATALOGUE) {
      const inst = await instantiate(s, `t-${exportName}`);
      const driver = DRIVERS[exportName];
      if (driver) await driver(s, inst);
      else await inst.callExport(exportName).catch(() => undefined);
      const traced = s.trace.events.filter((e) => e.kind === 'trap' && e.instance === inst.name);
      expect(traced.map((e) => (e as { code: string }).code), exportName).toEqual([code]);
    }
  });

  it('link time: an unsupported bracketed built-in, a removed one, a missing import', async () => {
    const s = new Store();
    const cases: [string, string][] = [
      ['(module (import "$root" "[waitable-set-frobnicate]" (func)))', 'unknown-builtin'],
      ['(module (import "$root" "[yield]" (func (result i32))))', 'unknown-builtin'],
      ['(module (import "$root" "[backpressure-set]" (func (param i32))))', 'unknown-builtin'],
      ['(module (import "[export]$root" "[task-return]" (func)))', 'unknown-builtin'],
      ['(module (import "$root" "[context-get-2]" (func (result i32))))', 'unknown-builtin'],
      ['(module (import "env" "missing" (func)))', 'unresolved-import'],
      ['(module (import "a:b/c" "[async-lower]f" (func (param i32) (result i32))))', 'unresolved-import'],
    ];
    for (const [wat, code] of cases) {
      let err: unknown;
      try {
        s.instantiate(await watModule(wat), { name: 'l' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Trap);
      expect((err as Trap).code).toBe(code);
    }
    expect(((): unknown => {
      try {
        s.instantiate(new Uint8Array(0), { name: 'x' });
      } catch (e) {
        return e;
      }
    })()).toBeInstanceOf(WebAssembly.CompileError);
    const ok = s.instantiate(await watModule('bad'), {
      name: 'ok',
      imports: { test: { foreign_set: () => 0, take: () => {}, reenter: () => {}, throws: () => {} } },
      asyncImports: { imp: { never: () => {}, soon: () => {}, now: () => [7] } },
    });
    expect(await ok.callExport('ok')).toEqual([42]);
    // the limits themselves are allowed: 2^16-1 backpressure.inc, then as many dec
    expect(await ok.callExport('backpressure-max')).toEqual([0]);
    expect(ok.backpressure).toBe(0);
  });

  it('a built-in needing a task, called from the host outside any task: no-current-task', async () => {
    const s = new Store();
    const inst = await instantiate(s, 'outside');
    expect(() => inst.canon.contextGet(0)).toThrow(expect.objectContaining({ code: 'no-current-task' }));
  });

  it('an async-lowered call with the wrong number of arguments: async-call-shape', async () => {
    const s = new Store();
    const callee = s.instantiate(await watModule('callee'), { name: 'b', imports: { test: { log: () => {} } } });
    const caller = s.instantiate(
      await watModule(`(module
        (import "imp" "[async-lower]f" (func $f (param i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "[async-lift]run") (drop (call $f (i32.const 1) (i32.const 2) (i32.const 3)))))`),
      { name: 'a', asyncImports: { imp: { f: { instance: callee, export: 'f' } } } },
    );
    const err = (await caller.callExport('run').catch((e: unknown) => e)) as Trap;
    expect(err.code).toBe('async-call-shape');
    expect(callee.poisoned).toBeUndefined();
    expect(await callee.callExport('f', [2])).toEqual([3]);
  });
});
