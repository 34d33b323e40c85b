/**
 * waitable.join keeps its class checks exact while it skips them for the
 * object it checked last: a handle index that was freed and reused by an
 * object of another class, or that points at nothing, still traps.
 */
import { describe, expect, it } from 'vitest';
import { Store, Trap } from '../host/canon/index.js';
import { watModule } from './canon-helpers.js';

const WAT = `(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "$root" "[stream-new-0]u8" (func $s_new (result i64)))
  (import "$root" "[stream-drop-readable-0]u8" (func $s_drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]u8" (func $s_drop_w (param i32)))
  (memory (export "memory") 1)
  (global $r (mut i32) (i32.const 0))
  (global $w (mut i32) (i32.const 0))
  (global $set (mut i32) (i32.const 0))
  (func $new_stream (local $e i64)
    (local.set $e (call $s_new))
    (global.set $r (i32.wrap_i64 (local.get $e)))
    (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 32)))))
  ;; join, leave, join again (the checked object, then the remembered one); returns the readable end's handle
  (func (export "join-twice") (result i32)
    (call $new_stream)
    (global.set $set (call $set_new))
    (call $join (global.get $r) (global.get $set))
    (call $join (global.get $r) (i32.const 0))
    (call $join (global.get $r) (global.get $set))
    (call $join (global.get $r) (i32.const 0))
    (global.get $r))
  ;; the readable end is dropped and its index reused by a waitable set: joining that index traps
  (func (export "join-reused-as-set") (result i32) (local $s2 i32)
    (call $s_drop_r (global.get $r))
    (local.set $s2 (call $set_new))
    (call $join (local.get $s2) (global.get $set))
    (local.get $s2))
  ;; the set is dropped and its index reused by a stream end: joining to that index traps
  (func (export "join-to-reused-set") (result i32)
    (call $set_drop (global.get $set))
    (call $new_stream)
    (call $join (global.get $w) (global.get $r))
    (global.get $r))
  ;; a freed index with nothing in it
  (func (export "join-freed") (result i32)
    (call $s_drop_w (global.get $w))
    (call $join (global.get $w) (i32.const 0))
    (i32.const 0))
  (func (export "join-ok") (result i32)
    (call $join (global.get $w) (global.get $set))
    (call $join (global.get $w) (i32.const 0))
    (i32.const 1)))`;

async function fresh(name: string) {
  const store = new Store();
  return store.instantiate(await watModule(WAT), { name });
}

describe('waitable.join checks', () => {
  it('joins and leaves the same waitable repeatedly', async () => {
    const inst = await fresh('twice');
    const [r] = await inst.callExport('join-twice');
    expect(r).toBeGreaterThan(0);
  });

  it('traps wrong-handle-type when a remembered waitable index now holds a waitable set', async () => {
    const inst = await fresh('reused-as-set');
    const [r] = await inst.callExport('join-twice');
    const e = await inst.callExport('join-reused-as-set').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('wrong-handle-type');
    // the LIFO free list gave the set the readable end's old index
    expect((e as Trap).handle).toBe(r);
    expect((e as Trap).builtin).toBe('waitable.join');
  });

  it('traps wrong-handle-type when a remembered set index now holds a stream end', async () => {
    const inst = await fresh('reused-set');
    await inst.callExport('join-twice');
    const e = await inst.callExport('join-to-reused-set').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('wrong-handle-type');
  });

  it('traps unknown-handle for a freed index that was joined before', async () => {
    const inst = await fresh('freed');
    await inst.callExport('join-twice');
    expect(await inst.callExport('join-ok')).toEqual([1]);
    const e = await inst.callExport('join-freed').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('unknown-handle');
  });

  it('a poisoned instance stops at its next built-in call', async () => {
    const inst = await fresh('poisoned');
    await inst.callExport('join-twice');
    const first = await inst.callExport('join-freed').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((first as Trap).code).toBe('unknown-handle');
    const again = await inst.callExport('join-ok').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(again).toBeInstanceOf(Error);
    expect(String((again as Error).message)).toContain('unknown-handle');
  });
});
