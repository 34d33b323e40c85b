// Shared by the test/wasmtime-*.test.ts suites: whether the Wasmtime host is
// installed, and what to do when it is not. Outside CI a missing Wasmtime
// makes the suites report themselves as skipped, with the reason in the name
// of a skipped test; in CI (CI=true) it fails them, so CI never passes without
// running the three-way checks.
import { describe, it } from 'vitest';
import { wasmtimeStatus } from '../host/wasmtime/run.js';

export const wasmtime = wasmtimeStatus();
export const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** `describe` when Wasmtime is installed; otherwise a skipped (or, in CI, failing) test that says why. */
export function describeWithWasmtime(name: string, body: () => void): void {
  if (wasmtime.ok) {
    describe(name, body);
    return;
  }
  const reason = wasmtime.reason;
  if (inCI) {
    describe(name, () => {
      it('has Wasmtime installed (CI must run the Wasmtime tests; .ci/run installs it)', () => {
        throw new Error(reason);
      });
    });
  } else {
    console.warn(`${name}: skipped, ${reason}`);
    describe(name, () => {
      it.skip(`not run: ${reason}`, () => {});
    });
  }
}
