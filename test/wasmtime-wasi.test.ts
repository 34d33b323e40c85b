// WASI p2 on the component hosts: a component that writes a line to
// wasi:cli/stdout and one to wasi:cli/stderr (test/wat/hello.core.wat, made a
// component here with jco's componentEmbed + componentNew and
// test/wat/hello.wit). Wasmtime must pass both through, as jco and the
// embedded host's WASI subset do, and the CLI must show them live.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageRoot } from '../host/guest/builds.js';
import { compare } from '../host/cli/compare.js';
import { runOnWasmtime } from '../host/wasmtime/run.js';
import { describeWithWasmtime } from './wasmtime-helpers.js';

const dir = join(packageRoot, 'test', 'wat');
const tmp = mkdtempSync(join(tmpdir(), 'wasip3-hello-'));
const file = join(tmp, 'hello.wasm');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeWithWasmtime('WASI p2 output on Wasmtime', () => {
  beforeAll(async () => {
    const core = await parse(readFileSync(join(dir, 'hello.core.wat'), 'utf8'));
    const embedded = await componentEmbed({ binary: core, witSource: readFileSync(join(dir, 'hello.wit'), 'utf8'), world: 'hello', stringEncoding: 'utf8' });
    writeFileSync(file, await componentNew(embedded));
  });

  it('the guest\'s stdout and stderr reach the adapter\'s fd 1 and 2', async () => {
    const run = await runOnWasmtime(file, 'hello', [3]);
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual([4]);
    expect(run.stdout).toBe('out: hello\n');
    expect(run.stderr).toBe('err: hello\n');
  });

  it('the CLI passes them through live, and the embedded host and jco agree', async () => {
    const r = spawnSync(process.execPath, [join(packageRoot, 'bin', 'wasip3-task.js'), 'run', file, '--invoke', 'hello', '--args', '[41]', '--host', 'wasmtime'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('out: hello\nresult: [42]\n');
    expect(r.stderr).toBe('err: hello\n');
    const c = await compare(file, { invoke: 'hello', args: '[1]' });
    expect(c.agree, JSON.stringify(c, null, 2)).toBe(true);
    expect(c.hosts.map((h) => [h.host, h.result, h.stderr])).toEqual([['embedded', [2], 'err: hello\n'], ['jco', [2], 'err: hello\n'], ['wasmtime', [2], 'err: hello\n']]);
  });
});
