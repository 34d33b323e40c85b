import { describe, expect, it } from 'vitest';
import {
  CoreValueIter,
  LiftLowerContext,
  LowerError,
  MemInst,
  MAX_FLAT_PARAMS,
  MAX_FLAT_RESULTS,
  liftFlat,
  liftFlatValues,
  load,
  lowerFlat,
  lowerFlatValues,
  packFlagsIntoInt,
  store,
  unpackFlagsFromInt,
  type FlatValue,
} from '../host/component/abi/index.js';
import { Prim, type ResourceType, type ValType } from '../host/component/types.js';
import { GuestMemory, ToyHandles, bytesCx, le } from './cabi-helpers.js';

const { bool, u8, u16, u32, u64, s8, s16, s32, s64, f32, f64, char, string } = Prim;
const rec = (...fs: [string, ValType][]): ValType => ({ kind: 'record', fields: fs.map(([label, t]) => ({ label, t })) });
const variant = (...cs: [string, ValType | undefined][]): ValType => ({ kind: 'variant', cases: cs.map(([label, t]) => ({ label, t })) });
const list = (t: ValType, l?: number): ValType => ({ kind: 'list', t, l });
const option = (t: ValType): ValType => ({ kind: 'option', t });
const tuple = (...ts: ValType[]): ValType => ({ kind: 'tuple', ts });
const flags = (...labels: string[]): ValType => ({ kind: 'flags', labels });

/** Stores v at 8 in a fresh memory, returns the bytes written there. */
function stored(t: ValType, v: unknown, n: number): number[] {
  const g = new GuestMemory();
  store(g.cx(), v, t, 8);
  return g.read(8, n);
}
/** Loads t from the given bytes placed at 8. */
function loaded(t: ValType, bytes: number[]): unknown {
  const mem = new Uint8Array(64);
  mem.set(bytes, 8);
  return load(bytesCx(mem), 8, t);
}

