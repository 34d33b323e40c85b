/**
 * What `wasip3-task run prog.wasm` loads: only the modules the program
 * needs. Each command's action imports its own modules, and WASI 0.2
 * (preview2-shim, whose I/O module starts a worker thread on import) and
 * 0.3's clocks/random (host clocks, preview3-shim's random: neither loads
 * preview2-shim's I/O module) come only for a program that imports them.
 * The module list is taken with a loader hook (no timing here: start-up
 * speed is `npm run bench`'s `wasi_first_byte_ms`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { file, root } from './cli-helpers.js';
import { WasiHostBase, wasiHostFor, wasiNeeds } from '../host/wasi/host.js';
import { loadComponent } from '../host/component/api.js';
import { WasiHost } from '../host/wasi/index.js';
import { p3Shims } from '../host/wasi/p3-shims.js';

/** A `--import` script registering a load hook that appends every loaded URL to `out`. */
function hookScript(out: string): string {
  const hooks = `import { appendFileSync } from 'node:fs';
let out;
export function initialize(d) { out = d.out; }
export async function load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); }`;
  return file('register.mjs', `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)}, { parentURL: import.meta.url, data: { out: ${JSON.stringify(out)} } });
`);
}

/** Runs the CLI with the hook; the exit code, stdout and the package-relative paths of the modules loaded. */
function runListing(...args: string[]): { code: number | null; out: string; err: string; modules: string[] } {
  const out = file('modules.txt', '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hookScript(out)).href, join(root, 'bin', 'wasip3-task.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 50_000 });
  const base = pathToFileURL(root).href.replace(/\/?$/, '/');
  const modules = readFileSync(out, 'utf8').split('\n').filter((u) => u.startsWith(base)).map((u) => u.slice(base.length));
  return { code: r.status, out: r.stdout, err: r.stderr, modules };
}

const loaded = (modules: string[], part: string): boolean => modules.some((m) => m.includes(part));

describe('run prog.wasm loads what the program needs', () => {
  it('a 0.3 program printing to stdout: no preview2/3-shim, no other command\'s modules', () => {
    const r = runListing('run', 'build/wasi-hello.wasm');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe('hello from assemblyscript wasi-hello.wasm\nsecond line\n');
    // The hook saw the CLI and the component host load (the listing works)...
    expect(r.modules).toContain('dist/host/cli/main.js');
    expect(r.modules).toContain('dist/host/cli/run-wasi.js');
    expect(r.modules).toContain('dist/host/wasi/p3.js');
    // ...and nothing this program does not use.
    for (const part of [
      '@bytecodealliance/preview2-shim', '@bytecodealliance/preview3-shim', '@bytecodealliance/jco', 'cli-table3',
      'dist/host/wasi/p2.js', 'dist/host/wasi/index.js', 'dist/host/matrix/run.js', 'dist/host/trace/diagram.js',
      'dist/host/wast/runner.js', 'dist/host/jco/', 'dist/host/wasmtime/', 'dist/host/cli/run.js', 'dist/host/cli/compare.js',
      'dist/host/cli/format.js', 'dist/host/task-abi/', 'assemblyscript', 'dist/host/toolchain/componentize.js',
    ]) expect(loaded(r.modules, part), part).toBe(false);
  });

  it('a program importing the monotonic clock gets the host clocks, without preview2-shim\'s I/O worker (and the sleep works)', () => {
    const r = runListing('run', 'build/wasi-sleep.wasm');
    expect(r.code).toBe(0);
    expect(r.out).toContain('woke after 100 ms');
    expect(r.modules).toContain('dist/host/wasi/p3-shims.js');
    // preview3-shim's clocks import preview2-shim's, whose io/worker-io.js starts a worker thread on import
    for (const part of ['@bytecodealliance/preview3-shim/dist/nodejs/clocks.js', '@bytecodealliance/preview2-shim/dist/nodejs/clocks.js', '@bytecodealliance/preview2-shim/dist/io/', 'dist/host/wasi/p2.js']) {
      expect(loaded(r.modules, part), part).toBe(false);
    }
  });

  it('a preopen brings WASI 0.2 (0.3\'s filesystem is built over its descriptors)', () => {
    const r = runListing('run', '--dir', `${root}::/data`, 'build/wasi-hello.wasm');
    expect(r.code).toBe(0);
    expect(r.out).toBe('hello from assemblyscript wasi-hello.wasm\nsecond line\n');
    expect(loaded(r.modules, 'dist/host/wasi/p2.js')).toBe(true);
    expect(loaded(r.modules, '@bytecodealliance/preview2-shim/dist/nodejs/filesystem.js')).toBe(true);
  });

  it('--help loads no command\'s runner', () => {
    const r = runListing('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: wasip3-task');
    for (const part of ['dist/host/wasi/', 'dist/host/matrix/run.js', 'dist/host/trace/diagram.js', 'dist/host/wast/runner.js', 'dist/host/cli/run-wasi.js', 'cli-table3', 'assemblyscript']) expect(loaded(r.modules, part), part).toBe(false);
  });
});

