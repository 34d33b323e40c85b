#!/usr/bin/env node
// The benchmarks: the embedded host (dist/host) and jco on the same
// guest, in one run. See the "Performance" section of README.md.
//
//   npm run bench                 the full run (about 2 min here)
//   npm run bench -- --quick      fewer samples and smaller runs (about 80 s)
//   npm run bench -- --json       one JSON object on stdout (progress goes to stderr)
//   npm run bench -- --only transfer,values
//                                 only the named parts (comma-separated; see PARTS
//                                 below); combines with --quick and --json. A ratio
//                                 between two parts needs both.
//
// Every figure is the median of several samples, with its spread (min, p25,
// p75, max, n). Ratios are taken between figures of this same run. A figure
// that cannot be measured is null, with a reason under `reasons`.
// Needs --expose-gc (the npm script passes it) for the memory figures.
import { stats } from './stats.mjs';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Bench } from 'tinybench';
import { Store, CopyResultKind } from '../dist/host/canon/index.js';
import { wasmtimeBench, wasmtimeControl, controlEmbedded, controlEmbeddedComponent, controlJco, liftedCalls, basicsWasmtime, pumpBench, jcoNode, jcoChild } from './wasmtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const FULL = !args.includes('--quick');
/** The parts of the run, in order, for --only. */
const PARTS = {
  calls: 'spin(3) on the core module (embedded), bench-jco.wasm under jco (with its 1-element stream job) and Wasmtime',
  control: "the guest's control scenario on the four hosts",
  lifted: 'sum(list<u32> x 64) of test/wat/values.component.wat on three hosts',
  streams: 'stream<u8> of the core module, guest -> host and guest -> guest',
  abi: 'task-ABI cycles in wasm',
  scale: '100,000 concurrent tasks',
  steady: '1,000,000 wakes',
  size: 'release guest and SDK example sizes',
  lift: 'canonical ABI lifting of 1 MiB vs a JS copy',
  decode: 'decoding and validating composed-v2.wasm',
  component: 'spin(3) and produce of bench-jco.wasm on the embedded component host',
  basics: 'echo and sum of test/components/basics.wat on three hosts',
  values: 'echo and sum, sync and async, of bench/wat/calls.wat on three hosts',
  pump: 'pump(16 MiB) between two component instances, embedded and Wasmtime',
  transfer: 'transfer(64 MiB) between two component instances on three hosts, and produce(64 MiB) to the host',
  bindgen: 'generated vs hand-written glue',
  wasi: 'a WASI 0.3 program through `wasip3-task run` and `jco run`',
};
const ONLY = (() => {
  const i = args.indexOf('--only');
  if (i < 0) return null;
  const names = (args[i + 1] ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const bad = names.filter((n) => !(n in PARTS));
  if (names.length === 0 || bad.length) {
    process.stderr.write(`--only takes a comma-separated list of parts${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}:\n${Object.entries(PARTS).map(([n, d]) => `  ${n.padEnd(10)} ${d}`).join('\n')}\n`);
    process.exit(2);
  }
  return new Set(names);
})();
const want = (part) => !ONLY || ONLY.has(part);
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

const P = FULL
  ? { transferSamples: 15, callSamples: 25, callsPerSample: 20000, spinYields: 3, streamSamples: 15, streamBytes: 256 << 20, cycleSamples: 15, cycleIters: 10_000_000,
      taskSizes: [10_000, 30_000, 100_000], taskReps: 5, wakes: 1_000_000, wakeRounds: 5,
      jco: { spinYields: 3, callSamples: 20, callsPerSample: 20, streamBytes: 16384, streamSamples: 5, transferSamples: 3 }, jcoJobReps: 20,
      wasmtime: { samples: 25, iterations: 2000 }, controlCalls: 2000, pumpBytes: 16 << 20, pumpSamples: 15 }
  : { transferSamples: 7, callSamples: 15, callsPerSample: 5000, spinYields: 3, streamSamples: 7, streamBytes: 64 << 20, cycleSamples: 9, cycleIters: 2_000_000,
      taskSizes: [10_000, 30_000, 100_000], taskReps: 3, wakes: 1_000_000, wakeRounds: 3,
      jco: { spinYields: 3, callSamples: 8, callsPerSample: 10, streamBytes: 4096, streamSamples: 3, transferSamples: 1 }, jcoJobReps: 20,
      wasmtime: { samples: 15, iterations: 500 }, controlCalls: 500, pumpBytes: 4 << 20, pumpSamples: 7 };

// ---------------------------------------------------------------- helpers

const gc = (() => {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
})();
function settleHeap() {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Applies f (monotone decreasing, e.g. time -> rate) to a spread. */
function mapDecreasing(st, f) {
  return { median: f(st.median), min: f(st.max), p25: f(st.p75), p75: f(st.p25), max: f(st.min), n: st.n };
}
function mapIncreasing(st, f) {
  return { median: f(st.median), min: f(st.min), p25: f(st.p25), p75: f(st.p75), max: f(st.max), n: st.n };
}
const fixed = (st) => ({ median: st, min: st, p25: st, p75: st, max: st, n: 1 });

async function tiny(name, iterations, fn, warmupIterations = 2) {
  const b = new Bench({ iterations, time: 0, warmupIterations, warmupTime: 0 });
  b.add(name, fn);
  await b.run();
  const r = b.tasks[0].result;
  if (r.error) throw r.error;
  return r.samples; // ms per iteration
}

const benchModule = new WebAssembly.Module(readFileSync(join(root, 'build/bench-v2.wasm')));
const newGuest = (store, name) => store.instantiate(benchModule, { name });
/** Bytes in used guest heap blocks (the guest walks its allocator; 0xffffffff: the walk failed). */
function heapUsed(g) {
  const v = g.exports.heap_used() >>> 0;
  if (v === 0xffffffff) throw new Error('heap_used: the TLSF heap walk did not end at the tail block (allocator layout changed?)');
  return v;
}

// ---------------------------------------------------------------- 1. calls

async function callsEmbedded() {
  const store = new Store();
  const g = newGuest(store, 'calls');
  const n = P.spinYields;
  const k = P.callsPerSample;
  const r = await g.callExport('spin', [n]);
  if (r[0] !== n) throw new Error(`spin returned ${r}`);
  const samples = await tiny('spin', P.callSamples, async () => {
    for (let i = 0; i < k; i++) await g.callExport('spin', [n]);
  });
  return mapDecreasing(stats(samples), (ms) => (k / ms) * 1000);
}

// ---------------------------------------------------------------- 2. streams

/** produce(bytes) read by a host peer in 64 KiB reads; returns ms. */
async function streamToHost(store, g, bytes) {
  const [rx] = await g.callExport('produce', [bytes]);
  const end = g.takeReadableStream(rx);
  const peer = store.hostInstance('sink');
  let got = 0;
  let done = false;
  const t0 = performance.now();
  const next = () =>
    peer.read(end, 65536, (res) => {
      got += res.count;
      if (res.kind === CopyResultKind.DROPPED) {
        done = true;
        peer.dropReadable(end);
      } else next();
    });
  next();
  store.drive();
  const ms = performance.now() - t0;
  if (!done || got !== bytes) throw new Error(`guest->host stream: ${got} of ${bytes} bytes`);
  return ms;
}

/** produce(bytes) in instance a read by consume() in instance b; returns ms. */
async function streamGuestToGuest(a, b, bytes) {
  const [rx] = await a.callExport('produce', [bytes]);
  const h = b.addReadableStream(a.takeReadableStream(rx));
  const t0 = performance.now();
  const [n] = await b.callExport('consume', [h]);
  const ms = performance.now() - t0;
  if (n !== bytes) throw new Error(`guest->guest stream: ${n} of ${bytes} bytes`);
  return ms;
}

/**
 * jco's stream job on the embedded host: produce(bytes) read by a host peer
 * one element per read, the way jco hands the stream to JS; the produce call
 * is inside the time, as it is under jco. Returns ms for `reps` jobs.
 */
async function streamJobOfJco(store, g, bytes, reps) {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const [rx] = await g.callExport('produce', [bytes]);
    const end = g.takeReadableStream(rx);
    const peer = store.hostInstance(`jco-job-${i}`);
    let got = 0;
    let done = false;
    // One read per turn of this loop, as jco's async iterator does: starting
    // the next read from inside the completion callback would nest a JS
    // frame chain per element.
    while (!done) {
      let finished = false;
      peer.read(end, 1, (res) => {
        finished = true;
        got += res.count;
        if (res.kind === CopyResultKind.DROPPED) done = true;
      });
      store.drive();
      if (!finished) throw new Error(`guest->host stream (1-element reads): a read did not complete after ${got} of ${bytes} bytes`);
    }
    peer.dropReadable(end);
    if (got !== bytes) throw new Error(`guest->host stream (1-element reads): ${got} of ${bytes} bytes`);
  }
  return performance.now() - t0;
}

async function streamsEmbedded() {
  const store = new Store();
  const a = newGuest(store, 'producer');
  const b = newGuest(store, 'consumer');
  const bytes = P.streamBytes;
  const mbps = (ms) => bytes / 1e6 / (ms / 1000);
  const g2h = await tiny('stream guest->host', P.streamSamples, () => streamToHost(store, a, bytes), 1);
  const g2g = await tiny('stream guest->guest', P.streamSamples, () => streamGuestToGuest(a, b, bytes), 1);
  // The job the jco figure measures, for the ratio: P.jco.streamBytes, one element per read.
  const jobBytes = P.jco.streamBytes;
  const reps = P.jcoJobReps;
  const job = await tiny('stream, jco job', P.streamSamples, () => streamJobOfJco(store, a, jobBytes, reps), 1);
  return {
    g2h: mapDecreasing(stats(g2h), mbps),
    g2g: mapDecreasing(stats(g2g), mbps),
    jcoJob: mapDecreasing(stats(job), (ms) => (jobBytes * reps) / 1e6 / (ms / 1000)),
  };
}

// ---------------------------------------------------------------- 3. task-ABI cycle

async function abiCycles() {
  const store = new Store();
  const g = newGuest(store, 'abi');
  const iters = P.cycleIters;
  const out = {};
  for (const f of ['abi_cycle_v1', 'abi_cycle_v2', 'join_cycle']) {
    const samples = await tiny(f, P.cycleSamples, async () => {
      await g.callExport(f, [iters]);
    });
    out[f] = mapIncreasing(stats(samples), (ms) => (ms * 1e6) / iters);
  }
  return out;
}

// ---------------------------------------------------------------- 4. scale

/** N export tasks each waiting on one stream read, then all woken; in a fresh store and instance. */
async function scaleRun(N, memory) {
  const store = new Store();
  const g = newGuest(store, 'scale');
  const ex = g.exports;
  // Warm the code paths (not the pools: per-task memory is measured from a fresh instance).
  const host0 = memory ? settleHeap() : 0;
  const guest0 = heapUsed(g);
  let hostPeak = 0;
  let guestPeak = 0;
  const t0 = performance.now();
  let promises = [];
  store.batch(() => {
    for (let i = 0; i < N; i++) promises.push(g.callExport('wait-one'));
    if (memory) {
      guestPeak = heapUsed(g);
      hostPeak = settleHeap();
    }
    promises.push(g.callExport('wake_all'));
  });
  let results = await Promise.all(promises);
  const ms = performance.now() - t0;
  if (results[N][0] !== N) throw new Error(`wake_all woke ${results[N][0]} of ${N}`);
  promises = results = undefined;
  const live = ex.live_shared_states() + ex.live_entries() + ex.live_operations();
  if (live !== 0) throw new Error(`${live} task states, entries or operations still live after the tasks exited`);
  const r = { ms };
  if (memory) {
    const guestAfter = heapUsed(g);
    const hostAfter = settleHeap();
    r.guestPerTask = (guestPeak - guest0) / N;
    r.hostPerTask = (hostPeak - host0) / N;
    r.guestRetained = guestAfter - guest0;
    r.hostRetained = hostAfter - host0;
    // A second round in the same instance: does the peak grow again?
    const p2 = [];
    let guestPeak2 = 0;
    store.batch(() => {
      for (let i = 0; i < N; i++) p2.push(g.callExport('wait-one'));
      guestPeak2 = heapUsed(g);
      p2.push(g.callExport('wake_all'));
    });
    await Promise.all(p2);
    r.guestPeakGrowthSecondRound = guestPeak2 - guestPeak;
    r.guestRetainedSecondRound = heapUsed(g) - guestAfter;
  }
  return r;
}

async function scale() {
  const byN = {};
  for (const N of P.taskSizes) {
    const times = [];
    for (let i = 0; i < P.taskReps; i++) times.push((await scaleRun(N, false)).ms);
    byN[N] = stats(times);
  }
  const mem = await scaleRun(100_000, true);
  return { byN, mem };
}

// ---------------------------------------------------------------- 5. steady state

async function steadyState() {
  const store = new Store();
  const g = newGuest(store, 'wakes');
  const ex = g.exports;
  // Warm-up: the code, and the pools' quarantines (each export call frees one
  // task state into its pool's quarantine until it holds more than 8 blocks).
  for (let i = 0; i < 16; i++) await g.callExport('wakes', [1000]);
  await g.callExport('wakes', [100_000]);
  const guest0 = heapUsed(g);
  const mem0 = ex.memory_bytes();
  let host = settleHeap();
  const host0 = host;
  const wakeNs = [];
  const hostGrowth = [];
  const guestGrowth = [];
  for (let r = 0; r < P.wakeRounds; r++) {
    const t0 = performance.now();
    const [n] = await g.callExport('wakes', [P.wakes]);
    const ms = performance.now() - t0;
    if (n !== P.wakes) throw new Error(`wakes returned ${n}`);
    wakeNs.push((ms * 1e6) / P.wakes);
    guestGrowth.push(heapUsed(g) - guest0);
    const h = settleHeap();
    hostGrowth.push(h - host);
    host = h;
  }
  return {
    wakeNs: stats(wakeNs),
    guestGrowth: stats(guestGrowth),
    guestMemoryGrowth: ex.memory_bytes() - mem0,
    hostGrowthPerRound: stats(hostGrowth),
    hostGrowthTotal: host - host0,
  };
}

// ---------------------------------------------------------------- canonical ABI lifting

/**
 * Lifting a 1 MiB `list<u8>`, a 1 MiB ASCII `string`, a 1 MiB non-ASCII
 * utf8 `string` whose characters are all below U+0100 (French-like: a
 * one-byte JS string) and one of Russian text (a two-byte JS string) out of
 * a wasm memory with the canonical ABI (host/component/abi), against a plain
 * JS copy of the same bytes (`Uint8Array.prototype.slice`), interleaved in
 * each sample. Figures are microseconds per lift.
 */
async function abiLift() {
  const { LiftLowerContext, CoreValueIter, liftFlat } = await import('../dist/host/component/abi/index.js');
  const N = 1 << 20;
  const PTR = 4096;
  const memory = new WebAssembly.Memory({ initial: 100 });
  const bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < N; i++) bytes[PTR + i] = 0x20 + (i % 95);
  // a second string, French-like UTF-8 (one in ten characters two bytes), cut at a character boundary
  const MIXED = PTR + N;
  const mixed = new TextEncoder().encode('Déjà vu à la télé, ça va très bien. '.repeat(Math.ceil(N / 30)));
  let mixedLen = N;
  while ((mixed[mixedLen] & 0xc0) === 0x80) mixedLen--;
  bytes.set(mixed.subarray(0, mixedLen), MIXED);
  // the same for Russian (two bytes per letter)
  const CYRILLIC = MIXED + N;
  const cyr = new TextEncoder().encode('Съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(Math.ceil(N / 60)));
  let cyrLen = N;
  while ((cyr[cyrLen] & 0xc0) === 0x80) cyrLen--;
  bytes.set(cyr.subarray(0, cyrLen), CYRILLIC);
  // The floor of any string lift: the same two strings' characters already in
  // V8's own representation (Latin-1 bytes, UTF-16 code units), made into a JS
  // string by Node's decoders with no validation or transcoding at all.
  const { Buffer } = await import('node:buffer');
  const decoded = (at, n) => Buffer.from(bytes.buffer, at, n).toString('utf8');
  const mixedText = decoded(MIXED, mixedLen);
  const cyrText = decoded(CYRILLIC, cyrLen);
  const LATIN1 = CYRILLIC + N;
  const latin1Len = Buffer.from(bytes.buffer, LATIN1).write(mixedText, 'latin1');
  const UTF16 = LATIN1 + N;
  const utf16Len = Buffer.from(bytes.buffer, UTF16).write(cyrText, 'utf16le');
  const cx = new LiftLowerContext({ memory });
  const listT = { kind: 'list', t: { kind: 'u8' } };
  const stringT = { kind: 'string' };
  const reps = FULL ? 40 : 15;
  const samples = FULL ? 15 : 7;
  let sink = 0;
  const ops = {
    copy: () => bytes.slice(PTR, PTR + N).length,
    list: () => liftFlat(cx, new CoreValueIter([PTR, N]), listT).length,
    string: () => liftFlat(cx, new CoreValueIter([PTR, N]), stringT).length,
    mixed: () => (liftFlat(cx, new CoreValueIter([MIXED, mixedLen]), stringT).length ? N : 0),
    cyrillic: () => (liftFlat(cx, new CoreValueIter([CYRILLIC, cyrLen]), stringT).length ? N : 0),
    floorMixed: () => (Buffer.from(bytes.buffer, LATIN1, latin1Len).toString('latin1').length === mixedText.length ? N : 0),
    floorCyrillic: () => (Buffer.from(bytes.buffer, UTF16, utf16Len).toString('utf16le').length === cyrText.length ? N : 0),
  };
  for (const f of Object.values(ops)) for (let i = 0; i < 10; i++) sink += f();
  const us = { copy: [], list: [], string: [], mixed: [], cyrillic: [], floorMixed: [], floorCyrillic: [] };
  for (let s = 0; s < samples; s++) {
    for (const [k, f] of Object.entries(ops)) {
      gc();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) sink += f();
      us[k].push(((performance.now() - t0) * 1000) / reps);
    }
  }
  if (sink !== (10 + reps * samples) * Object.keys(ops).length * N) throw new Error('abi lift bench: wrong lengths');
  const copy = stats(us.copy);
  const ratio = (xs) => {
    const r = xs.map((x, i) => x / us.copy[i]);
    return stats(r);
  };
  return {
    copy,
    list: stats(us.list),
    string: stats(us.string),
    mixed: stats(us.mixed),
    listRatio: ratio(us.list),
    stringRatio: ratio(us.string),
    mixedRatio: ratio(us.mixed),
    cyrillic: stats(us.cyrillic),
    cyrillicRatio: ratio(us.cyrillic),
    floorMixedRatio: ratio(us.floorMixed),
    floorCyrillicRatio: ratio(us.floorCyrillic),
  };
}

