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
// Samples of the two hosts alternate, so load on the machine falls on both.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Spawns the CLI on `wasm` with `args`; resolves with the ms to the first stdout byte, the total ms and the byte count. */
function runCli(root, wasm, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first;
    let bytes = 0;
    const p = spawn(process.execPath, [join(root, 'bin', 'wasip3-task.js'), 'run', wasm, '--', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (b) => {
      first ??= performance.now() - t0;
      bytes += b.length;
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve({ first, total: performance.now() - t0, bytes }) : reject(new Error(`exit ${code}`))));
  });
}

const MIB64 = 64 << 20;

export async function wasiBench({ root, FULL, stats }) {
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
    const n = FULL ? 5 : 3;
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
    for (let i = 0; i < (FULL ? 7 : 3); i++) {
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
    const ok = (xs) => (jcoReason || xs.length === 0 ? null : stats(xs));
    return {
      stdout: stats(mbs),
      firstByte: stats(firsts),
      stdoutJco: ok(mbsJco),
      firstByteJco: ok(firstsJco),
      firstByteJcoTranspiled: ok(firstsJcoTranspiled),
      jcoReason,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (keepDir) rmSync(keepDir, { recursive: true, force: true });
  }
}
