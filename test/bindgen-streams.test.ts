// `wasip3-task bindgen` on world `streams` (test/bindgen/streams): stream<T>
// and future<T> parameters and results through the SDK's StreamReader /
// FutureReader (numbers copied as they are, records through a generated
// codec), the SDK's tasks and spawn, an async-lowered import taking a
// stream, and an imported resource (constructor, method, static, own and
// borrow handles). Run on the embedded component host.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadComponent, type ComponentInstanceApi } from '../host/component/api.js';
import type { ValType } from '../host/component/types.js';
import { buildFixture, type BuiltFixture } from './bindgen-helpers.js';

let built: BuiltFixture;
let inst: ComponentInstanceApi;
let api: Record<string, (...a: unknown[]) => Promise<unknown>>;
const sunk: number[] = [];
const made: Counter[] = [];

class Counter {
  n: number;
  constructor(n: number) {
    this.n = n;
    made.push(this);
  }
  add(k: number): number {
    this.n += k;
    return this.n;
  }
  static label(n: number): string {
    return `counter ${n}`;
  }
}

const PT: ValType = { kind: 'record', fields: [{ label: 'x', t: { kind: 's32' } }, { label: 'y', t: { kind: 'f64' } }] };

async function drain(s: unknown): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const c of s as AsyncIterable<ArrayLike<unknown>>) out.push(...Array.from(c));
  return out;
}

beforeAll(async () => {
  built = await buildFixture('streams', 'streams');
  inst = loadComponent(built.component).instantiate({
    'test:streams/host': {
      Counter,
      make: (s: number) => new Counter(s),
      peek: (c: Counter) => c.n,
      sink: async (s: unknown) => {
        const got = (await drain(s)) as number[];
        sunk.push(...got);
        return got.length;
      },
    },
  });
  api = inst.exports['test:streams/api'] as typeof api;
}, 120_000);

describe('bindgen: world streams', () => {
  it('generated code compiles without a warning', () => {
    expect(built.diagnostics).toEqual([]);
    // One StreamType/FutureType per element type, from the first function that uses it.
    expect(built.files['bindings.ts']).toContain('@external("test:streams/host", "[stream-new-0]sink")');
    expect(built.files['bindings.ts']).toContain('@external("[export]test:streams/api", "[async-lower][future-read-0]later")');
  });

  it('an imported resource: constructor, methods, statics, own results, borrows, drop', async () => {
    made.length = 0;
    expect([...((await api.useCounter!(5)) as Uint32Array)]).toEqual([7, 10, 10, 'counter 7'.length, 100, 101]);
    expect(made.map((c) => c.n)).toEqual([10, 101]);
  });

  it('stream<u8> in, stream<u8> out: a transformer spawned after the export returned', async () => {
    const s = inst.stream();
    const up = await api.upper!(s.readable);
    const reading = drain(up);
    await s.write(new TextEncoder().encode('hello, World: abc'));
    s.close();
    expect(new TextDecoder().decode(new Uint8Array((await reading) as number[]))).toBe('HELLO, WORLD: ABC');
  });

  it('stream<u32> read in chunks to the end', async () => {
    const s = inst.stream({ kind: 'u32' });
    const sum = api.sum!(s.readable);
    await s.write([1, 2, 3, 4, 5, 4000000000, 7]);
    s.close();
    expect(await sum).toBe(4000000022n);
  });

  it('stream<record> both ways, through the generated codec', async () => {
    const s = inst.stream(PT);
    const out = await api.points!(s.readable);
    const reading = drain(out);
    await s.write([{ x: 1, y: 0.5 }, { x: -2, y: 3 }, { x: 2147483647 >> 1, y: -0 }]);
    s.close();
    expect(await reading).toEqual([{ x: 2, y: 0.5 }, { x: -4, y: 3 }, { x: (2147483647 >> 1) * 2, y: -0 }]);
  });

  it('future<u32> returned and resolved later; future<record> passed in', async () => {
    expect(await (await api.later!(41))).toBe(42);
    const f = inst.future(PT);
    const r = api.awaitPt!(f.readable);
    f.resolve({ x: 4, y: 1.25 });
    expect(await r).toEqual({ x: 5, y: 2.5 });
  });

  it('an async-lowered import taking a stream the guest writes', async () => {
    sunk.length = 0;
    expect(await api.toSink!('to the sink ✓')).toBe(new TextEncoder().encode('to the sink ✓').length);
    expect(new TextDecoder().decode(new Uint8Array(sunk))).toBe('to the sink ✓');
  });
});
