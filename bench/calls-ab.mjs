// Before/after figures of component export calls that lift values, for a
// noisy machine: `node bench/calls-ab.mjs <checkout> [<checkout> ...]` times
// `echo(string)` of 1 KiB and `sum(list<u32>)` of 16 K elements (a JS array
// and a Uint32Array) of test/components/basics.wat with each checkout's
// dist/host, alternately, by CPU time (process.cpuUsage: other processes'
// load counts less than in wall time), on a fresh instance per round (the
// component's bump-allocator realloc never frees, and a memory past about
// 100 MiB makes every memory.grow cost more than the call). Medians of 9
// rounds per run, `--runs N` runs (default 3). Not part of `npm run bench`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from '@bytecodealliance/jco';

const args = process.argv.slice(2);
const ri = args.indexOf('--runs');
const runs = ri >= 0 ? Number(args.splice(ri, 2)[1]) : 3;
const roots = args.length ? args.map((a) => resolve(a)) : [resolve('.')];
const bytes = await parse(readFileSync(new URL('../test/components/basics.wat', import.meta.url), 'utf8'));
const kib = 'x'.repeat(1024);
const typed = new Uint32Array(16384).fill(3);
const array = Array.from(typed);

async function figures(root) {
  const { loadComponent } = await import(`${root}/dist/host/component/api.js?${Math.random()}`);
  const c = loadComponent(bytes);
  const mk = () => c.instantiate({ host: { add: (a, b) => a + b, greet: (s) => s } }).exports;
  const time = async (n, f) => {
    const rs = [];
    for (let r = 0; r < 9; r++) {
      const x = mk();
      await f(x);
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await f(x);
      const u = process.cpuUsage(c0);
      rs.push(n / ((u.user + u.system) / 1e6));
    }
    return Math.round(rs.sort((a, b) => a - b)[4]);
  };
  return {
    echo_1kib: await time(2000, (x) => x.echo(kib)),
    sum_16k_array: await time(50, (x) => x.sum(array)),
    sum_16k_u32array: await time(100, (x) => x.sum(typed)),
  };
}

for (let r = 0; r < runs; r++) for (const root of roots) console.log(JSON.stringify({ root, run: r, ...(await figures(root)) }));
