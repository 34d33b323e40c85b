// A property test of `wasip3-task bindgen`: random WIT types (fast-check,
// of the kinds the generator handles; values from test/wit-arbitraries.ts), one world with a sync echo and an async echo of each, wrapped in
// a record so that no function result is a bare `result`. The generated
// glue is compiled (no diagnostics), componentized and run on the embedded
// host; random values of each type must come back exactly (strings with lone
// surrogates come back well-formed: UTF-8 cannot carry them).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadComponent } from '../host/component/api.js';
import { Prim, type ValType } from '../host/component/types.js';
import { buildGenerated, type BuiltFixture } from './bindgen-helpers.js';
import { valueArb } from './wit-arbitraries.js';

const unsupported = (t: ValType | undefined): boolean => {
  if (t === undefined) return false;
  switch (t.kind) {
    case 'own': case 'borrow': case 'error-context': case 'stream': case 'future': case 'map':
      return true;
    case 'list':
      return t.l !== undefined || unsupported(t.t);
    case 'record':
      return t.fields.some((f) => unsupported(f.t));
    case 'tuple':
      return t.ts.some(unsupported);
    case 'variant':
      return t.cases.some((c) => unsupported(c.t));
    case 'option':
      return unsupported(t.t);
    case 'result':
      return unsupported(t.ok) || unsupported(t.error);
    default:
      return false;
  }
};

/** WIT text of `t`; records, variants, enums and flags become named types in `defs`. */
function wit(t: ValType, defs: string[]): string {
  const named = (body: string): string => {
    const name = `t${defs.length}`;
    defs.push(body.replace('NAME', name));
    return name;
  };
  switch (t.kind) {
    case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 's64': case 'u64': case 'f32': case 'f64': case 'bool': case 'char': case 'string':
      return t.kind;
    case 'list':
      return `list<${wit(t.t, defs)}>`;
    case 'tuple':
      return `tuple<${t.ts.map((u) => wit(u, defs)).join(', ')}>`;
    case 'option':
      return `option<${wit(t.t, defs)}>`;
    case 'result':
      return t.ok === undefined && t.error === undefined ? 'result' : `result<${t.ok ? wit(t.ok, defs) : '_'}${t.error ? `, ${wit(t.error, defs)}` : ''}>`;
    case 'record':
      return named(`record NAME { ${t.fields.map((f) => `${f.label}: ${wit(f.t, defs)}`).join(', ')} }`);
    case 'variant':
      return named(`variant NAME { ${t.cases.map((c) => (c.t ? `${c.label}(${wit(c.t, defs)})` : c.label)).join(', ')} }`);
    case 'enum':
      return named(`enum NAME { ${t.labels.join(', ')} }`);
    case 'flags':
      return named(`flags NAME { ${t.labels.join(', ')} }`);
    default:
      throw new Error(`no WIT for ${t.kind}`);
  }
}

/** The value with every string made well-formed (lone surrogates -> U+FFFD), as a UTF-8 round trip gives it. */
function wellFormed(v: unknown): unknown {
  if (typeof v === 'string') return (v as string & { toWellFormed(): string }).toWellFormed();
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wellFormed(x)]));
  return v;
}

/** WIT types the generator handles, composite ones as likely as leaves (the shared typeArb is mostly leaves). */
const LABELS = ['a', 'b', 'c-d', 'e-f-g', 'h', 'ij', 'k-LM', 'n'];
const labels = (min: number, max: number) => fc.uniqueArray(fc.constantFrom(...LABELS), { minLength: min, maxLength: max });
const leaf: fc.Arbitrary<ValType> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<ValType>(...Object.values(Prim)) },
  { weight: 1, arbitrary: labels(1, 6).map((l): ValType => ({ kind: 'enum', labels: l })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 32 }).map((n): ValType => ({ kind: 'flags', labels: Array.from({ length: n }, (_, i) => `flag-${i}`) })) },
);
function bgType(depth: number): fc.Arbitrary<ValType> {
  if (depth === 0) return leaf;
  const sub = bgType(depth - 1);
  const optSub = fc.option(sub, { nil: undefined });
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 1, arbitrary: sub.map((t): ValType => ({ kind: 'list', t })) },
    { weight: 1, arbitrary: labels(1, 4).chain((ls) => fc.tuple(...ls.map(() => sub)).map((ts): ValType => ({ kind: 'record', fields: ls.map((label, i) => ({ label, t: ts[i]! })) }))) },
    { weight: 1, arbitrary: fc.array(sub, { minLength: 1, maxLength: 4 }).map((ts): ValType => ({ kind: 'tuple', ts })) },
    { weight: 1, arbitrary: labels(1, 5).chain((ls) => fc.tuple(...ls.map(() => optSub)).map((ts): ValType => ({ kind: 'variant', cases: ls.map((label, i) => ({ label, t: ts[i] })) }))) },
    { weight: 1, arbitrary: sub.map((t): ValType => ({ kind: 'option', t })) },
    { weight: 1, arbitrary: fc.tuple(optSub, optSub).map(([ok, error]): ValType => ({ kind: 'result', ok, error })) },
  );
}

const N = 12;
const types = fc.sample(bgType(3).filter((t) => !unsupported(t)), { seed: 1414, numRuns: N });
let built: BuiltFixture;
let api: Record<string, (x: unknown) => Promise<unknown>>;

beforeAll(async () => {
  const defs: string[] = [];
  const wrappers = types.map((t, i) => `record w${i} { v: ${wit(t, defs)} }`);
  const funcs = types.map((_, i) => `  echo${i}: func(x: w${i}) -> w${i};\n  echo-async${i}: async func(x: w${i}) -> w${i};`);
  const world = `package test:prop;\n\ninterface iface {\n${[...defs, ...wrappers].map((d) => `  ${d}`).join('\n')}\n${funcs.join('\n')}\n}\n\nworld prop {\n  export iface;\n}\n`;
  const impl = [
    'import { iface as T } from "./bindings/bindings";',
    'import { Future, ready } from "wasip3-task-shim/assembly/sdk";',
    'export namespace iface {',
    ...types.map((_, i) => `  export function echo${i}(x: T.W${i}): T.W${i} {\n    return x;\n  }\n  export function echoAsync${i}(x: T.W${i}): Future<T.W${i}> {\n    return ready<T.W${i}>(x);\n  }`),
    '}',
    '',
  ].join('\n');
  built = await buildGenerated('property', 'prop', { 'world.wit': world, 'impl.ts': impl, 'main.ts': 'export * from "./bindings/exports";\n' });
  api = loadComponent(built.component).instantiate({}).exports['test:prop/iface'] as typeof api;
}, 180_000);

describe('bindgen: random WIT types round-trip through generated glue', () => {
  it('generated code compiles without a warning', () => {
    expect(types.length).toBe(N);
    expect(built.diagnostics).toEqual([]);
  });

  types.forEach((t, i) => {
    it(`type ${i}: sync and async echo of random values`, async () => {
      await fc.assert(
        fc.asyncProperty(valueArb(t), async (v) => {
          const expected = { v: wellFormed(v) };
          expect(await api[`echo${i}`]!({ v })).toEqual(expected);
          expect(await api[`echoAsync${i}`]!({ v })).toEqual(expected);
        }),
        { numRuns: 30 },
      );
    });
  });
});
