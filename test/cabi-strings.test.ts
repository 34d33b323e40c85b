import { describe, expect, it } from 'vitest';
import { CoreValueIter, LiftLowerContext, liftFlat, load, lowerFlat, store, storeStringIntoRange, type CanonString } from '../host/component/abi/index.js';
import { Prim } from '../host/component/types.js';
import { GuestMemory, bytesCx, le, trapOf } from './cabi-helpers.js';

const TAG = 2 ** 31;
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const utf16 = (s: string) => s.split('').flatMap((unit) => le(unit.charCodeAt(0), 2)); // split('') gives code units

/** Lowers `v` flat, returns [ptr, tagged length] and the realloc calls (without their results). */
function lower(g: GuestMemory, enc: 'utf8' | 'utf16' | 'latin1+utf16', v: string | CanonString) {
  const flat = lowerFlat(g.cx(enc), v, Prim.string) as number[];
  return { flat, calls: g.calls.map(({ old, oldSize, align, newSize }) => [old === 0 ? 0 : 'old', oldSize, align, newSize]) };
}

describe('store_string: utf8 destination', () => {
  it('an ASCII JS string: one allocation of its length', () => {
    const g = new GuestMemory();
    const { flat, calls } = lower(g, 'utf8', 'hello');
    expect(calls).toEqual([[0, 0, 1, 5]]);
    expect(flat).toEqual([1024, 5]);
    expect(g.read(1024, 5)).toEqual(utf8('hello'));
  });

  it('a non-ASCII JS string: grow to the worst case (3 per code unit) at the first non-ASCII, then shrink', () => {
    const g = new GuestMemory();
    const { flat, calls } = lower(g, 'utf8', 'héllo');
    expect(calls).toEqual([[0, 0, 1, 5], ['old', 5, 1, 15], ['old', 15, 1, 6]]);
    expect(g.calls[1]!.old).toBe(g.calls[0]!.ret);
    expect(g.calls[2]!.old).toBe(g.calls[1]!.ret);
    expect(flat).toEqual([g.calls[2]!.ret, 6]);
    expect(g.read(flat[0]!, 6)).toEqual(utf8('héllo'));
  });

  it('no shrink when the worst case is exact', () => {
    const g = new GuestMemory();
    const { flat, calls } = lower(g, 'utf8', '€');
    expect(calls).toEqual([[0, 0, 1, 1], ['old', 1, 1, 3]]);
    expect(g.read(flat[0]!, 3)).toEqual([0xe2, 0x82, 0xac]);
  });

  it('a utf8 CanonString is copied as is; a latin1 one grows to 2 per char', () => {
    const g = new GuestMemory();
    expect(lower(g, 'utf8', { s: 'hé', encoding: 'utf8', taggedCodeUnits: 3 }).calls).toEqual([[0, 0, 1, 3]]);
    const h = new GuestMemory();
    const { flat, calls } = lower(h, 'utf8', { s: 'é', encoding: 'latin1+utf16', taggedCodeUnits: 1 });
    expect(calls).toEqual([[0, 0, 1, 1], ['old', 1, 1, 2]]);
    expect(h.read(flat[0]!, 2)).toEqual([0xc3, 0xa9]);
    expect(flat[1]).toBe(2);
  });

  it('an empty string still calls realloc for 0 bytes', () => {
    const g = new GuestMemory();
    expect(lower(g, 'utf8', '').calls).toEqual([[0, 0, 1, 0]]);
  });
});

describe('store_string: utf16 destination', () => {
  it('a JS string is copied as its UTF-16 code units', () => {
    const g = new GuestMemory();
    const { flat, calls } = lower(g, 'utf16', 'hé😀');
    expect(calls).toEqual([[0, 0, 2, 8]]);
    expect(flat).toEqual([1024, 4]);
    expect(g.read(1024, 8)).toEqual([0x68, 0, 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde]);
  });

  it('a utf8 CanonString: allocate 2 per byte, then shrink to the UTF-16 length', () => {
    const g = new GuestMemory();
    const { flat, calls } = lower(g, 'utf16', { s: 'aé', encoding: 'utf8', taggedCodeUnits: 3 });
    expect(calls).toEqual([[0, 0, 2, 6], ['old', 6, 2, 4]]);
    expect(flat[1]).toBe(2);
    expect(g.read(flat[0]!, 4)).toEqual([0x61, 0, 0xe9, 0]);
  });
});

