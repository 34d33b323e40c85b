/**
 * The examples (examples/: hello, cat, fanout, upper), written with the
 * public AssemblyScript SDK and built by `npm run build` with the public
 * toolchain (`bindgen` for the glue, then `componentize`) into
 * build/examples/, run on the embedded host
 * and under jco (the JSPI Node; a missing one fails, as in the other jco
 * suites). On Wasmtime only the composed fan-out (fanout with its backends
 * as a component, importing nothing): Wasmtime's C API (49.0.0) links WASI
 * 0.2 only and the adapter's import specs serve no `async func` import
 * (README, "Writing components in AssemblyScript"); test/pack.test.ts runs
 * a user's component there too.
 */
import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { loadComponent, WasiHost } from '../host/index.js';
import { componentize } from '../host/toolchain/componentize.js';
import { packageRoot } from '../host/guest/builds.js';
import { join } from 'node:path';
import { exampleBytes, examplePath, runUnderJco, RUN_PROGRAM } from './examples-helpers.js';
import { compare } from '../host/cli/compare.js';
import { runOnWasmtime } from '../host/wasmtime/run.js';
import { describeWithWasmtime } from './wasmtime-helpers.js';

/** Runs a wasi:cli/run program on the embedded host: exit code and stdout. */
async function runProgram(bytes: Uint8Array, stdin: Uint8Array | string = ''): Promise<{ code: number; stdout: Buffer }> {
  const chunks: Uint8Array[] = [];
  const wasi = new WasiHost({ args: ['prog.wasm'], stdout: (b: Uint8Array) => void chunks.push(Uint8Array.from(b)), stdin });
  const inst = loadComponent(bytes).instantiate(wasi.imports, { store: wasi.store });
  const code = await wasi.run(inst);
  return { code, stdout: Buffer.concat(chunks) };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Three backends that finish in the reverse order of their start, logging both. */
function backends(log: string[]) {
  const later = (name: string, f: (x: number) => number, ms: number) => async (x: number) => {
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`end ${name}`);
    return f(x);
  };
  return { double: later('double', (x) => 2 * x, 30), square: later('square', (x) => x * x, 20), increment: later('increment', (x) => x + 1, 10) };
}

describe('examples on the embedded host', () => {
  it('hello writes its line through write-via-stream and returns ok', async () => {
    const r = await runProgram(exampleBytes('hello'));
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('hello from assemblyscript\n');
  });

  it('hello stays within the size target (20 KB, runtime included)', () => {
    expect(exampleBytes('hello').length).toBeLessThanOrEqual(20 * 1024);
  });

  it('cat copies stdin to stdout byte for byte (empty, a line, 1 MiB of random bytes)', async () => {
    expect(await runProgram(exampleBytes('cat'), '')).toEqual({ code: 0, stdout: Buffer.alloc(0) });
    const line = await runProgram(exampleBytes('cat'), 'one line\nand a second\n');
    expect(line.code).toBe(0);
    expect(line.stdout.toString()).toBe('one line\nand a second\n');
    const big = randomBytes(1024 * 1024);
    const r = await runProgram(exampleBytes('cat'), big);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(big.length);
    expect(r.stdout.equals(big)).toBe(true);
  });

  it('fanout starts all three imports before any finishes and returns their sum', async () => {
    const log: string[] = [];
    const inst = loadComponent(exampleBytes('fanout')).instantiate({ 'example:fanout/backends': backends(log) });
    expect(await inst.exports.combine(7)).toBe(14 + 49 + 8);
    expect(log.slice(0, 3)).toEqual(['start double', 'start square', 'start increment']);
    expect(log.slice(3)).toEqual(['end increment', 'end square', 'end double']);
    // Calls in turn on one instance: every task exited and left nothing behind.
    log.length = 0;
    expect(await inst.exports.combine(0)).toBe(1);
    expect(await inst.exports.combine(1000)).toBe(2000 + 1000000 + 1001);
  });

  it('upper returns a stream at once and uppercases what follows on it', async () => {
    const wasi = new WasiHost({});
    const inst = loadComponent(exampleBytes('upper')).instantiate(wasi.imports, { store: wasi.store });
    const input = (inst as unknown as { stream(): { write(b: Uint8Array): Promise<number>; close(): void } }).stream();
    const out = (await inst.exports.upper(input)) as AsyncIterable<Uint8Array>;
    const writer = (async () => {
      await input.write(enc.encode('hello '));
      await input.write(enc.encode('streams, é! [a-z]'));
      input.close();
    })();
    let text = '';
    for await (const chunk of out) text += dec.decode(chunk, { stream: true });
    await writer;
    expect(text).toBe('HELLO STREAMS, é! [A-Z]');
  });

  it('upper\'s run pipes stdin through the transformer to stdout', async () => {
    const r = await runProgram(exampleBytes('upper'), 'mixed Case text\n');
    expect(r).toEqual({ code: 0, stdout: Buffer.from('MIXED CASE TEXT\n') });
  });

  it('the same sources built with the V1 task ABI run alike', async () => {
    const dir = join(packageRoot, 'examples', 'fanout');
    // Lower optimization levels than the build's, to keep the test quick.
    const opts = { entry: join(dir, 'fanout.ts'), wit: join(dir, 'wit'), world: 'fanout', optimizeLevel: 1, shrinkLevel: 0 };
    const v1 = await componentize({ ...opts, abi: 1 });
    const v2 = await componentize({ ...opts, abi: 2 });
    expect(Buffer.from(v1.core).equals(Buffer.from(v2.core))).toBe(false);
    const log: string[] = [];
    const inst = loadComponent(v1.component).instantiate({ 'example:fanout/backends': backends(log) });
    expect(await inst.exports.combine(3)).toBe(6 + 9 + 4);
    expect(log.slice(0, 3)).toEqual(['start double', 'start square', 'start increment']);
  });
});

