/**
 * Random WIT types of bounded depth and random values of them, round-tripped
 * through the canonical ABI: store then load, lower_flat then lift_flat, and
 * lower_flat_values then lift_flat_values both spilled (through realloc and
 * through a return pointer) and flat, in all three string encodings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CoreValueIter,
  alignment,
  elemSize,
  flattenType,
  liftFlat,
  liftFlatValues,
  load,
  lowerFlat,
  lowerFlatValues,
  store,
  type StringEncoding,
} from '../host/component/abi/index.js';
import { GuestMemory, ToyHandles } from './cabi-helpers.js';
import { typeArb, valueArb } from './wit-arbitraries.js';

const caseArb = typeArb(3).chain((t) => fc.tuple(fc.constant(t), valueArb(t), fc.constantFrom<StringEncoding>('utf8', 'utf16', 'latin1+utf16')));

const BASE = 4096; // realloc allocates from here up; values are stored below it

function freshMemory(): GuestMemory {
  const g = new GuestMemory(2, BASE);
  g.bytes.fill(0xaa);
  return g;
}

describe('property: lift(lower(v)) == v for random types and values', () => {
  it('store then load, and store writes only its elem_size bytes in place', () => {
    fc.assert(
      fc.property(caseArb, ([t, v, enc]) => {
        const g = freshMemory();
        const cx = g.cx(enc, new ToyHandles());
        const size = elemSize(t);
        const ptr = Math.ceil(64 / alignment(t)) * alignment(t);
        if (ptr + size > BASE) return; // a huge fixed-size type: skip
        store(cx, v, t, ptr);
        const outside = [...g.bytes.subarray(0, ptr), ...g.bytes.subarray(ptr + size, BASE)];
        expect(outside.every((b) => b === 0xaa)).toBe(true);
        expect(load(cx, ptr, t)).toEqual(v);
      }),
      { numRuns: 400 },
    );
  });

  it('lower_flat then lift_flat, with the flat values matching flatten_type', () => {
    fc.assert(
      fc.property(caseArb, ([t, v, enc]) => {
        const g = freshMemory();
        const cx = g.cx(enc, new ToyHandles());
        const flat = lowerFlat(cx, v, t);
        const ft = flattenType(t);
        expect(flat.map((x) => typeof x)).toEqual(ft.map((c) => (c === 'i64' ? 'bigint' : 'number')));
        for (let i = 0; i < flat.length; i++) {
          if (ft[i] === 'i32') expect(Number.isInteger(flat[i]) && (flat[i] as number) >= 0 && (flat[i] as number) < 2 ** 32).toBe(true);
        }
        const vi = new CoreValueIter(flat);
        expect(liftFlat(cx, vi, t)).toEqual(v);
        expect(vi.done()).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('lower_flat_values then lift_flat_values: flat, spilled through realloc, and through a return pointer', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 1, maxLength: 3 }), (cases) => {
        const ts = cases.map(([t]) => t);
        const vs = cases.map(([, v]) => v);
        const enc = cases[0]![2];
        for (const maxFlat of [0, 16]) {
          const g = freshMemory();
          const cx = g.cx(enc, new ToyHandles());
          const flat = lowerFlatValues(cx, maxFlat, vs, ts);
          expect(liftFlatValues(cx, maxFlat, new CoreValueIter(flat), ts)).toEqual(vs);
        }
        const g = freshMemory();
        const cx = g.cx(enc, new ToyHandles());
        expect(lowerFlatValues(cx, 0, vs, ts, new CoreValueIter([64]))).toEqual([]);
        expect(liftFlatValues(cx, 0, new CoreValueIter([64]), ts)).toEqual(vs);
      }),
      { numRuns: 200 },
    );
  });
});
