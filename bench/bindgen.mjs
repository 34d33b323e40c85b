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
  const build = async (entry) => (await componentize({ entry: join(dir, entry), wit: join(src, 'echo.wit'), world: 'echo' })).component;
  const generated = loadComponent(await build('main.ts')).instantiate().exports;
  const hand = loadComponent(await build('hand.ts')).instantiate().exports;
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
    calls: k,
  };
}