describe('examples under jco', () => {
  it('hello', async () => {
    const r = await runUnderJco(exampleBytes('hello'), RUN_PROGRAM);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('hello from assemblyscript\n');
  });

  it('cat, 300 KB of random bytes', async () => {
    const big = randomBytes(300 * 1024);
    const r = await runUnderJco(exampleBytes('cat'), RUN_PROGRAM, { stdin: big });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.equals(big)).toBe(true);
  });

  it('upper (run: stdin to stdout)', async () => {
    const r = await runUnderJco(exampleBytes('upper'), RUN_PROGRAM, { stdin: 'jco too\n' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('JCO TOO\n');
  });

  it('fanout, with the backends as JS async functions', async () => {
    const runner = `
      import { readFile } from 'node:fs/promises';
      const { instantiate } = await import('./component.js');
      const log = [];
      const later = (name, f, ms) => async (x) => { log.push('start ' + name); await new Promise((r) => setTimeout(r, ms)); log.push('end ' + name); return f(x); };
      const root = await instantiate(async (p) => WebAssembly.compile(await readFile(new URL(p, import.meta.url))), {
        'example:fanout/backends': { double: later('double', (x) => 2 * x, 30), square: later('square', (x) => x * x, 20), increment: later('increment', (x) => x + 1, 10) },
      });
      const result = await root.combine(7);
      process.stdout.write(JSON.stringify({ result, log }));
    `;
    const r = await runUnderJco(exampleBytes('fanout'), runner, { instantiate: true });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.toString()) as { result: number; log: string[] };
    expect(out.result).toBe(71);
    expect(out.log.slice(0, 3)).toEqual(['start double', 'start square', 'start increment']);
  });
});

describe('the composed fan-out (fanout + its backends as an SDK component)', () => {
  it('joins three calls into another component, on the embedded host and under jco, alike', async () => {
    const c = await compare(examplePath('fanout-composed'), { invoke: 'combine', args: '[7]', hosts: ['embedded', 'jco'] });
    expect(c.agree, JSON.stringify(c, null, 2)).toBe(true);
    expect(c.hosts.map((h) => [h.host, h.result])).toEqual([['embedded', [71]], ['jco', [71]]]);
  });
});

describeWithWasmtime('the composed fan-out on Wasmtime', () => {
  it('returns the same sum, and agrees with the other hosts', async () => {
    const run = await runOnWasmtime(examplePath('fanout-composed'), 'combine', [7]);
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual([71]);
    const c = await compare(examplePath('fanout-composed'), { invoke: 'combine', args: '[1000]' });
    expect(c.agree, JSON.stringify(c, null, 2)).toBe(true);
    expect(c.hosts.map((h) => [h.host, h.result])).toEqual([['embedded', [2000 + 1000000 + 1001]], ['jco', [1003001]], ['wasmtime', [1003001]]]);
  });
});
