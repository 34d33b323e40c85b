// Two WAT components of the bench (bench/wat/), each measured on the three
// hosts in the same run (bench/run.mjs, parts `transfer` and `values`):
//
// - bench/wat/transfer.wat: `transfer(n)` moves n bytes of a stream<u8> from
//   a producer component instance to a consumer instance in 64 KiB writes
//   and reads, every export callback-lifted (so jco runs it too); its
//   `produce(n)` returns such a stream to the host (component -> host).
//   Wasmtime's C API has no stream values, so the component -> host
//   direction runs on the embedded host and jco only.
// - bench/wat/calls.wat: echo(string) of 1 KiB and sum(list<u32>) of 16 K
//   elements, lifted sync and async (callback), with a realloc whose bump
//   pointer goes back to its base after each call (the memory does not grow
//   from call to call, unlike test/components/basics.wat's).
//
// The embedded host runs them through its component loader's typed API
// (host/component); Wasmtime inside the adapter (bench/wasmtime.mjs); jco in
// the JSPI Node (bench/jco/calls-child.mjs, bench/jco/stream-child.mjs).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callsJco, streamJco, wasmtimeHost } from './wasmtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The stream job: 64 MiB in 64 KiB writes. */
export const TRANSFER_BYTES = 64 << 20;

/** A WAT component of bench/wat/, as bytes (jco's WAT parser). */
export async function benchWat(name) {
  const { parse } = await import('@bytecodealliance/jco');
  return new Uint8Array(await parse(readFileSync(join(root, 'bench/wat', name), 'utf8')));
}

const mbps = (n) => (ms) => n / 1e6 / (ms / 1000);

/**
 * transfer(64 MiB) on the three hosts and produce(64 MiB) read by the host
 * on the embedded host and jco. Returns { bytes, embedded, wasmtime, jco,
 * toHost, toHostJco, toHostJcoReads, wasmtimeVersion, jcoNode }: MB/s per
 * sample, or { reason }.
 */
export async function transferBench(P, tiny) {
  const bytes = await benchWat('transfer.wat');
  const n = TRANSFER_BYTES;
  const out = { bytes: n };
  const { loadComponent } = await import('../dist/host/component/api.js');
  const x = loadComponent(bytes).instantiate({}).exports;
  // Warm-up (the first few 64 MiB runs are several times slower while the
  // JIT settles), each checked; then the samples.
  for (let i = 0; i < 4; i++) if ((await x.transfer(n)) !== n) throw new Error('transfer on the embedded host moved a wrong count');
  out.embedded = (await tiny('transfer', P.transferSamples, () => x.transfer(n))).map(mbps(n));

  const readAll = async () => {
    const t0 = performance.now();
    const s = await x.produce(n);
    let got = 0;
    for await (const chunk of s) got += chunk.length;
    if (got !== n) throw new Error(`produce on the embedded host: ${got} of ${n} bytes`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 4; i++) await readAll();
  const ms = [];
  for (let i = 0; i < P.transferSamples; i++) ms.push(await readAll());
  out.toHost = ms.map(mbps(n));

  const host = await wasmtimeHost();
  out.wasmtimeVersion = host.version;
  if (host.reason) out.wasmtime = { reason: host.reason };
  else {
    const r = await host.wt.runOnWasmtime(bytes, 'transfer', [n], { bench: { samples: P.transferSamples, iterations: 2 }, timeoutMs: 300_000 });
    if (r.error || r.trap) out.wasmtime = { reason: `transfer under Wasmtime: ${r.error ?? r.trap.message}` };
    else if (r.result?.[0] !== n) out.wasmtime = { reason: `transfer under Wasmtime returned ${JSON.stringify(r.result)}` };
    else out.wasmtime = r.bench.ns_per_call.map((ns) => mbps(n)(ns / 1e6));
  }

  // jco: each call takes seconds, so one checked call (the warm-up) and few samples of one call.
  const j = await callsJco(bytes, 'transfer', [n], n, { callSamples: P.jco.transferSamples, callsPerSample: 1, checkCalls: 1 });
  out.jco = j.samples ? j.samples.map((perS) => (perS * n) / 1e6) : j;
  out.jcoNode = j.node;
  const s = await streamJco(bytes, 'produce', n, 65536, P.jco.transferSamples);
  out.toHostJco = s.samples ?? s;
  out.toHostJcoReads = s.reads;
  return out;
}

/**
 * echo(1 KiB string) and sum(16 K-element list<u32>) of bench/wat/calls.wat,
 * sync and async, on the three hosts. The list is a JS array of numbers on
 * every host (the value jco's and Wasmtime's runners get from JSON).
 * Returns { [export]: { embedded, wasmtime, jco }, wasmtimeVersion, jcoNode }:
 * calls/s per sample, or { reason }.
 */
export async function valuesBench(P, FULL, tiny) {
  const bytes = await benchWat('calls.wat');
  const { loadComponent } = await import('../dist/host/component/api.js');
  const x = loadComponent(bytes).instantiate({}).exports;
  const kib = 'x'.repeat(1024);
  const list = new Array(16384).fill(3);
  const total = 3n * 16384n;
  const m = FULL ? 2000 : 500;
  const host = await wasmtimeHost();
  const cases = [
    // [export, args, expected (embedded), expected (JSON runners), embedded calls per sample, Wasmtime iterations, jco calls per sample]
    ['echo', [kib], kib, kib, m, P.wasmtime.iterations, 200],
    ['echo-async', [kib], kib, kib, m, P.wasmtime.iterations, 200],
    // A 16 K list is about 100 times the work of a 1 KiB string: fewer calls per sample.
    ['sum', [list], total, { bigint: String(total) }, m / 10, Math.max(20, P.wasmtime.iterations / 20), 5],
    ['sum-async', [list], total, { bigint: String(total) }, m / 10, Math.max(20, P.wasmtime.iterations / 20), 5],
  ];
  const out = {};
  for (const [name, args, want, wantJson, k, iterations, kJco] of cases) {
    const fn = x[name];
    const r = {};
    if ((await fn(...args)) !== want) throw new Error(`${name} on the embedded host returned a wrong value`);
    const samples = await tiny(name, P.callSamples, async () => {
      for (let i = 0; i < k; i++) await fn(...args);
    });
    if ((await x['heap-top']()) !== 4096) throw new Error(`${name}: calls.wat's bump pointer did not go back to its base`);
    r.embedded = samples.map((ms) => (k / ms) * 1000);
    if (host.reason) r.wasmtime = { reason: host.reason };
    else {
      const w = await host.wt.runOnWasmtime(bytes, name, args, { bench: { samples: P.wasmtime.samples, iterations }, timeoutMs: 300_000 });
      if (w.error || w.trap) r.wasmtime = { reason: `${name} under Wasmtime: ${w.error ?? w.trap.message}` };
      else if (JSON.stringify(w.result) !== JSON.stringify([wantJson])) r.wasmtime = { reason: `${name} under Wasmtime returned ${JSON.stringify(w.result).slice(0, 200)}` };
      else r.wasmtime = w.bench.ns_per_call.map((ns) => 1e9 / ns);
    }
    const j = await callsJco(bytes, name, args, wantJson, { callSamples: P.jco.callSamples, callsPerSample: kJco });
    r.jco = j.samples ?? j;
    out[name] = r;
    out.wasmtimeVersion = host.version;
    out.jcoNode ??= j.node;
  }
  return out;
}
