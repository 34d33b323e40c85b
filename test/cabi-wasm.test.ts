/**
 * The canonical ABI value layer against a real core module: a guest
 * `cabi_realloc` (a bump allocator that grows memory, so the host's view of
 * the buffer goes stale), arguments lowered into the guest, results lifted
 * out through a return pointer, and parameters spilled beyond MAX_FLAT_PARAMS.
 */
import { describe, expect, it } from 'vitest';
import {
  CoreValueIter,
  LiftLowerContext,
  MAX_FLAT_PARAMS,
  MAX_FLAT_RESULTS,
  flattenFunctype,
  liftFlatValues,
  lowerFlatValues,
  type FlatValue,
} from '../host/component/abi/index.js';
import { Prim, type FuncType, type ValType } from '../host/component/types.js';
import { watModule } from './canon-helpers.js';
import { trapOf } from './cabi-helpers.js';

const GUEST = `(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (global $calls (export "calls") (mut i32) (i32.const 0))
  (func (export "cabi_realloc") (param $old i32) (param $oldsz i32) (param $align i32) (param $new i32) (result i32)
    (local $p i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (local.set $p (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $next (i32.add (local.get $p) (local.get $new)))
    (block $done
      (loop $grow
        (br_if $done (i32.le_u (global.get $next) (i32.mul (memory.size) (i32.const 65536))))
        (drop (memory.grow (i32.const 1)))
        (br $grow)))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old)
        (select (local.get $oldsz) (local.get $new) (i32.lt_u (local.get $oldsz) (local.get $new))))))
    (local.get $p))
  ;; echo: func(s: string) -> string, the result through a return area
  (func (export "echo") (param $p i32) (param $n i32) (result i32)
    (i32.store (i32.const 16) (local.get $p))
    (i32.store (i32.const 20) (local.get $n))
    (i32.const 16))
  ;; sum: func(xs: list<u32>) -> u32
  (func (export "sum") (param $p i32) (param $n i32) (result i32)
    (local $s i32) (local $i i32)
    (block $b
      (loop $l
        (br_if $b (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $s))
  ;; sum17: func(a0..a16: u8) -> u32, the params spilled into one tuple of 17 bytes
  (func (export "sum17") (param $p i32) (result i32)
    (local $s i32) (local $i i32)
    (block $b
      (loop $l
        (br_if $b (i32.ge_u (local.get $i) (i32.const 17)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $s))
  ;; bad: func() -> string, a string past the end of memory
  (func (export "bad") (result i32)
    (i32.store (i32.const 24) (i32.const 65520))
    (i32.store (i32.const 28) (i32.const 100))
    (i32.const 24)))`;

interface Guest {
  memory: WebAssembly.Memory;
  cabi_realloc: (a: number, b: number, c: number, d: number) => number;
  echo: (p: number, n: number) => number;
  sum: (p: number, n: number) => number;
  sum17: (p: number) => number;
  bad: () => number;
  calls: WebAssembly.Global;
}

async function guest(): Promise<{ g: Guest; cx: LiftLowerContext }> {
  const inst = await WebAssembly.instantiate(await watModule(GUEST));
  const g = inst.exports as unknown as Guest;
  return { g, cx: new LiftLowerContext({ memory: g.memory, realloc: g.cabi_realloc, stringEncoding: 'utf8' }, { mayLeave: true }) };
}

/** Calls a sync-lifted core export of type `ft` the way `canon lift` does. */
function call(cx: LiftLowerContext, fn: (...a: FlatValue[]) => FlatValue, ft: FuncType, args: unknown[]): unknown[] {
  const core = flattenFunctype({}, ft, 'lift');
  const flatArgs = lowerFlatValues(cx, MAX_FLAT_PARAMS, args, ft.params.map(([, t]) => t), undefined, ft.params.map(([n]) => n));
  expect(flatArgs).toHaveLength(core.params.length);
  const r = fn(...flatArgs);
  return liftFlatValues(cx, MAX_FLAT_RESULTS, new CoreValueIter(core.results.length ? [r] : []), ft.result ? [ft.result] : []);
}

const fn = (params: [string, ValType][], result?: ValType): FuncType => ({ kind: 'func', params, result, async: false });

describe('canonical ABI values with a real guest', () => {
  it('echo(string): lowered through the guest realloc, lifted through the return area', async () => {
    const { g, cx } = await guest();
    expect(call(cx, g.echo, fn([['s', Prim.string]], Prim.string), ['héllo, wörld'])).toEqual(['héllo, wörld']);
    expect(g.calls.value).toBe(3); // allocate 12, grow to 36 at 'é', shrink to 14
  });

  it('a string larger than the memory: realloc grows it, the host follows the new buffer', async () => {
    const { g, cx } = await guest();
    const before = g.memory.buffer;
    const big = 'ü'.repeat(100_000) + '€'.repeat(10_000);
    expect(call(cx, g.echo, fn([['s', Prim.string]], Prim.string), [big])).toEqual([big]);
    expect(before.byteLength).toBe(0); // detached by memory.grow
    expect(g.memory.buffer.byteLength).toBeGreaterThan(300_000);
  });

  it('sum(list<u32>) from a Uint32Array and from an array', async () => {
    const { g, cx } = await guest();
    const t = fn([['xs', { kind: 'list', t: Prim.u32 }]], Prim.u32);
    const xs = Uint32Array.from({ length: 16384 }, (_, i) => i);
    expect(call(cx, g.sum, t, [xs])).toEqual([(16383 * 16384) / 2]);
    expect(call(cx, g.sum, t, [[1, 2, 0xffffffff]])).toEqual([2]);
  });

  it('17 u8 params spill into a tuple the guest reads through one pointer', async () => {
    const { g, cx } = await guest();
    const params = Array.from({ length: 17 }, (_, i): [string, ValType] => [`a${i}`, Prim.u8]);
    expect(flattenFunctype({}, fn(params, Prim.u32), 'lift').params).toEqual(['i32']);
    expect(call(cx, g.sum17, fn(params, Prim.u32), params.map((_, i) => i + 1))).toEqual([(17 * 18) / 2]);
  });

  it('a guest string out of bounds traps; a bad param names itself', async () => {
    const { g, cx } = await guest();
    expect(trapOf(() => call(cx, g.bad, fn([], Prim.string), [])).code).toBe('out-of-bounds');
    expect(() => call(cx, g.sum17, fn(Array.from({ length: 17 }, (_, i): [string, ValType] => [`a${i}`, Prim.u8]), Prim.u32), Array.from({ length: 17 }, (_, i) => (i === 5 ? 256 : 0)))).toThrow(
      /\[integer-out-of-range\] param 'a5'/,
    );
  });
});