describe('store_string: latin1+utf16 destination', () => {
  it('all below U+0100: Latin-1 bytes, untagged length, no second realloc', () => {
    const g = new GuestMemory();
    const { flat, calls } = lower(g, 'latin1+utf16', 'café');
    expect(calls).toEqual([[0, 0, 2, 4]]);
    expect(flat).toEqual([1024, 4]);
    expect(g.read(1024, 4)).toEqual([0x63, 0x61, 0x66, 0xe9]);
  });

  it('switches to UTF-16 at the first code point >= U+0100, inflating what was written, and tags the length', () => {
    const g = new GuestMemory();
    const { flat, calls } = lower(g, 'latin1+utf16', 'ab€');
    expect(calls).toEqual([[0, 0, 2, 3], ['old', 3, 2, 6]]);
    expect(flat).toEqual([g.calls[1]!.ret, 3 + TAG]);
    expect(g.read(flat[0]!, 6)).toEqual([0x61, 0, 0x62, 0, 0xac, 0x20]);
    // and it lifts back through the tag
    expect(liftFlat(g.cx('latin1+utf16'), new CoreValueIter(flat), Prim.string)).toBe('ab€');
  });

  it('a utf8 source shrinks: to Latin-1 length, or from the UTF-16 worst case', () => {
    const g = new GuestMemory();
    const a = lower(g, 'latin1+utf16', { s: 'ñ', encoding: 'utf8', taggedCodeUnits: 2 });
    expect(a.calls).toEqual([[0, 0, 2, 2], ['old', 2, 2, 1]]);
    expect(a.flat[1]).toBe(1);
    expect(g.read(a.flat[0]!, 1)).toEqual([0xf1]);

    const h = new GuestMemory();
    const b = lower(h, 'latin1+utf16', { s: 'aé€', encoding: 'utf8', taggedCodeUnits: 6 });
    expect(b.calls).toEqual([[0, 0, 2, 6], ['old', 6, 2, 12], ['old', 12, 2, 6]]);
    expect(b.flat[1]).toBe(3 + TAG);
    expect(h.read(b.flat[0]!, 6)).toEqual([0x61, 0, 0xe9, 0, 0xac, 0x20]);
  });

  it('a latin1+utf16 source: Latin-1 copied; UTF-16 copied, or compacted to Latin-1 when it can be', () => {
    const g = new GuestMemory();
    expect(lower(g, 'latin1+utf16', { s: 'hé', encoding: 'latin1+utf16', taggedCodeUnits: 2 }).calls).toEqual([[0, 0, 2, 2]]);
    const h = new GuestMemory();
    const c = lower(h, 'latin1+utf16', { s: 'abc', encoding: 'latin1+utf16', taggedCodeUnits: 3 + TAG });
    expect(c.calls).toEqual([[0, 0, 2, 6], ['old', 6, 1, 3]]);
    expect(c.flat[1]).toBe(3);
    expect(h.read(c.flat[0]!, 3)).toEqual([0x61, 0x62, 0x63]);
    const k = new GuestMemory();
    const d = lower(k, 'latin1+utf16', { s: 'a€', encoding: 'latin1+utf16', taggedCodeUnits: 2 + TAG });
    expect(d.calls).toEqual([[0, 0, 2, 4]]);
    expect(d.flat[1]).toBe(2 + TAG);
  });

  it('a CanonString whose length disagrees with its string is a typed error', () => {
    const g = new GuestMemory();
    expect(() => lowerFlat(g.cx(), { s: 'é', encoding: 'utf8', taggedCodeUnits: 1 }, Prim.string)).toThrow(/\[wrong-length\]/);
  });
});

