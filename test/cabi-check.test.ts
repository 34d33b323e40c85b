/**
 * `checkFlatValues`, the host's check of JS arguments before a call (a walk
 * of the values by type, no memory): for random types and random values,
 * valid or with one part replaced by a wrong JS value, it throws exactly
 * the `LowerError` that `lower_flat_values` into a real memory throws, and
 * nothing when lowering succeeds. And the fast path of a `list<numeric>`
 * from a JS array: the same bytes and the same errors as element by element.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LowerError,
  checkFlatValues,
  contains,
  liftFlatValues,
  lowerFlatValues,
  CoreValueIter,
  type StringEncoding,
} from '../host/component/abi/index.js';
import type { ValType } from '../host/component/types.js';
import { GuestMemory, ToyHandles } from './cabi-helpers.js';
import { typeArb, valueArb } from './wit-arbitraries.js';

const hasHandles = (t: ValType): boolean =>
  contains(t, (u) => u.kind === 'own' || u.kind === 'borrow' || u.kind === 'stream' || u.kind === 'future' || u.kind === 'error-context');

const JUNK: unknown[] = [-1, 1.5, 2 ** 40, NaN, 'x', '\ud800', '', {}, null, undefined, [], [1, 2], true, 7n, -1n, { tag: 'nope' }, new Uint8Array(2), new Float64Array(1)];

/** Every part of a JS value (the value itself, array elements, object fields), as a path of keys. */
function parts(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => parts(x, [...path, i], out));
  else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !(v instanceof Map)) {
    for (const k of Object.keys(v)) parts((v as Record<string, unknown>)[k], [...path, k], out);
  }
  return out;
}

function replaceAt(v: unknown, path: readonly (string | number)[], junk: unknown): unknown {
  if (path.length === 0) return junk;
  const [k, ...rest] = path;
  const copy: Record<string | number, unknown> = Array.isArray(v) ? [...v] : { ...(v as object) };
  copy[k!] = replaceAt((v as Record<string | number, unknown>)[k!], rest, junk);
  return copy;
}

function lowered(vs: unknown[], ts: ValType[], enc: StringEncoding): { error?: unknown; flat?: unknown } {
  const g = new GuestMemory(1, 1024);
  try {
    return { flat: lowerFlatValues(g.cx(enc, new ToyHandles()), 16, vs, ts, undefined, ts.map((_, i) => `p${i}`)) };
  } catch (error) {
    return { error };
  }
}

function checked(vs: unknown[], ts: ValType[]): unknown {
  try {
    checkFlatValues(vs, ts, ts.map((_, i) => `p${i}`));
    return undefined;
  } catch (e) {
    return e;
  }
}

const caseArb = fc
  .array(typeArb(3).filter((t) => !hasHandles(t)), { minLength: 1, maxLength: 3 })
  .chain((ts) => fc.tuple(fc.constant(ts), fc.tuple(...ts.map(valueArb)), fc.nat(), fc.constantFrom(...JUNK), fc.constantFrom<StringEncoding>('utf8', 'utf16', 'latin1+utf16')));

describe('checkFlatValues: the checks of lower_flat_values without memory', () => {
  it('valid values pass; a value with one part replaced fails exactly when lowering fails, with the same error', () => {
    let failures = 0;
    fc.assert(
      fc.property(caseArb, ([ts, vs, pick, junk, enc]) => {
        expect(checked(vs, ts)).toBeUndefined();
        const all = parts(vs).filter((p) => p.length > 0);
        const bad = replaceAt(vs, all[pick % all.length]!, junk) as unknown[];
        const want = lowered(bad, ts, enc).error;
        const got = checked(bad, ts);
        if (want === undefined) {
          expect(got).toBeUndefined();
          return;
        }
        failures++;
        expect(want).toBeInstanceOf(LowerError);
        expect(got).toBeInstanceOf(LowerError);
        expect((got as LowerError).message).toBe((want as LowerError).message);
        expect((got as LowerError).path).toBe((want as LowerError).path);
      }),
      { numRuns: 600 },
    );
    expect(failures).toBeGreaterThan(100); // the junk mostly is wrong: the comparison of errors ran
  });

  it('arity and the path of the parameter', () => {
    expect(() => checkFlatValues([1], [{ kind: 'u8' }, { kind: 'u8' }])).toThrow(/2 values expected, 1 given/);
    const e = checked([[1, 2, 300]], [{ kind: 'list', t: { kind: 'u8' } }]) as LowerError;
    expect(e.path).toBe("param 'p0'[2]");
    expect(e.code).toBe('integer-out-of-range');
  });
});

const NUMERIC: ValType['kind'][] = ['bool', 'u8', 's8', 'u16', 's16', 'u32', 's32', 'u64', 's64', 'f32', 'f64'];


