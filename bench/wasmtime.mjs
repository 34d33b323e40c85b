// The Wasmtime column of the benchmarks (bench/run.mjs), measured in the same
// run as the other hosts:
//
// - calls: `spin(n)` on build/bench-jco.wasm, the very component jco runs;
// - scenario calls: the guest's `control` export (a stream round trip through
//   the laundered peer) on build/composed-v2.wasm under Wasmtime and jco, and
//   on build/guest-v2.wasm (the same guest source as a core module) on the
//   embedded host;
// - the same `control` on composed-v2.wasm through the embedded host's
//   component loader (host/component);
// - lifted values: `sum(list<u32>)` of test/wat/values.component.wat on the
//   three hosts (the embedded host through its component loader).
//
// Wasmtime's figures are timed inside the adapter (host/wasmtime/adapter.py):
// after one checked call, `samples` x `iterations` back-to-back calls of the
// same export in the same instance, each sample's time divided by its calls.
// The loop is C (host/wasmtime/bench_loop.c, compiled by the adapter with the
// system's cc on first use): per call wasmtime_component_func_call_async, its
// future polled to completion and deleted, the results freed. Python
// start-up, compilation and instantiation are outside the timing. Without a C
// compiler the adapter times a Python loop instead (several µs of ctypes
// overhead per call); `extra.wasmtime_loop` says which.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** calls/s figures from the adapter's ns-per-call samples, as { stats input } (a list of calls/s). */
const perSecond = (nsPerCall) => nsPerCall.map((ns) => 1e9 / ns);

/** Wasmtime's adapter module and status: { wt, version } or { reason }. */
export async function wasmtimeHost() {
  let wt;
  try {
    wt = await import('../dist/host/wasmtime/run.js');
  } catch (e) {
    return { reason: `the host is not built: ${e.message}` };
  }
  const status = wt.wasmtimeStatus();
  if (!status.ok) return { reason: status.reason };
  return { wt, version: status.version };
}

/**
 * `spin(n)` of build/bench-jco.wasm under Wasmtime. Returns
 * { version, loop, calls: [calls/s per sample] } or { reason }.
 */
export async function wasmtimeBench(P) {
  const host = await wasmtimeHost();
  if (host.reason) return host;
  const { buildBenchComponent } = await import('./jco/component.mjs');
  const component = await buildBenchComponent();
  const out = { version: host.version };
  const spin = await host.wt.runOnWasmtime(component, 'spin', [P.spinYields], { bench: P.wasmtime, timeoutMs: 300_000 });
  if (spin.error || spin.trap) return { reason: `spin under Wasmtime: ${spin.error ?? spin.trap.message}` };
  if (spin.result?.[0] !== P.spinYields) return { reason: `spin under Wasmtime returned ${JSON.stringify(spin.result)}` };
  out.calls = perSecond(spin.bench.ns_per_call);
  out.loop = spin.bench.loop === 'c' ? 'c' : `python (${spin.bench.why_not_c})`;
  return out;
}

/** `control` on build/composed-v2.wasm under Wasmtime: { version, control: [calls/s per sample] } or { reason }. */
export async function wasmtimeControl(P) {
  const host = await wasmtimeHost();
  if (host.reason) return host;
  const control = await host.wt.runOnWasmtime(join(root, 'build/composed-v2.wasm'), 'control', [], { bench: P.wasmtime, timeoutMs: 300_000 });
  if (control.error || control.trap) return { reason: `control under Wasmtime: ${control.error ?? control.trap.message}` };
  if (control.result?.[0] !== 7) return { reason: `control under Wasmtime returned ${JSON.stringify(control.result)}` };
  return { version: host.version, control: perSecond(control.bench.ns_per_call) };
}

/**
 * One export of a component on the embedded host's component loader
 * (host/component, in this process; WASI stderr served by a no-op stream):
 * `calls` sequential awaited calls per sample, calls/s per sample.
 */
