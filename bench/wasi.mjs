// WASI programs on the embedded component host, through the CLI as a user runs
// them: stdout throughput of a wasi:cli/run@0.3.0 program writing 64 MiB to a
// pipe (write-via-stream), and the time from spawning `wasip3-task run` to the
// program's first stdout byte. The program is test/wasi/prog-p3.wat.
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

export async function wasiBench({ root, FULL, stats }) {
  const { parse } = await import('@bytecodealliance/jco');
  const dir = mkdtempSync(join(tmpdir(), 'wasi-bench-'));
  const wasm = join(dir, 'prog-p3.wasm');
  writeFileSync(wasm, await parse(readFileSync(join(root, 'test', 'wasi', 'prog-p3.wat'), 'utf8')));
  try {
    const mbs = [];
    const firsts = [];
    for (let i = 0; i < (FULL ? 5 : 3); i++) {
      const r = await runCli(root, wasm, ['B']);
      if (r.bytes !== 64 << 20) throw new Error(`wrote ${r.bytes} bytes, not 64 MiB`);
      // the copy only: from the first byte to the end
      mbs.push(r.bytes / 1e6 / ((r.total - r.first) / 1000));
    }
    for (let i = 0; i < (FULL ? 7 : 3); i++) firsts.push((await runCli(root, wasm, ['h'])).first);
    return { stdout: stats(mbs), firstByte: stats(firsts) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
