/**
 * The guest's scenarios under jco: the composed component of a build
 * (build/composed-vN.wasm: the runner component with the laundry component as
 * its `launder` peer) runs one export in the JSPI Node. The outcome is judged
 * as on the embedded host, from what jco shows:
 *
 * - `pass`: the export returned the scenario's expected value;
 * - `reproduced`: the guest trapped, and its abort text (on wasi:cli/stderr,
 *   served by preview2-shim) names a task-ABI violation;
 * - `fail`: anything else (a wrong value, another trap, a hang, a runner error).
 *
 * Under jco the guest has no trace import (TRACE=0): it detects the violation
 * itself and traps, which is all jco can see.
 */
import { join } from 'node:path';
import { packageRoot, abiName, type AbiName, type AbiVersion } from '../guest/builds.js';
import type { GuestScenario, Outcome } from '../scenarios/run.js';
import type { ViolationKind } from '../trace/violation.js';
import { abortMessages, runOnJco, type JcoRun, type JcoRunOptions } from './run.js';

export const composedPath = (abi: AbiVersion): string => join(packageRoot, 'build', `composed-${abiName(abi)}.wasm`);
export const componentPath = (abi: AbiVersion): string => join(packageRoot, 'build', `component-${abiName(abi)}.wasm`);
export const laundryPath = (): string => join(packageRoot, 'build', 'laundry.wasm');

/** How a guest abort text names each violation kind, most specific cause first. */
const NAMES: readonly [ViolationKind, RegExp][] = [
  ['stale-registration', /#1618|stale registration/i],
  ['use-after-free', /use[- ]after[- ]free|points into (a )?freed|a freed completion status/i],
  ['wrong-task-unregister', /wrong[- ]task/i],
  ['bad-drop', /bad[- ]drop|drop without a live reference/i],
  ['registration-left-behind', /registration left behind|registrations? remain/i],
  ['clone-leaked', /clone[- ]leaked|never dropped/i],
  ['callback-count', /callback[- ]count|more than one callback/i],
];

/** The violation kinds an abort text names, most specific first. */
export function namedViolations(text: string): ViolationKind[] {
  return NAMES.filter(([, re]) => re.test(text)).map(([k]) => k);
}

export interface JcoScenarioRun {
  scenario: string;
  abi: AbiName;
  outcome: Outcome;
  expected: Outcome;
  /** The export's value as a task.return list, when it returned. */
  result?: number[];
  /** The guest's abort text, when it trapped through its abort handler. */
  abort?: string;
  /** The violation kinds the abort text names. */
  violations: ViolationKind[];
  diagnosis: string;
  run: JcoRun;
}

export async function runJcoScenario(scenario: GuestScenario, abi: AbiVersion, opts: JcoRunOptions = {}): Promise<JcoScenarioRun> {
  const run = await runOnJco(composedPath(abi), scenario.name, [], opts);
  const aborts = abortMessages(run.stderr);
  const abort = aborts.length ? aborts.join(' / ') : undefined;
  const violations = abort ? namedViolations(abort) : [];
  const result = typeof run.result === 'number' ? [run.result >>> 0] : undefined;
  let outcome: Outcome;
  let diagnosis: string;
  if (run.error) {
    outcome = 'fail';
    diagnosis = `jco run error: ${run.error}`;
  } else if (run.trap) {
    if (violations.length > 0) {
      outcome = 'reproduced';
      diagnosis = `guest trap (${run.trap.name}: ${run.trap.message}) after abort: ${abort}`;
    } else {
      outcome = 'fail';
      diagnosis = `trap ${run.trap.name}: ${run.trap.message}${abort ? `; abort: ${abort}` : ' (no abort text on stderr)'}`;
    }
  } else if ('result' in run) {
    const want = scenario.expectedResult;
    if (result && result.length === want.length && result.every((v, i) => v === want[i] >>> 0)) {
      outcome = 'pass';
      diagnosis = `returned [${result.join(', ')}]`;
    } else {
      outcome = 'fail';
      diagnosis = `returned ${JSON.stringify(run.result)}, expected [${want.join(', ')}]`;
    }
  } else {
    outcome = 'fail';
    diagnosis = 'no result and no trap';
  }
  return { scenario: scenario.name, abi: abiName(abi), outcome, expected: scenario.expected[abiName(abi)], result, abort, violations, diagnosis, run };
}
