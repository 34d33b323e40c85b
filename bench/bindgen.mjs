// The binding generator's glue overhead (bench/run.mjs calls `bindgenBench`):
// calls/s of `echo(string) -> string` (sync, with post-return) and
// `echo-async` (callback-lifted, the SDK's task) on the embedded host,
// through the typed API, for the same world built twice: from the glue
// `wasip3-task bindgen` generates (assembly/bench/bindgen/impl.ts) and from glue
// written by hand (assembly/bench/bindgen/hand.ts). Both with the SDK toolchain's
// default options. Samples of the two builds alternate, so drift hits both.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export async function bindgenBench({ root, P, FULL, tiny, stats, mapDecreasing }) {
  const { bindgen } = await import('../dist/host/bindgen/index.js');
  const { componentize } = await import('../dist/host/toolchain/componentize.js');
  const { loadComponent } = await import('../dist/host/component/api.js');
  const src = join(root, 'assembly/bench/bindgen');
  const dir = join(root, 'build/bench-bindgen');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of ['impl.ts', 'main.ts', 'hand.ts']) cpSync(join(src, f), join(dir, f));
  await bindgen(join(src, 'echo.wit'), 'echo', join(dir, 'bindings'), { impl: '../impl' });
  const build = async (entry) => componentize({ entry: join(dir, entry), wit: join(src, 'echo.wit'), world: 'echo' });
  const genBuild = await build('main.ts');
  const handBuild = await build('hand.ts');
  const generated = loadComponent(genBuild.component).instantiate().exports;
  const hand = loadComponent(handBuild.component).instantiate().exports;
  const s = 'hello, bindgen! ';
  for (const x of [generated, hand]) {
    if ((await x.echo(s)) !== s || (await x.echoAsync(s)) !== s) throw new Error('bindgen bench: echo returned a wrong value');
  }
  const k = FULL ? 5000 : 2000;
  const samples = { gen: [], hand: [], genAsync: [], handAsync: [] };
  const one = async (name, f) => (await tiny(name, 1, f, 0))[0];
  for (let i = 0; i < 2; i++) for (const x of [generated, hand]) for (let j = 0; j < k; j++) await x.echo(s), await x.echoAsync(s);
  const gc = typeof globalThis.gc === 'function' ? globalThis.gc : () => {};
  const run = async (name, x, method) => {
    gc();
    return one(name, async () => { for (let j = 0; j < k; j++) await x[method](s); });
  };
  for (let i = 0; i < P.callSamples; i++) {
    // The order alternates, so neither build always runs first.
    const order = i % 2 === 0 ? [generated, hand] : [hand, generated];
    for (const method of ['echo', 'echoAsync']) {
      for (const x of order) {
        const ms = await run(`${x === generated ? 'generated' : 'hand-written'} ${method}`, x, method);
        samples[(x === generated ? 'gen' : 'hand') + (method === 'echo' ? '' : 'Async')].push(ms);
      }
    }
  }
  // The glue alone: the core module's `echo` called from JS (the string
  // written with cabi_realloc, the result read back, cabi_post_echo), no
  // component host in between, so the glue's own cost is not lost in the
  // host's share of a call.
  const core = (bytes) => {
    const stub = new Proxy({}, { get: () => () => { throw new Error('not called by echo'); } });
    const imports = {};
    for (const i of WebAssembly.Module.imports(new WebAssembly.Module(bytes))) imports[i.module] ??= stub;
    const x = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
    const input = new TextEncoder().encode(s);
    const dec = new TextDecoder();
    return () => {
      const p = x.cabi_realloc(0, 0, 1, input.length);
      new Uint8Array(x.memory.buffer, p, input.length).set(input);
      const r = x.echo(p, input.length);
      const [rp, rn] = new Uint32Array(x.memory.buffer, r, 2);
      if (dec.decode(new Uint8Array(x.memory.buffer, rp, rn)) !== s) throw new Error('bindgen bench: core echo returned a wrong value');
      x['cabi_post_echo'](r);
    };
  };
  const coreGen = core(genBuild.core);
  const coreHand = core(handBuild.core);
  const kc = k * 20;
  for (let j = 0; j < kc; j++) coreGen(), coreHand();
  samples.coreGen = [];
  samples.coreHand = [];
  for (let i = 0; i < P.callSamples; i++) {
    const order = i % 2 === 0 ? [coreGen, coreHand] : [coreHand, coreGen];
    for (const f of order) {
      gc();
      const ms = await one('core echo', async () => { for (let j = 0; j < kc; j++) f(); });
      samples[f === coreGen ? 'coreGen' : 'coreHand'].push(ms);
    }
  }
  const rateCore = (xs) => mapDecreasing(stats(xs), (ms) => (kc / ms) * 1000);
  const rate = (xs) => mapDecreasing(stats(xs), (ms) => (k / ms) * 1000);
  // The glue's cost: each generated sample against the hand-written one taken
  // right after it (time ratio - 1), so load that drifts during the run cancels.
  const overhead = (g, h) => stats(g.map((ms, i) => ms / h[i] - 1));
  return {
    gen: rate(samples.gen),
    hand: rate(samples.hand),
    genAsync: rate(samples.genAsync),
    handAsync: rate(samples.handAsync),
    overhead: overhead(samples.gen, samples.hand),
    overheadAsync: overhead(samples.genAsync, samples.handAsync),
    coreGen: rateCore(samples.coreGen),
    coreHand: rateCore(samples.coreHand),
    overheadCore: overhead(samples.coreGen, samples.coreHand),
    calls: k,
  };
}