export async function componentCallsEmbedded(bytes, exportName, args, expect, P, tiny) {
  const { loadComponent } = await import('../dist/host/component/api.js');
  const stream = { blockingWriteAndFlush: () => {} };
  const c = loadComponent(bytes);
  const inst = c.instantiate({ 'wasi:io/error': {}, 'wasi:io/streams': {}, 'wasi:cli/stderr': { getStderr: () => stream } });
  const hash = exportName.lastIndexOf('#');
  const fn = hash < 0 ? inst.exports[exportName] : inst.exports[exportName.slice(0, hash)][exportName.slice(hash + 1)];
  const first = await fn(...args);
  if (first !== expect) throw new Error(`${exportName} returned ${first}, expected ${expect}`);
  const k = P.controlCalls;
  const samples = await tiny(exportName, P.callSamples, async () => {
    for (let i = 0; i < k; i++) await fn(...args);
  });
  return samples.map((ms) => (k / ms) * 1000);
}

/** `control` on composed-v2.wasm, the embedded host's component loader. */
export const controlEmbeddedComponent = (P, tiny) => componentCallsEmbedded(readFileSync(join(root, 'build/composed-v2.wasm')), 'control', [], 7, P, tiny);

/** `control` on the embedded host: guest-v2.wasm, one instance, `calls` sequential calls per sample; calls/s per sample. */
export async function controlEmbedded(P, tiny) {
  const { Store } = await import('../dist/host/canon/index.js');
  const { guestPeerImports } = await import('../dist/host/guest/guest.js');
  const { Trace } = await import('../dist/host/trace/trace.js');
  // guest-v2.wasm reports its task-ABI events through the trace import; a
  // disabled trace drops them (one branch each) instead of keeping them all.
  const store = new Store({ trace: new Trace(false, false) });
  const module = new WebAssembly.Module(readFileSync(join(root, 'build/guest-v2.wasm')));
  const peer = guestPeerImports(store, 'guest-v2');
  const g = store.instantiate(module, { name: 'guest-v2', ...peer.options });
  peer.bind(g);
  const first = await g.callExport('control', []);
  if (first[0] !== 7) throw new Error(`control returned ${first}`);
  const k = P.controlCalls;
  const samples = await tiny('control', P.callSamples, async () => {
    for (let i = 0; i < k; i++) await g.callExport('control', []);
  });
  return samples.map((ms) => (k / ms) * 1000);
}

/**
 * One export of a component under jco (Node 24 child, bench/jco/calls-child.mjs):
 * calls/s per sample, or { reason }. `component` is the component's bytes;
 * `opts`: callSamples, callsPerSample, and optionally checkCalls (checked
 * calls before the samples, default 2).
 */
export async function callsJco(component, exportName, args, expect, opts, imports) {
  const { node, reason } = await jcoNode();
  if (reason) return { reason };
  const { transpileCached } = await import('../dist/host/jco/transpile.js');
  const transpiled = await transpileCached(component);
  const options = { export: exportName, args, expect, callSamples: opts.callSamples, callsPerSample: opts.callsPerSample, checkCalls: opts.checkCalls, imports };
  const r = jcoChild(node, 'bench/jco/calls-child.mjs', transpiled.dir, options);
  if (r.reason) return r;
  return { samples: r.sampleMs.map((ms) => (r.callsPerSample / ms) * 1000), node: r.node };
}

/** The JSPI Node that runs jco's P3 bindings (the pinned Node 24): { node } or { reason }. */
export async function jcoNode() {
  try {
    const { jspiNode } = await import('../dist/host/jco/run.js');
    return { node: jspiNode() };
  } catch (e) {
    return { reason: `no JSPI Node to run jco's P3 bindings: ${e.message}` };
  }
}

/** Runs one of bench/jco/*-child.mjs in the JSPI Node: its JSON result, or { reason }. */
export function jcoChild(node, script, dir, options, timeoutMs = 300_000) {
  const child = spawnSync(node, [join(root, script), dir, JSON.stringify(options)], { cwd: root, encoding: 'utf8', timeout: timeoutMs });
  if (child.error) return { reason: `jco child process: ${child.error.message}` };
  let r;
  try {
    r = JSON.parse(child.stdout.trim().split('\n').pop());
  } catch {
    return { reason: `jco child printed no result (exit ${child.status}): ${child.stderr.slice(0, 500)}` };
  }
  if (r.error) return { reason: `jco run failed: ${r.error.split('\n')[0]}` };
  return r;
}

