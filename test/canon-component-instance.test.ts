/**
 * A component instance without a core module of its own: the component
 * loader makes the core instances, binds built-ins to an explicit memory
 * (`builtinsFor`) and lifts functions explicitly (`Task.lifted`).
 */
import { describe, expect, it } from 'vitest';
import { Store, Trap } from '../host/canon/index.js';
import { watModule } from './canon-helpers.js';

const CORE = `(module
  (import "canon" "waitable-set.new" (func $wsnew (result i32)))
  (import "canon" "waitable-set.wait" (func $wswait (param i32 i32) (result i32)))
  (import "canon" "task.return" (func $ret (param i32)))
  (memory (export "mem") 1)
  (global $set (mut i32) (i32.const 0))
  ;; callback-lifted: yields once, then returns arg+1 from the callback
  (global $arg (mut i32) (i32.const 0))
  (func (export "start") (param i32) (result i32)
    (global.set $arg (local.get 0))
    (i32.const 1))            ;; YIELD
  (func (export "cb") (param i32 i32 i32) (result i32)
    (call $ret (i32.add (global.get $arg) (i32.const 1)))
    (i32.const 0))            ;; EXIT
  ;; sync-lifted: waits on an empty set (may not block)
  (func (export "sync_wait") (result i32)
    (drop (call $wswait (call $wsnew) (i32.const 0)))
    (i32.const 0))
  (func (export "sync_add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`;

async function setup() {
  const store = new Store();
  const inst = store.componentInstance('c');
  const mem = new WebAssembly.Memory({ initial: 1 });
  const b = inst.builtinsFor(mem);
  const core = new WebAssembly.Instance(await watModule(CORE), {
    canon: {
      'waitable-set.new': () => b.waitableSetNew(),
      'waitable-set.wait': (si: number, p: number) => b.waitableSetWait(si >>> 0, p >>> 0),
      'task.return': (v: number) => b.taskReturn([v]),
    },
  });
  return { store, inst, mem, b, x: core.exports as Record<string, (...a: number[]) => number> };
}

describe('component instance (no core module of its own)', () => {
  it('has no exports and one Builtins per memory', async () => {
    const { inst, mem, b } = await setup();
    expect(Object.keys(inst.exports)).toEqual([]);
    expect(inst.module).toBeUndefined();
    expect(inst.builtinsFor(mem)).toBe(b);
    expect(inst.builtinsFor(new WebAssembly.Memory({ initial: 1 }))).not.toBe(b);
    expect(inst.builtinsFor(undefined)).toBe(inst.canon);
  });

  it('runs a callback-lifted function given explicitly, with lowered arguments', async () => {
    const { store, inst, x } = await setup();
    const task = inst.newTask('inc', 'callback');
    let lowered = 0;
    task.lifted = {
      fn: x['start']! as never,
      callback: x['cb']!,
      lowerArgs: (_t) => {
        lowered++;
        return [41];
      },
    };
    await expect(store.runTopLevel(task, [])).resolves.toEqual([42]);
    expect(lowered).toBe(1);
  });

  it('a sync lift hands its flat results to syncResults, which resolves the task with component values', async () => {
    const { store, inst, x } = await setup();
    const task = inst.newTask('add', 'sync');
    task.lifted = {
      fn: x['sync_add']! as never,
      lowerArgs: () => [2, 3],
      syncResults: (t, flat) => {
        t.values = [`sum=${flat[0]}`];
        t.return_(flat, {});
      },
    };
    await expect(store.runTopLevel(task, [])).resolves.toEqual(['sum=5']);
  });

  it('a built-in bound to an explicit memory traps may-not-block in a sync task, and the instance is poisoned', async () => {
    const { store, inst, x } = await setup();
    const task = inst.newTask('w', 'sync');
    task.lifted = { fn: x['sync_wait']! as never };
    const err = await store.runTopLevel(task, []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Trap);
    expect((err as Trap).code).toBe('may-not-block');
    expect(inst.poisoned?.code).toBe('may-not-block');
  });
});
