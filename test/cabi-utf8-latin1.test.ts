/**
 * Lifting UTF-8 strings whose characters are all U+0000..U+00FF takes a SIMD
 * wasm path (host/component/abi/utf8-latin1.ts); every other valid string
 * the general decoder; invalid UTF-8 traps before either runs. These tests
 * pin the edges of that path: its minimum length, its 16-byte blocks (a
 * two-byte character across a block boundary, blocks that are all ASCII or
 * all two-byte), its byte-at-a-time tail, the first character above U+00FF
 * anywhere in the string, 4-byte characters (surrogate pairs in JS), and
 * invalid sequences in strings long enough for the fast path.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { load } from '../host/component/abi/index.js';
import { UTF8_LATIN1_MIN_BYTES, utf8ToLatin1 } from '../host/component/abi/utf8-latin1.js';
import { UTF8_LATIN1_WASM } from '../host/component/abi/utf8-latin1-wasm.js';
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

describe('utf8 lifting: the Latin-1 fast path', () => {
  it('the embedded module is the assembled utf8-latin1.wat', async () => {
    const { assemble } = await import('../scripts/utf8-latin1.mjs');
    expect((await assemble()).toString('base64')).toBe(UTF8_LATIN1_WASM);
  });

  it('every character U+0080..U+00FF, at every offset of a 16-byte block and across block boundaries', () => {
    for (let c = 0x80; c <= 0xff; c++) {
      for (let pad = 0; pad < 34; pad++) {
        const s = 'x'.repeat(pad) + String.fromCharCode(c) + 'y'.repeat(UTF8_LATIN1_MIN_BYTES) + String.fromCharCode(c);
        const b = enc.encode(s);
        expect(lift(b)).toBe(s);
        expect(lift(b, ptrAt + 3)).toBe(s); // an unaligned pointer (utf8 has alignment 1)
      }
    }
  });

  it('lengths around the minimum and around whole blocks, all two-byte or mixed', () => {
    for (let n = UTF8_LATIN1_MIN_BYTES - 18; n < UTF8_LATIN1_MIN_BYTES + 70; n++) {
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
    const latinish = fc.string({ unit: fc.oneof(fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), fc.constantFrom('€', '😀', 'Ā')), maxLength: 300 });
    fc.assert(
      fc.property(fc.oneof(latinish, fc.string({ unit: 'grapheme', maxLength: 200 })), fc.nat(7), (s, shift) => {
        const b = enc.encode(s);
        expect(lift(b, ptrAt + shift)).toBe(reference(b));
      }),
      { numRuns: 400 },
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

  it('utf8ToLatin1 itself: Latin-1 bytes for characters up to U+00FF, undefined above', () => {
    const asLatin1 = (s: string) => {
      const b = enc.encode(s);
      return utf8ToLatin1(b, 0, b.length, (m, p, n) => [...m.subarray(p, p + n)]);
    };
    const s = 'aé\u00ff\u0080'.repeat(30);
    expect(asLatin1(s)).toEqual([...s].map((c) => c.charCodeAt(0)));
    expect(asLatin1('é'.repeat(30) + '€')).toBeUndefined();
    expect(asLatin1('€' + 'é'.repeat(30))).toBeUndefined();
  });
});