// ---------------------------------------------------------------- jco

async function jco() {
  const { node, reason } = await jcoNode();
  if (reason) return { reason };
  let transpiled;
  try {
    const { transpiledBenchComponent } = await import('./jco/component.mjs');
    transpiled = await transpiledBenchComponent();
  } catch (e) {
    return { reason: `could not build or transpile the benchmark component: ${e.message}` };
  }
  const r = jcoChild(node, 'bench/jco/child.mjs', transpiled.dir, P.jco, 120_000);
  if (r.reason) return r;
  return {
    node: r.node,
    calls: mapDecreasing(stats(r.callSampleMs), (ms) => (r.callsPerSample / ms) * 1000),
    stream: mapDecreasing(stats(r.streamSampleMs), (ms) => r.streamBytes / 1e6 / (ms / 1000)),
    streamBytes: r.streamBytes,
  };
}

/** Decoding and validating build/composed-v2.wasm with the component loader (host/component). */
async function componentDecode() {
  const { loadComponentBinary } = await import('../dist/host/component/validate.js');
  const bytes = new Uint8Array(readFileSync(join(root, 'build/composed-v2.wasm')));
  for (let i = 0; i < 10; i++) loadComponentBinary(bytes);
  settleHeap(); // the earlier phases leave garbage whose collection would land in these samples
  const xs = [];
  for (let i = 0; i < (FULL ? 50 : 20); i++) {
    const t = performance.now();
    loadComponentBinary(bytes);
    xs.push(performance.now() - t);
  }
  return stats(xs);
}

