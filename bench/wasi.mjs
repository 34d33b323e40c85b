// WASI programs through the CLIs, as a user runs them, on the same component
// (test/wasi/prog-p3.wat, a wasi:cli/run@0.3.0 program) in the same run:
//
// - stdout throughput: `-- B` writes 64 MiB through write-via-stream to a
//   pipe this process reads; MB/s from the first byte to the end. Embedded:
//   `wasip3-task run` on Node 20. jco: `jco run` on Node 24 (JSPI; its
//   0.3 WASI from preview3-shim). Ratio: embedded / jco.
// - start-up: `-- h` prints one line; ms from spawning the command to the
//   first stdout byte. jco two ways: `jco run` (its CLI: transpiles, then
//   starts a second Node), and the transpiled output's `_run.js` started
//   directly (no transpile: the floor of jco's start-up). Ratios: jco /
//   embedded.
//
// - Node's boot: spawn to the first stdout byte of a script that only
//   writes that byte, on the same Node as the embedded CLI: the floor under
//   every spawned figure here (jco run / this is the best ratio a
//   Node-hosted CLI could reach).
//
// - start-up inside the process: the same, but from the first line of the
//   script that runs the program (Node already started: its boot, which
//   differs between Node 20 and 24, is left out) to the first stdout byte.
//   Embedded: a script importing the host (dist/: `wasiHostFor`, which loads
//   only the WASI the component imports, and `loadComponent`), loading,
//   instantiating and running the component; jco: a script importing the
//   transpiled module and calling its run. The child reports its start on
//   stderr (`performance.timeOrigin + performance.now()`), the parent takes
//   the first byte's time on the same clock.
//
// - start-up of a real-world program: the same spawn-to-first-byte figure
//   for the StarlingMonkey program of scripts/starlingmonkey.mjs (a 12 MB
//   WASI 0.2 component built by componentize-js), `wasip3-task run` against
//   `jco run` (which transpiles the component on every run).
//
// Samples of the hosts alternate, so load on the machine falls on all.
//
// `node bench/wasi.mjs --startup [--quick]` runs the start-up figures alone
// (no 64 MiB copies) and prints them as JSON.
import { stats } from './stats.mjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Spawns the CLI on `wasm` with `args`; resolves with the ms to the first stdout byte, the total ms and the byte count. */
function runCli(root, wasm, args, stderr = 'inherit') {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first;
    let bytes = 0;
    const p = spawn(process.execPath, [join(root, 'bin', 'wasip3-task.js'), 'run', wasm, '--', ...args], { stdio: ['ignore', 'pipe', stderr] });
    p.stdout.on('data', (b) => {
      first ??= performance.now() - t0;
      bytes += b.length;
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve({ first, total: performance.now() - t0, bytes }) : reject(new Error(`exit ${code}`))));
  });
}

const MIB64 = 64 << 20;

/** Spawns `node script`; resolves with the ms to its first stdout byte. */
function runBoot(script) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first;
    const p = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', () => (first ??= performance.now() - t0));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 && first !== undefined ? resolve(first) : reject(new Error(`empty script exited ${code}`))));
  });
}

