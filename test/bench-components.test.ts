// The bench's own WAT components (bench/wat/, bench/transfer.mjs) on the
// embedded host: they must return the right values, or the figures of
// `npm run bench` (parts `transfer` and `values`) would time wrong work.
// No timings are asserted here. test/wat-differential.test.ts runs the same
// exports under jco and Wasmtime.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadComponent } from '../host/component/api.js';
import { packageRoot } from '../host/guest/builds.js';
import { wat } from './component-bytes.js';

type Fn = (...a: unknown[]) => Promise<unknown>;
const load = async (name: string) => {
  const c = loadComponent(await wat(readFileSync(join(packageRoot, 'bench', 'wat', name), 'utf8')));
  return c.instantiate({}).exports as unknown as Record<string, Fn>;
};

describe('bench/wat/transfer.wat', () => {
  it('transfer(n) moves n bytes from the producer instance to the consumer instance, whole and partial 64 KiB chunks alike', async () => {
    const x = await load('transfer.wat');
    for (const n of [0, 1, 255, 65535, 65536, 65537, 3 * 65536 + 17, 1 << 22]) expect(await x.transfer(n)).toBe(n);
    // The same instance again: the glue's, producer's and consumer's state starts over per call.
    expect(await x.transfer(100_000)).toBe(100_000);
  });

  it('produce(n) hands the host a stream<u8> of n bytes, byte o being o & 0xff', async () => {
    const x = await load('transfer.wat');
    for (const n of [0, 10, 65536 + 300, 5 * 65536]) {
      const s = (await x.produce(n)) as AsyncIterable<Uint8Array>;
      const got: number[] = [];
      let chunks = 0;
      for await (const c of s) {
        chunks++;
        expect(c.length).toBeLessThanOrEqual(65536); // one guest write of at most 64 KiB per chunk
        got.push(...c);
      }
      expect(got.length).toBe(n);
      expect(got.every((b, o) => b === (o & 0xff))).toBe(true);
      expect(chunks).toBe(Math.ceil(n / 65536));
    }
  });

  it('the consumer checks the bytes it reads: a stream not of the pattern traps', async () => {
    // The consumer's check on a stream written by the host: bytes shifted by one.
    const { parse } = await import('@bytecodealliance/jco');
    const text = readFileSync(join(packageRoot, 'bench', 'wat', 'transfer.wat'), 'utf8');
    // The consumer component alone, exported: its `consume` reads a host stream.
    const start = text.indexOf('(component $consumer');
    const end = text.indexOf('(component $glue');
    const consumer = `(component ${text.slice(start, end)} (instance $c (instantiate $consumer)) (export "consume" (func $c "consume")))`;
    const c = loadComponent(new Uint8Array(await parse(consumer)));
    const bytes = (n: number, shift: number) => Uint8Array.from({ length: n }, (_, o) => (o + shift) & 0xff);
    const consume = async (data: Uint8Array[]) => {
      const inst = c.instantiate({});
      const s = inst.stream();
      const counted = (inst.exports['consume'] as Fn)(s);
      for (const d of data) await s.write(d);
      s.close();
      return counted;
    };
    expect(await consume([bytes(1000, 0).subarray(0, 300), bytes(1000, 0).subarray(300)])).toBe(1000);
    await expect(consume([bytes(1000, 1)])).rejects.toThrow(/unreachable/);
  });
});

describe('bench/wat/calls.wat', () => {
  const kib = 'x'.repeat(1024);
  const words = 'héllo wörld ✓ 𝄞 '.repeat(100);
  const list = Array.from({ length: 16384 }, (_, i) => i * 262_139);
  const total = list.reduce((a, b) => a + BigInt(b), 0n);

  it('echo and echo-async return their string, sum and sum-async the u64 sum of their list', async () => {
    const x = await load('calls.wat');
    for (const f of ['echo', 'echo-async']) {
      expect(await x[f](kib)).toBe(kib);
      expect(await x[f](words)).toBe(words);
      expect(await x[f]('')).toBe('');
    }
    for (const f of ['sum', 'sum-async']) {
      expect(await x[f](list)).toBe(total);
      expect(await x[f](new Uint32Array([4_000_000_000, 4_000_000_000, 1]))).toBe(8_000_000_001n);
      expect(await x[f]([])).toBe(0n);
    }
  });

  it('the bump pointer is back at its base after every call, sync (post-return) and async (after task.return)', async () => {
    const x = await load('calls.wat');
    expect(await x['heap-top']()).toBe(4096);
    for (const [f, arg] of [['echo', kib], ['echo-async', kib], ['sum', list], ['sum-async', list]] as const) {
      for (let i = 0; i < 50; i++) await x[f](arg);
      expect(await x['heap-top'](), f).toBe(4096);
    }
  });
});
