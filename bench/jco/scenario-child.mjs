// Runs in the JSPI Node: times the guest's `control` export of the composed
// V2 component under jco (bench/wasmtime.mjs) and prints one JSON object.
//
//   node scenario-child.mjs <transpiled-dir> <options JSON>
//   options: { callSamples, callsPerSample }
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const [dir, optsJson] = process.argv.slice(2);
const opts = JSON.parse(optsJson ?? '{}');
const out = { node: process.version };
try {
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const { instantiate } = await import(pathToFileURL(join(dir, 'component.js')).href);
  const root = await instantiate(async (p) => WebAssembly.compile(await readFile(join(dir, p))), new WASIShim().getImportObject());
  for (let i = 0; i < 2; i++) if ((await root.control()) !== 7) throw new Error('control returned a wrong value');
  const k = opts.callsPerSample;
  const b = new Bench({ iterations: opts.callSamples, time: 0, warmupIterations: 1, warmupTime: 0 });
  b.add('control', async () => {
    for (let i = 0; i < k; i++) await root.control();
  });
  await b.run();
  out.sampleMs = b.tasks[0].result.samples;
  out.callsPerSample = k;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
