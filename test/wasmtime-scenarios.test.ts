// The guest's scenarios on Wasmtime: the composed components (runner +
// laundry) run through the project's adapter over libwasmtime's C API. V2
// returns the scenario's value; V1 passes `control` and traps on the three
// bugs, with the guest's abort text on stderr naming the violation and
// Wasmtime's own trap message.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageRoot } from '../host/guest/builds.js';
import { guestScenarios } from '../host/scenarios/index.js';
import { abortViolationKind, composedPath } from '../host/jco/scenarios.js';
import { abortMessages } from '../host/jco/run.js';
import { runOnWasmtime, WASMTIME_VERSION } from '../host/wasmtime/run.js';
import { describeWithWasmtime } from './wasmtime-helpers.js';

describeWithWasmtime('the guest scenarios on Wasmtime', () => {
  it(`runs wasmtime ${WASMTIME_VERSION} with the async component model`, async () => {
    const run = await runOnWasmtime(composedPath(2), 'control');
    expect(run.wasmtime).toBe(WASMTIME_VERSION);
    expect(run.signature).toEqual({ params: [], result: 'u32', async: true });
  });

  for (const scenario of guestScenarios) {
    it(`V2 ${scenario.name} returns ${scenario.expectedResult.join(', ')}`, async () => {
      const run = await runOnWasmtime(composedPath(2), scenario.name);
      expect(run.error, run.stderr).toBeUndefined();
      expect(run.trap, run.stderr).toBeUndefined();
      expect(run.result).toEqual([...scenario.expectedResult]);
      expect(abortMessages(run.stderr)).toEqual([]);
      expect(run.callMs).toBeGreaterThan(0);
    });

    const bug = scenario.bug;
    if (!bug) {
      it(`V1 ${scenario.name} returns ${scenario.expectedResult.join(', ')}`, async () => {
        const run = await runOnWasmtime(composedPath(1), scenario.name);
        expect(run.trap, run.stderr).toBeUndefined();
        expect(run.result).toEqual([...scenario.expectedResult]);
      });
    } else {
      it(`V1 ${scenario.name} traps with the guest's abort text naming ${bug.kinds.join(' or ')}`, async () => {
        const run = await runOnWasmtime(composedPath(1), scenario.name);
        expect(run.result).toBeUndefined();
        expect(run.trap, JSON.stringify(run)).toBeDefined();
        // Wasmtime's own words for the guest's `unreachable` after its abort handler.
        expect(run.trap!.message).toMatch(/wasm trap: wasm `unreachable` instruction executed/);
        expect(run.trap!.detail).toMatch(/wasm backtrace/);
        const aborts = abortMessages(run.stderr);
        expect(aborts.length, run.stderr).toBe(1);
        expect(bug.kinds).toContain(abortViolationKind(aborts[0]));
        if (scenario.name === 'block-on-stale') expect(aborts[0]).toMatch(/#1618/);
      });
    }
  }

  it('run --host wasmtime: the result and exit 0, a trap with the guest\'s stderr passed through and exit 1, --json', () => {
    const bin = join(packageRoot, 'bin', 'wasip3-task.js');
    const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'run', ...args, '--host', 'wasmtime'], { encoding: 'utf8' });
    const ok = cli(composedPath(2), '--invoke', 'block-on-stale');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('result: [258]\n');
    const trap = cli(composedPath(1), '--invoke', 'block-on-stale');
    expect(trap.status).toBe(1);
    expect(trap.stderr).toMatch(/^abort: .*#1618/m);
    expect(trap.stdout).toMatch(/^trap guest-abort: .*#1618/);
    const json = cli(composedPath(1), '--invoke', 'moved-waitable', '--json');
    expect(json.status).toBe(1);
    const o = JSON.parse(json.stdout);
    expect(o.host).toBe('wasmtime');
    expect(o.wasmtime).toBe(WASMTIME_VERSION);
    expect(o.trap.code).toBe('guest-abort');
    expect(o.trap.wasmtime.message).toMatch(/unreachable/);
    expect(o.stderr).toMatch(/registration left behind/);
    const late = cli(composedPath(2), '--invoke', 'control', '--timeout', '0.001');
    expect(late.status).toBe(1);
    expect(late.stdout).toMatch(/^trap timeout: no result after 1 ms \(killed\)/);
    const core = cli(join(packageRoot, 'build', 'guest-v2.wasm'), '--invoke', 'control');
    expect(core.status).toBe(2);
    expect(core.stderr).toMatch(/runs components/);
  });
});
