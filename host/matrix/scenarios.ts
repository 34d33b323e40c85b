/**
 * The four compatibility scenarios as scripts over an executor side and an
 * importer side, so each runs unchanged in every pairing. Each states its
 * expected outcome from the rules: a bug reproduces exactly when the side that
 * needs the strong reference lacks it, that is unless both the executor
 * publishes V2 and the importer is V2-aware.
 */
import type { ViolationKind } from '../trace/violation.js';
import type { ExecutorSide, ImporterSide, Op } from './sides.js';
import { TaskLabel } from '../trace/trace.js';
import { CopyResult, EventCode, packCopyResult } from '../canon/index.js';

export interface ScenarioContext {
  exec: ExecutorSide;
  imp: ImporterSide;
  /** The guest instance's memory (where every task struct and status lives). */
  readonly memory: WebAssembly.Memory;
  /** Install a task in the slot; returns the previous value. */
  enter(task: number): number;
  /** Put back what `enter` returned. */
  leave(prev: number): void;
  /** A stream<u8> whose writable end is the guest instance's and whose readable end a peer instance holds. */
  stream(): { writable: number; peerRead(): void };
  /** A stream<u8> whose readable end is the guest instance's and whose writable end a peer instance holds. */
  readStream(): { readable: number; peerWrite(): void };
  note(text: string): void;
  /** Exit a task; a task that cannot (registrations remain) is reported and stays. */
  exit(task: number): void;
  /** A scenario's own expectation about the run; a failure is reported as `fail`. */
  check(cond: boolean, what: string): void;
}

export interface MatrixScenario {
  name: string;
  summary: string;
  /** The bug this scenario reproduces, or undefined for the control. */
  bug?: { name: string; kinds: readonly ViolationKind[] };
  run(ctx: ScenarioContext): void;
}

const pending = (ctx: ScenarioContext, op: Op, what: string) => ctx.check(!ctx.imp.poll(op), `${what} should block`);
const done = (ctx: ScenarioContext, op: Op, what: string) => ctx.check(ctx.imp.poll(op), `${what} should complete`);

export const control: MatrixScenario = {
  name: 'control',
  summary: 'a stream round trip within one task',
  run(ctx) {
    const e = ctx.exec.newTask(TaskLabel.EXPORT);
    const prev = ctx.enter(e);
    const s = ctx.stream();
    const op = ctx.imp.writeNew(s.writable, 7);
    ctx.note('write blocks and registers in E');
    pending(ctx, op, 'the write');
    ctx.note('the peer reads: the write completes, E delivers the event');
    s.peerRead();
    ctx.check(ctx.exec.poll(e) !== EventCode.NONE, 'E should have an event');
    done(ctx, op, 'the write');
    ctx.check(ctx.imp.result(op) === packCopyResult(CopyResult.COMPLETED, 1), 'the write should copy one element');
    ctx.imp.drop(op);
    ctx.leave(prev);
    ctx.exit(e);
  },
};

export const blockOnStale: MatrixScenario = {
  name: 'block-on-stale',
  summary: 'wit-bindgen #1618: block_on moves a blocked write to a nested task',
  bug: { name: '#1618 stale registration', kinds: ['use-after-free', 'stale-registration'] },
  run(ctx) {
    const e = ctx.exec.newTask(TaskLabel.EXPORT);
    const prevE = ctx.enter(e);
    const s = ctx.stream();
    ctx.note('step 1: w1 = write(H, [1]) polled once in E: blocked, registers H in E');
    const w1 = ctx.imp.writeNew(s.writable, 1);
    pending(ctx, w1, 'w1');
    ctx.note('step 2: block_on runs task B; w1 is polled there, completes, is freed');
    const b = ctx.exec.newTask(TaskLabel.BLOCK_ON);
    const prevB = ctx.enter(b);
    pending(ctx, w1, 'w1 polled in B');
    s.peerRead();
    ctx.check(ctx.exec.poll(b) !== EventCode.NONE, 'B should have the event for H');
    done(ctx, w1, 'w1');
    ctx.imp.drop(w1);
    ctx.leave(prevB);
    ctx.exit(b);
    ctx.note('step 3: w2 = write(H, [2]) polled in E: waitable_register must find no entry');
    const w2 = ctx.imp.writeNew(s.writable, 2);
    pending(ctx, w2, 'w2');
    s.peerRead();
    ctx.check(ctx.exec.poll(e) !== EventCode.NONE, 'E should have the event for H');
    done(ctx, w2, 'w2');
    ctx.imp.drop(w2);
    ctx.leave(prevE);
    ctx.exit(e);
  },
};

/** A write blocks and registers in a task A; then a task B is made current. */
function blockedInAThenB(ctx: ScenarioContext) {
  const a = ctx.exec.newTask(TaskLabel.EXPORT);
  const prevA = ctx.enter(a);
  const s = ctx.stream();
  ctx.note('the write blocks and registers H in A');
  const op = ctx.imp.writeNew(s.writable, 1);
  pending(ctx, op, 'the write');
  ctx.leave(prevA);
  const b = ctx.exec.newTask(TaskLabel.EXPORT);
  const prevB = ctx.enter(b);
  return { a, b, s, op, prevB };
}

export const dropOutsideTask: MatrixScenario = {
  name: 'drop-outside-task',
  summary: 'an operation registered in A is dropped, half finished, while B is current',
  bug: { name: 'unregistered from the wrong task', kinds: ['wrong-task-unregister', 'registration-left-behind'] },
  run(ctx) {
    const { a, b, op, prevB } = blockedInAThenB(ctx);
    ctx.note('B is current: the half-finished write is dropped (unregister, cancel)');
    ctx.imp.drop(op);
    ctx.leave(prevB);
    ctx.exit(b);
    ctx.note('A exits: no registration may remain');
    const prevA2 = ctx.enter(a);
    ctx.leave(prevA2);
    ctx.exit(a);
  },
};

export const movedWaitable: MatrixScenario = {
  name: 'moved-waitable',
  summary: 'an operation registered in A is polled again in B and completes there',
  bug: { name: 'left behind in the first task', kinds: ['registration-left-behind', 'callback-count'] },
  run(ctx) {
    const { a, b, s, op, prevB } = blockedInAThenB(ctx);
    ctx.note('polled again in B: it must leave A before registering in B');
    pending(ctx, op, 'the write polled in B');
    s.peerRead();
    ctx.check(ctx.exec.poll(b) !== EventCode.NONE, 'B should have the event for H');
    done(ctx, op, 'the write');
    ctx.imp.drop(op);
    ctx.leave(prevB);
    ctx.exit(b);
    ctx.note('A exits: no registration may remain');
    ctx.exit(a);
  },
};

/** In matrix column order. */
export const matrixScenarios: readonly MatrixScenario[] = [control, blockOnStale, dropOutsideTask, movedWaitable];
