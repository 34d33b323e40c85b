// Runs in the JSPI Node: times sequential calls of one export of a
// transpiled component under jco (bench/wasmtime.mjs) and prints one JSON
// object on stdout.
//
//   node calls-child.mjs <transpiled-dir> <options JSON>
//   options: { export, args, expect, callSamples, callsPerSample, checkCalls, imports }
//   checkCalls: checked calls before the samples (default 2), which warm up
//   export: a root function (kebab-case WIT name) or `iface#name`
//   expect: the value, or {"bigint": "<decimal>"} for a 64-bit result
//   imports: a resolved import spec (host/cli/import-spec.ts) for the
//     component's custom imports: fixed results and echoes (no call log here)
import { camel, instantiateTranspiled } from './transpiled.mjs';
import { Bench } from 'tinybench';

function find(root, name) {
  const hash = name.lastIndexOf('#');
  if (hash < 0) return root[camel(name)];
  const iface = name.slice(0, hash);
  const short = iface.replace(/^.*\//, '').replace(/@.*$/, '');
  const inst = root[iface] ?? root[camel(short)];
  return inst?.[camel(name.slice(hash + 1))];
}

/** The import object of a resolved import spec, as host/jco/jspi-runner.mjs builds it (without the call log). */
function specImports(spec) {
  const out = {};
  for (const r of spec ?? []) {
    const b = r.behaviour;
    const fn = 'echo' in b ? (...a) => a[b.echo] : 'trap' in b ? () => { throw new Error(b.trap); } : () => b.result ?? undefined;
    if (r.instance === null) out[camel(r.name)] = fn;
    else (out[r.instance] ??= {})[camel(r.name)] = fn;
  }
  return out;
}

const [dir, optsJson] = process.argv.slice(2);
const opts = JSON.parse(optsJson ?? '{}');
const out = { node: process.version };
try {
  const root = await instantiateTranspiled(dir, specImports(opts.imports));
  const fn = find(root, opts.export);
  if (typeof fn !== 'function') throw new Error(`no export ${opts.export}`);
  const args = opts.args ?? [];
  for (let i = 0; i < (opts.checkCalls ?? 2); i++) {
    const got = await fn(...args);
    const same = typeof got === 'bigint' ? String(got) === String(opts.expect?.bigint) : got === opts.expect;
    if (!same) throw new Error(`${opts.export} returned ${String(got).slice(0, 100)}, expected ${JSON.stringify(opts.expect).slice(0, 100)}`);
  }
  const k = opts.callsPerSample;
  const b = new Bench({ iterations: opts.callSamples, time: 0, warmupIterations: 1, warmupTime: 0 });
  b.add(opts.export, async () => {
    for (let i = 0; i < k; i++) await fn(...args);
  });
  await b.run();
  out.sampleMs = b.tasks[0].result.samples;
  out.callsPerSample = k;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