// ---------------------------------------------------------------- run

/** Ratio of medians of two figures of this run; its spread pairs the extremes of both. */
const ratio = (a, b) => ({
  median: a.median / b.median,
  min: a.min / b.max,
  p25: a.p25 / b.p75,
  p75: a.p75 / b.p25,
  max: a.max / b.min,
  n: Math.min(a.n, b.n),
});

const started = performance.now();
const spread = {};
const reasons = {};
const extra = {};
const out = {};
const put = (key, st) => {
  out[key] = st === null ? null : st.median;
  if (st !== null) spread[key] = st;
};

log(`benchmarks (${FULL ? 'full' : 'quick'} mode${ONLY ? `, only ${[...ONLY].join(', ')}` : ''}) on Node ${process.version}`);
const run = async (name, label, f) => {
  if (!want(name)) return undefined;
  log(`[${name}] ${label}…`);
  return f();
};
const calls = await run('calls', 'sequential async export calls, core module (embedded host)', callsEmbedded);
const j = await run('calls', '… spin and the 1-element stream job under jco (Node 24 child process)', jco);
const w = await run('calls', '… spin under Wasmtime (timed inside the adapter)', () => wasmtimeBench(P));
const ctl = await run('control', "the guest's control scenario on the embedded host (core module)", () => controlEmbedded(P, tiny));
const wCtl = await run('control', '… under Wasmtime', () => wasmtimeControl(P));
const ctlJco = await run('control', '… under jco', () => controlJco(P));
const ctlComponent = await run('control', '… on the embedded component host', () => controlEmbeddedComponent(P, tiny));
const lifted = await run('lifted', 'sum(list<u32> x 64) of values.component.wat on three hosts', () => liftedCalls(P, tiny));
const streams = await run('streams', 'stream<u8> throughput, core module', streamsEmbedded);
const abi = await run('abi', 'task-ABI cycles in wasm', abiCycles);
const sc = await run('scale', '100,000 concurrent tasks', scale);
const ss = await run('steady', '1,000,000 wakes', steadyState);
const lift = await run('lift', 'canonical ABI lifting of 1 MiB vs a JS copy', abiLift);
const decode = await run('decode', 'decoding and validating composed-v2.wasm', componentDecode);
const comp = await run('component', 'spin and produce of bench-jco.wasm on the embedded component host (typed API)', async () => {
  const { componentBench } = await import('./component.mjs');
  return componentBench({ root, P, FULL, tiny, stats, mapDecreasing });
});
const basics = await run('basics', 'echo and sum of basics.wat, embedded component host', async () => {
  const { basicsBench } = await import('./component.mjs');
  return basicsBench({ root, P, FULL, tiny, stats, mapDecreasing });
});
const basicsWt = await run('basics', '… the same calls under Wasmtime and jco', () => basicsWasmtime(P));
const values = await run('values', 'echo and sum, sync and async, of bench/wat/calls.wat on three hosts', async () => {
  const { valuesBench } = await import('./transfer.mjs');
  return valuesBench(P, FULL, tiny);
});
const pump = await run('pump', 'stream<u8> between two component instances (pump), embedded and Wasmtime', () => pumpBench(P, tiny));
const transfer = await run('transfer', 'stream<u8> of 64 MiB between two component instances and to the host (bench/wat/transfer.wat) on three hosts', async () => {
  const { transferBench } = await import('./transfer.mjs');
  return transferBench(P, tiny);
});
const bg = await run('bindgen', 'generated vs hand-written AssemblyScript glue (wasip3-task bindgen), echo(string)', async () => {
  const { bindgenBench } = await import('./bindgen.mjs');
  return bindgenBench({ root, P, FULL, tiny, stats, mapDecreasing });
});
const wasi = await run('wasi', 'a WASI 0.3 program through `wasip3-task run` (64 MiB to a pipe, time to first byte)', async () => {
  const { wasiBench } = await import('./wasi.mjs');
  return wasiBench({ root, FULL });
});