describe('list<numeric> from a JS array: one typed view, every element checked', () => {
  const elem = (kind: ValType['kind']): fc.Arbitrary<unknown> => valueArb({ kind } as ValType);
  it('stores the same bytes as the typed array of the same values, and NaNs canonical', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NUMERIC).chain((k) => fc.tuple(fc.constant(k), fc.array(elem(k), { maxLength: 40 }))), ([kind, xs]) => {
        const n = xs.length;
        const t = { kind: 'list', t: { kind } } as ValType;
        const g = new GuestMemory(1, 1024);
        const cx = g.cx('utf8');
        const flat = lowerFlatValues(cx, 16, [xs], [t]);
        const [ptr, len] = flat as number[];
        expect(len).toBe(n);
        const back = liftFlatValues(cx, 16, new CoreValueIter([ptr!, len!]), [t])[0];
        if (kind === 'bool') expect(back).toEqual(xs);
        else expect([...(back as ArrayLike<unknown>)]).toEqual(xs);
      }),
      { numRuns: 300 },
    );
    const g = new GuestMemory(1, 1024);
    const cx = g.cx('utf8');
    const nan = new Float64Array(new BigUint64Array([0x7ff4000000000001n]).buffer)[0]!;
    const [p32] = lowerFlatValues(cx, 16, [[nan, 1]], [{ kind: 'list', t: { kind: 'f32' } }]) as number[];
    expect(g.view.getUint32(p32!, true)).toBe(0x7fc00000);
    const [p64] = lowerFlatValues(cx, 16, [[nan, 1]], [{ kind: 'list', t: { kind: 'f64' } }]) as number[];
    expect(g.view.getBigUint64(p64!, true)).toBe(0x7ff8000000000000n);
  });

  it('u32 and s32 lists keep their extremes exactly (and -0 is 0)', () => {
    const g = new GuestMemory(1, 1024);
    const cx = g.cx('utf8');
    const [pu, nu] = lowerFlatValues(cx, 16, [[0, 2 ** 32 - 1, -0, 12345]], [{ kind: 'list', t: { kind: 'u32' } }]) as number[];
    expect(nu).toBe(4);
    expect([0, 1, 2, 3].map((i) => g.view.getUint32(pu! + 4 * i, true))).toEqual([0, 2 ** 32 - 1, 0, 12345]);
    const [ps] = lowerFlatValues(cx, 16, [[-(2 ** 31), 2 ** 31 - 1, -1]], [{ kind: 'list', t: { kind: 's32' } }]) as number[];
    expect([0, 1, 2].map((i) => g.view.getInt32(ps! + 4 * i, true))).toEqual([-(2 ** 31), 2 ** 31 - 1, -1]);
  });

  it('a bad element is the exact LowerError at its index', () => {
    const cases: [ValType['kind'], unknown[], string, string][] = [
      ['u32', [1, 2, 2 ** 32], 'integer-out-of-range', '[2]'],
      ['u32', [1, -1], 'integer-out-of-range', '[1]'],
      ['s16', [0, 1.5], 'not-an-integer', '[1]'],
      ['u8', [0, NaN], 'not-an-integer', '[1]'],
      ['s32', ['3'], 'wrong-js-type', '[0]'],
      ['u32', [0, 1.5], 'not-an-integer', '[1]'],
      ['u32', [7, NaN], 'not-an-integer', '[1]'],
      ['u32', [Infinity], 'not-an-integer', '[0]'],
      ['s32', [0, 2 ** 31], 'integer-out-of-range', '[1]'],
      ['s32', [-(2 ** 31) - 1], 'integer-out-of-range', '[0]'],
      ['s32', [1, -0.5], 'not-an-integer', '[1]'],
      ['s32', [{ valueOf: () => 1 }], 'wrong-js-type', '[0]'],
      ['u32', [1, 2n], 'wrong-js-type', '[1]'],
      ['u64', [1n, 2, -1n], 'integer-out-of-range', '[2]'],
      ['s64', [1n, 0.5], 'not-an-integer', '[1]'],
      ['f32', [1, null], 'wrong-js-type', '[1]'],
      ['f64', [1, 2, 3n], 'wrong-js-type', '[2]'],
      ['bool', [true, 1], 'wrong-js-type', '[1]'],
    ];
    for (const [kind, xs, code, at] of cases) {
      const r = lowered([xs], [{ kind: 'list', t: { kind } } as ValType], 'utf8');
      expect(r.error, `${kind} ${String(xs)}`).toBeInstanceOf(LowerError);
      expect((r.error as LowerError).code).toBe(code);
      expect((r.error as LowerError).path).toBe(`param 'p0'${at}`);
      const c = checked([xs], [{ kind: 'list', t: { kind } } as ValType]) as LowerError;
      expect(c.message).toBe((r.error as LowerError).message);
    }
  });
});

describe('MemInst after the memory grows', () => {
  it('sees the new buffer (the old one is detached), for bytes, view and length', async () => {
    const { MemInst } = await import('../host/component/abi/index.js');
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const mi = new MemInst(memory);
    mi.bytes[10] = 7;
    expect(mi.length).toBe(65536);
    memory.grow(2);
    expect(mi.length).toBe(3 * 65536);
    mi.view.setUint32(3 * 65536 - 4, 0xdeadbeef, true);
    expect(new DataView(memory.buffer).getUint32(3 * 65536 - 4, true)).toBe(0xdeadbeef);
    expect(mi.bytes[10]).toBe(7);
    expect(mi.bytes.buffer).toBe(memory.buffer);
  });
});
