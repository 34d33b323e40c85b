import { describe, expect, it } from 'vitest';
import { CoreValueIter, MAX_LIST_BYTE_LENGTH, liftFlat, load, store } from '../host/component/abi/index.js';
import { Trap } from '../host/canon/errors.js';
import { Prim, type ValType } from '../host/component/types.js';
import { GuestMemory, bytesCx, le, trapOf } from './cabi-helpers.js';

const { u8, u16, u32, char, string } = Prim;
const variant = (n: number, payload?: ValType): ValType => ({
  kind: 'variant',
  cases: Array.from({ length: n }, (_, i) => ({ label: `c${i}`, t: i === 0 ? payload : undefined })),
});

function memWith(bytes: number[], ptr = 8): Uint8Array {
  const mem = new Uint8Array(128);
  mem.set(bytes, ptr);
  return mem;
}

describe('lifting traps where definitions.py traps', () => {
  it('a discriminant past the last case (memory and flat, every variant-like type)', () => {
    const types: [ValType, number][] = [
      [variant(3, u8), 3],
      [{ kind: 'enum', labels: ['a', 'b'] }, 2],
      [{ kind: 'option', t: u32 }, 2],
      [{ kind: 'result', ok: undefined, error: undefined }, 2],
      [{ kind: 'option', t: { kind: 'option', t: u8 } }, 255],
    ];
    for (const [t, bad] of types) {
      const tr = trapOf(() => load(bytesCx(memWith([bad, 0, 0, 0, 0, 0, 0, 0])), 8, t));
      expect([t.kind, tr.code]).toEqual([t.kind, 'invalid-discriminant']);
      const flat = trapOf(() => liftFlat(bytesCx(new Uint8Array(0)), new CoreValueIter([bad, 0, 0]), t));
      expect(flat.code).toBe('invalid-discriminant');
    }
    // a u16 discriminant is read as two bytes
    const t = variant(300);
    expect(load(bytesCx(memWith([0x2b, 0x01])), 8, t)).toEqual({ tag: 'c299' });
    expect(trapOf(() => load(bytesCx(memWith([0x2c, 0x01])), 8, t)).code).toBe('invalid-discriminant');
  });

  it('a char that is a surrogate or beyond U+10FFFF', () => {
    for (const bad of [0xd800, 0xdfff, 0x110000, 0xffffffff]) {
      expect(trapOf(() => load(bytesCx(memWith(le(bad, 4))), 8, char)).code).toBe('invalid-char');
      expect(trapOf(() => liftFlat(bytesCx(new Uint8Array(0)), new CoreValueIter([bad | 0]), char)).code).toBe('invalid-char');
    }
    expect(load(bytesCx(memWith(le(0x10ffff, 4))), 8, char)).toBe('\u{10ffff}');
    expect(load(bytesCx(memWith(le(0xe000, 4))), 8, char)).toBe('\ue000');
  });

  it('a list longer than MAX_LIST_BYTE_LENGTH, unaligned, or out of bounds', () => {
    const list = (t: ValType): ValType => ({ kind: 'list', t });
    const at = (t: ValType, ptr: number, len: number) => {
      const mem = new Uint8Array(128);
      new DataView(mem.buffer).setUint32(0, ptr, true);
      new DataView(mem.buffer).setUint32(4, len, true);
      return load(bytesCx(mem), 0, t);
    };
    expect(MAX_LIST_BYTE_LENGTH).toBe(2 ** 28 - 1);
    expect(trapOf(() => at(list(u8), 16, 2 ** 28)).code).toBe('list-too-long');
    expect(trapOf(() => at(list(u32), 16, 2 ** 26)).code).toBe('list-too-long');
    expect(trapOf(() => at(list(string), 16, 2 ** 25)).code).toBe('list-too-long');
    expect(trapOf(() => at(list(u32), 18, 1)).code).toBe('unaligned-pointer');
    expect(trapOf(() => at(list(u16), 17, 1)).code).toBe('unaligned-pointer');
    expect(trapOf(() => at(list(u8), 100, 29)).code).toBe('out-of-bounds');
    expect(at(list(u8), 100, 28)).toHaveLength(28);
    // the elements are checked too: a bad char inside a list
    const mem = new Uint8Array(128);
    new DataView(mem.buffer).setUint32(0, 16, true);
    new DataView(mem.buffer).setUint32(4, 2, true);
    new DataView(mem.buffer).setUint32(20, 0xd800, true);
    expect(trapOf(() => load(bytesCx(mem), 0, list(char))).code).toBe('invalid-char');
  });

  it('load and store as entry points (one stream or future element) check alignment and bounds', () => {
    const g = new GuestMemory();
    expect(trapOf(() => load(g.cx(), 2, u32)).code).toBe('unaligned-pointer');
    expect(trapOf(() => load(g.cx(), 65536, u32)).code).toBe('out-of-bounds');
    expect(trapOf(() => load(g.cx(), 65536 - 2, u32)).code).toBe('unaligned-pointer');
    expect(trapOf(() => store(g.cx(), 1, u32, 6)).code).toBe('unaligned-pointer');
    expect(trapOf(() => store(g.cx(), 'x', string, 65536 - 4)).code).toBe('out-of-bounds');
    expect(trapOf(() => load(g.cx(), 65536, u8)).code).toBe('out-of-bounds');
    store(g.cx(), 7, u8, 65535);
    expect(load(g.cx(), 65535, u8)).toBe(7);
  });

  it('traps carry the rule text and a detail', () => {
    const tr = trapOf(() => load(bytesCx(memWith(le(0xd800, 4))), 8, char));
    expect(tr).toBeInstanceOf(Trap);
    expect(tr.rule).toMatch(/Unicode scalar value/);
    expect(tr.message).toMatch(/\[invalid-char\] char 0xd800 is a surrogate/);
  });
});