/** Spawns `node script args`; resolves with ms from the start the child reports on stderr to its first stdout byte. */
function runStart(node, script, args, cwd) {
  return new Promise((resolve, reject) => {
    let t0;
    let first;
    let err = '';
    const p = spawn(node, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    p.stderr.on('data', (b) => {
      err += b;
      t0 ??= Number(err.split('\n')[0]);
    });
    p.stdout.on('data', () => (first ??= performance.timeOrigin + performance.now()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 && first !== undefined && Number.isFinite(t0) ? resolve(first - t0) : reject(new Error(`exit ${code}: ${err.slice(0, 200)}`))));
  });
}

const START_MARK = "process.stderr.write(String(performance.timeOrigin + performance.now()) + '\\n');\n";

/** The embedded host's in-process start-up script (Node 20). */
const embeddedStartScript = (root, wasm) =>
  START_MARK +
  `const { readFileSync } = await import('node:fs');
const { wasiHostFor } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'host', 'wasi', 'host.js')).href)});
const { loadComponent } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'host', 'component', 'api.js')).href)});
const c = loadComponent(readFileSync(${JSON.stringify(wasm)}));
const wasi = await wasiHostFor(c, { args: ['prog-p3.wasm', ...process.argv.slice(2)] });
process.exit(await wasi.run(c.instantiate(wasi.imports, { store: wasi.store })));
`;

/** jco's (Node 24), in the directory of a kept `jco run`: what its `_run.js` does, timed. */
const jcoStartScript = () =>
  START_MARK +
  `process.argv[1] = 'prog-p3';
const mod = await import('./prog-p3.js');
await mod.run.run();
await new Promise((r) => setTimeout(r));
process.exit(0);
`;

/** The figures; `startupOnly` skips the 64 MiB stdout copies (their fields are then null). */
export async function wasiBench({ root, FULL, startupOnly = false }) {
  const { parse } = await import('@bytecodealliance/jco');
  const dir = mkdtempSync(join(tmpdir(), 'wasi-bench-'));
  const wasm = join(dir, 'prog-p3.wasm');
  writeFileSync(wasm, await parse(readFileSync(join(root, 'test', 'wasi', 'prog-p3.wat'), 'utf8')));
  let jco;
  let jcoReason;
  try {
    jco = await import(join(root, 'dist', 'host', 'wasi', 'jco-run.js'));
  } catch (e) {
    jcoReason = `jco side not measured: ${e?.message ?? e}`;
  }
  let keepDir;
  try {
    const mbs = [];
    const mbsJco = [];
    const firsts = [];
    const firstsJco = [];
    const firstsJcoTranspiled = [];
    const n = startupOnly ? 0 : FULL ? 5 : 3;
    const nJco = FULL ? 3 : 1; // jco writes 64 MiB in seconds
    for (let i = 0; i < n; i++) {
      const r = await runCli(root, wasm, ['B']);
      if (r.bytes !== MIB64) throw new Error(`wrote ${r.bytes} bytes, not 64 MiB`);
      // the copy only: from the first byte to the end
      mbs.push(r.bytes / 1e6 / ((r.total - r.first) / 1000));
      if (jco && !jcoReason && i < nJco) {
        try {
          let bytes = 0;
          const j = await jco.runProgramOnJco(wasm, ['B'], { discardStdout: true, onBytes: (k) => (bytes += k), timeoutMs: 120_000 });
          if (j.code !== 0 || bytes !== MIB64) throw new Error(`jco run exited ${j.code} after ${bytes} bytes: ${j.stderr.slice(0, 200)}`);
          mbsJco.push(bytes / 1e6 / ((j.totalMs - j.firstByteMs) / 1000));
        } catch (e) {
          jcoReason = `jco side not measured: ${e?.message ?? e}`;
        }
      }
    }
    if (jco && !jcoReason) keepDir = jco.jcoRunDir();
    const boots = [];
    const bootScript = join(dir, 'boot.mjs');
    writeFileSync(bootScript, "process.stdout.write('\\n');\n");
    for (let i = 0; i < (FULL ? 7 : 3); i++) {
      boots.push(await runBoot(bootScript));
      firsts.push((await runCli(root, wasm, ['h'])).first);
      if (jco && !jcoReason) {
        try {
          const j = await jco.runProgramOnJco(wasm, ['h'], { keepDir });
          if (j.code !== 0 || j.firstByteMs === undefined) throw new Error(`jco run exited ${j.code}: ${j.stderr.slice(0, 200)}`);
          firstsJco.push(j.firstByteMs);
          const t = await jco.runProgramOnJco(wasm, ['h'], { transpiledDir: keepDir });
          if (t.code !== 0 || t.firstByteMs === undefined) throw new Error(`transpiled _run.js exited ${t.code}: ${t.stderr.slice(0, 200)}`);
          firstsJcoTranspiled.push(t.firstByteMs);
        } catch (e) {
          jcoReason = `jco side not measured: ${e?.message ?? e}`;
        }
      }
    }
    const starts = [];
    const startsJco = [];
    const embScript = join(dir, 'start.mjs');
    writeFileSync(embScript, embeddedStartScript(root, wasm));
    let jcoScript;
    let node24;
    if (jco && !jcoReason && keepDir) {
      jcoScript = join(keepDir, '_start.js');
      writeFileSync(jcoScript, jcoStartScript());
      const { jspiNode } = await import(join(root, 'dist', 'host', 'jco', 'run.js'));
      node24 = jspiNode();
    }
    for (let i = 0; i < (FULL ? 7 : 3); i++) {
      starts.push(await runStart(process.execPath, embScript, ['h'], root));
      if (jcoScript && !jcoReason) {
        try {
          startsJco.push(await runStart(node24, jcoScript, ['h'], keepDir));
        } catch (e) {
          jcoReason = `jco side not measured: ${e?.message ?? e}`;
        }
      }
    }
    // A real-world program: the StarlingMonkey (componentize-js) WASI 0.2
    // program of scripts/starlingmonkey.mjs, 12 MB; its first line is
    // printed before its timer. `jco run` transpiles it on every run, as it
    // does any component.
    const smFirsts = [];
    const smFirstsJco = [];
    let smReason;
    let smBytes;
    try {
      const { starlingMonkeyComponent } = await import('../scripts/starlingmonkey.mjs');
      const sm = await starlingMonkeyComponent(root);
      smBytes = readFileSync(sm).length;
      for (let i = 0; i < (FULL ? 5 : 2); i++) {
        smFirsts.push((await runCli(root, sm, [], 'ignore')).first); // its one stderr line is not the bench's
        if (jco && !jcoReason && !smReason) {
          const j = await jco.runProgramOnJco(sm, [], { timeoutMs: 120_000 });
          if (j.code !== 0 || j.firstByteMs === undefined) smReason = `jco run of the StarlingMonkey program exited ${j.code}: ${j.stderr.slice(0, 200)}`;
          else smFirstsJco.push(j.firstByteMs);
        }
      }
    } catch (e) {
      smReason = `the StarlingMonkey program could not be built or run: ${e?.message ?? e}`;
    }
    const ok = (xs) => (jcoReason || xs.length === 0 ? null : stats(xs));
    return {
      stdout: mbs.length === 0 ? null : stats(mbs),
      nodeBoot: stats(boots),
      firstByte: stats(firsts),
      stdoutJco: ok(mbsJco),
      firstByteJco: ok(firstsJco),
      firstByteJcoTranspiled: ok(firstsJcoTranspiled),
      start: stats(starts),
      startJco: ok(startsJco),
      jcoReason,
      smFirstByte: smFirsts.length === 0 ? null : stats(smFirsts),
      smFirstByteJco: jcoReason || smReason || smFirstsJco.length === 0 ? null : stats(smFirstsJco),
      smReason: smReason ?? jcoReason,
      smBytes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (keepDir) rmSync(keepDir, { recursive: true, force: true });
  }
}


if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv.includes('--startup')) {
    process.stderr.write('usage: node bench/wasi.mjs --startup [--quick]   (the whole set: npm run bench)\n');
    process.exit(2);
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const r = await wasiBench({ root, FULL: !process.argv.includes('--quick'), startupOnly: true });
  const m = (st) => (st ? st.median : null);
  const ratio = (a, b) => (a && b ? a.median / b.median : null);
  process.stdout.write(JSON.stringify({
    wasi_node_boot_ms: m(r.nodeBoot),
    wasi_first_byte_ms: m(r.firstByte),
    wasi_first_byte_ms_jco: m(r.firstByteJco),
    wasi_first_byte_ratio_jco: ratio(r.firstByteJco, r.firstByte),
    wasi_first_byte_ratio_jco_node_boot: ratio(r.firstByteJco, r.nodeBoot),
    wasi_first_byte_ms_jco_transpiled: m(r.firstByteJcoTranspiled),
    wasi_first_byte_ratio_jco_transpiled: ratio(r.firstByteJcoTranspiled, r.firstByte),
    wasi_start_ms: m(r.start),
    wasi_start_ms_jco: m(r.startJco),
    wasi_start_ratio_jco: ratio(r.startJco, r.start),
    wasi_sm_first_byte_ms: m(r.smFirstByte),
    wasi_sm_first_byte_ms_jco: m(r.smFirstByteJco),
    wasi_sm_first_byte_ratio_jco: ratio(r.smFirstByteJco, r.smFirstByte),
    spread: { node_boot: r.nodeBoot, first_byte: r.firstByte, first_byte_jco: r.firstByteJco, first_byte_jco_transpiled: r.firstByteJcoTranspiled, start: r.start, start_jco: r.startJco, sm_first_byte: r.smFirstByte, sm_first_byte_jco: r.smFirstByteJco },
    jcoReason: r.jcoReason,
    smReason: r.smReason,
  }, null, 1) + '\n');
}