/** A list of per-sample figures (or { reason }) as a spread, or null with the reason recorded under each key. */
const spreadOf = (xs, ...keys) => {
  if (Array.isArray(xs)) return stats(xs);
  for (const k of keys) reasons[k] = xs.reason;
  return null;
};
/**
 * The same figure on the other hosts: for each host's samples (or its
 * `{ reason }`), `<perKey>_<host>` and `<ratioKey>_<host>` = `emb` / it.
 */
const putOtherHosts = (perKey, ratioKey, emb, others) => {
  for (const [host, xs] of Object.entries(others)) {
    const s = spreadOf(xs, `${perKey}_${host}`, `${ratioKey}_${host}`);
    put(`${perKey}_${host}`, s);
    put(`${ratioKey}_${host}`, s ? ratio(emb, s) : null);
  }
};
/** Puts a figure `key` and the ratio `ratioKey` = a / b (null, with a reason, when either is missing). */
const putRatio = (ratioKey, a, b, why) => {
  put(ratioKey, a && b ? ratio(a, b) : null);
  if (!(a && b)) reasons[ratioKey] = why;
};

if (calls) {
  put('calls_per_s', calls);
  if (j.reason) {
    put('calls_per_s_jco', null);
    put('calls_ratio', null);
    put('stream_mb_per_s_jco', null);
    reasons.calls_per_s_jco = reasons.calls_ratio = reasons.stream_mb_per_s_jco = j.reason;
  } else {
    put('calls_per_s_jco', j.calls);
    // Ratio of medians; its spread pairs the extremes of both.
    put('calls_ratio', ratio(calls, j.calls));
    put('stream_mb_per_s_jco', j.stream);
    extra.jco_node = j.node;
    extra.jco_stream_bytes = j.streamBytes;
  }
  // Wasmtime: the same component as jco (spin).
  const wtCalls = w.calls ? stats(w.calls) : null;
  put('calls_per_s_wasmtime', wtCalls);
  put('calls_ratio_wasmtime', wtCalls ? ratio(calls, wtCalls) : null);
  put('calls_ratio_wasmtime_jco', wtCalls && !j.reason ? ratio(wtCalls, j.calls) : null);
  if (w.reason) reasons.calls_per_s_wasmtime = reasons.calls_ratio_wasmtime = w.reason;
  if (!wtCalls || j.reason) reasons.calls_ratio_wasmtime_jco = w.reason ?? j.reason;
  if (w.version) extra.wasmtime_version = w.version;
  if (w.loop) extra.wasmtime_loop = w.loop;
}
if (ctl) {
  const ctlEmb = stats(ctl);
  put('control_calls_per_s', ctlEmb);
  const ctlWt = wCtl.control ? stats(wCtl.control) : null;
  put('control_calls_per_s_wasmtime', ctlWt);
  put('control_ratio_wasmtime', ctlWt ? ratio(ctlEmb, ctlWt) : null);
  if (!ctlWt) reasons.control_calls_per_s_wasmtime = reasons.control_ratio_wasmtime = wCtl.reason;
  const ctlJ = ctlJco.samples ? stats(ctlJco.samples) : null;
  put('control_calls_per_s_jco', ctlJ);
  put('control_ratio_jco', ctlJ ? ratio(ctlEmb, ctlJ) : null);
  if (!ctlJ) reasons.control_calls_per_s_jco = reasons.control_ratio_jco = ctlJco.reason;
  const ctlComp = stats(ctlComponent);
  put('control_calls_per_s_component', ctlComp);
  put('control_ratio_component_wasmtime', ctlWt ? ratio(ctlComp, ctlWt) : null);
  if (!ctlWt) reasons.control_ratio_component_wasmtime = reasons.control_calls_per_s_wasmtime;
  if (wCtl.version) extra.wasmtime_version = wCtl.version;
}
if (lifted) {
  const liftedEmb = stats(lifted.embedded);
  put('lifted_calls_per_s', liftedEmb);
  const liftedWt = Array.isArray(lifted.wasmtime) ? stats(lifted.wasmtime) : null;
  const liftedJ = Array.isArray(lifted.jco) ? stats(lifted.jco) : null;
  put('lifted_calls_per_s_wasmtime', liftedWt);
  put('lifted_calls_per_s_jco', liftedJ);
  put('lifted_ratio_wasmtime_jco', liftedWt && liftedJ ? ratio(liftedWt, liftedJ) : null);
  put('lifted_ratio_wasmtime', liftedWt ? ratio(liftedEmb, liftedWt) : null);
  if (!liftedWt) reasons.lifted_ratio_wasmtime = lifted.wasmtime.reason;
  if (!liftedWt) reasons.lifted_calls_per_s_wasmtime = lifted.wasmtime.reason;
  if (!liftedJ) reasons.lifted_calls_per_s_jco = lifted.jco.reason;
  if (!liftedWt || !liftedJ) reasons.lifted_ratio_wasmtime_jco = (lifted.wasmtime.reason ?? lifted.jco.reason);
}
if (streams) {
  put('stream_mb_per_s', streams.g2h);
  put('stream_mb_per_s_jco_job', streams.jcoJob);
  reasons.stream_mb_per_s_wasmtime = "not measured: Wasmtime's C API gives no stream values, so the adapter cannot read the stream<u8> that produce returns";
  put('stream_mb_per_s_wasmtime', null);
  extra.stream_g2g_mb_per_s = streams.g2g.median;
  spread.stream_g2g_mb_per_s = streams.g2g;
}
// The same job on both hosts: jco's stream size, one element per read.
if (streams && calls) putRatio('stream_ratio', streams.jcoJob, j.reason ? null : j.stream, j.reason);
if (comp) {
  put('component_calls_per_s', comp.calls);
  put('component_stream_mb_per_s', comp.stream);
  reasons.component_stream_mb_per_s_wasmtime = "not measured: Wasmtime's C API (49.0.0) has no stream values, so the adapter cannot read the stream<u8> that produce returns";
  put('component_stream_mb_per_s_wasmtime', null);
}
if (comp && calls) {
  // The same component on jco and Wasmtime: spin(3) of bench-jco.wasm.
  putRatio('component_calls_ratio', comp.calls, j.reason ? null : j.calls, j.reason);
  putRatio('component_calls_ratio_wasmtime', comp.calls, w.calls ? stats(w.calls) : null, w.reason);
}
if (basics) {
  put('component_echo_1kib_per_s', basics.echo);
  put('component_sum_16k_per_s', basics.sum);
  putOtherHosts('component_echo_1kib_per_s', 'component_echo_1kib_ratio', basics.echo, { wasmtime: basicsWt.echo, jco: basicsWt.echoJco });
  putOtherHosts('component_sum_16k_per_s', 'component_sum_16k_ratio', basics.sum, { wasmtime: basicsWt.sum, jco: basicsWt.sumJco });
}
if (values) {
  // bench/wat/calls.wat: calls_{echo_1kib,sum_16k}[_async]_{per_s[_wasmtime|_jco],ratio_{wasmtime,jco}}
  if (values.wasmtimeVersion) extra.wasmtime_version = values.wasmtimeVersion;
  if (values.jcoNode) extra.jco_node = values.jcoNode;
  for (const [name, key] of [['echo', 'calls_echo_1kib'], ['echo-async', 'calls_echo_1kib_async'], ['sum', 'calls_sum_16k'], ['sum-async', 'calls_sum_16k_async']]) {
    const v = values[name];
    const emb = stats(v.embedded);
    put(`${key}_per_s`, emb);
    putOtherHosts(`${key}_per_s`, `${key}_ratio`, emb, { wasmtime: v.wasmtime, jco: v.jco });
  }
}
if (pump) {
  const pumpEmb = stats(pump.embedded);
  put('component_pump_mb_per_s', pumpEmb);
  putOtherHosts('component_pump_mb_per_s', 'component_pump_ratio', pumpEmb, { wasmtime: pump.wasmtime });
  reasons.component_pump_mb_per_s_jco = 'not measured: jco 1.35 traps on the stackful pump export ("task … is already resolved", test/wat-differential.test.ts); component_transfer_mb_per_s_jco is the callback-lifted job';
  put('component_pump_mb_per_s_jco', null);
  extra.component_pump_bytes = pump.bytes;
}
if (transfer) {
  const emb = stats(transfer.embedded);
  put('component_transfer_mb_per_s', emb);
  putOtherHosts('component_transfer_mb_per_s', 'component_transfer_ratio', emb, { wasmtime: transfer.wasmtime, jco: transfer.jco });
  const toHost = stats(transfer.toHost);
  put('component_to_host_mb_per_s', toHost);
  putOtherHosts('component_to_host_mb_per_s', 'component_to_host_ratio', toHost, { jco: transfer.toHostJco });
  reasons.component_to_host_mb_per_s_wasmtime = "not measured: Wasmtime's C API (49.0.0) has no stream values, so the adapter cannot read the stream<u8> that produce returns";
  put('component_to_host_mb_per_s_wasmtime', null);
  extra.component_transfer_bytes = transfer.bytes;
  if (transfer.wasmtimeVersion) extra.wasmtime_version = transfer.wasmtimeVersion;
  if (transfer.jcoNode) extra.jco_node = transfer.jcoNode;
  if (transfer.toHostJcoReads) extra.component_to_host_jco_reads = transfer.toHostJcoReads;
}
if (bg) {
  put('bindgen_echo_per_s', bg.gen);
  put('bindgen_echo_hand_per_s', bg.hand);
  put('bindgen_echo_overhead', bg.overhead);
  put('bindgen_echo_async_per_s', bg.genAsync);
  put('bindgen_echo_async_hand_per_s', bg.handAsync);
  put('bindgen_echo_async_overhead', bg.overheadAsync);
  put('bindgen_echo_core_per_s', bg.coreGen);
  put('bindgen_echo_core_hand_per_s', bg.coreHand);
  put('bindgen_echo_core_overhead', bg.overheadCore);
}
if (wasi) {
  put('wasi_stdout_mb_per_s', wasi.stdout);
  put('wasi_first_byte_ms', wasi.firstByte);
  put('wasi_node_boot_ms', wasi.nodeBoot);
  put('wasi_stdout_mb_per_s_jco', wasi.stdoutJco);
  put('wasi_stdout_ratio_jco', wasi.stdoutJco ? ratio(wasi.stdout, wasi.stdoutJco) : null);
  put('wasi_first_byte_ms_jco', wasi.firstByteJco);
  put('wasi_first_byte_ratio_jco', wasi.firstByteJco ? ratio(wasi.firstByteJco, wasi.firstByte) : null);
  put('wasi_first_byte_ratio_jco_node_boot', wasi.firstByteJco ? ratio(wasi.firstByteJco, wasi.nodeBoot) : null);
  put('wasi_first_byte_ms_jco_transpiled', wasi.firstByteJcoTranspiled);
  put('wasi_first_byte_ratio_jco_transpiled', wasi.firstByteJcoTranspiled ? ratio(wasi.firstByteJcoTranspiled, wasi.firstByte) : null);
  put('wasi_start_ms', wasi.start);
  put('wasi_start_ms_jco', wasi.startJco);
  put('wasi_start_ratio_jco', wasi.startJco ? ratio(wasi.startJco, wasi.start) : null);
  put('wasi_sm_first_byte_ms', wasi.smFirstByte);
  put('wasi_sm_first_byte_ms_jco', wasi.smFirstByteJco);
  put('wasi_sm_first_byte_ratio_jco', wasi.smFirstByte && wasi.smFirstByteJco ? ratio(wasi.smFirstByteJco, wasi.smFirstByte) : null);
  if (wasi.smBytes) extra.wasi_sm_component_bytes = wasi.smBytes;
  if (wasi.smReason) {
    if (!wasi.smFirstByte) reasons.wasi_sm_first_byte_ms = wasi.smReason;
    reasons.wasi_sm_first_byte_ms_jco = reasons.wasi_sm_first_byte_ratio_jco = wasi.smReason;
  }
  if (wasi.jcoReason) {
    for (const k of ['wasi_start_ms_jco', 'wasi_start_ratio_jco', 'wasi_stdout_mb_per_s_jco', 'wasi_stdout_ratio_jco', 'wasi_first_byte_ms_jco', 'wasi_first_byte_ratio_jco', 'wasi_first_byte_ratio_jco_node_boot', 'wasi_first_byte_ms_jco_transpiled', 'wasi_first_byte_ratio_jco_transpiled']) reasons[k] = wasi.jcoReason;
  }
}
if (abi) {
  put('abi_cycle_ns_v1', abi.abi_cycle_v1);
  put('abi_cycle_ns_v2', abi.abi_cycle_v2);
  extra.join_cycle_ns = abi.join_cycle.median;
  // The guest's own share of each cycle: the cycle less its two waitable.join calls into the host.
  extra.abi_cycle_guest_ns_v1 = abi.abi_cycle_v1.median - abi.join_cycle.median;
  extra.abi_cycle_guest_ns_v2 = abi.abi_cycle_v2.median - abi.join_cycle.median;
  spread.join_cycle_ns = abi.join_cycle;
}
if (sc) {
  put('tasks_100k_ms', sc.byN[100_000]);
  put('guest_bytes_per_task', fixed(sc.mem.guestPerTask));
  put('host_bytes_per_task', fixed(sc.mem.hostPerTask));
  extra.tasks_ms = Object.fromEntries(Object.entries(sc.byN).map(([n, st]) => [n, st.median]));
  extra.tasks_us_per_task = Object.fromEntries(Object.entries(sc.byN).map(([n, st]) => [n, (st.median * 1000) / Number(n)]));
  const per = Object.values(extra.tasks_us_per_task);
  extra.tasks_linearity = per[per.length - 1] / per[0]; // per-task time at 100k / at 10k: 1 = linear
  extra.guest_retained_after_exit_bytes = sc.mem.guestRetained;
  extra.guest_peak_growth_second_round_bytes = sc.mem.guestPeakGrowthSecondRound;
  extra.guest_retained_growth_second_round_bytes = sc.mem.guestRetainedSecondRound;
  extra.host_retained_after_exit_bytes = sc.mem.hostRetained;
}
if (ss) {
  put('heap_growth_bytes', ss.guestGrowth);
  extra.wake_ns = ss.wakeNs.median;
  spread.wake_ns = ss.wakeNs;
  extra.guest_memory_growth_bytes = ss.guestMemoryGrowth;
  extra.host_heap_growth_bytes = ss.hostGrowthTotal;
  spread.host_heap_growth_bytes_per_round = ss.hostGrowthPerRound;
  extra.wakes_per_round = P.wakes;
}
if (want('size')) {
  put('guest_wasm_bytes', fixed(statSync(join(root, 'build/release.wasm')).size));
  // The SDK's hello example (examples/hello: a wasi:cli/run@0.3.0 program on the public API), runtime included.
  put('sdk_hello_bytes', fixed(statSync(join(root, 'build/examples/hello.wasm')).size));
  extra.sdk_example_bytes = Object.fromEntries(['hello', 'cat', 'fanout', 'upper'].map((n) => [n, statSync(join(root, `build/examples/${n}.wasm`)).size]));
}
if (lift) {
  put('abi_copy_1mib_us', lift.copy);
  put('abi_lift_list_u8_1mib_us', lift.list);
  put('abi_lift_string_1mib_us', lift.string);
  put('abi_lift_list_u8_ratio', lift.listRatio);
  put('abi_lift_string_ratio', lift.stringRatio);
  put('abi_lift_string_mixed_1mib_us', lift.mixed);
  put('abi_lift_string_mixed_ratio', lift.mixedRatio);
  put('abi_lift_string_cyrillic_1mib_us', lift.cyrillic);
  put('abi_lift_string_cyrillic_ratio', lift.cyrillicRatio);
  put('abi_string_floor_mixed_ratio', lift.floorMixedRatio);
  put('abi_string_floor_cyrillic_ratio', lift.floorCyrillicRatio);
}
if (decode) {
  extra.component_decode_ms = decode.median;
  spread.component_decode_ms = decode;
}

