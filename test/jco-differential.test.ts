// The differential check: every scenario on both ABI builds, under
// jco (the composed component: runner + laundry, in the pinned JSPI Node 24)
// and under our embedded host (the core-module build); the outcomes must be
// the same, and the expected ones. A mismatch prints both sides in full.
//
// No silent skip: without the JSPI Node the suite fails, saying how to get it.
import { describe, it, expect, beforeAll } from 'vitest';
import { guestScenarios } from '../host/scenarios/index.js';
import { primary, runGuestScenario, type ScenarioRun } from '../host/scenarios/run.js';
import { renderTimeline } from '../host/trace/diagram.js';
import { abortViolationKind, runJcoScenario, type JcoScenarioRun } from '../host/jco/scenarios.js';
import { jspiNode } from '../host/jco/run.js';
import { runComponentScenario, type ComponentScenarioRun } from '../host/scenarios/component.js';
import type { AbiVersion } from '../host/guest/builds.js';
// @ts-expect-error: plain .mjs build script, no types
import { componentize } from '../scripts/componentize.mjs';

const ABIS: AbiVersion[] = [1, 2];
const cases = ABIS.flatMap((abi) => guestScenarios.map((scenario) => ({ abi, scenario })));
const key = (abi: AbiVersion, name: string) => `v${abi} ${name}`;

const jcoRuns = new Map<string, JcoScenarioRun>();
const embeddedRuns = new Map<string, ScenarioRun>();
const componentRuns = new Map<string, ComponentScenarioRun>();

/** Run `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
  }));
}

function describeBoth(j: JcoScenarioRun, e: ScenarioRun): string {
  return [
    `== jco ${j.run.jco} on ${j.run.node} (${j.run.component}) ==`,
    `outcome ${j.outcome}: ${j.diagnosis}`,
    `result ${JSON.stringify(j.run.result)}; trap ${JSON.stringify(j.run.trap)}; error ${j.run.error ?? '-'}; exit code ${j.run.exitCode}`,
    'guest stderr:',
    j.run.stderr.trimEnd() || '(empty)',
    'guest stdout:',
    j.run.stdout.trimEnd() || '(empty)',
    `== embedded host (build/guest-${e.abi}.wasm) ==`,
    `outcome ${e.outcome}: ${e.diagnosis}`,
    `result ${JSON.stringify(e.result)}; trap ${JSON.stringify(e.trap)}`,
    ...renderTimeline(e.events, e.violations, { taskNames: e.taskNames }),
  ].join('\n');
}

beforeAll(async () => {
  // Fails the whole suite (no skip) when the JSPI Node is not there.
  jspiNode();
  await componentize({ ifNeeded: true, quiet: true });
  await pool(cases, 4, async ({ abi, scenario }) => {
    const [j, e, c] = await Promise.all([runJcoScenario(scenario, abi), runGuestScenario(scenario, abi), runComponentScenario(scenario, abi)]);
    jcoRuns.set(key(abi, scenario.name), j);
    embeddedRuns.set(key(abi, scenario.name), e);
    componentRuns.set(key(abi, scenario.name), c);
  });
}, 120_000);

describe('jco vs the embedded host', () => {
  it.each(cases.map(({ abi, scenario }) => [key(abi, scenario.name), abi, scenario] as const))('%s: same outcome on both hosts, the expected one', (k, abi, scenario) => {
    const j = jcoRuns.get(k)!;
    const e = embeddedRuns.get(k)!;
    const both = describeBoth(j, e);
    expect(j.outcome, `outcomes differ for ${k}\n${both}`).toBe(e.outcome);
    expect(j.outcome, `unexpected outcome for ${k}\n${both}`).toBe(scenario.expected[abi === 1 ? 'v1' : 'v2']);
    if (j.outcome === 'reproduced') {
      // The same bug, exactly: the guest aborts once, naming one kind; the
      // embedded run's guest aborts naming the same kind; and that kind is the
      // first cause the embedded host's own trace checker found.
      expect(j.violations, `jco abort kinds for ${k}\n${both}`).toHaveLength(1);
      expect(abortViolationKind(e.trap?.message ?? ''), `the embedded guest's abort kind for ${k}\n${both}`).toBe(j.violations[0]);
      expect(primary(e.violations).kind, `the embedded checker's first cause for ${k}\n${both}`).toBe(j.violations[0]);
    } else {
      expect(j.result, `different results for ${k}\n${both}`).toEqual(e.result);
    }
  });

  it.each(cases.map(({ abi, scenario }) => [key(abi, scenario.name)] as const))('%s: the embedded component host agrees with jco on the same component', (k) => {
    const j = jcoRuns.get(k)!;
    const c = componentRuns.get(k)!;
    const both = `jco: ${j.outcome} (${j.diagnosis})\nembedded component: ${c.outcome} (${c.diagnosis})`;
    expect(c.outcome, both).toBe(j.outcome);
    expect(c.violations, both).toEqual(j.violations);
    expect(c.result, both).toEqual(j.result);
  });

  it('the three bugs carry three different kinds, the same on both hosts', () => {
    const kinds = ['block-on-stale', 'drop-outside-task', 'moved-waitable'].map((n) => jcoRuns.get(key(1, n))!.violations);
    expect(kinds).toEqual([['use-after-free'], ['wrong-task-unregister'], ['registration-left-behind']]);
  });

  it('V1 reproduces #1618 under jco with the guest\'s own message on stderr', () => {
    const j = jcoRuns.get(key(1, 'block-on-stale'))!;
    expect(j.run.stderr).toContain('#1618');
    expect(j.run.trap?.message).toMatch(/unreachable/);
  });
});
