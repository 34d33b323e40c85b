/**
 * The compatibility matrix: executor in {guest V1, guest V2, host V1, host V2}
 * x importer in {guest V1-only, guest V2-aware, host V1-only, host V2-aware}
 * x the scenarios. A guest executor pairs only with the guest importer of the
 * same build (they are one module); every pairing across versions goes
 * through the host. Each cell runs in a fresh store and is judged from its
 * trace by the invariant checker.
 */
import { Store, Trap, U8 } from '../canon/index.js';
import { Guest } from '../guest/guest.js';
import { TaskAbiEnv } from '../task-abi/env.js';
import { Trace, type TraceEvent } from '../trace/trace.js';
import { InvariantChecker } from '../trace/invariants.js';
import type { Violation } from '../trace/violation.js';
import { primary, type TrapInfo } from '../scenarios/run.js';
import { matrixScenarios, type MatrixScenario, type ScenarioContext } from './scenarios.js';
import { guestExecutor, guestImporter, hostExecutor, hostImporter, type SideSpec } from './sides.js';

export interface Pairing {
  executor: SideSpec;
  importer: SideSpec;
}

export const executorLabel = (s: SideSpec) => `${s.side} V${s.version}`;
export const importerLabel = (s: SideSpec) => `${s.side} ${s.version === 1 ? 'V1-only' : 'V2-aware'}`;

/** Every pairing, in table row order. */
export function pairings(): Pairing[] {
  const out: Pairing[] = [];
  const versions = [1, 2] as const;
  for (const ev of versions) {
    out.push({ executor: { side: 'guest', version: ev }, importer: { side: 'guest', version: ev } });
    for (const iv of versions) out.push({ executor: { side: 'guest', version: ev }, importer: { side: 'host', version: iv } });
  }
  for (const ev of versions) {
    for (const side of ['guest', 'host'] as const) {
      for (const iv of versions) out.push({ executor: { side: 'host', version: ev }, importer: { side, version: iv } });
    }
  }
  return out;
}

export interface Cell {
  executor: string;
  importer: string;
  scenario: string;
  /** `pass`, or the name of the bug the rules say reproduces. */
  expected: string;
  /** `pass`, the bug's name, or `fail: …` when something else happened. */
  actual: string;
  violations: Violation[];
  trap?: TrapInfo;
  diagnosis: string;
  events: TraceEvent[];
  taskNames: ReadonlyMap<string, string>;
}

/** The rule: the strong reference exists only when the executor publishes V2 and the importer is V2-aware. */
export function expectedOutcome(p: Pairing, scenario: MatrixScenario): string {
  if (!scenario.bug) return 'pass';
  return p.executor.version >= 2 && p.importer.version >= 2 ? 'pass' : scenario.bug.name;
}

class ScenarioCheckFailed extends Error {}

