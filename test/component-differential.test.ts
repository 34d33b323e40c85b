// The embedded component host against the embedded core-module host: every
// scenario on both ABI builds, the composed component (runner + laundry)
// loaded by the component loader against the core-module build driven by
// the host's own trace checker. Same outcome, the expected one, the same
// result, and for a reproduced bug the same violation kind (the guest's abort
// text names exactly the checker's first cause). Runs on Node 20, no JSPI.
import { describe, expect, it } from 'vitest';
import { guestScenarios } from '../host/scenarios/index.js';
import { primary, runGuestScenario } from '../host/scenarios/run.js';
import { runComponentScenario } from '../host/scenarios/component.js';
import type { AbiVersion } from '../host/guest/builds.js';

const ABIS: AbiVersion[] = [1, 2];
const cases = ABIS.flatMap((abi) => guestScenarios.map((s) => [`v${abi} ${s.name}`, abi, s] as const));

describe('embedded component host vs embedded core-module host', () => {
  it.each(cases)('%s', async (k, abi, scenario) => {
    const [c, e] = await Promise.all([runComponentScenario(scenario, abi), runGuestScenario(scenario, abi)]);
    const both = `component: ${c.outcome} (${c.diagnosis}); stderr ${JSON.stringify(c.stderr)}\ncore module: ${e.outcome} (${e.diagnosis})`;
    expect(c.outcome, `outcomes differ for ${k}\n${both}`).toBe(e.outcome);
    expect(c.outcome, `unexpected outcome for ${k}\n${both}`).toBe(scenario.expected[abi === 1 ? 'v1' : 'v2']);
    if (c.outcome === 'reproduced') {
      expect(c.violations, both).toHaveLength(1);
      expect(c.violations[0], both).toBe(primary(e.violations).kind);
      expect(c.trap?.code, both).toBe('wasm-trap');
    } else {
      expect(c.result, both).toEqual(e.result);
      expect(c.stderr, both).toBe('');
    }
  });
});
