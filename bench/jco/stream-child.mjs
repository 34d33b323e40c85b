// Runs in the JSPI Node: times reading a stream<u8> returned by an export of
// a transpiled component under jco, in reads of `readCount` elements (jco's
// `Stream#read(count)`), and prints one JSON object on stdout
// (bench/wasmtime.mjs, streamJco).
//
//   node stream-child.mjs <transpiled-dir> <options JSON>
//   options: { export, bytes, readCount, samples }
//   export: a root function (kebab-case WIT name) taking the byte count and
//     returning a stream<u8>
// Each sample is one call and the whole stream read; the first call is
// checked (and is the warm-up).
import { camel, instantiateTranspiled } from './transpiled.mjs';

const [dir, optsJson] = process.argv.slice(2);
const opts = JSON.parse(optsJson ?? '{}');
const out = { node: process.version };
try {
  const root = await instantiateTranspiled(dir);
  const fn = root[camel(opts.export)];
  if (typeof fn !== 'function') throw new Error(`no export ${opts.export}`);
  const readAll = async () => {
    const t0 = performance.now();
    const s = await fn(opts.bytes);
    let got = 0;
    let reads = 0;
    for (;;) {
      const { value, done } = await s.read(opts.readCount);
      if (done) break;
      got += typeof value === 'number' ? 1 : value.length;
      reads++;
    }
    const ms = performance.now() - t0;
    if (got !== opts.bytes) throw new Error(`stream delivered ${got} of ${opts.bytes} bytes`);
    return { ms, reads };
  };
  const first = await readAll();
  out.reads = first.reads;
  out.sampleMs = [];
  for (let i = 0; i < opts.samples; i++) out.sampleMs.push((await readAll()).ms);
} catch (e) {
  out.error = String(e?.stack ?? e);
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
