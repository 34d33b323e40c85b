/**
 * Random programs over two tasks and two operations, in every pairing.
 * An independent oracle says whether a program moves a registration across
 * tasks (polls it in another task, or drops it there, while it is registered
 * elsewhere). V2 on both sides: never a violation. Otherwise: violations
 * exactly when the oracle says the program crosses tasks, and every one named.
 * PROPERTY_RUNS raises the number of programs (default 300 per pairing group).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pairings, runCell, type Pairing } from '../host/matrix/run.js';
import type { MatrixScenario, ScenarioContext } from '../host/matrix/scenarios.js';
import type { Op } from '../host/matrix/sides.js';
import type { ViolationKind } from '../host/trace/violation.js';

type Cmd =
  | { k: 'poll'; op: 0 | 1; task: 0 | 1 }
  | { k: 'complete'; op: 0 | 1 }
  | { k: 'deliver'; task: 0 | 1 }
  | { k: 'drop'; op: 0 | 1; task: 0 | 1 };

const bit = fc.constantFrom(0 as const, 1 as const);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ k: fc.constant('poll' as const), op: bit, task: bit }),
  fc.record({ k: fc.constant('complete' as const), op: bit }),
  fc.record({ k: fc.constant('deliver' as const), task: bit }),
  fc.record({ k: fc.constant('drop' as const), op: bit, task: bit }),
);

interface OpModel {
  started: boolean;
  done: boolean;
  dropped: boolean;
  /** Task the registration lives in (-1: none). */
  reg: number;
  peerReading: boolean;
  completed: boolean;
}

/** Does the program move a live registration across tasks? (The oracle; it knows nothing of the runtime.) */
function crossesTasks(cmds: readonly Cmd[]): boolean {
  const ops: OpModel[] = [0, 1].map(() => ({ started: false, done: false, dropped: false, reg: -1, peerReading: false, completed: false }));
  let crossed = false;
  for (const c of cmds) {
    if (c.k === 'poll') {
      const o = ops[c.op];
      if (o.done || o.dropped) continue;
      if (!o.started) {
        o.started = true;
        if (o.peerReading) { o.done = true; o.completed = true; continue; }
      } else if (o.completed && o.reg === -1) { o.done = true; continue; }
      if (o.reg !== -1 && o.reg !== c.task) crossed = true;
      o.reg = c.task;
    } else if (c.k === 'complete') {
      const o = ops[c.op];
      if (o.dropped || o.done || o.peerReading || o.completed) continue;
      if (o.started) o.completed = true;
      else o.peerReading = true;
    } else if (c.k === 'deliver') {
      for (const o of ops) if (o.completed && o.reg === c.task) o.reg = -1;
    } else {
      const o = ops[c.op];
      if (o.dropped) continue;
      if (o.reg !== -1 && o.reg !== c.task) crossed = true;
      o.dropped = true;
      o.reg = -1;
    }
  }
  return crossed;
}

function programScenario(cmds: readonly Cmd[]): MatrixScenario {
  return {
    name: 'random-program',
    summary: cmds.map((c) => JSON.stringify(c)).join(' '),
    run(ctx: ScenarioContext) {
      const tasks = [ctx.exec.newTask(1), ctx.exec.newTask(1)];
      const streams = [ctx.stream(), ctx.stream()];
      const ops: Op[] = streams.map((s, i) => ctx.imp.writeNew(s.writable, i + 1));
      const state = [0, 1].map(() => ({ done: false, dropped: false, reading: false, lastTask: 0 }));
      const inTask = <T>(t: number, f: () => T): T => {
        const prev = ctx.enter(tasks[t]);
        try {
          return f();
        } finally {
          ctx.leave(prev);
        }
      };
      const deliver = (t: number) => inTask(t, () => { while (ctx.exec.poll(tasks[t]) !== 0); });
      for (const c of cmds) {
        if (c.k === 'poll') {
          const s = state[c.op];
          if (s.done || s.dropped) continue;
          s.lastTask = c.task;
          s.done = inTask(c.task, () => ctx.imp.poll(ops[c.op]));
        } else if (c.k === 'complete') {
          const s = state[c.op];
          if (s.dropped || s.done || s.reading) continue;
          s.reading = true;
          streams[c.op].peerRead();
        } else if (c.k === 'deliver') {
          deliver(c.task);
        } else {
          const s = state[c.op];
          if (s.dropped) continue;
          s.dropped = true;
          inTask(c.task, () => ctx.imp.drop(ops[c.op]));
        }
      }
      // Wind down correctly: drop what is left in the task it was last polled in, deliver, exit.
      for (const i of [0, 1]) if (!state[i].dropped) inTask(state[i].lastTask, () => ctx.imp.drop(ops[i]));
      deliver(0);
      deliver(1);
      ctx.exit(tasks[0]);
      ctx.exit(tasks[1]);
    },
  };
}

const KINDS: readonly ViolationKind[] = ['stale-registration', 'use-after-free', 'registration-left-behind', 'clone-leaked', 'bad-drop', 'callback-count', 'wrong-task-unregister'];
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

describe('random programs in every pairing (fast-check)', () => {
  const all = pairings();
  const groups: [string, Pairing[]][] = [
    ['V2 on both sides', all.filter((p) => p.executor.version === 2 && p.importer.version === 2)],
    ['V1 on either side', all.filter((p) => p.executor.version === 1 || p.importer.version === 1)],
  ];
  for (const [title, ps] of groups) {
    it(`${title}: ${RUNS} programs`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 12 }), fc.constantFrom(...ps), async (cmds, p) => {
          const cell = await runCell(p, programScenario(cmds));
          const crossed = crossesTasks(cmds);
          const v2 = p.executor.version === 2 && p.importer.version === 2;
          if (v2 || !crossed) {
            expect(cell.violations, cell.diagnosis).toEqual([]);
            expect(cell.trap, cell.diagnosis).toBeUndefined();
          } else {
            expect(cell.violations.length, 'a cross-task move under V1 must be detected').toBeGreaterThan(0);
            for (const v of cell.violations) expect(KINDS).toContain(v.kind);
          }
          expect(cell.actual.startsWith('fail: check')).toBe(false);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