/**
 * A stream<u8> returned by `exportName(bytes)` of a component, read to its
 * end under jco in reads of `readCount` elements (bench/jco/stream-child.mjs):
 * { samples: [MB/s per sample], reads } or { reason }.
 */
export async function streamJco(component, exportName, bytes, readCount, samples) {
  const { node, reason } = await jcoNode();
  if (reason) return { reason };
  const { transpileCached } = await import('../dist/host/jco/transpile.js');
  const transpiled = await transpileCached(component);
  const r = jcoChild(node, 'bench/jco/stream-child.mjs', transpiled.dir, { export: exportName, bytes, readCount, samples });
  if (r.reason) return r;
  return { samples: r.sampleMs.map((ms) => bytes / 1e6 / (ms / 1000)), reads: r.reads };
}

/** `control` under jco on composed-v2. */
export const controlJco = (P) => callsJco(readFileSync(join(root, 'build/composed-v2.wasm')), 'control', [], 7, P.jco);

/** The values component (test/wat/values.component.wat), parsed. */
async function valuesComponent() {
  const { parse } = await import('@bytecodealliance/jco');
  return new Uint8Array(await parse(readFileSync(join(root, 'test/wat/values.component.wat'), 'utf8')));
}

/**
 * Component calls with lifted values: `sum` of a list<u32> of 64 elements
 * (the list lowered into guest memory through cabi_realloc on every call, the
 * u32 lifted back) on the embedded host's component loader, under Wasmtime
 * and under jco. Returns { embedded, wasmtime, jco } (calls/s per sample, or { reason }).
 */
export async function liftedCalls(P, tiny) {
  const bytes = await valuesComponent();
  const xs = Array.from({ length: 64 }, (_, i) => i);
  const want = (63 * 64) / 2;
  const out = {};
  out.embedded = await componentCallsEmbedded(bytes, 'shim:values/api#sum', [xs], want, P, tiny);
  const jco = await callsJco(bytes, 'shim:values/api#sum', [xs], want, P.jco);
  out.jco = jco.samples ?? jco;
  let wt;
  try {
    wt = await import('../dist/host/wasmtime/run.js');
  } catch (e) {
    out.wasmtime = { reason: `the host is not built: ${e.message}` };
    return out;
  }
  const status = wt.wasmtimeStatus();
  if (!status.ok) {
    out.wasmtime = { reason: status.reason };
    return out;
  }
  const run = await wt.runOnWasmtime(bytes, 'shim:values/api#sum', [xs], { bench: P.wasmtime, timeoutMs: 300_000 });
  if (run.error || run.trap) out.wasmtime = { reason: `sum under Wasmtime: ${run.error ?? run.trap.message}` };
  else if (run.result?.[0] !== want) out.wasmtime = { reason: `sum under Wasmtime returned ${JSON.stringify(run.result)}` };
  else out.wasmtime = perSecond(run.bench.ns_per_call);
  return out;
}

/**
 * `echo(string)` of 1 KiB and `sum(list<u32>)` of 16 K elements of
 * test/components/basics.wat under Wasmtime (the same component and calls as
 * the embedded host's `component_echo_1kib_per_s` / `component_sum_16k_per_s`,
 * bench/component.mjs), its `host` import served by the adapter from the
 * component's import spec (test/components/basics.imports.json; neither
 * export calls it), and under jco (bench/jco/calls-child.mjs, the same spec as
 * its import object). Returns { echo, sum, echoJco, sumJco } (calls/s per
 * sample, or { reason }).
 */
