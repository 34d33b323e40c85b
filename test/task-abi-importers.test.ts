/**
 * A V1 and a V2 task in one program (two wit-bindgen versions in one
 * component): a host executor publishes both, and each V2-aware importer (the
 * host's and the guest V2 build's) must do what wit-bindgen's
 * `WaitableOperation` does. Registered with a V2 task A, it holds a cloned
 * handle to A; polled again while a V1 task B is current, it registers with B
 * and keeps the handle to A (it does not release it); a later unregister goes
 * through A, and dropping the operation releases A.
 */
import { describe, expect, it } from 'vitest';
import { runCell, type Pairing } from '../host/matrix/run.js';
import type { MatrixScenario } from '../host/matrix/scenarios.js';
import { TaskLabel, type TaskAbiEvent } from '../host/trace/trace.js';
import { EventCode } from '../host/canon/index.js';

const importers: Pairing[] = [
  { executor: { side: 'host', version: 2 }, importer: { side: 'host', version: 2 } },
  { executor: { side: 'host', version: 2 }, importer: { side: 'guest', version: 2 } },
];

/** A write blocks and registers in V2 task A; then V1 task B is current and the write is polled there. */
function movedToV1(then: 'complete' | 'drop'): MatrixScenario {
  return {
    name: `v2-then-v1-${then}`,
    summary: `registered in V2 task A, polled in V1 task B, then ${then === 'complete' ? 'completed in B' : 'dropped half finished in B'}`,
    run(ctx) {
      const a = ctx.exec.newTask(TaskLabel.EXPORT, 2);
      const b = ctx.exec.newTask(TaskLabel.EXPORT, 1);
      const s = ctx.stream();
      const prevA = ctx.enter(a);
      const op = ctx.imp.writeNew(s.writable, 1);
      ctx.check(!ctx.imp.poll(op), 'the write should block in A');
      ctx.leave(prevA);
      const prevB = ctx.enter(b);
      ctx.check(!ctx.imp.poll(op), 'the write should block in B');
      if (then === 'complete') {
        s.peerRead();
        ctx.check(ctx.exec.poll(b) !== EventCode.NONE, 'B should deliver the event');
        ctx.check(ctx.imp.poll(op), 'the write should complete');
      }
      ctx.imp.drop(op);
      ctx.leave(prevB);
      ctx.exit(b);
      ctx.exit(a);
    },
  };
}

const abi = (events: readonly { kind: string }[]) => events.filter((e): e is TaskAbiEvent => 'actor' in e);

describe('a V1 and a V2 task in one program: the V2-aware importer follows wit-bindgen', () => {
  for (const p of importers) {
    const who = `${p.importer.side} V2-aware importer`;

    it(`${who}: polled in the V1 task, it keeps the V2 handle and unregisters through it after the callback`, async () => {
      const cell = await runCell(p, movedToV1('complete'), {});
      expect(cell.violations, cell.diagnosis).toEqual([]);
      expect(cell.trap).toBeUndefined();
      expect(cell.actual).toBe('pass');
      const ev = abi(cell.events);
      const taskNew = ev.filter((e) => e.kind === 'task_new');
      const [a, b] = taskNew.map((e) => e.task);
      const seq = (k: string, task: number) => ev.filter((e) => e.kind === k && e.task === task).map((e) => e.seq);
      // one clone of A, none of B (a V1 task cannot be cloned); A's handle is dropped once
      expect(seq('clone', a)).toHaveLength(1);
      expect(seq('clone', b)).toEqual([]);
      expect(seq('drop', a)).toHaveLength(1);
      // registered with A, then with B, with no unregister in between (the handle to A is kept)
      const [regA] = seq('register', a);
      const [regB] = seq('register', b);
      expect(regA).toBeLessThan(regB);
      // the unregister through A comes after B's callback, and removes A's entry (prev = the operation's cb_ptr)
      const [cbB] = seq('callback', b);
      const unregA = ev.filter((e) => e.kind === 'unregister' && e.task === a);
      expect(unregA).toHaveLength(1);
      expect(unregA[0].seq).toBeGreaterThan(cbB);
      const cbPtr = ev.find((e) => e.kind === 'register' && e.task === a)!.ptr;
      expect(unregA[0].extra).toBe(cbPtr);
      // and the handle is dropped only after that unregister
      expect(seq('drop', a)[0]).toBeGreaterThan(unregA[0].seq);
    });

    it(`${who}: dropped half finished in the V1 task, the unregister goes through the held V2 handle and B's entry stays`, async () => {
      const cell = await runCell(p, movedToV1('drop'), {});
      const ev = abi(cell.events);
      const [a, b] = ev.filter((e) => e.kind === 'task_new').map((e) => e.task);
      const unregs = ev.filter((e) => e.kind === 'unregister');
      expect(unregs.map((e) => e.task)).toEqual([a]);
      // B can never exit: its entry was never removed (as with wit-bindgen, a V1 task gets V1 behaviour)
      expect(cell.violations.map((v) => v.kind)).toContain('registration-left-behind');
      expect(cell.violations.find((v) => v.kind === 'registration-left-behind')!.task).toBe(b);
    });
  }
});

/**
 * The unregister's `prev` is checked as wit-bindgen asserts it: a V1 importer
 * drops a second write on the same stream while the first task is current,
 * and that task still holds the first (freed) write's entry.
 */
const unregisterRemovesStale: MatrixScenario = {
  name: 'unregister-removes-stale',
  summary: 'w1 registers in E, moves to B and completes there; w2 on the same stream registers in B and is dropped in E',
  run(ctx) {
    const e = ctx.exec.newTask(TaskLabel.EXPORT);
    const b = ctx.exec.newTask(TaskLabel.BLOCK_ON);
    const s = ctx.stream();
    const prevE = ctx.enter(e);
    const w1 = ctx.imp.writeNew(s.writable, 1);
    ctx.check(!ctx.imp.poll(w1), 'w1 should block in E');
    const prevB = ctx.enter(b);
    ctx.check(!ctx.imp.poll(w1), 'w1 should block in B');
    s.peerRead();
    ctx.check(ctx.exec.poll(b) !== EventCode.NONE, 'B should deliver w1');
    ctx.check(ctx.imp.poll(w1), 'w1 should complete');
    ctx.imp.drop(w1);
    const w2 = ctx.imp.writeNew(s.writable, 2);
    ctx.check(!ctx.imp.poll(w2), 'w2 should block in B');
    ctx.leave(prevB);
    // E is current again: a V1 unregister goes to E, whose entry is w1's
    ctx.imp.drop(w2);
    ctx.leave(prevE);
  },
};

describe("unregister checks the returned prev (wit-bindgen's assertion)", () => {
  const v1: Pairing[] = [
    { executor: { side: 'guest', version: 1 }, importer: { side: 'guest', version: 1 } },
    { executor: { side: 'host', version: 1 }, importer: { side: 'guest', version: 1 } },
    { executor: { side: 'host', version: 1 }, importer: { side: 'host', version: 1 } },
  ];
  for (const p of v1) {
    it(`${p.importer.side} V1-only importer on a ${p.executor.side} executor: an unregister that removes a freed status traps (prev is not its cb_ptr)`, async () => {
      const cell = await runCell(p, unregisterRemovesStale);
      expect(cell.trap?.message, cell.diagnosis).toMatch(/waitable_unregister\(task 0x[0-9a-f]+, waitable \d+\) returned prev 0x[0-9a-f]+, which points into a freed completion status/);
      // the trace checker names the same event from outside: the unregister removed another operation's entry
      expect(cell.violations.map((v) => v.kind)).toContain('wrong-task-unregister');
    });
  }
});