describe('wasiNeeds and WasiHostBase', () => {
  it('0.2 for anything that is not a 0.3 WASI name or for a preopen; shims for clocks and random', () => {
    expect(wasiNeeds(['wasi:cli/stdout@0.3.0', 'wasi:cli/environment@0.3.0'])).toEqual({ p2: false, p3Shims: false });
    expect(wasiNeeds(['wasi:cli/stdout@0.3.0-rc-2026-03-15'])).toEqual({ p2: false, p3Shims: false });
    expect(wasiNeeds(['wasi:cli/stdout@0.3.0', 'wasi:clocks/monotonic-clock@0.3.0'])).toEqual({ p2: false, p3Shims: true });
    expect(wasiNeeds(['wasi:random/random@0.3.0'])).toEqual({ p2: false, p3Shims: true });
    expect(wasiNeeds(['wasi:cli/stdout@0.3.0', 'wasi:io/streams@0.2.6'])).toEqual({ p2: true, p3Shims: true });
    expect(wasiNeeds(['wasi:filesystem/preopens@0.3.0', 'wasi:filesystem/types@0.3.0'])).toEqual({ p2: false, p3Shims: false });
    expect(wasiNeeds(['host'])).toEqual({ p2: true, p3Shims: true });
    expect(wasiNeeds(['wasi:cli/stdout@0.4.0'])).toEqual({ p2: true, p3Shims: true });
    expect(wasiNeeds(['wasi:cli/stdout@0.3.0'], { '/d': '.' })).toEqual({ p2: true, p3Shims: true });
  });

  it('without factories serves 0.3 cli only; WasiHost serves every interface', () => {
    const bare = new WasiHostBase({ stdout: { write: () => {} } });
    expect('wasi:cli/stdout@0.3.0' in bare.imports).toBe(true);
    expect('wasi:cli/stdout@0.2.6' in bare.imports).toBe(false);
    expect('wasi:clocks/monotonic-clock@0.3.0' in bare.imports).toBe(false);
    expect('wasi:random/random@0.3.0' in bare.imports).toBe(false);
    expect((bare.imports['wasi:filesystem/preopens@0.3.0'] as { getDirectories(): unknown[] }).getDirectories()).toEqual([]);
    const full = new WasiHost({ stdout: { write: () => {} } });
    for (const n of ['wasi:cli/stdout@0.3.0', 'wasi:cli/stdout@0.2.6', 'wasi:clocks/monotonic-clock@0.3.0', 'wasi:random/random@0.3.0']) expect(n in full.imports, n).toBe(true);
  });

  it('the 0.3 host clocks read as preview3-shim\'s (same resolutions, same clocks)', async () => {
    const shim = (await import('@bytecodealliance/preview3-shim/clocks')) as unknown as typeof p3Shims.clocks;
    const { monotonicClock: mono, systemClock: sys } = p3Shims.clocks;
    expect(mono.getResolution()).toBe(shim.monotonicClock.getResolution());
    expect(sys.getResolution()).toBe(shim.systemClock.getResolution());
    const a = shim.monotonicClock.now();
    const b = mono.now();
    const c = shim.monotonicClock.now();
    expect(typeof b).toBe('bigint');
    expect(a <= b && b <= c).toBe(true);
    const before = Date.now();
    const t = sys.now() as { seconds: bigint; nanoseconds: number };
    const after = Date.now();
    const ms = Number(t.seconds) * 1000 + t.nanoseconds / 1e6;
    expect(ms >= before && ms <= after).toBe(true);
    expect(Number.isInteger(t.nanoseconds) && t.nanoseconds >= 0 && t.nanoseconds < 1e9 && t.nanoseconds % 1e6 === 0).toBe(true);
    const s = shim.systemClock.now() as { seconds: bigint; nanoseconds: number };
    expect(typeof s.seconds).toBe('bigint');
    expect(Math.abs(Number(s.seconds - t.seconds))).toBeLessThanOrEqual(1);
    // served through the WASI host
    const wasi = new WasiHost({ stdout: { write: () => {} } });
    expect((wasi.imports['wasi:clocks/monotonic-clock@0.3.0'] as { getResolution(): bigint }).getResolution()).toBe(1n);
    expect((wasi.imports['wasi:clocks/system-clock@0.3.0'] as { getResolution(): bigint }).getResolution()).toBe(1_000_000n);
  });

  it('wasiHostFor serves what the component imports: a 0.3 program runs without 0.2, and 0.2 comes with a 0.2 import or a preopen', async () => {
    const names = (xs: string[]) => ({ imports: xs.map((name) => ({ name })) });
    const bare = await wasiHostFor(names(['wasi:cli/stdout@0.3.0']));
    expect('wasi:cli/stdout@0.3.0' in bare.imports).toBe(true);
    expect('wasi:cli/stdout@0.2.6' in bare.imports).toBe(false);
    expect('wasi:clocks/monotonic-clock@0.3.0' in bare.imports).toBe(false);
    const clocks = await wasiHostFor(names(['wasi:clocks/monotonic-clock@0.3.0']));
    expect('wasi:clocks/monotonic-clock@0.3.0' in clocks.imports).toBe(true);
    expect('wasi:random/random@0.3.0' in clocks.imports).toBe(true);
    expect('wasi:io/streams@0.2.6' in clocks.imports).toBe(false);
    expect('wasi:io/streams@0.2.6' in (await wasiHostFor(names(['wasi:io/streams@0.2.6']))).imports).toBe(true);
    expect('wasi:cli/stdout@0.2.6' in (await wasiHostFor(names(['wasi:cli/stdout@0.3.0']), { preopens: { '/d': root } })).imports).toBe(true);
    // and a real program through it, output captured
    const c = loadComponent(readFileSync(join(root, 'build', 'wasi-hello.wasm')));
    const out: Uint8Array[] = [];
    const wasi = await wasiHostFor(c, { args: ['hello'], stdout: (b) => void out.push(b) });
    expect(await wasi.run(c.instantiate(wasi.imports, { store: wasi.store }))).toBe(0);
    expect(Buffer.concat(out).toString()).toBe('hello from assemblyscript hello\nsecond line\n');
  });
});