describe('load_string', () => {
  const at = (enc: 'utf8' | 'utf16' | 'latin1+utf16', bytes: number[], tagged: number, ptr = 16) => {
    const mem = new Uint8Array(256);
    mem.set(bytes, ptr);
    const dv = new DataView(mem.buffer);
    dv.setUint32(0, ptr, true);
    dv.setUint32(4, tagged, true);
    return load(bytesCx(mem, enc), 0, Prim.string);
  };

  it('decodes each encoding; a BOM is kept as a character', () => {
    expect(at('utf8', utf8('héllo'), 6)).toBe('héllo');
    expect(at('utf8', [0xef, 0xbb, 0xbf, 0x61], 4)).toBe('\ufeffa');
    expect(at('utf16', utf16('h😀'), 3)).toBe('h😀');
    expect(at('utf16', [0xff, 0xfe, 0x61, 0], 2)).toBe('\ufeffa');
    expect(at('latin1+utf16', [0x63, 0xe9, 0x80, 0x9f], 4)).toBe('cé\u0080\u009f'); // true Latin-1, not windows-1252
    expect(at('latin1+utf16', utf16('€x'), 2 + TAG)).toBe('€x');
    expect(at('utf8', [], 0)).toBe('');
  });

  it('invalid UTF-8 and unpaired surrogates trap', () => {
    for (const bad of [[0xff], [0xc0, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      expect(trapOf(() => at('utf8', bad, bad.length)).code).toBe('invalid-string');
    }
    expect(trapOf(() => at('utf16', [0x00, 0xd8, 0x61, 0x00], 2)).code).toBe('invalid-string');
    expect(trapOf(() => at('utf16', [0x00, 0xdc], 1)).code).toBe('invalid-string');
    expect(trapOf(() => at('latin1+utf16', [0x00, 0xd8], 1 + TAG)).code).toBe('invalid-string');
  });

  it('MAX_STRING_BYTE_LENGTH, alignment and bounds', () => {
    expect(trapOf(() => at('utf8', [], 2 ** 28)).code).toBe('string-too-long');
    expect(trapOf(() => at('utf16', [], 2 ** 27)).code).toBe('string-too-long');
    expect(trapOf(() => at('latin1+utf16', [], 2 ** 27 + TAG)).code).toBe('string-too-long');
    expect(trapOf(() => at('utf16', [0x61, 0], 1, 17)).code).toBe('unaligned-pointer');
    expect(trapOf(() => at('latin1+utf16', [0x61], 1, 17)).code).toBe('unaligned-pointer');
    expect(at('utf8', [0x61], 1, 17)).toBe('a');
    expect(trapOf(() => at('utf8', [], 241, 16)).code).toBe('out-of-bounds');
    expect(at('utf8', [], 240, 16)).toHaveLength(240);
  });

  it('keepStringEncoding lifts the spec’s string tuple, which stores back without transcoding guesses', () => {
    const g = new GuestMemory();
    const src = g.cx('latin1+utf16');
    const flat = lowerFlat(src, 'ab€', Prim.string);
    const cx = g.cx('latin1+utf16');
    cx.keepStringEncoding = true;
    const s = liftFlat(cx, new CoreValueIter(flat), Prim.string) as CanonString;
    expect(s).toEqual({ s: 'ab€', encoding: 'latin1+utf16', taggedCodeUnits: 3 + TAG });
    const dst = new GuestMemory();
    const [, tagged] = storeStringIntoRange(dst.cx('latin1+utf16'), s);
    expect(tagged).toBe(3 + TAG);
    expect(dst.calls.map((c) => c.newSize)).toEqual([6]); // store_probably_utf16: one allocation
  });
});

describe('realloc results are checked, memory growth is followed', () => {
  it('an unaligned or out-of-bounds realloc result traps', () => {
    const g = new GuestMemory();
    g.override = () => 1025;
    expect(trapOf(() => lowerFlat(g.cx('utf16'), 'hi', Prim.string)).code).toBe('unaligned-pointer');
    expect(trapOf(() => lowerFlat(g.cx('latin1+utf16'), 'hi', Prim.string)).code).toBe('unaligned-pointer');
    expect(trapOf(() => lowerFlat(g.cx('utf8'), [1], { kind: 'list', t: Prim.u32 })).code).toBe('unaligned-pointer');
    g.override = () => 65535;
    expect(trapOf(() => lowerFlat(g.cx('utf8'), 'hi', Prim.string)).code).toBe('out-of-bounds');
    g.override = () => -1; // 0xffffffff as an unsigned pointer
    expect(trapOf(() => lowerFlat(g.cx('utf8'), 'hi', Prim.string)).code).toBe('out-of-bounds');
    // the second (growing) realloc is checked too
    let n = 0;
    g.override = () => (n++ === 0 ? 1024 : 65532);
    expect(trapOf(() => lowerFlat(g.cx('utf8'), 'aé', Prim.string)).code).toBe('out-of-bounds');
  });

  it('realloc runs with may_leave cleared', () => {
    const g = new GuestMemory();
    const inst = { mayLeave: true };
    const seen: boolean[] = [];
    const cx = new LiftLowerContext({ memory: g.memory, realloc: (...a) => (seen.push(inst.mayLeave), g.realloc(...a)) }, inst);
    lowerFlat(cx, 'x', Prim.string);
    expect(seen).toEqual([false]);
    expect(inst.mayLeave).toBe(true);
  });

  it('a realloc that grows the memory (detaching its buffer) is followed', () => {
    const g = new GuestMemory(1, 60000);
    const big = 'x'.repeat(50_000) + 'é' + 'y'.repeat(50_000);
    const cx = g.cx('utf8');
    const list: import('../host/component/types.js').ValType = { kind: 'list', t: Prim.string };
    store(cx, [big, 'tail'], list, 8);
    expect(g.memory.buffer.byteLength).toBeGreaterThan(65536);
    expect(load(cx, 8, list)).toEqual([big, 'tail']);
  });
});