export async function basicsWasmtime(P) {
  let wt, spec;
  try {
    wt = await import('../dist/host/wasmtime/run.js');
    spec = await import('../dist/host/cli/import-spec.js');
  } catch (e) {
    const reason = `the host is not built: ${e.message}`;
    return { echo: { reason }, sum: { reason }, echoJco: { reason }, sumJco: { reason } };
  }
  const status = wt.wasmtimeStatus();
  const missing = status.ok ? undefined : { reason: status.reason };
  const { parse } = await import('@bytecodealliance/jco');
  const bytes = new Uint8Array(await parse(readFileSync(join(root, 'test/components/basics.wat'), 'utf8')));
  const imports = spec.resolveImportSpec(spec.parseImportSpec(readFileSync(join(root, 'test/components/basics.imports.json'), 'utf8')));
  const kib = 'x'.repeat(1024);
  const run = async (name, args, want, bench) => {
    if (missing) return missing;
    const r = await wt.runOnWasmtime(bytes, name, args, { bench, imports, timeoutMs: 300_000 });
    if (r.error || r.trap) return { reason: `${name} under Wasmtime: ${r.error ?? r.trap.message}` };
    if (JSON.stringify(r.result) !== JSON.stringify([want])) return { reason: `${name} under Wasmtime returned ${JSON.stringify(r.result).slice(0, 200)}` };
    return perSecond(r.bench.ns_per_call);
  };
  const list = new Array(16384).fill(3);
  const total = { bigint: String(3 * 16384) };
  const jco = async (name, args, want, callsPerSample) => {
    const r = await callsJco(bytes, name, args, want, { callSamples: P.jco.callSamples, callsPerSample }, imports);
    return r.samples ?? r;
  };
  return {
    echo: await run('echo', [kib], kib, P.wasmtime),
    // A 16 K list is about 100 times the work of a 1 KiB string: fewer calls per sample.
    sum: await run('sum', [list], total, { samples: P.wasmtime.samples, iterations: Math.max(20, P.wasmtime.iterations / 20) }),
    echoJco: await jco('echo', [kib], kib, 200),
    sumJco: await jco('sum', [list], total, 5),
  };
}

/**
 * stream<u8> between two component instances: `pump(bytes)` of bench/pump.mjs
 * (one call moves `bytes` from a producer instance to a consumer instance in
 * 1000-byte writes and 3000-byte reads) on the embedded host's component
 * loader and under Wasmtime (jco traps on its stackful export: see
 * test/wat-differential.test.ts). Returns { embedded, wasmtime, bytes }:
 * MB/s per sample, or { reason }.
 */
export async function pumpBench(P, tiny) {
  const { pumpComponent } = await import('./pump.mjs');
  const bytes = await pumpComponent(root);
  const n = P.pumpBytes;
  const out = { bytes: n };
  const { loadComponent } = await import('../dist/host/component/api.js');
  const inst = loadComponent(bytes).instantiate({});
  if ((await inst.exports.pump(n)) !== n) throw new Error('pump on the embedded host moved a wrong count');
  const ms = await tiny('pump', P.pumpSamples, () => inst.exports.pump(n));
  out.embedded = ms.map((t) => n / 1e6 / (t / 1000));
  let wt;
  try {
    wt = await import('../dist/host/wasmtime/run.js');
  } catch (e) {
    out.wasmtime = { reason: `the host is not built: ${e.message}` };
    return out;
  }
  const status = wt.wasmtimeStatus();
  if (!status.ok) {
    out.wasmtime = { reason: status.reason };
    return out;
  }
  const r = await wt.runOnWasmtime(bytes, 'pump', [n], { bench: { samples: P.pumpSamples, iterations: 2 }, timeoutMs: 300_000 });
  if (r.error || r.trap) out.wasmtime = { reason: `pump under Wasmtime: ${r.error ?? r.trap.message}` };
  else if (r.result?.[0] !== n) out.wasmtime = { reason: `pump under Wasmtime returned ${JSON.stringify(r.result)}` };
  else out.wasmtime = r.bench.ns_per_call.map((ns) => n / 1e6 / (ns / 1e9));
  return out;
}
