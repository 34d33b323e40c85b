// The component host's figures (bench/run.mjs calls `componentBench`, part
// `component`, and `basicsBench`, part `basics`): export calls and
// stream<u8> of components on the embedded host, through the typed JS API.
//
// - spin(3) and produce(bytes) -> stream<u8> of the same component jco runs
//   (build/bench-jco.wasm, bench/jco/component.mjs), so calls/s and stream
//   MB/s compare with jco's figures of this run;
// - echo(string) of 1 KiB and sum(list<u32>) of 16 K elements of the WAT
//   component test/components/basics.wat (a bump-allocator realloc and
//   post-return); bench/wasmtime.mjs (basicsWasmtime) times the same calls
//   under Wasmtime, its `host` import served from the import spec.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function componentBench({ root, P, FULL, tiny, stats, mapDecreasing }) {
  const { loadComponent } = await import('../dist/host/component/api.js');
  const { buildBenchComponent } = await import('./jco/component.mjs');
  const { parse } = await import('@bytecodealliance/jco');
  const stderr = { blockingWriteAndFlush: (b) => process.stderr.write(b) };
  const wasi = { 'wasi:io/error': {}, 'wasi:io/streams': {}, 'wasi:cli/stderr': { getStderr: () => stderr } };

  const bench = loadComponent(readFileSync(await buildBenchComponent())).instantiate(wasi).exports;
  const n = P.spinYields;
  const k = P.callsPerSample;
  if ((await bench.spin(n)) !== n) throw new Error('component spin returned a wrong value');
  const callSamples = await tiny('component spin', P.callSamples, async () => {
    for (let i = 0; i < k; i++) await bench.spin(n);
  });
  const calls = mapDecreasing(stats(callSamples), (ms) => (k / ms) * 1000);

  const bytes = P.streamBytes;
  const readAll = async () => {
    const t0 = performance.now();
    const s = await bench.produce(bytes);
    let got = 0;
    for await (const chunk of s) got += chunk.length;
    if (got !== bytes) throw new Error(`component stream: ${got} of ${bytes} bytes`);
    return performance.now() - t0;
  };
  await readAll();
  const streamMs = [];
  for (let i = 0; i < P.streamSamples; i++) streamMs.push(await readAll());
  const stream = mapDecreasing(stats(streamMs), (ms) => bytes / 1e6 / (ms / 1000));
  return { calls, stream };
}

export async function basicsBench({ root, P, FULL, tiny, stats, mapDecreasing }) {
  const { loadComponent } = await import('../dist/host/component/api.js');
  const { parse } = await import('@bytecodealliance/jco');
  const basics = loadComponent(await parse(readFileSync(join(root, 'test/components/basics.wat'), 'utf8')));
  const x = basics.instantiate({ host: { add: (a, b) => a + b, greet: (s) => s } }).exports;
  const kib = 'x'.repeat(1024);
  const list = new Uint32Array(16384).fill(3);
  if ((await x.echo(kib)) !== kib) throw new Error('component echo returned a wrong value');
  if ((await x.sum(list)) !== 3n * 16384n) throw new Error('component sum returned a wrong value');
  const m = FULL ? 2000 : 500;
  const echoSamples = await tiny('component echo', P.callSamples, async () => {
    for (let i = 0; i < m; i++) await x.echo(kib);
  });
  const sumSamples = await tiny('component sum', P.callSamples, async () => {
    for (let i = 0; i < m / 10; i++) await x.sum(list);
  });
  return {
    echo: mapDecreasing(stats(echoSamples), (ms) => (m / ms) * 1000),
    sum: mapDecreasing(stats(sumSamples), (ms) => (m / 10 / ms) * 1000),
  };
}
