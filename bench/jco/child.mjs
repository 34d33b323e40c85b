// Runs in the JSPI Node (Node 24, host/jco/run.ts jspiNode()): times the
// benchmark component under jco and prints one JSON object on stdout.
//
//   node child.mjs <transpiled-dir> <options JSON>
//   options: { spinYields, callSamples, callsPerSample, streamBytes, streamSamples }
//
// Same method as the embedded host (bench/run.mjs): tinybench, each sample a
// batch of sequential awaited calls; the stream sample reads a whole stream.
import { instantiateTranspiled } from './transpiled.mjs';
import { Bench } from 'tinybench';

const [dir, optsJson] = process.argv.slice(2);
const opts = JSON.parse(optsJson ?? '{}');
const out = { node: process.version };
try {
  if (typeof WebAssembly.Suspending !== 'function') throw new Error(`Node ${process.version} has no JSPI`);
  const root = await instantiateTranspiled(dir);

  // 1. sequential async export calls
  const n = opts.spinYields;
  for (let i = 0; i < 3; i++) if ((await root.spin(n)) !== n) throw new Error('spin returned a wrong value');
  const k = opts.callsPerSample;
  const calls = new Bench({ iterations: opts.callSamples, time: 0, warmupIterations: 1, warmupTime: 0 });
  calls.add('spin', async () => {
    for (let i = 0; i < k; i++) await root.spin(n);
  });
  await calls.run();
  out.callSampleMs = calls.tasks[0].result.samples;
  out.callsPerSample = k;

  // 2. stream<u8> guest -> JS host
  const bytes = opts.streamBytes;
  const readAll = async () => {
    const s = await root.produce(bytes);
    let got = 0;
    for await (const chunk of s) got += typeof chunk === 'number' ? 1 : chunk.length;
    if (got !== bytes) throw new Error(`stream delivered ${got} of ${bytes} bytes`);
  };
  await readAll();
  const stream = new Bench({ iterations: opts.streamSamples, time: 0, warmupIterations: 0, warmupTime: 0 });
  stream.add('produce', readAll);
  await stream.run();
  out.streamSampleMs = stream.tasks[0].result.samples;
  out.streamBytes = bytes;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