/** `timeoutMs`: deadline of the cell's instantiation and run (Store `timeoutMs`; default none). */
export async function runCell(p: Pairing, scenario: MatrixScenario, opts: { canon?: boolean; timeoutMs?: number } = {}): Promise<Cell> {
  // The guest module: the executor's build, else the importer's, else any (it then only provides memory, table and slot).
  const build = (p.executor.side === 'guest' ? p.executor.version : p.importer.side === 'guest' ? p.importer.version : 2) >= 2 ? 2 : 1;
  if (p.executor.side === 'guest' && p.importer.side === 'guest' && p.executor.version !== p.importer.version) {
    throw new Error('a guest executor pairs only with the guest importer of the same build');
  }
  const trace = new Trace(opts.canon ?? false);
  const store = new Store({ trace, timeoutMs: opts.timeoutMs });
  let guest: Guest;
  let env: TaskAbiEnv;
  try {
    guest = Guest.instantiate(store, build, { name: `guest-${build === 1 ? 'v1' : 'v2'}` });
    env = await TaskAbiEnv.create(guest);
  } catch (e) {
    // A trap before the scenario runs (the deadline passed while instantiating): the cell fails with it.
    if (!(e instanceof Trap)) throw e;
    const trap: TrapInfo = { code: e.code, message: e.message, instance: e.instance, task: e.task };
    const checker = InvariantChecker.check(trace.events);
    return {
      executor: executorLabel(p.executor), importer: importerLabel(p.importer), scenario: scenario.name,
      expected: expectedOutcome(p, scenario), actual: `fail: trap ${trap.code}`, violations: [], trap,
      diagnosis: `${trap.message} (before the scenario ran)`, events: trace.events, taskNames: checker.names.asMap(),
    };
  }
  const exec = p.executor.side === 'guest' ? guestExecutor(guest, env) : hostExecutor(env, p.executor.version);
  const imp = p.importer.side === 'guest' ? guestImporter(guest) : hostImporter(env, p.importer.version >= 2 ? 2 : 1);
  const inst = guest.instance;
  const peer = store.hostInstance('peer');
  const extra: Violation[] = [];
  const problems: string[] = [];
  const names = () => InvariantChecker.check(trace.events, { endOfRun: false }).names;

  const ctx: ScenarioContext = {
    exec,
    imp,
    memory: inst.memory,
    enter: (task) => guest.slotSet(task),
    leave: (prev) => void guest.slotSet(prev),
    stream() {
      const ends = inst.canon.streamNew(U8);
      const readable = Number(ends & 0xffffffffn);
      const writable = Number(ends >> 32n);
      const end = inst.takeReadableStream(readable);
      return { writable, peerRead: () => peer.read(end, 1, () => undefined) };
    },
    readStream() {
      const { readable, writable } = peer.streamNew(U8);
      return { readable: inst.addReadableStream(readable), peerWrite: () => peer.write(writable, new Uint8Array([1]), () => undefined) };
    },
    note: (text) => trace.note(guest.name, text),
    exit(task) {
      const left = exec.exit(task);
      if (left !== 0) {
        const ptr = exec.ptrOf(task);
        const name = names().get(guest.name, ptr);
        extra.push({
          kind: 'registration-left-behind', instance: guest.name, task: ptr, waitable: 0, ptr,
          message: `${name} cannot exit: ${left} registration(s) remain, so it would wait forever`,
        });
      }
    },
    check(cond, what) {
      if (!cond) throw new ScenarioCheckFailed(what);
    },
  };

  let trap: TrapInfo | undefined;
  const driver = inst.newTask(`matrix/${scenario.name}`, 'sync');
  try {
    store.run(() => inst.enter(driver, () => scenario.run(ctx)));
  } catch (e) {
    if (e instanceof ScenarioCheckFailed) problems.push(e.message);
    else if (e instanceof Trap && e.cause instanceof ScenarioCheckFailed) problems.push(e.cause.message);
    else if (e instanceof Trap) trap = { code: e.code, message: e.message, instance: e.instance, task: e.task };
    else throw e;
  }
  const checker = InvariantChecker.check(trace.events);
  const violations = [...checker.violations, ...extra];
  const expected = expectedOutcome(p, scenario);
  let actual: string;
  let diagnosis: string;
  if (violations.length > 0) {
    const cause = primary(violations);
    actual = scenario.bug && scenario.bug.kinds.includes(cause.kind) ? scenario.bug.name : `fail: ${cause.kind}`;
    diagnosis = `${cause.kind}: ${cause.message}`;
  } else if (trap) {
    actual = `fail: trap ${trap.code}`;
    diagnosis = trap.message;
  } else if (problems.length > 0) {
    actual = 'fail: check';
    diagnosis = problems.join('; ');
  } else {
    actual = 'pass';
    diagnosis = 'no violation; every clone dropped; every registration resolved';
  }
  return {
    executor: executorLabel(p.executor),
    importer: importerLabel(p.importer),
    scenario: scenario.name,
    expected,
    actual,
    violations,
    trap,
    diagnosis,
    events: trace.events,
    taskNames: checker.names.asMap(),
  };
}

export async function runMatrix(opts: { canon?: boolean; scenarios?: readonly MatrixScenario[]; timeoutMs?: number } = {}): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const p of pairings()) {
    for (const s of opts.scenarios ?? matrixScenarios) cells.push(await runCell(p, s, opts));
  }
  return cells;
}


