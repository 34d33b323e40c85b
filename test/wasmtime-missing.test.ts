// Without Wasmtime: a virtual environment that does not exist, or one whose
// Python lacks the `wasmtime` package. Every entry point says "not installed"
// and how to install it; `run --host wasmtime` is a usage error (exit 2);
// `compare` lists Wasmtime as not run, with the reason. These run everywhere,
// Wasmtime installed or not.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../host/guest/builds.js';
import { composedPath } from '../host/jco/scenarios.js';
import { compare } from '../host/cli/compare.js';
import { runOnWasmtime, wasmtimeStatus, WasmtimeMissing, WASMTIME_VERSION } from '../host/wasmtime/run.js';

const bin = join(packageRoot, 'bin', 'wasip3-task.js');
const nowhere = join(tmpdir(), 'wasip3-no-such-venv');
const howTo = /not installed.*scripts\/install-wasmtime\.sh.*wasmtime==49\.0\.0/s;

// A "venv" whose python is the system's, without the wasmtime package.
const bare = mkdtempSync(join(tmpdir(), 'wasip3-bare-venv-'));
mkdirSync(join(bare, 'bin'));
const which = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim();
const hasPython = which !== '' && spawnSync(which, ['-c', 'import wasmtime'], { encoding: 'utf8' }).status !== 0;
if (which) symlinkSync(which, join(bare, 'bin', 'python'));
afterAll(() => rmSync(bare, { recursive: true, force: true }));

describe('a missing Wasmtime', () => {
  it('runOnWasmtime throws WasmtimeMissing with the how-to', async () => {
    const e = await runOnWasmtime(composedPath(2), 'control', [], { venv: nowhere }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WasmtimeMissing);
    expect((e as Error).message).toMatch(howTo);
    expect((e as Error).message).toContain(join(nowhere, 'bin', 'python'));
    expect(WASMTIME_VERSION).toBe('49.0.0');
  });

  it.skipIf(!hasPython)('a Python without the package: the adapter itself reports not-installed', async () => {
    const status = wasmtimeStatus({ venv: bare });
    expect(status.ok).toBe(false);
    if (!status.ok) expect(status.reason).toMatch(/cannot import the wasmtime package/);
    const e = await runOnWasmtime(composedPath(2), 'control', [], { venv: bare }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WasmtimeMissing);
    expect((e as Error).message).toMatch(/wasmtime Python package is not importable/);
    expect((e as Error).message).toMatch(howTo);
  });

  it('run --host wasmtime exits 2 and says how to install it', () => {
    const r = spawnSync(process.execPath, [bin, 'run', composedPath(2), '--invoke', 'control', '--host', 'wasmtime'], {
      encoding: 'utf8',
      env: { ...process.env, WASIP3_WASMTIME_VENV: nowhere },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\[wasmtime-not-installed\]/);
    expect(r.stderr).toMatch(howTo);
    expect(r.stdout).toBe('');
  });

  it('compare runs the other hosts and lists Wasmtime as not run, with the reason', async () => {
    const c = await compare(composedPath(2), { invoke: 'control', venv: nowhere });
    const wt = c.hosts.find((h) => h.host === 'wasmtime')!;
    expect(wt.status).toBe('not-run');
    expect(wt.reason).toMatch(howTo);
    expect(c.hosts.filter((h) => h.status === 'result').map((h) => [h.host, h.result])).toEqual([['embedded', [7]], ['jco', [7]]]);
    expect(c.agree).toBe(true);
  });
});
