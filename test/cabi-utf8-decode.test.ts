/**
 * Lifting long non-ASCII UTF-8 strings takes a SIMD wasm path
 * (host/component/abi/utf8-decode.ts): Latin-1 output when every character
 * is U+0000..U+00FF, UTF-16 otherwise; invalid UTF-8 traps before it runs.
 * These tests pin the edges of that path: its minimum length, its 16-byte
 * blocks (a two-byte character across a block boundary, blocks that are all
 * ASCII or all two-byte), its tail, a block with a three- or four-byte
 * character (done one character at a time, then back to blocks), the first
 * character above U+00FF anywhere in the string, surrogate pairs, and
 * invalid sequences in strings long enough for the fast path.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { load } from '../host/component/abi/index.js';
import { UTF8_DECODE_MIN_BYTES, decodeValidUtf8, validUtf16 } from '../host/component/abi/utf8-decode.js';
import { UTF8_DECODE_WASM } from '../host/component/abi/utf8-decode-wasm.js';
import { Prim } from '../host/component/types.js';
import { bytesCx, trapOf } from './cabi-helpers.js';

const enc = new TextEncoder();
const ptrAt = 8;

/** Lifts `bytes` as a utf8 string at `ptr` of a fresh memory (the pointer pair at 0). */
function lift(bytes: Uint8Array | number[], ptr = ptrAt): unknown {
  const mem = new Uint8Array(ptr + bytes.length + 64);
  mem.set(bytes, ptr);
  const dv = new DataView(mem.buffer);
  dv.setUint32(0, ptr, true);
  dv.setUint32(4, bytes.length, true);
  return load(bytesCx(mem, 'utf8'), 0, Prim.string);
}
const reference = (b: Uint8Array | number[]) => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(b));

