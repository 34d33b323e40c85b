// The guest's scenarios on Wasmtime: the composed components (runner +
// laundry) run through the project's adapter over libwasmtime's C API. V2
// returns the scenario's value; V1 passes `control` and traps on the three
// bugs, with the guest's abort text on stderr naming the violation and
// Wasmtime's own trap message.
import { expect, it } from 'vitest';
import { guestScenarios } from '../host/scenarios/index.js';
import { composedPath, namedViolations } from '../host/jco/scenarios.js';
import { abortMessages } from '../host/jco/run.js';
import { runOnWasmtime, WASMTIME_VERSION } from '../host/wasmtime/run.js';
import { describeWithWasmtime } from './wasmtime-helpers.js';

/** The violation each V1 bug scenario's abort text must name. */
const v1Bug: Record<string, string> = {
  'block-on-stale': 'stale-registration',
  'drop-outside-task': 'registration-left-behind',
  'moved-waitable': 'registration-left-behind',
};

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

    const bug = v1Bug[scenario.name];
    if (!bug) {
      it(`V1 ${scenario.name} returns ${scenario.expectedResult.join(', ')}`, async () => {
        const run = await runOnWasmtime(composedPath(1), scenario.name);
        expect(run.trap, run.stderr).toBeUndefined();
        expect(run.result).toEqual([...scenario.expectedResult]);
      });
    } else {
      it(`V1 ${scenario.name} traps with the guest's abort text naming ${bug}`, async () => {
        const run = await runOnWasmtime(composedPath(1), scenario.name);
        expect(run.result).toBeUndefined();
        expect(run.trap, JSON.stringify(run)).toBeDefined();
        // Wasmtime's own words for the guest's `unreachable` after its abort handler.
        expect(run.trap!.message).toMatch(/wasm trap: wasm `unreachable` instruction executed/);
        expect(run.trap!.detail).toMatch(/wasm backtrace/);
        const aborts = abortMessages(run.stderr);
        expect(aborts.length, run.stderr).toBe(1);
        expect(namedViolations(aborts[0])).toContain(bug);
        if (scenario.name === 'block-on-stale') expect(aborts[0]).toMatch(/#1618/);
      });
    }
  }
});
