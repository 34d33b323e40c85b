/**
 * Running a guest scenario export on the embedded host and judging it from
 * its trace: the outcome is `reproduced` when the invariant checker (or the
 * guest itself) found a task-ABI violation whose first cause is the
 * scenario's own bug, `pass` when the export returned what it should with no
 * violation and nothing left alive, `fail` otherwise (any other violation
 * included).
 */
import { Store, Trap } from '../canon/index.js';
import { Trace, type TraceEvent } from '../trace/trace.js';
import { InvariantChecker } from '../trace/invariants.js';
import type { Violation } from '../trace/violation.js';
import { Guest } from '../guest/guest.js';
import { abiName, type AbiName, type AbiVersion } from '../guest/builds.js';

export type Outcome = 'reproduced' | 'pass' | 'fail';

export interface TrapInfo {
  code: string;
  message: string;
  instance?: string;
  task?: string;
}

export interface ScenarioRun {
  scenario: string;
  abi: AbiName;
  outcome: Outcome;
  expected: Outcome;
  /** Values passed to `task.return`, when the export returned. */
  result?: number[];
  trap?: TrapInfo;
  violations: Violation[];
  /** One line: why the outcome is what it is. */
  diagnosis: string;
  events: TraceEvent[];
  /** `${instance}:${ptr}` -> E1, B1, … */
  taskNames: ReadonlyMap<string, string>;
}

export interface GuestScenario {
  /** The export's name (also the CLI's name for it). */
  name: string;
  summary: string;
  /** Text for the guest's step markers. */
  steps: readonly string[];
  /** The `task.return` values a passing run gives. */
  expectedResult: readonly number[];
  /** What each ABI build must give. */
  expected: Record<AbiName, Outcome>;
  /**
   * The bug the scenario reproduces (its name and the violation kinds that
   * are that bug), as the matrix scenario of the same name states it. A run
   * is `reproduced` only when its first cause is one of these kinds; another
   * violation is a `fail`.
   */
  bug?: { name: string; kinds: readonly Violation['kind'][] };
}

export interface RunOptions {
  /** Record canonical built-in calls in the trace too. */
  canon?: boolean;
  /** Poisoned blocks kept before reuse (guest default 8; 0 reuses addresses at once). */
  quarantine?: number;
  /** Deadline of the instantiation and of the scenario's call (Store `timeoutMs`; default none). */
  timeoutMs?: number;
}

/** The violations that name a cause, before those that are its consequences. */
const CAUSES: readonly Violation['kind'][] = [
  'use-after-free', 'stale-registration', 'wrong-task-unregister', 'bad-drop', 'registration-left-behind', 'clone-leaked', 'callback-count',
];

export function primary(violations: readonly Violation[]): Violation {
  return [...violations].sort((a, b) => CAUSES.indexOf(a.kind) - CAUSES.indexOf(b.kind) || (a.seq ?? Infinity) - (b.seq ?? Infinity))[0];
}

export function trapInfo(e: unknown): TrapInfo {
  if (e instanceof Trap) return { code: e.code, message: e.message, instance: e.instance, task: e.task };
  throw e;
}

export async function runGuestScenario(scenario: GuestScenario, abi: AbiVersion, opts: RunOptions = {}): Promise<ScenarioRun> {
  const trace = new Trace(opts.canon ?? false);
  const store = new Store({ trace, timeoutMs: opts.timeoutMs });
  let result: number[] | undefined;
  let trap: TrapInfo | undefined;
  let guest: Guest | undefined;
  try {
    // A trap while instantiating (the deadline) is the run's trap, as one in the call.
    guest = Guest.instantiate(store, abi, { stepText: (n) => `step ${n}: ${scenario.steps[n - 1] ?? ''}`.trimEnd() });
    if (opts.quarantine !== undefined) guest.setQuarantine(opts.quarantine);
    result = await guest.call(scenario.name);
  } catch (e) {
    trap = trapInfo(e);
  }
  const checker = InvariantChecker.check(trace.events);
  const violations = checker.violations;
  const problems: string[] = [];
  if (!trap) {
    const want = scenario.expectedResult;
    if (!result || result.length !== want.length || result.some((v, i) => v >>> 0 !== want[i])) {
      problems.push(`returned [${result?.join(', ')}], expected [${want.join(', ')}]`);
    }
    const left = { operations: guest!.liveOperations(), 'task states': guest!.liveSharedStates(), entries: guest!.liveEntries() };
    for (const [what, n] of Object.entries(left)) if (n !== 0) problems.push(`${n} ${what} still alive after the export exited`);
  }
  let outcome: Outcome;
  let diagnosis: string;
  if (violations.length > 0) {
    const cause = primary(violations);
    if (scenario.bug?.kinds.includes(cause.kind)) {
      outcome = 'reproduced';
      diagnosis = `${cause.kind}: ${cause.message}`;
    } else if (trap?.code === 'timeout') {
      // The host stopped the run: what it left unfinished (a registration never
      // called back) is the deadline's doing, not a finding about the task ABI.
      outcome = 'fail';
      diagnosis = `trap timeout: ${trap.message} (the run was stopped before it finished; its ${violations.length} violation(s) are what an unfinished run leaves behind)`;
    } else {
      outcome = 'fail';
      diagnosis = scenario.bug
        ? `${cause.kind}, which is not this scenario's bug (${scenario.bug.name}: ${scenario.bug.kinds.join(' or ')}): ${cause.message}`
        : `${cause.kind} in a scenario without a bug: ${cause.message}`;
    }
  } else if (trap) {
    outcome = 'fail';
    diagnosis = `trap ${trap.code}: ${trap.message}`;
  } else if (problems.length > 0) {
    outcome = 'fail';
    diagnosis = problems.join('; ');
  } else {
    outcome = 'pass';
    diagnosis = `returned [${result!.join(', ')}]; every clone dropped, no registration left, nothing alive`;
  }
  return {
    scenario: scenario.name,
    abi: abiName(abi),
    outcome,
    expected: scenario.expected[abiName(abi)],
    result,
    trap,
    violations,
    diagnosis,
    events: trace.events,
    taskNames: checker.names.asMap(),
  };
}
