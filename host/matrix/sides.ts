/**
 * The two sides of a matrix cell behind one interface each, so one scenario
 * script runs in every pairing: an executor (the guest's runtime, or the host
 * publishing V1/V2 structs) and an importer (the guest's runtime, or the
 * host's V1-only / V2-aware importer).
 */
import type { Guest } from '../guest/guest.js';
import type { TaskAbiEnv } from '../task-abi/env.js';
import { HostExecutor } from '../task-abi/executor.js';
import { HostImporter, type HostOperation } from '../task-abi/importer.js';
import { TaskLabel } from '../trace/trace.js';

export type Side = 'guest' | 'host';
export interface SideSpec {
  side: Side;
  /** 1 or 2; a host executor may also publish a later version (read as V2 by V2-aware importers). */
  version: number;
}

export interface ExecutorSide {
  /**
   * A new task; returns its struct address. `label` says what kind of task
   * (export or block_on) it stands for; `version` (host executors only) the
   * version to publish for this task, default the executor's.
   */
  newTask(label: number, version?: number): number;
  /** Deliver at most one pending event; returns the event code (0: none). */
  poll(task: number): number;
  /** Exit if possible; returns the registrations remaining (the task then does not exit). */
  exit(task: number): number;
  /** The task `ptr` behind a struct (for reports). */
  ptrOf(task: number): number;
}

export type Op = number | HostOperation;

export interface ImporterSide {
  writeNew(writable: number, byte: number): Op;
  readNew(readable: number): Op;
  poll(op: Op): boolean;
  result(op: Op): number;
  drop(op: Op): void;
}

type Fn = (...a: number[]) => number;

export function guestExecutor(guest: Guest, env: TaskAbiEnv): ExecutorSide {
  const x = guest.instance.exports as Record<string, Fn>;
  return {
    newTask: (label, version) => {
      if (version !== undefined && version !== guest.abi) throw new Error(`the guest V${guest.abi} executor publishes only version ${guest.abi}, not ${version}`);
      return x.exec_task_new(label) >>> 0;
    },
    poll: (t) => x.exec_task_poll(t) >>> 0,
    exit: (t) => x.exec_task_exit(t) >>> 0,
    ptrOf: (t) => env.codec.readTask(t, 1).ptr,
  };
}

export function hostExecutor(env: TaskAbiEnv, version: number): ExecutorSide {
  const h = new HostExecutor(env, version);
  return {
    newTask: (_label, version) => h.newTask(version),
    poll: (t) => h.poll(t),
    exit: (t) => h.exit(t),
    ptrOf: (t) => env.codec.readTask(t, 1).ptr,
  };
}

export function guestImporter(guest: Guest): ImporterSide {
  const x = guest.instance.exports as Record<string, Fn>;
  const addr = (op: Op) => op as number;
  return {
    writeNew: (w, b) => x.op_write_new(w, b) >>> 0,
    readNew: (r) => x.op_read_new(r) >>> 0,
    poll: (op) => x.op_poll(addr(op)) === 1,
    result: (op) => x.op_result(addr(op)) >>> 0,
    drop: (op) => void x.op_drop(addr(op)),
  };
}

export function hostImporter(env: TaskAbiEnv, mode: 1 | 2): ImporterSide {
  const h = new HostImporter(env, mode);
  const op = (o: Op) => o as HostOperation;
  return {
    writeNew: (w, b) => h.writeNew(w, b),
    readNew: (r) => h.readNew(r),
    poll: (o) => h.poll(op(o)),
    result: (o) => h.result(op(o)),
    drop: (o) => h.drop(op(o)),
  };
}

export { TaskLabel };
