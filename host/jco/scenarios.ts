/**
 * The guest's scenarios under jco: the composed component of a build
 * (build/composed-vN.wasm: the runner component with the laundry component as
 * its `launder` peer) runs one export in the JSPI Node. The outcome is judged
 * as on the embedded host, from what jco shows:
 *
 * - `pass`: the export returned the scenario's expected value;
 * - `reproduced`: the guest trapped, and its abort text (on wasi:cli/stderr,
 *   served by preview2-shim) carries a task-ABI violation kind that is the
 *   scenario's own bug;
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

/** Every violation kind, as the host names them (checked against the union below). */
export const VIOLATION_KINDS = [
  'stale-registration', 'use-after-free', 'registration-left-behind', 'clone-leaked', 'bad-drop', 'callback-count', 'wrong-task-unregister',
] as const satisfies readonly ViolationKind[];
// Fails to compile when ViolationKind gains a member the list lacks.
const allKinds: Exclude<ViolationKind, (typeof VIOLATION_KINDS)[number]> extends never ? true : never = true;
void allKinds;

/**
 * The violation kind a guest abort text carries: the guest writes
 * `violation <kind>: <what happened>` (assembly/violation.ts), with the kind
 * exactly as the host names it. Undefined for any other text.
 */
export function abortViolationKind(text: string): ViolationKind | undefined {
  const m = /(?:^|\s)violation ([a-z-]+): /.exec(text);
  return m && (VIOLATION_KINDS as readonly string[]).includes(m[1]) ? (m[1] as ViolationKind) : undefined;
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
  /** The violation kind each abort line carries (one per line that names one). */
  violations: ViolationKind[];
  diagnosis: string;
  run: JcoRun;
}

/** What a component host showed of one scenario run, for `judgeComponentRun`. */
export interface ComponentRunView {
  /** The host could not run it at all (not a guest trap). */
  error?: string;
  /** The guest trapped: its name and message as the host reports them. */
  trap?: { name: string; message: string };
  /** What the guest wrote to stderr (its abort text). */
  stderr: string;
  /** The export's value, when it returned. */
  value?: unknown;
  returned: boolean;
}

/**
 * Judges a scenario run on a component host (jco, or the embedded component
 * host) from what the host shows: `pass` when the export returned the
 * scenario's value, `reproduced` when the guest trapped and its abort text
 * names the scenario's own bug, `fail` otherwise.
 */
export function judgeComponentRun(scenario: GuestScenario, abi: AbiVersion, v: ComponentRunView): Omit<JcoScenarioRun, 'run'> {
  const aborts = abortMessages(v.stderr);
  const abort = aborts.length ? aborts.join(' / ') : undefined;
  const violations = aborts.map(abortViolationKind).filter((k): k is ViolationKind => k !== undefined);
  const result = typeof v.value === 'number' ? [v.value >>> 0] : undefined;
  let outcome: Outcome;
  let diagnosis: string;
  if (v.error) {
    outcome = 'fail';
    diagnosis = `run error: ${v.error}`;
  } else if (v.trap) {
    const bug = scenario.bug;
    if (violations.length > 0 && bug?.kinds.includes(violations[0]!)) {
      outcome = 'reproduced';
      diagnosis = `guest trap (${v.trap.name}: ${v.trap.message}) after abort: ${abort}`;
    } else if (violations.length > 0) {
      outcome = 'fail';
      diagnosis = `violation ${violations[0]}, which is not this scenario's bug${bug ? ` (${bug.name}: ${bug.kinds.join(' or ')})` : ''}; abort: ${abort}`;
    } else {
      outcome = 'fail';
      diagnosis = `trap ${v.trap.name}: ${v.trap.message}${abort ? `; abort: ${abort}` : ' (no abort text on stderr)'}`;
    }
  } else if (v.returned) {
    const want = scenario.expectedResult;
    if (result && result.length === want.length && result.every((x, i) => x === want[i]! >>> 0)) {
      outcome = 'pass';
      diagnosis = `returned [${result.join(', ')}]`;
    } else {
      outcome = 'fail';
      diagnosis = `returned ${JSON.stringify(v.value)}, expected [${want.join(', ')}]`;
    }
  } else {
    outcome = 'fail';
    diagnosis = 'no result and no trap';
  }
  return { scenario: scenario.name, abi: abiName(abi), outcome, expected: scenario.expected[abiName(abi)], result, abort, violations, diagnosis };
}

export async function runJcoScenario(scenario: GuestScenario, abi: AbiVersion, opts: JcoRunOptions = {}): Promise<JcoScenarioRun> {
  const run = await runOnJco(composedPath(abi), scenario.name, [], opts);
  const judged = judgeComponentRun(scenario, abi, {
    error: run.error,
    trap: run.trap,
    stderr: run.stderr,
    value: run.result,
    returned: 'result' in run,
  });
  return { ...judged, run };
}
