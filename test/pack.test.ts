/**
 * The published package works: `npm pack`, install the tarball in a scratch
 * project (no checkout, no build configuration beside it), import the API
 * there and run the CLI's matrix from the installed bin.
 *
 * The tarball is packed with --ignore-scripts from the current build (npm
 * test builds first), so the test sees exactly what `npm publish` would ship.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jspiNode } from '../host/jco/run.js';
import { wasmtimeStatus } from '../host/wasmtime/run.js';
import { inCI } from './wasmtime-helpers.js';
import { readFileSync, mkdirSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** npm as the running `npm test` knows it, else the one on PATH. */
const npmCli = process.env.npm_execpath;
const npm = (args: string[], cwd: string): SpawnSyncReturns<string> =>
  npmCli && npmCli.endsWith('.js')
    ? spawnSync(process.execPath, [npmCli, ...args], { cwd, encoding: 'utf8' })
    : spawnSync('npm', args, { cwd, encoding: 'utf8' });

const MiB = 1024 * 1024;

interface PackedFile {
  path: string;
  size: number;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

let scratch = '';
let packed: PackResult;

const ok = (r: SpawnSyncReturns<string>, what: string): string => {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
};

describe('the packed package', () => {
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'wasip3-pack-'));
    const out = ok(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], root), 'npm pack');
    [packed] = JSON.parse(out.slice(out.indexOf('['))) as PackResult[];
    const proj = join(scratch, 'proj');
    ok(spawnSync('mkdir', ['-p', proj], { encoding: 'utf8' }), 'mkdir');
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
    ok(
      npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', join(scratch, packed.filename)], proj),
      'npm install <tarball>',
    );
  }, 300_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('ships what run time needs and nothing of the build set-up', () => {
    const paths = new Set(packed.files.map((f) => f.path));
    for (const p of [
      'package.json',
      'README.md',
      'bin/wasip3-task.js',
      'dist/host/index.js',
      'dist/host/index.d.ts',
      'dist/host/cli/main.js',
      'host/jco/jspi-runner.mjs',
      'build/guest-v1.wasm',
      'build/guest-v2.wasm',
      'build/composed-v1.wasm',
      'build/composed-v2.wasm',
      'build/laundry.wasm',
      'docs/task-abi.md',
      'docs/trace.md',
      'docs/deviations.md',
    ]) {
      expect(paths, p).toContain(p);
    }
    // Build by-products are not run-time files: core modules before componentizing, benchmark guests, text dumps.
    const unwanted = [...paths].filter(
      (p) => /^(test|scripts|bench|node_modules)\//.test(p) || /^build\/(bench-|release)|\.core\.wasm$/.test(p) || p.endsWith('.map') || p.endsWith('.wat') || p === 'asconfig.json',
    );
    expect(unwanted).toEqual([]);
    // Today about 180 kB packed, 0.7 MB unpacked; a stray directory (node_modules, .cache, .wat) would be megabytes.
    expect(packed.size).toBeLessThan(1 * MiB);
    expect(packed.unpackedSize).toBeLessThan(2 * MiB);
  });

  it('imports from the installed tarball and runs a guest scenario', () => {
    const proj = join(scratch, 'proj');
    const installed = realpathSync(join(proj, 'node_modules', 'wasip3-task-shim'));
    expect(existsSync(join(installed, 'asconfig.json'))).toBe(false);
    const script = `
      const m = await import('wasip3-task-shim');
      const control = m.guestScenarios.find((s) => s.name === 'control');
      const run = await m.runGuestScenario(control, 2);
      console.log(JSON.stringify({ path: m.guestWasmPath(2), outcome: run.outcome, result: run.result, hasStore: typeof m.Store }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: proj, encoding: 'utf8' });
    const got = JSON.parse(ok(r, 'import wasip3-task-shim')) as { path: string; outcome: string; result: number[]; hasStore: string };
    expect(realpathSync(got.path)).toBe(join(installed, 'build', 'guest-v2.wasm'));
    expect(got.outcome).toBe('pass');
    expect(got.result).toEqual([7]);
    expect(got.hasStore).toBe('function');
  });

  it('runs `wasip3-task matrix --json` from the installed bin', () => {
    const proj = join(scratch, 'proj');
    const bin = join(proj, 'node_modules', '.bin', 'wasip3-task');
    expect(existsSync(bin)).toBe(true);
    const r = spawnSync(process.execPath, [bin, 'matrix', '--json'], { cwd: proj, encoding: 'utf8' });
    const m = JSON.parse(ok(r, 'wasip3-task matrix --json')) as {
      ok: boolean;
      cells: { executor: string; importer: string; scenario: string; expected: string; actual: string }[];
      exports: { scenario: string; abi: string; outcome: string }[];
    };
    expect(m.ok).toBe(true);
    expect(m.cells).toHaveLength(56);
    for (const c of m.cells) expect(c.actual, `${c.executor} × ${c.importer} × ${c.scenario}`).toBe(c.expected);
    const stale = m.cells.find((c) => c.executor === 'guest V1' && c.importer === 'guest V1-only' && c.scenario === 'block-on-stale');
    expect(stale?.actual).toBe('#1618 stale registration');
    expect(m.exports.find((e) => e.scenario === 'block-on-stale' && e.abi === 'v1')?.outcome).toBe('reproduced');
  });

  it('runs `wasip3-task repro control --abi v2` from the installed bin', () => {
    const proj = join(scratch, 'proj');
    const r = spawnSync(process.execPath, [join(proj, 'node_modules', '.bin', 'wasip3-task'), 'repro', 'control', '--abi', 'v2'], { cwd: proj, encoding: 'utf8' });
    expect(ok(r, 'wasip3-task repro control --abi v2')).toContain('control on guest v2: pass');
  });

  it('runs a composed component under jco from the installed package (jspi-runner, jco found where npm put it)', () => {
    const proj = join(scratch, 'proj');
    const component = join(proj, 'node_modules', 'wasip3-task-shim', 'build', 'composed-v2.wasm');
    const r = spawnSync(process.execPath, [join(proj, 'node_modules', '.bin', 'wasip3-task'), 'run', component, '--invoke', 'block-on-stale', '--json', '--host', 'jco'], {
      cwd: proj,
      encoding: 'utf8',
      // The installed package has no devDependencies, so no pinned Node 24: hand it this checkout's.
      env: { ...process.env, WASIP3_JSPI_NODE: jspiNode(), WASIP3_JCO_CACHE: join(scratch, 'jco-cache') },
    });
    const out = JSON.parse(ok(r, 'wasip3-task run composed-v2.wasm under jco')) as { host: string; result?: unknown[] };
    expect(out.host).toBe('jco');
    expect(out.result).toEqual([258]);
  });
  /**
   * README, "Writing components in AssemblyScript": a user's own WIT and
   * AssemblyScript in a new directory, the SDK and the toolchain from the
   * installed package, the component run on every host. The files are the
   * README's own (read from its code blocks), so the README cannot drift.
   */
  describe('a user component from the README', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Writing components in AssemblyScript'));
    const block = (lang: string): string => {
      const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
      if (!m) throw new Error(`the README section has no ${lang} block`);
      return m[1]!;
    };
    let app = '';
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> =>
      spawnSync(process.execPath, [join(scratch, 'proj', 'node_modules', '.bin', 'wasip3-task'), ...args], { cwd: app, encoding: 'utf8', env: { ...process.env, ...env } });

    beforeAll(() => {
      app = join(scratch, 'proj', 'app');
      mkdirSync(join(app, 'wit'), { recursive: true });
      writeFileSync(join(app, 'wit', 'app.wit'), block('wit'));
      writeFileSync(join(app, 'app.ts'), block('ts'));
    });

    it('componentize from the installed bin (asc, the SDK and jco from the installed package)', () => {
      const out = ok(cli(['componentize', 'app.ts', '--wit', 'wit', '--world', 'app', '-o', 'app.wasm', '--json']), 'componentize');
      const r = JSON.parse(out) as { size: number; renamed: [string, string][] };
      expect(r.renamed).toEqual([['triangle_lift', '[async-lift]triangle'], ['triangle_callback', '[callback][async-lift]triangle']]);
      expect(r.size).toBe(readFileSync(join(app, 'app.wasm')).length);
    }, 120_000);

    it('runs on the embedded host', () => {
      expect(ok(cli(['run', 'app.wasm', '--invoke', 'triangle', '--args', '[10]']), 'run')).toBe('result: [55]\n');
      expect(ok(cli(['run', 'app.wasm', '--invoke', 'triangle', '--args', '[100]']), 'run')).toBe('result: [5050]\n');
    });

    it('runs under jco', () => {
      const r = cli(['run', 'app.wasm', '--invoke', 'triangle', '--args', '[10]', '--host', 'jco'], { WASIP3_JSPI_NODE: jspiNode(), WASIP3_JCO_CACHE: join(scratch, 'jco-cache') });
      expect(ok(r, 'run --host jco')).toBe('result: [55]\n');
    });

    const wasmtime = wasmtimeStatus({ venv: process.env.WASIP3_WASMTIME_VENV ?? join(root, '.venv-wasmtime') });
    // Skipped when Wasmtime is not installed, except in CI (which must run it), as the wasmtime-* suites.
    it.skipIf(!wasmtime.ok && !inCI)('runs on Wasmtime (when installed in this checkout)', () => {
      if (!wasmtime.ok) throw new Error(wasmtime.reason);
      const r = cli(['run', 'app.wasm', '--invoke', 'triangle', '--args', '[10]', '--host', 'wasmtime'], { WASIP3_WASMTIME_VENV: process.env.WASIP3_WASMTIME_VENV ?? join(root, '.venv-wasmtime') });
      expect(ok(r, 'run --host wasmtime')).toBe('result: [55]\n');
    });

    it('plain asc resolves wasip3-task-shim/assembly/sdk from node_modules', () => {
      const asc = join(scratch, 'proj', 'node_modules', '.bin', 'asc');
      const r = spawnSync(process.execPath, [asc, 'app.ts', '--runtime', 'minimal', '--use', 'ABI_VERSION=2', '--use', 'TRACE=0', '--transform', 'wasip3-task-shim/dist/host/toolchain/export-names.js', '-o', 'plain.wasm'], { cwd: app, encoding: 'utf8' });
      ok(r, 'asc app.ts');
      const names = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join(app, 'plain.wasm')))).map((e) => e.name);
      expect(names).toContain('[async-lift]triangle');
      expect(names).toContain('[callback][async-lift]triangle');
    }, 120_000);
  });
});
