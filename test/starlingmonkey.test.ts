/**
 * A real-world WASI 0.2 program on the embedded host: a JavaScript program
 * compiled into a component by componentize-js (jco's dependency, in
 * node_modules after `npm ci`), which embeds the StarlingMonkey engine
 * (SpiderMonkey) — a 12 MB component importing 16 `wasi:*@0.2.x` interfaces
 * (io/poll, streams, clocks, random, filesystem, the terminal ones), built
 * by the ecosystem's own tools rather than this project's. Its `run`
 * prints, waits on a real timer (monotonic-clock subscribe + io/poll),
 * reads random bytes and the wall clock; `greet` and `sum` are typed
 * exports (scripts/starlingmonkey.mjs). jco and Wasmtime run it too, and
 * must agree. Nothing of it is in the repository: it is built on first use
 * and cached under build/test-cache/.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ComponentCallError, loadComponent } from '../host/component/api.js';
import { wasiHostFor } from '../host/wasi/host.js';
import { describeWithWasmtime } from './wasmtime-helpers.js';
// @ts-expect-error: a plain .mjs module of the build scripts, no types
import { starlingMonkeyComponent } from '../scripts/starlingmonkey.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let file = '';

beforeAll(async () => {
  file = await starlingMonkeyComponent(root);
}, 300_000);

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'wasip3-task.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('a StarlingMonkey (componentize-js) WASI 0.2 program on the embedded host, Node 20, no JSPI', { timeout: 120_000 }, () => {
  it('decodes and validates: its 16 WASI 0.2 imports and three exports', () => {
    const c = loadComponent(readFileSync(file));
    const imports = c.imports.map((i) => i.name);
    expect(imports).toHaveLength(16);
    for (const name of imports) expect(name).toMatch(/^wasi:[a-z-]+\/[a-z-]+@0\.2\.\d+$/);
    expect(imports).toEqual(expect.arrayContaining(['wasi:io/poll@0.2.12', 'wasi:clocks/monotonic-clock@0.2.12', 'wasi:filesystem/preopens@0.2.12', 'wasi:random/random@0.2.12']));
    expect(c.exports.map((e) => e.name).sort()).toEqual(['greet', 'sum', 'wasi:cli/run@0.2.3']);
  });

  it('`run` prints to stdout and stderr, waits on a real timer, reads random bytes and the wall clock; exit 0', () => {
    const r = cli('run', file);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('hello from StarlingMonkey');
    expect(lines[1]).toBe('timer fired late enough: true');
    expect(lines[2]).toMatch(/^random [0-9a-f]{16}$/);
    expect(Number(lines[3]!.slice('year '.length))).toBeGreaterThanOrEqual(2026);
    expect(lines).toHaveLength(4);
    expect(r.err).toBe('to stderr\n');
    // real random: another run reads other bytes
    expect(cli('run', file).out.split('\n')[2]).not.toBe(lines[2]);
  });

  it('--deterministic: two runs print exactly the same, and the virtual clock still lets the timer fire', () => {
    const a = cli('run', file, '--deterministic');
    const b = cli('run', file, '--deterministic');
    expect(a.code, a.err).toBe(0);
    expect(a.out).toContain('timer fired late enough: true\n');
    expect(a.out).toMatch(/random [0-9a-f]{16}\n/);
    expect(b.out).toBe(a.out);
    expect(b.err).toBe(a.err);
  });

  it('--invoke calls its typed exports; a wrong argument type is bad-args (exit 2), one line', () => {
    expect(cli('run', file, '--invoke', 'greet', '--args', '["wasm"]').out).toBe('result: ["hello, wasm!"]\n');
    expect(cli('run', file, '--invoke', 'sum', '--args', '[[1,2,3,40000]]').out).toBe('result: [40006]\n');
    const bad = cli('run', file, '--invoke', 'greet', '--args', '[5]');
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toMatch(/^error \[bad-args\]: .*wrong-js-type.*param 'name'/);
    expect(bad.err).not.toMatch(/\n\s+at /);
  });

  it('jco gives the same results for the typed exports (--host jco)', () => {
    for (const [f, args] of [['greet', '["jco"]'], ['sum', '[[7,8,9]]']] as const) {
      const ours = cli('run', file, '--invoke', f, '--args', args);
      const theirs = cli('run', file, '--invoke', f, '--args', args, '--host', 'jco');
      expect(theirs.code, theirs.err).toBe(0);
      expect(ours.out).toBe(theirs.out);
    }
  });

  it('in-process through the API: many calls on one instance, a refused argument leaves it working', async () => {
    const c = loadComponent(readFileSync(file));
    const wasi = await wasiHostFor(c, {});
    const x = c.instantiate(wasi.imports, { store: wasi.store }).exports as Record<string, (...a: unknown[]) => Promise<unknown>>;
    for (let i = 0; i < 200; i++) expect(await x['greet']!(`n${i} ✓`)).toBe(`hello, n${i} ✓!`);
    const e = await x['sum']!([1, -1]).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ComponentCallError);
    expect((e as ComponentCallError).rule).toBe('bad-value');
    expect((e as Error).message).toContain('[integer-out-of-range]');
    expect(await x['sum']!(new Uint32Array([5, 6, 7]))).toBe(18);
  });
});

describeWithWasmtime('the same StarlingMonkey program under Wasmtime (--host wasmtime)', () => {
  it('returns the same typed results', () => {
    for (const [f, args] of [['greet', '["wasmtime"]'], ['sum', '[[7,8,9]]']] as const) {
      const theirs = cli('run', file, '--invoke', f, '--args', args, '--host', 'wasmtime');
      expect(theirs.code, theirs.err).toBe(0);
      expect(theirs.out).toBe(cli('run', file, '--invoke', f, '--args', args).out);
    }
  }, 120_000);

  it('its run: the same output, or (Wasmtime 49: its C API has no Tokio reactor for the clock pollable) a host-crash trap, exit 1, never an internal error', () => {
    const r = cli('run', file, '--invoke', 'wasi:cli/run@0.2.3#run', '--host', 'wasmtime');
    expect(r.out.split('\n')[0]).toBe('hello from StarlingMonkey');
    expect(r.err).not.toMatch(/internal error/);
    if (r.code === 0) expect(r.out).toMatch(/timer fired late enough: true\n/);
    else {
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/\ntrap host-crash: Wasmtime aborted while running wasi:cli\/run@0\.2\.3#run: panic: /);
    }
  }, 120_000);
});