const TARGETS = {
  calls_per_s: ['>=', 250_000],
  calls_ratio: ['>=', 1000],
  component_calls_ratio: ['>=', 1000],
  // The issue's 1,000x is about async calls (jco's scheduler): the async echo and sum of calls.wat.
  calls_echo_1kib_async_ratio_jco: ['>=', 1000],
  calls_sum_16k_async_ratio_jco: ['>=', 1000],
  component_stream_mb_per_s: ['>=', 1000],
  component_transfer_mb_per_s: ['>=', 1000],
  component_to_host_mb_per_s: ['>=', 1000],
  wasi_stdout_mb_per_s: ['>=', 500],
  wasi_first_byte_ratio_jco: ['>=', 10],
  wasi_sm_first_byte_ratio_jco: ['>=', 10],
  stream_mb_per_s: ['>=', 1000],
  abi_cycle_ns_v2: ['<=', 40],
  guest_bytes_per_task: ['<=', 256],
  host_bytes_per_task: ['<=', 1024],
  heap_growth_bytes: ['<=', 0],
  guest_wasm_bytes: ['<=', 12 * 1024],
  sdk_hello_bytes: ['<=', 20 * 1024],
  abi_lift_list_u8_ratio: ['<=', 2],
  abi_lift_string_ratio: ['<=', 2],
  abi_lift_string_mixed_ratio: ['<=', 2],
  bindgen_echo_overhead: ['<=', 0.1],
  bindgen_echo_async_overhead: ['<=', 0.1],
  bindgen_echo_core_overhead: ['<=', 0.1],
};
const targets = {};
for (const [k, [op, v]] of Object.entries(TARGETS)) {
  if (!(k in out)) continue; // its part did not run (--only)
  const x = out[k];
  targets[k] = { target: `${op} ${v}`, met: x === null || x === undefined ? null : op === '>=' ? x >= v : x <= v };
}
if (sc) targets.tasks_linearity = { target: '<= 1.5 (per-task time at 100k / at 10k)', met: extra.tasks_linearity <= 1.5 };
if (ss) targets.host_heap_growth_bytes = { target: `<= 0 over ${P.wakeRounds} x ${P.wakes} wakes (GC noise: < 64 KiB)`, met: extra.host_heap_growth_bytes < 65536 };