describe('utf8 lifting: the SIMD decoder', () => {
  it('the embedded module is the assembled utf8-decode.wat', async () => {
    const { assemble } = await import('../scripts/utf8-decode.mjs');
    expect((await assemble()).toString('base64')).toBe(UTF8_DECODE_WASM);
  });

  it('every character U+0080..U+00FF, at every offset of a 16-byte block and across block boundaries', () => {
    for (let c = 0x80; c <= 0xff; c++) {
      for (let pad = 0; pad < 34; pad++) {
        const s = 'x'.repeat(pad) + String.fromCharCode(c) + 'y'.repeat(UTF8_DECODE_MIN_BYTES) + String.fromCharCode(c);
        const b = enc.encode(s);
        expect(lift(b)).toBe(s);
        expect(lift(b, ptrAt + 3)).toBe(s); // an unaligned pointer (utf8 has alignment 1)
      }
    }
  });

  it('lengths around the minimum and around whole blocks, all two-byte or mixed', () => {
    for (let n = UTF8_DECODE_MIN_BYTES - 18; n < UTF8_DECODE_MIN_BYTES + 70; n++) {
      const twoByte = 'é'.repeat(n);
      expect(lift(enc.encode(twoByte))).toBe(twoByte);
      const mixed = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'ÿ' : i % 3 === 1 ? 'a' : '\u0080')).join('');
      expect(lift(enc.encode(mixed))).toBe(mixed);
    }
  });

  it('a character above U+00FF anywhere (in a block, in the tail, first, last) goes to the general decoder', () => {
    const base = 'àb'.repeat(60);
    for (const ch of ['Ā', '€', '中', '😀', '\u{10ffff}', '\ufeff']) {
      for (const at of [0, 1, 15, 16, 17, 31, 64, 100, base.length]) {
        const s = base.slice(0, at) + ch + base.slice(at);
        expect(lift(enc.encode(s))).toBe(s);
      }
    }
  });

  it('4-byte characters become surrogate pairs; lone surrogates cannot be encoded and trap', () => {
    const s = 'é'.repeat(40) + '😀𝄞' + 'ü'.repeat(40);
    const out = lift(enc.encode(s)) as string;
    expect(out).toBe(s);
    expect(out.length).toBe(80 + 4);
    // CESU-style surrogates (ED A0 80 / ED B0 80) are not UTF-8
    for (const sur of [[0xed, 0xa0, 0x80], [0xed, 0xb0, 0x80], [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]]) {
      const b = [...enc.encode('é'.repeat(40)), ...sur, ...enc.encode('é'.repeat(40))];
      expect(trapOf(() => lift(b)).code).toBe('invalid-string');
    }
  });

  it('invalid UTF-8 in a string long enough for the fast path traps invalid-string, wherever it is', () => {
    const bad = [
      [0xc3], // a lead with no continuation (at the end: truncated)
      [0xc3, 0x41], // a lead followed by ASCII
      [0x80], // a lone continuation
      [0xc0, 0xa9], // overlong é
      [0xc1, 0xbf], // overlong
      [0xe0, 0x80, 0x80], // overlong 3-byte
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf8, 0x88, 0x80, 0x80, 0x80], // 5-byte form
      [0xff],
      [0xc3, 0xa9, 0xa9], // one continuation too many
    ];
    const latin = enc.encode('çé'.repeat(50));
    for (const seq of bad) {
      for (const at of [0, 15, 16, 60, latin.length]) {
        const b = [...latin.subarray(0, at), ...seq, ...latin.subarray(at)];
        // keep `at` on a character boundary of `latin`
        if (at % 2 !== 0) continue;
        expect(trapOf(() => lift(b)).code, `${seq} at ${at}`).toBe('invalid-string');
      }
    }
  });

  it('a long French text and a long text above U+00FF lift as the reference decoder does', () => {
    const fr = 'Déjà vu à la télé, ça va très bien. '.repeat(3000);
    expect(lift(enc.encode(fr))).toBe(fr);
    const ru = 'Съешь же ещё этих мягких французских булок. '.repeat(3000);
    expect(lift(enc.encode(ru))).toBe(ru);
  });

  it('property: any valid UTF-8 string lifts to what a fatal TextDecoder gives', () => {
    const char = (max: number) => fc.integer({ min: 0, max }).map((c) => String.fromCodePoint(c >= 0xd800 && c <= 0xdfff ? c - 0x800 : c));
    const latinish = fc.string({ unit: fc.oneof(char(0xff), fc.constantFrom('€', '😀', 'Ā')), maxLength: 300 });
    const anyWidth = fc.string({ unit: fc.oneof(char(0x7f), char(0x7ff), char(0xffff), char(0x10ffff)), maxLength: 300 });
    fc.assert(
      fc.property(fc.oneof(latinish, anyWidth, fc.string({ unit: 'grapheme', maxLength: 200 })), fc.nat(7), (s, shift) => {
        const b = enc.encode(s);
        expect(lift(b, ptrAt + shift)).toBe(reference(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('property: random bytes trap exactly when a fatal TextDecoder throws', () => {
    const bytes = fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom(0xc2, 0xc3, 0x80, 0xa9, 0xbf, 0xc0, 0xe2, 0xf0, 0xff)), { minLength: 64, maxLength: 200 });
    fc.assert(
      fc.property(bytes, (b) => {
        let want: string | undefined;
        try {
          want = reference(b);
        } catch {
          want = undefined;
        }
        if (want === undefined) expect(trapOf(() => lift(b)).code).toBe('invalid-string');
        else expect(lift(b)).toBe(want);
      }),
      { numRuns: 600 },
    );
  });

  it('decodeValidUtf8 itself: Latin-1 bytes up to U+00FF, else UTF-16 code units', () => {
    const make = {
      latin1: (m: Uint8Array, p: number, n: number) => ({ latin1: [...m.subarray(p, p + n)] }),
      utf16: (m: Uint8Array, p: number, n: number) => ({ utf16: Array.from({ length: n }, (_, k) => m[p + 2 * k]! | (m[p + 2 * k + 1]! << 8)) }),
    };
    const units = (s: string) => Array.from({ length: s.length }, (_, k) => s.charCodeAt(k));
    const dec = (s: string, latin1Only = false) => {
      const b = enc.encode(s);
      return decodeValidUtf8(b, 0, b.length, make, latin1Only);
    };
    const latin = 'aé\u00ff\u0080'.repeat(30);
    expect(dec(latin)).toEqual({ latin1: units(latin) });
    for (const s of ['é'.repeat(30) + '€', '€' + 'é'.repeat(30), 'Ωμέγα'.repeat(20), '中文'.repeat(30) + '😀']) {
      expect(dec(s)).toEqual({ utf16: units(s) });
      expect(dec(s, true)).toBeUndefined();
    }
  });

  it('UTF-16: a three- or four-byte character at every offset of a block, between two-byte and ASCII text', () => {
    for (const ch of ['€', '中', '\uffff', '\u0800', '😀', '\u{10000}', '\u{10ffff}']) {
      for (const filler of ['Ж', 'ab', 'aЖ']) {
        for (let at = 0; at < 40; at++) {
          const base = filler.repeat(50);
          const s = base.slice(0, at) + ch + base.slice(at) + ch;
          const b = enc.encode(s);
          expect(lift(b)).toBe(s);
          expect(lift(b, ptrAt + 5)).toBe(s);
        }
      }
    }
  });

  it('UTF-16: a two-byte character split across blocks before a block done one character at a time, and in the tail', () => {
    for (let pad = 0; pad < 48; pad++) {
      // Ж is D0 96: with `pad` ASCII bytes before it, its lead falls at every block offset
      const s = 'x'.repeat(pad) + 'ЖЖ' + '中'.repeat(6) + 'Ж'.repeat(60) + 'y'.repeat(pad % 17) + 'Ж';
      expect(lift(enc.encode(s))).toBe(s);
    }
  });

});

/** Lifts UTF-16LE `units` as a utf16 string, or as the tagged UTF-16 of latin1+utf16, at `ptr`. */
function lift16(units: number[], enc: 'utf16' | 'latin1+utf16' = 'utf16', ptr = ptrAt): unknown {
  const mem = new Uint8Array(ptr + 2 * units.length + 64);
  units.forEach((u, k) => {
    mem[ptr + 2 * k] = u & 0xff;
    mem[ptr + 2 * k + 1] = u >>> 8;
  });
  const dv = new DataView(mem.buffer);
  dv.setUint32(0, ptr, true);
  dv.setUint32(4, enc === 'utf16' ? units.length : units.length + 2 ** 31, true);
  return load(bytesCx(mem, enc), 0, Prim.string);
}
const unitsOf = (s: string) => Array.from({ length: s.length }, (_, k) => s.charCodeAt(k));
const reference16 = (units: number[]) => new TextDecoder('utf-16le', { fatal: true }).decode(new Uint16Array(units));

describe('utf16 lifting: the SIMD surrogate check', () => {
  it('surrogate pairs at every offset of an 8-unit block (a pair across blocks too), in both encodings', () => {
    for (let at = 0; at < 40; at++) {
      const s = 'Жa'.repeat(40).slice(0, at) + '😀' + 'é'.repeat(70 - at) + '𝄞';
      expect(lift16(unitsOf(s))).toBe(s);
      expect(lift16(unitsOf(s), 'latin1+utf16')).toBe(s);
    }
  });

  it('an unpaired surrogate anywhere traps invalid-string', () => {
    const base = unitsOf('Ωmega '.repeat(20));
    const bad = [[0xd800], [0xdc00], [0xdbff, 0x61], [0xd800, 0xd800, 0xdc00, 0xdc00], [0xdc00, 0xd800]];
    for (const seq of bad) {
      for (const at of [0, 1, 7, 8, 15, 16, 64, base.length]) {
        const units = [...base.slice(0, at), ...seq, ...base.slice(at)];
        expect(trapOf(() => lift16(units)).code, `${seq} at ${at}`).toBe('invalid-string');
        expect(trapOf(() => lift16(units, 'latin1+utf16')).code).toBe('invalid-string');
      }
    }
    // a high surrogate as the very last unit
    expect(trapOf(() => lift16([...base, 0xd83d])).code).toBe('invalid-string');
  });

  it('validUtf16 itself', () => {
    const check = (units: number[]) => validUtf16(new Uint8Array(new Uint16Array(units).buffer), 0, units.length);
    expect(check(unitsOf('😀'.repeat(40)))).toBe(true);
    expect(check([...unitsOf('x'.repeat(40)), 0xd83d])).toBe(false);
    expect(check([0xde00, ...unitsOf('x'.repeat(40))])).toBe(false);
    expect(check([])).toBe(true);
  });

  it('property: random code units lift exactly when a fatal TextDecoder accepts them', () => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.constantFrom(0x61, 0xe9));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(unit, { minLength: UTF8_DECODE_MIN_BYTES / 2, maxLength: 200 }),
          // well-formed text, sometimes with one unit replaced by a lone surrogate
          fc.tuple(fc.string({ unit: 'binary', minLength: 64, maxLength: 150 }), fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0xd800, max: 0xdfff })))).map(([t, hit]) => {
            const units = unitsOf(t);
            if (hit) units[hit[0] % units.length] = hit[1];
            return units;
          }),
        ),
        (units) => {
        let want: string | undefined;
        try {
          want = reference16(units);
        } catch {
          want = undefined;
        }
        if (want === undefined) expect(trapOf(() => lift16(units)).code).toBe('invalid-string');
        else expect(lift16(units)).toBe(want);
      },
      ),
      { numRuns: 600 },
    );
  });
});
