/**
 * fast-check arbitraries of WIT types (bounded depth) and of values of them,
 * in the JS form the canonical ABI lifts (so round trips compare equal).
 * Shared by the canonical ABI and component host property tests.
 */
import fc from 'fast-check';
import { maybeNull, toLowerCamelCase, typedArrayFor } from '../host/component/abi/index.js';
import { Prim, type ResourceType, type ValType } from '../host/component/types.js';

export const RT: ResourceType = { kind: 'resource', name: 'res', rep: 'i32' };
const LABELS = ['a', 'b', 'c-d', 'e-f-g', 'h', 'ij', 'k-LM', 'n'];

const labelsArb = (min: number, max: number) => fc.uniqueArray(fc.constantFrom(...LABELS), { minLength: min, maxLength: max });

const leafArb: fc.Arbitrary<ValType> = fc.oneof(
  fc.constantFrom<ValType>(...Object.values(Prim)),
  fc.constantFrom<ValType>({ kind: 'own', rt: RT }, { kind: 'borrow', rt: RT }, { kind: 'error-context' }, { kind: 'stream', t: Prim.u8 }, { kind: 'future', t: undefined }),
  labelsArb(1, 6).map((labels): ValType => ({ kind: 'enum', labels })),
  fc.integer({ min: 255, max: 300 }).map((n): ValType => ({ kind: 'enum', labels: Array.from({ length: n }, (_, i) => `e${i}`) })),
  fc.integer({ min: 1, max: 32 }).map((n): ValType => ({ kind: 'flags', labels: Array.from({ length: n }, (_, i) => `flag-${i}`) })),
);

const typeArbs = new Map<number, fc.Arbitrary<ValType>>();
export function typeArb(depth: number): fc.Arbitrary<ValType> {
  if (depth === 0) return leafArb;
  let a = typeArbs.get(depth);
  if (a) return a;
  const sub = typeArb(depth - 1);
  const optSub = fc.option(sub, { nil: undefined });
  a = fc.oneof(
    { weight: 3, arbitrary: leafArb },
    { weight: 1, arbitrary: sub.map((t): ValType => ({ kind: 'list', t })) },
    { weight: 1, arbitrary: fc.tuple(sub, fc.integer({ min: 1, max: 4 })).map(([t, l]): ValType => ({ kind: 'list', t, l })) },
    { weight: 1, arbitrary: labelsArb(1, 4).chain((ls) => fc.tuple(...ls.map(() => sub)).map((ts): ValType => ({ kind: 'record', fields: ls.map((label, i) => ({ label, t: ts[i]! })) }))) },
    { weight: 1, arbitrary: fc.array(sub, { minLength: 1, maxLength: 4 }).map((ts): ValType => ({ kind: 'tuple', ts })) },
    { weight: 1, arbitrary: labelsArb(1, 5).chain((ls) => fc.tuple(...ls.map(() => optSub)).map((ts): ValType => ({ kind: 'variant', cases: ls.map((label, i) => ({ label, t: ts[i] })) }))) },
    { weight: 1, arbitrary: sub.map((t): ValType => ({ kind: 'option', t })) },
    { weight: 1, arbitrary: fc.tuple(optSub, optSub).map(([ok, error]): ValType => ({ kind: 'result', ok, error })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom<ValType>(Prim.string, Prim.u32, Prim.char, Prim.s64), sub).map(([k, v]): ValType => ({ kind: 'map', k, v })) },
  );
  typeArbs.set(depth, a);
  return a;
}

const f32Arb = fc.float();
const stringArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 12 }),
  fc.string({ maxLength: 12 }),
);
const charArb = fc.oneof(fc.integer({ min: 0, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10ffff })).map((c) => String.fromCodePoint(c));
let token = 0;
const handleArb = fc.constant(null).map(() => `h${token++}`);

/** A random value of `t`, in the form lifting produces (so round trips compare equal). */
export function valueArb(t: ValType): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case 'bool':
      return fc.boolean();
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 's8':
      return fc.integer({ min: -0x80, max: 0x7f });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 's16':
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 's32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'u64':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 's64':
      return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    case 'f32':
      return f32Arb;
    case 'f64':
      return fc.double();
    case 'char':
      return charArb;
    case 'string':
      return stringArb;
    case 'own':
    case 'borrow':
    case 'stream':
    case 'future':
    case 'error-context':
      return handleArb;
    case 'list': {
      const Ctor = t.l === undefined ? typedArrayFor(t.t) : undefined;
      const arr = fc.array(valueArb(t.t), { minLength: t.l ?? 0, maxLength: t.l ?? 5 });
      return Ctor ? arr.map((a) => (Ctor as unknown as { from(a: unknown[]): unknown }).from(a)) : arr;
    }
    case 'map':
      return fc.uniqueArray(fc.tuple(valueArb(t.k), valueArb(t.v)), { maxLength: 4, selector: ([k]) => k }).map((es) => new Map(es));
    case 'record':
      return fc.tuple(...t.fields.map((f) => valueArb(f.t))).map((vs) => Object.fromEntries(t.fields.map((f, i) => [toLowerCamelCase(f.label), vs[i]])));
    case 'tuple':
      return fc.tuple(...t.ts.map(valueArb));
    case 'variant':
      return fc.oneof(...t.cases.map((c) => (c.t === undefined ? fc.constant({ tag: c.label }) : valueArb(c.t).map((val) => ({ tag: c.label, val })))));
    case 'enum':
      return fc.constantFrom(...t.labels);
    case 'option':
      return maybeNull(t.t)
        ? fc.oneof(fc.constant({ tag: 'none' }), valueArb(t.t).map((val) => ({ tag: 'some', val })))
        : fc.option(valueArb(t.t), { nil: undefined });
    case 'result':
      return fc.oneof(
        (t.ok ? valueArb(t.ok) : fc.constant(undefined)).map((val) => ({ tag: 'ok', val })),
        (t.error ? valueArb(t.error) : fc.constant(undefined)).map((val) => ({ tag: 'err', val })),
      );
    case 'flags':
      return fc.tuple(...t.labels.map(() => fc.boolean())).map((bs) => Object.fromEntries(t.labels.map((l, i) => [toLowerCamelCase(l), bs[i]])));
  }
}