const result = {
  ...out,
  mode: FULL ? 'full' : 'quick',
  ...(ONLY ? { only: [...ONLY] } : {}),
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  seconds: (performance.now() - started) / 1000,
  spread,
  extra,
  targets,
  reasons,
};

if (JSON_OUT) {
  process.stdout.write(JSON.stringify(result) + '\n');
} else {
  const f = (x, d = 1) => (x === null || x === undefined ? 'n/a' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(d));
  const rowKeys = [];
  const row = (label, key, unit) => {
    rowKeys.push(key);
    const st = spread[key];
    const t = targets[key];
    const x = key in out ? out[key] : extra[key];
    return [label, `${f(x, 2)} ${unit}`, st ? `${f(st.min, 2)} … ${f(st.max, 2)} (n ${st.n})` : '', t ? `${t.target} ${t.met === null ? '?' : t.met ? 'met' : 'MISSED'}` : '', reasons[key] ?? ''];
  };
  const rows = [
    row('async export calls, embedded host', 'calls_per_s', 'calls/s'),
    row('async export calls, jco', 'calls_per_s_jco', 'calls/s'),
    row('  ratio embedded / jco', 'calls_ratio', 'x'),
    row('async export calls, Wasmtime', 'calls_per_s_wasmtime', 'calls/s'),
    row('  ratio embedded / Wasmtime', 'calls_ratio_wasmtime', 'x'),
    row('  ratio Wasmtime / jco', 'calls_ratio_wasmtime_jco', 'x'),
    row('control scenario, embedded (core module)', 'control_calls_per_s', 'calls/s'),
    row('control scenario, jco (composed-v2)', 'control_calls_per_s_jco', 'calls/s'),
    row('control scenario, Wasmtime (composed-v2)', 'control_calls_per_s_wasmtime', 'calls/s'),
    row('  ratio embedded / Wasmtime', 'control_ratio_wasmtime', 'x'),
    row('  ratio embedded / jco', 'control_ratio_jco', 'x'),
    row('control scenario, embedded component host (composed-v2)', 'control_calls_per_s_component', 'calls/s'),
    row('  ratio embedded component host / Wasmtime', 'control_ratio_component_wasmtime', 'x'),
    row('sum(list<u32> x 64), embedded component host', 'lifted_calls_per_s', 'calls/s'),
    row('sum(list<u32> x 64), jco', 'lifted_calls_per_s_jco', 'calls/s'),
    row('sum(list<u32> x 64), Wasmtime', 'lifted_calls_per_s_wasmtime', 'calls/s'),
    row('  ratio embedded / Wasmtime', 'lifted_ratio_wasmtime', 'x'),
    row('  ratio Wasmtime / jco', 'lifted_ratio_wasmtime_jco', 'x'),
    row('stream<u8> guest->host, embedded', 'stream_mb_per_s', 'MB/s'),
    row('stream<u8> guest->guest, embedded', 'stream_g2g_mb_per_s', 'MB/s'),
    row(`stream<u8> guest->host, jco (${P.jco.streamBytes} B, 1-element reads)`, 'stream_mb_per_s_jco', 'MB/s'),
    row('  the same job, embedded', 'stream_mb_per_s_jco_job', 'MB/s'),
    row('  ratio embedded / jco, same job', 'stream_ratio', 'x'),
    row('stream<u8> guest->host, Wasmtime', 'stream_mb_per_s_wasmtime', 'MB/s'),
    row('task-ABI V1 cycle in wasm', 'abi_cycle_ns_v1', 'ns'),
    row('task-ABI V2 cycle in wasm', 'abi_cycle_ns_v2', 'ns'),
    row('  of which 2x waitable.join (host)', 'join_cycle_ns', 'ns'),
    row('  guest share of the V2 cycle', 'abi_cycle_guest_ns_v2', 'ns'),
    row('100,000 tasks wait + wake', 'tasks_100k_ms', 'ms'),
    row('  guest memory per task', 'guest_bytes_per_task', 'B'),
    row('  host memory per task', 'host_bytes_per_task', 'B'),
    row(`guest heap growth, ${P.wakeRounds} x ${P.wakes} wakes`, 'heap_growth_bytes', 'B'),
    row('  host retained heap growth', 'host_heap_growth_bytes', 'B'),
    row('  time per wake', 'wake_ns', 'ns'),
    row('release guest wasm', 'guest_wasm_bytes', 'B'),
    row('SDK hello component', 'sdk_hello_bytes', 'B'),
    row('component spin(3) calls, embedded (bench-jco.wasm)', 'component_calls_per_s', '/s'),
    row('  ratio embedded / jco, same component', 'component_calls_ratio', 'x'),
    row('  ratio embedded / Wasmtime, same component', 'component_calls_ratio_wasmtime', 'x'),
    row('component produce() stream<u8> to JS, embedded', 'component_stream_mb_per_s', 'MB/s'),
    row('WASI 0.3 program: 64 MiB stdout to a pipe (CLI)', 'wasi_stdout_mb_per_s', 'MB/s'),
    row('  the same under jco run (Node 24)', 'wasi_stdout_mb_per_s_jco', 'MB/s'),
    row('  ratio embedded / jco', 'wasi_stdout_ratio_jco', 'x'),
    row('WASI 0.3 program: spawn to first stdout byte (CLI)', 'wasi_first_byte_ms', 'ms'),
    row('  the same under jco run (transpiles first)', 'wasi_first_byte_ms_jco', 'ms'),
    row('  ratio jco run / embedded', 'wasi_first_byte_ratio_jco', 'x'),
    row('  Node boot: spawn to first byte of a script writing only it', 'wasi_node_boot_ms', 'ms'),
    row('  ratio jco run / Node boot (the best a Node CLI could reach)', 'wasi_first_byte_ratio_jco_node_boot', 'x'),
    row('  jco, transpiled ahead (_run.js)', 'wasi_first_byte_ms_jco_transpiled', 'ms'),
    row('  ratio jco transpiled / embedded', 'wasi_first_byte_ratio_jco_transpiled', 'x'),
    row('WASI 0.3 program: script start to first byte (Node boot excluded)', 'wasi_start_ms', 'ms'),
    row('  the same, jco (transpiled module, Node 24)', 'wasi_start_ms_jco', 'ms'),
    row('  ratio jco / embedded', 'wasi_start_ratio_jco', 'x'),
    row('WASI 0.2 StarlingMonkey program (12 MB): spawn to first byte (CLI)', 'wasi_sm_first_byte_ms', 'ms'),
    row('  the same under jco run (transpiles first)', 'wasi_sm_first_byte_ms_jco', 'ms'),
    row('  ratio jco run / embedded', 'wasi_sm_first_byte_ratio_jco', 'x'),
    row('component echo(string) of 1 KiB, embedded', 'component_echo_1kib_per_s', '/s'),
    row('component sum(list<u32>) of 16 K, embedded', 'component_sum_16k_per_s', '/s'),
    row('component echo(string) of 1 KiB, Wasmtime', 'component_echo_1kib_per_s_wasmtime', '/s'),
    row('  ratio embedded / Wasmtime', 'component_echo_1kib_ratio_wasmtime', 'x'),
    row('component echo(string) of 1 KiB, jco', 'component_echo_1kib_per_s_jco', '/s'),
    row('  ratio embedded / jco', 'component_echo_1kib_ratio_jco', 'x'),
    row('component sum(list<u32>) of 16 K, Wasmtime', 'component_sum_16k_per_s_wasmtime', '/s'),
    row('  ratio embedded / Wasmtime', 'component_sum_16k_ratio_wasmtime', 'x'),
    row('component sum(list<u32>) of 16 K, jco', 'component_sum_16k_per_s_jco', '/s'),
    row('  ratio embedded / jco', 'component_sum_16k_ratio_jco', 'x'),
    row('calls.wat echo(string) of 1 KiB, sync, embedded', 'calls_echo_1kib_per_s', '/s'),
    row('  Wasmtime', 'calls_echo_1kib_per_s_wasmtime', '/s'),
    row('  jco', 'calls_echo_1kib_per_s_jco', '/s'),
    row('  ratio embedded / Wasmtime', 'calls_echo_1kib_ratio_wasmtime', 'x'),
    row('  ratio embedded / jco', 'calls_echo_1kib_ratio_jco', 'x'),
    row('calls.wat echo(string) of 1 KiB, async (callback), embedded', 'calls_echo_1kib_async_per_s', '/s'),
    row('  Wasmtime', 'calls_echo_1kib_async_per_s_wasmtime', '/s'),
    row('  jco', 'calls_echo_1kib_async_per_s_jco', '/s'),
    row('  ratio embedded / Wasmtime', 'calls_echo_1kib_async_ratio_wasmtime', 'x'),
    row('  ratio embedded / jco', 'calls_echo_1kib_async_ratio_jco', 'x'),
    row('calls.wat sum(list<u32>) of 16 K, sync, embedded', 'calls_sum_16k_per_s', '/s'),
    row('  Wasmtime', 'calls_sum_16k_per_s_wasmtime', '/s'),
    row('  jco', 'calls_sum_16k_per_s_jco', '/s'),
    row('  ratio embedded / Wasmtime', 'calls_sum_16k_ratio_wasmtime', 'x'),
    row('  ratio embedded / jco', 'calls_sum_16k_ratio_jco', 'x'),
    row('calls.wat sum(list<u32>) of 16 K, async (callback), embedded', 'calls_sum_16k_async_per_s', '/s'),
    row('  Wasmtime', 'calls_sum_16k_async_per_s_wasmtime', '/s'),
    row('  jco', 'calls_sum_16k_async_per_s_jco', '/s'),
    row('  ratio embedded / Wasmtime', 'calls_sum_16k_async_ratio_wasmtime', 'x'),
    row('  ratio embedded / jco', 'calls_sum_16k_async_ratio_jco', 'x'),
    row('stream<u8> between two component instances (pump), embedded', 'component_pump_mb_per_s', 'MB/s'),
    row('stream<u8> between two component instances (pump), Wasmtime', 'component_pump_mb_per_s_wasmtime', 'MB/s'),
    row('  ratio embedded / Wasmtime', 'component_pump_ratio_wasmtime', 'x'),
    row('transfer(64 MiB): stream<u8> between two component instances, 64 KiB writes, embedded', 'component_transfer_mb_per_s', 'MB/s'),
    row('  Wasmtime', 'component_transfer_mb_per_s_wasmtime', 'MB/s'),
    row('  jco', 'component_transfer_mb_per_s_jco', 'MB/s'),
    row('  ratio embedded / Wasmtime', 'component_transfer_ratio_wasmtime', 'x'),
    row('  ratio embedded / jco', 'component_transfer_ratio_jco', 'x'),
    row('transfer.wat produce(64 MiB) to the host, 64 KiB writes, embedded', 'component_to_host_mb_per_s', 'MB/s'),
    row('  jco (64 KiB reads)', 'component_to_host_mb_per_s_jco', 'MB/s'),
    row('  ratio embedded / jco', 'component_to_host_ratio_jco', 'x'),
    row('  Wasmtime', 'component_to_host_mb_per_s_wasmtime', 'MB/s'),
    row('echo(string) 16 B, generated glue (bindgen), embedded', 'bindgen_echo_per_s', 'calls/s'),
    row('  the same, hand-written glue', 'bindgen_echo_hand_per_s', 'calls/s'),
    row('  glue overhead (paired time ratio - 1)', 'bindgen_echo_overhead', ''),
    row('async echo(string), generated glue (SDK task)', 'bindgen_echo_async_per_s', 'calls/s'),
    row('  the same, hand-written glue', 'bindgen_echo_async_hand_per_s', 'calls/s'),
    row('  glue overhead (paired time ratio - 1)', 'bindgen_echo_async_overhead', ''),
    row('echo(string) core export called from JS, generated glue', 'bindgen_echo_core_per_s', 'calls/s'),
    row('  the same, hand-written glue', 'bindgen_echo_core_hand_per_s', 'calls/s'),
    row('  glue overhead (paired time ratio - 1)', 'bindgen_echo_core_overhead', ''),
    row('JS copy of 1 MiB (Uint8Array slice)', 'abi_copy_1mib_us', 'us'),
    row('canonical ABI lift, list<u8> of 1 MiB', 'abi_lift_list_u8_1mib_us', 'us'),
    row('  ratio lift / copy', 'abi_lift_list_u8_ratio', 'x'),
    row('canonical ABI lift, ASCII utf8 string of 1 MiB', 'abi_lift_string_1mib_us', 'us'),
    row('  ratio lift / copy', 'abi_lift_string_ratio', 'x'),
    row('canonical ABI lift, non-ASCII utf8 string of 1 MiB', 'abi_lift_string_mixed_1mib_us', 'us'),
    row('  ratio lift / copy', 'abi_lift_string_mixed_ratio', 'x'),
    row('canonical ABI lift, Russian utf8 string of 1 MiB', 'abi_lift_string_cyrillic_1mib_us', 'us'),
    row('  ratio lift / copy', 'abi_lift_string_cyrillic_ratio', 'x'),
    row('floor: the French-like string made from its Latin-1 bytes / copy', 'abi_string_floor_mixed_ratio', 'x'),
    row('floor: the Russian string made from its UTF-16 code units / copy', 'abi_string_floor_cyrillic_ratio', 'x'),
    row('decode + validate composed-v2.wasm', 'component_decode_ms', 'ms'),
  ];
  const { renderTable } = await import('./table.mjs');
  // Only the figures of the parts that ran (all of them without --only).
  const ran = rows.filter((r, i) => rowKeys[i] in out || rowKeys[i] in extra);
  console.log(renderTable(['figure', 'median', 'spread (min … max)', 'target', 'note'], ran));
  if (sc) {
    console.log(`tasks: ${Object.entries(extra.tasks_ms).map(([n, ms]) => `${n} in ${f(ms)} ms`).join(', ')}; per-task time 100k/10k = ${extra.tasks_linearity.toFixed(2)}`);
    console.log(`after the 100k tasks exit: guest heap retains ${f(extra.guest_retained_after_exit_bytes)} B (each pool keeps its quarantine + 64 blocks), a second round grows the peak by ${f(extra.guest_peak_growth_second_round_bytes)} B; host retains ${f(extra.host_retained_after_exit_bytes)} B`);
  }
  console.log(`${result.mode} mode${ONLY ? ` (only ${[...ONLY].join(', ')})` : ''}, ${result.seconds.toFixed(0)} s, ${result.date}, Node ${process.version} (jco under ${extra.jco_node ?? 'n/a'}, Wasmtime ${extra.wasmtime_version ?? 'n/a'}), ${result.cpu} x${result.cores}`);
}