describe('primitives in memory', () => {
  const table: [ValType, unknown, number[]][] = [
    [bool, true, [1]],
    [bool, false, [0]],
    [u8, 0xfe, [0xfe]],
    [s8, -2, [0xfe]],
    [u16, 0xbeef, [0xef, 0xbe]],
    [s16, -2, [0xfe, 0xff]],
    [u32, 0xdeadbeef, [0xef, 0xbe, 0xad, 0xde]],
    [s32, -1, [0xff, 0xff, 0xff, 0xff]],
    [u64, 0x0102030405060708n, [8, 7, 6, 5, 4, 3, 2, 1]],
    [s64, -2n, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    [f32, 1.5, [0, 0, 0xc0, 0x3f]],
    [f64, -2, [0, 0, 0, 0, 0, 0, 0, 0xc0]],
    [char, 'A', [0x41, 0, 0, 0]],
    [char, '😀', [0x00, 0xf6, 0x01, 0]],
  ];
  for (const [t, v, bytes] of table) {
    it(`${t.kind} ${String(v)}`, () => {
      expect(stored(t, v, bytes.length)).toEqual(bytes);
      expect(loaded(t, bytes)).toEqual(v);
    });
  }

  it('bool lifts any non-zero byte as true (convert_int_to_bool)', () => {
    expect(loaded(bool, [2])).toBe(true);
    expect(loaded(bool, [0x80])).toBe(true);
    expect(liftFlat(bytesCx(new Uint8Array(0)), new CoreValueIter([7]), bool)).toBe(true);
  });

  it('NaNs are stored canonical and lift as NaN', () => {
    expect(stored(f32, NaN, 4)).toEqual(le(0x7fc00000, 4));
    expect(stored(f64, NaN, 8)).toEqual(le(0x7ff8000000000000n, 8));
    // a signalling NaN with a payload in guest memory
    expect(loaded(f32, le(0x7f800001, 4))).toBeNaN();
    expect(loaded(f64, le(0xfff0000000000001n, 8))).toBeNaN();
    expect(loaded(f32, le(0x7f800000, 4))).toBe(Infinity);
  });

  it('f32 lowering rounds a JS number to the nearest f32', () => {
    const g = new GuestMemory();
    store(g.cx(), 0.1, f32, 8);
    expect(g.view.getFloat32(8, true)).toBe(Math.fround(0.1));
    expect(lowerFlat(g.cx(), 0.1, f32)).toEqual([Math.fround(0.1)]);
  });
});

describe('flat lifting and lowering of primitives', () => {
  const cx = bytesCx(new Uint8Array(0));
  it('integers wrap from their core width; signed values come back negative', () => {
    expect(liftFlat(cx, new CoreValueIter([0x1ff]), u8)).toBe(0xff);
    expect(liftFlat(cx, new CoreValueIter([0x1ff]), s8)).toBe(-1);
    expect(liftFlat(cx, new CoreValueIter([0x18000]), s16)).toBe(-32768);
    expect(liftFlat(cx, new CoreValueIter([-1]), u32)).toBe(0xffffffff);
    expect(liftFlat(cx, new CoreValueIter([0xffffffff]), s32)).toBe(-1);
    expect(liftFlat(cx, new CoreValueIter([-1n]), u64)).toBe(0xffffffffffffffffn);
    expect(liftFlat(cx, new CoreValueIter([0xffffffffffffffffn]), s64)).toBe(-1n);
  });
  it('lower_flat gives unsigned core values (two’s complement for signed)', () => {
    expect(lowerFlat(cx, -1, s8)).toEqual([0xffffffff]);
    expect(lowerFlat(cx, -5, s32)).toEqual([2 ** 32 - 5]);
    expect(lowerFlat(cx, -1n, s64)).toEqual([0xffffffffffffffffn]);
    expect(lowerFlat(cx, 7, u64)).toEqual([7n]);
    expect(lowerFlat(cx, true, bool)).toEqual([1]);
    expect(lowerFlat(cx, '€', char)).toEqual([0x20ac]);
  });
  it('a core value of the wrong type is a typed error', () => {
    expect(() => liftFlat(cx, new CoreValueIter([1]), u64)).toThrow(/\[flat-value\].*i64 bigint/);
    expect(() => liftFlat(cx, new CoreValueIter([]), u32)).toThrow(/\[flat-value\]/);
  });
});

describe('records, tuples, variants, enums, options, results, flags', () => {
  it('record: camelCase keys, padded layout', () => {
    const t = rec(['first-field', u8], ['second', u32], ['x', u16]);
    const v = { firstField: 1, second: 0x01020304, x: 0x0506 };
    expect(stored(t, v, 12)).toEqual([1, 0, 0, 0, 4, 3, 2, 1, 6, 5, 0, 0]);
    expect(loaded(t, [1, 9, 9, 9, 4, 3, 2, 1, 6, 5, 9, 9])).toEqual(v);
  });

  it('tuple: a JS array', () => {
    const t = tuple(u8, u64);
    expect(stored(t, [7, 9n], 16)).toEqual([7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    expect(loaded(t, [7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0])).toEqual([7, 9n]);
  });

  it('variant: { tag, val }, no val key for a payload-less case', () => {
    const t = variant(['a', undefined], ['b-case', u32], ['c', u8]);
    expect(stored(t, { tag: 'b-case', val: 0x11223344 }, 8)).toEqual([1, 0, 0, 0, 0x44, 0x33, 0x22, 0x11]);
    expect(loaded(t, [1, 0, 0, 0, 0x44, 0x33, 0x22, 0x11])).toEqual({ tag: 'b-case', val: 0x11223344 });
    expect(loaded(t, [0, 0, 0, 0, 0, 0, 0, 0])).toStrictEqual({ tag: 'a' });
    expect(loaded(t, [2, 0, 0, 0, 5, 0, 0, 0])).toEqual({ tag: 'c', val: 5 });
  });

  it('enum: its label', () => {
    const t: ValType = { kind: 'enum', labels: ['red', 'dark-green', 'blue'] };
    expect(stored(t, 'dark-green', 1)).toEqual([1]);
    expect(loaded(t, [2])).toBe('blue');
  });

  it('option: value or undefined; null lowers as none', () => {
    const t = option(u32);
    expect(stored(t, 5, 8)).toEqual([1, 0, 0, 0, 5, 0, 0, 0]);
    expect(stored(t, undefined, 1)).toEqual([0]);
    expect(stored(t, null, 1)).toEqual([0]);
    expect(loaded(t, [1, 0, 0, 0, 5, 0, 0, 0])).toBe(5);
    expect(loaded(t, [0, 0, 0, 0, 5, 0, 0, 0])).toBeUndefined();
  });

  it('nested option: the outer option tags its payload as jco does', () => {
    const t = option(option(u8));
    expect(stored(t, { tag: 'some', val: 3 }, 3)).toEqual([1, 1, 3]);
    expect(stored(t, { tag: 'some', val: undefined }, 2)).toEqual([1, 0]);
    expect(stored(t, { tag: 'none' }, 1)).toEqual([0]);
    expect(loaded(t, [1, 1, 3])).toEqual({ tag: 'some', val: 3 });
    expect(loaded(t, [1, 0, 3])).toEqual({ tag: 'some', val: undefined });
    expect(loaded(t, [0, 0, 0])).toEqual({ tag: 'none' });
    // three levels: the outermost is nullable again
    const t3 = option(t);
    expect(loaded(t3, [0, 0, 0, 0])).toBeUndefined();
    expect(loaded(t3, [1, 1, 1, 4])).toEqual({ tag: 'some', val: 4 });
  });

  it('result: { tag: "ok" | "err", val }', () => {
    const t: ValType = { kind: 'result', ok: u8, error: string };
    expect(loaded(t, [0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0])).toEqual({ tag: 'ok', val: 42 });
    const g = new GuestMemory();
    store(g.cx(), { tag: 'err', val: 'no' }, t, 8);
    expect(g.read(8, 1)).toEqual([1]);
    expect(load(g.cx(), 8, t)).toEqual({ tag: 'err', val: 'no' });
    const unit: ValType = { kind: 'result', ok: undefined, error: undefined };
    expect(loaded(unit, [1])).toEqual({ tag: 'err', val: undefined });
  });

  it('flags: an object of booleans; bits past the labels are ignored', () => {
    const t = flags('read', 'write-all', 'x');
    expect(stored(t, { read: true, writeAll: false, x: true }, 1)).toEqual([0b101]);
    expect(stored(t, { writeAll: true }, 1)).toEqual([0b010]);
    expect(loaded(t, [0b11111010])).toEqual({ read: false, writeAll: true, x: false });
    const many = flags(...Array.from({ length: 20 }, (_, i) => `f${i}`));
    const g = new GuestMemory();
    store(g.cx(), { f0: true, f19: true }, many, 8);
    expect(g.read(8, 4)).toEqual(le((1 << 19) | 1, 4));
    expect(packFlagsIntoInt({ f0: true, f1: true }, ['f0', 'f1'])).toBe(3);
    expect(packFlagsIntoInt(undefined, ['f0', 'f1'])).toBe(0);
    expect(() => packFlagsIntoInt(3, ['f0'])).toThrow(/\[wrong-js-type\]/);
    expect(unpackFlagsFromInt(2, ['a', 'b'])).toEqual({ a: false, b: true });
  });
});

describe('lists', () => {
  it('list<u8> lifts as a Uint8Array copy; other number lists as typed arrays; the rest as arrays', () => {
    const g = new GuestMemory();
    const cx = g.cx();
    store(cx, new Uint8Array([1, 2, 3]), list(u8), 8);
    const [ptr, len] = [g.view.getUint32(8, true), g.view.getUint32(12, true)];
    expect(len).toBe(3);
    expect(g.read(ptr, 3)).toEqual([1, 2, 3]);
    const back = load(cx, 8, list(u8)) as Uint8Array;
    expect(back).toBeInstanceOf(Uint8Array);
    expect([...back]).toEqual([1, 2, 3]);
    g.bytes[ptr] = 99; // a copy, not a view of guest memory
    expect(back[0]).toBe(1);

    store(cx, [1, -2, 3], list(s16), 16);
    expect(load(cx, 16, list(s16))).toEqual(new Int16Array([1, -2, 3]));
    store(cx, new BigUint64Array([5n]), list(u64), 24);
    expect(load(cx, 24, list(u64))).toEqual(new BigUint64Array([5n]));
    store(cx, [true, false], list(bool), 32);
    expect(load(cx, 32, list(bool))).toEqual([true, false]);
    store(cx, ['a', 'bc'], list(string), 40);
    expect(load(cx, 40, list(string))).toEqual(['a', 'bc']);
  });

  it('list<f32> from a typed array canonicalises NaNs in memory and on the way out', () => {
    const g = new GuestMemory();
    const cx = g.cx();
    const src = new Float32Array([1, NaN, 2]);
    new Uint32Array(src.buffer)[1] = 0x7f800001; // a signalling NaN
    store(cx, src, list(f32), 8);
    const ptr = g.view.getUint32(8, true);
    expect(g.view.getUint32(ptr + 4, true)).toBe(0x7fc00000);
    g.view.setUint32(ptr + 4, 0xffc00123, true); // guest writes another NaN
    const back = load(cx, 8, list(f32)) as Float32Array;
    expect(new Uint32Array(back.buffer)[1]).toBe(0x7fc00000);
    expect([back[0], back[2]]).toEqual([1, 2]);
  });

  it('list elements are laid out at elem_size strides with the list aligned to its element', () => {
    const g = new GuestMemory();
    g.next = 1001; // realloc must align up
    store(g.cx(), [{ a: 1, b: 2n }, { a: 3, b: 4n }], list(rec(['a', u8], ['b', u64])), 8);
    const ptr = g.view.getUint32(8, true);
    expect(ptr % 8).toBe(0);
    expect(g.calls[0]).toMatchObject({ old: 0, oldSize: 0, align: 8, newSize: 32 });
    expect(g.read(ptr, 32)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, ...le(2, 8), 3, 0, 0, 0, 0, 0, 0, 0, ...le(4, 8)]);
  });

  it('fixed-length lists are inline, lift as arrays, flatten to their elements', () => {
    const t = list(u16, 3);
    expect(stored(t, [1, 2, 3], 6)).toEqual([1, 0, 2, 0, 3, 0]);
    expect(loaded(t, [1, 0, 2, 0, 3, 0])).toEqual([1, 2, 3]);
    const cx = bytesCx(new Uint8Array(0));
    expect(lowerFlat(cx, [1, 2, 3], t)).toEqual([1, 2, 3]);
    expect(liftFlat(cx, new CoreValueIter([4, 5, 6]), t)).toEqual([4, 5, 6]);
    expect(() => lowerFlat(cx, [1, 2], t)).toThrow(LowerError);
  });

  it('map: a JS Map, stored as a list of (key, value) tuples', () => {
    const t: ValType = { kind: 'map', k: string, v: u32 };
    const g = new GuestMemory();
    store(g.cx(), new Map([['a', 1], ['b', 2]]), t, 8);
    expect(g.view.getUint32(12, true)).toBe(2);
    const back = load(g.cx(), 8, t) as Map<string, number>;
    expect(back).toBeInstanceOf(Map);
    expect([...back]).toEqual([['a', 1], ['b', 2]]);
    expect(() => store(g.cx(), { a: 1 }, t, 8)).toThrow(/\[wrong-js-type\].*Map/);
  });

  it('map: a repeated key is kept when the lifted map is lowered again, and dropped once the Map is changed', () => {
    // definitions.py despecializes map<K, V> to list<tuple<K, V>>: every entry is part of the value.
    const t: ValType = { kind: 'map', k: string, v: u32 };
    const list: ValType = { kind: 'list', t: { kind: 'tuple', ts: [string, u32] } };
    const g = new GuestMemory();
    store(g.cx(), [['z', 26], ['k', 1], ['k', 2], ['a', 0]], list, 8);
    const m = load(g.cx(), 8, t) as Map<string, number>;
    expect([...m]).toEqual([['z', 26], ['k', 2], ['a', 0]]);
    const h = new GuestMemory();
    store(h.cx(), m, t, 8);
    expect(h.view.getUint32(12, true)).toBe(4);
    expect(load(h.cx(), 8, list)).toEqual([['z', 26], ['k', 1], ['k', 2], ['a', 0]]);
    m.set('b', 5);
    const i = new GuestMemory();
    store(i.cx(), m, t, 8);
    expect(load(i.cx(), 8, list)).toEqual([['z', 26], ['k', 2], ['a', 0], ['b', 5]]);
  });
});

describe('flattened variants: joins coerce payloads both ways', () => {
  const cx = bytesCx(new Uint8Array(0));
  const t = variant(['a', f32], ['b', u32], ['c', f64], ['d', undefined], ['e', s64]);
  // flat: [i32 disc, i64]
  it('lower_flat widens and reinterprets into the joined slot, pads unused slots', () => {
    expect(lowerFlat(cx, { tag: 'a', val: 1.5 }, t)).toEqual([0, 0x3fc00000n]);
    expect(lowerFlat(cx, { tag: 'b', val: 7 }, t)).toEqual([1, 7n]);
    expect(lowerFlat(cx, { tag: 'c', val: -2 }, t)).toEqual([2, 0xc000000000000000n]);
    expect(lowerFlat(cx, { tag: 'd' }, t)).toEqual([3, 0n]);
    expect(lowerFlat(cx, { tag: 'e', val: -1n }, t)).toEqual([4, 0xffffffffffffffffn]);
    expect(lowerFlat(cx, { tag: 'a', val: NaN }, t)).toEqual([0, 0x7fc00000n]);
  });
  it('lift_flat narrows and reinterprets back', () => {
    expect(liftFlat(cx, new CoreValueIter([0, 0x3fc00000n]), t)).toEqual({ tag: 'a', val: 1.5 });
    expect(liftFlat(cx, new CoreValueIter([1, 0x100000007n]), t)).toEqual({ tag: 'b', val: 7 });
    expect(liftFlat(cx, new CoreValueIter([2, 0xc000000000000000n]), t)).toEqual({ tag: 'c', val: -2 });
    expect(liftFlat(cx, new CoreValueIter([3, 123n]), t)).toEqual({ tag: 'd' });
  });
  it('i32/f32 join: f32 payload travels as its bits in an i32', () => {
    const u = variant(['x', f32], ['y', u8]);
    expect(lowerFlat(cx, { tag: 'x', val: -0 }, u)).toEqual([0, 0x80000000]);
    const back = liftFlat(cx, new CoreValueIter([0, 0x80000000]), u) as { val: number };
    expect(Object.is(back.val, -0)).toBe(true);
  });
  it('all values of a multi-slot variant are consumed even for a short case', () => {
    const u = variant(['s', string], ['n', undefined]);
    const vi = new CoreValueIter([1, 111, 222, 9]);
    expect(liftFlat(cx, vi, u)).toEqual({ tag: 'n' });
    expect(liftFlat(cx, vi, u32)).toBe(9);
    expect(vi.done()).toBe(true);
  });
  it('option<f64> inside a record flattens and round-trips', () => {
    const r = rec(['a', option(f64)], ['b', u8]);
    const flat = lowerFlat(cx, { a: 2.5, b: 1 }, r);
    expect(flat).toEqual([1, 2.5, 1]);
    expect(liftFlat(cx, new CoreValueIter(flat), r)).toEqual({ a: 2.5, b: 1 });
  });
});

describe('handles go through HandleOps', () => {
  const rt: ResourceType = { kind: 'resource', name: 'file', rep: 'i32' };
  const other: ResourceType = { kind: 'resource', name: 'dir', rep: 'i32' };
  it('own, borrow, stream, future and error-context lower to table indices and lift back', () => {
    const h = new ToyHandles();
    const g = new GuestMemory();
    const cx = g.cx('utf8', h);
    const t = tuple(
      { kind: 'own', rt },
      { kind: 'borrow', rt },
      { kind: 'stream', t: u8 },
      { kind: 'future', t: undefined },
      { kind: 'error-context' },
    );
    const flat = lowerFlat(cx, ['F', 'B', 'S', 'U', 'E'], t);
    expect(flat).toEqual([1, 2, 3, 4, 5]);
    expect(liftFlat(cx, new CoreValueIter(flat), t)).toEqual(['F', 'B', 'S', 'U', 'E']);
    expect(h.log).toEqual([
      'lower own 1', 'lower borrow 2', 'lower stream 3', 'lower future 4', 'lower error-context 5',
      'lift own 1', 'lift borrow 2', 'lift stream 3', 'lift future 4', 'lift error-context 5',
    ]);
    // own was moved out: lifting it again traps
    expect(() => liftFlat(cx, new CoreValueIter([1]), { kind: 'own', rt })).toThrow(/unknown-handle/);
    // in memory: the index as a u32
    store(cx, 'G', { kind: 'own', rt }, 8);
    expect(g.view.getUint32(8, true)).toBe(6);
    expect(() => load(cx, 8, { kind: 'own', rt: other })).toThrow(/wrong-handle-type/);
    expect(() => liftFlat(cx, new CoreValueIter([3]), { kind: 'stream', t: u16 })).toThrow(/unknown-handle/);
  });
  it('without a handle table a handle type is a typed configuration error', () => {
    const cx = bytesCx(new Uint8Array(8));
    expect(() => lowerFlat(cx, 1, { kind: 'own', rt })).toThrow(/\[handles-required\]/);
  });
});

describe('lift_flat_values and lower_flat_values', () => {
  it('up to MAX_FLAT_PARAMS values travel flat', () => {
    const g = new GuestMemory();
    const ts = Array.from({ length: 16 }, () => u32);
    const vs = ts.map((_, i) => i);
    const flat = lowerFlatValues(g.cx(), MAX_FLAT_PARAMS, vs, ts);
    expect(flat).toEqual(vs);
    expect(g.calls).toEqual([]);
    expect(liftFlatValues(g.cx(), MAX_FLAT_PARAMS, new CoreValueIter(flat), ts)).toEqual(vs);
  });

  it('beyond MAX_FLAT_PARAMS they spill into a tuple allocated with realloc', () => {
    const g = new GuestMemory();
    const ts = [...Array.from({ length: 16 }, () => u8), u64];
    const vs = [...Array.from({ length: 16 }, (_, i) => i + 1), 0x1122n];
    const flat = lowerFlatValues(g.cx(), MAX_FLAT_PARAMS, vs, ts);
    expect(g.calls).toEqual([{ old: 0, oldSize: 0, align: 8, newSize: 24, ret: 1024 }]);
    expect(flat).toEqual([1024]);
    expect(g.read(1024, 24)).toEqual([...Array.from({ length: 16 }, (_, i) => i + 1), ...le(0x1122, 8)]);
    expect(liftFlatValues(g.cx(), MAX_FLAT_PARAMS, new CoreValueIter(flat), ts)).toEqual(vs);
  });

  it('a result beyond MAX_FLAT_RESULTS goes through a return pointer (out_param)', () => {
    const g = new GuestMemory();
    const ts = [string];
    const flat = lowerFlatValues(g.cx(), MAX_FLAT_RESULTS, ['hey'], ts, new CoreValueIter([64]));
    expect(flat).toEqual([]);
    // the string's bytes were allocated, and the (ptr, len) pair written at the return pointer
    expect(g.calls).toEqual([{ old: 0, oldSize: 0, align: 1, newSize: 3, ret: 1024 }]);
    expect(g.read(64, 8)).toEqual([...le(1024, 4), ...le(3, 4)]);
    expect(liftFlatValues(g.cx(), MAX_FLAT_RESULTS, new CoreValueIter([64]), ts)).toEqual(['hey']);
    // flat when it fits
    expect(lowerFlatValues(g.cx(), MAX_FLAT_RESULTS, [5], [u32], new CoreValueIter([64]))).toEqual([5]);
  });

  it('a spilled tuple pointer must be aligned and in bounds', () => {
    const g = new GuestMemory();
    const ts = [u64, u64];
    expect(() => liftFlatValues(g.cx(), 1, new CoreValueIter([4]), ts)).toThrow(/\[unaligned-pointer\]/);
    expect(() => liftFlatValues(g.cx(), 1, new CoreValueIter([65536 - 8]), ts)).toThrow(/\[out-of-bounds\]/);
    expect(() => lowerFlatValues(g.cx(), 1, [1n, 2n], ts, new CoreValueIter([12]))).toThrow(/\[unaligned-pointer\]/);
    g.override = () => 65536;
    expect(() => lowerFlatValues(g.cx(), 1, [1n, 2n], ts)).toThrow(/\[out-of-bounds\]/);
  });

  it('i64 pointers (memory64): spilled values are found through an i64 pointer', () => {
    const mem = new Uint8Array(256);
    const cx64 = new LiftLowerContext({ memory: new MemInst(mem, 'i64') });
    const ts = [string];
    new DataView(mem.buffer).setBigUint64(32, 100n, true);
    new DataView(mem.buffer).setBigUint64(40, 2n, true);
    mem.set([0x68, 0x69], 100);
    expect(liftFlatValues(cx64, 1, new CoreValueIter([32n]), ts)).toEqual(['hi']);
    expect(liftFlat(cx64, new CoreValueIter([100n, 2n]), string)).toBe('hi');
  });
});

describe('lowering checks JS values and names the path', () => {
  const g = new GuestMemory();
  const cx = g.cx();
  const err = (f: () => unknown): LowerError => {
    try {
      f();
    } catch (e) {
      if (e instanceof LowerError) return e;
      throw e;
    }
    throw new Error('no error');
  };

  it('wrong JS types and out-of-range integers', () => {
    expect(err(() => lowerFlat(cx, 1, bool)).code).toBe('wrong-js-type');
    expect(err(() => lowerFlat(cx, 256, u8)).code).toBe('integer-out-of-range');
    expect(err(() => lowerFlat(cx, -129, s8)).code).toBe('integer-out-of-range');
    expect(err(() => lowerFlat(cx, 1.5, u32)).code).toBe('not-an-integer');
    expect(err(() => lowerFlat(cx, '1', u32)).code).toBe('wrong-js-type');
    expect(err(() => lowerFlat(cx, 1n, u32)).code).toBe('wrong-js-type');
    expect(err(() => lowerFlat(cx, -1n, u64)).code).toBe('integer-out-of-range');
    expect(err(() => lowerFlat(cx, 1n << 63n, s64)).code).toBe('integer-out-of-range');
    expect(lowerFlat(cx, 5, u64)).toEqual([5n]); // a safe-integer number is accepted for 64-bit types
    expect(err(() => lowerFlat(cx, 2 ** 60, u64)).code).toBe('not-an-integer');
    expect(err(() => lowerFlat(cx, '1', f64)).code).toBe('wrong-js-type');
  });

  it('chars, strings, enums, variants, flags, tuples', () => {
    expect(err(() => lowerFlat(cx, 'ab', char)).code).toBe('invalid-char');
    expect(err(() => lowerFlat(cx, '', char)).code).toBe('invalid-char');
    expect(err(() => lowerFlat(cx, '\ud800', char)).code).toBe('invalid-char');
    expect(err(() => lowerFlat(cx, 'a\udc00b', string)).code).toBe('unpaired-surrogate');
    expect(err(() => lowerFlat(cx, 'purple', { kind: 'enum', labels: ['red'] })).code).toBe('unknown-label');
    expect(err(() => lowerFlat(cx, { tag: 'zz' }, variant(['a', undefined]))).code).toBe('unknown-case');
    expect(err(() => lowerFlat(cx, { tag: 'a' }, variant(['a', u8]))).code).toBe('missing-payload');
    expect(err(() => lowerFlat(cx, { tag: 'error', val: 1 }, { kind: 'result', ok: undefined, error: u8 })).code).toBe('unknown-case');
    expect(err(() => lowerFlat(cx, 3, option(option(u8)))).code).toBe('wrong-js-type');
    expect(err(() => lowerFlat(cx, { reed: true }, flags('read'))).code).toBe('unknown-flag');
    expect(err(() => lowerFlat(cx, { read: 1 }, flags('read'))).code).toBe('unknown-flag');
    expect(err(() => lowerFlat(cx, [1], tuple(u8, u8))).code).toBe('wrong-length');
    expect(err(() => lowerFlat(cx, new Uint16Array(2), list(u8))).code).toBe('wrong-js-type');
  });

  it('the path names the param, fields, cases and indices', () => {
    const t = rec(['items', list(rec(['the-name', string], ['n', option(u8)]))]);
    const e = err(() =>
      lowerFlatValues(cx, MAX_FLAT_PARAMS, [{ items: [{ theName: 'a', n: 1 }, { theName: 'b', n: 1 }, { theName: 'c', n: 300 }] }], [t], undefined, ['x']),
    );
    expect(e.code).toBe('integer-out-of-range');
    expect(e.path).toBe("param 'x'.field 'items'[2].field 'n'?");
    expect(e.message).toContain("param 'x'.field 'items'[2].field 'n'?");
    expect(e.message).toContain('an integer must lie in the range');
    const e2 = err(() => lowerFlatValues(cx, 1, [{ tag: 'b', val: 'x' }], [variant(['a', undefined], ['b', u8])], new CoreValueIter([8]), ['r']));
    expect(e2.path).toBe("param 'r'.case 'b'");
    const e3 = err(() => store(cx, { tag: 'ok', val: [1, 'q'] }, { kind: 'result', ok: tuple(u8, u8), error: undefined }, 8));
    expect(e3.path).toBe('.ok[1]');
  });
});
