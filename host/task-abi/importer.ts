/**
 * The host as an importer: host-side waitable operations (stream reads and
 * writes on handles in the guest instance, with completion statuses in guest
 * memory) that register with whatever task is current in the guest's slot.
 *
 * Mode 1 is V1-only: it reads only the V1 fields and unregisters through
 * whatever task is current. Mode 2 is V2-aware and does what wit-bindgen's
 * `WaitableOperation` does: registering with a V2 task, it clones a strong
 * reference to that task (reusing the one it holds when `ptr` is the same,
 * else releasing the old one first: unregister through it if still
 * registered there, then drop) and marks it registered; registering with a
 * V1 task, it keeps whatever handle it holds. An unregister goes through the
 * held handle when there is one (the handle stays held), else through the
 * current task; dropping the operation releases the handle. Every non-null
 * `prev` returned by register or unregister must be this operation's own
 * `cb_ptr` (wit-bindgen asserts it), else a `TaskAbiViolationError` (docs/task-abi.md, "The importer").
 */
import { BLOCKED, U8 } from '../canon/index.js';
import { hex } from '../trace/violation.js';
import type { TaskAbiEnv } from './env.js';
import { TASK_VERSION_1, TASK_VERSION_2, type TaskStruct } from './layout.js';

export type ImporterMode = 1 | 2;

export class HostOperation {
  state: 'start' | 'in-progress' | 'done' = 'start';
  code = 0;
  codeReady = false;
  registeredTask = 0;
  /**
   * V2: the cloned task handle (wit-bindgen's `CabiTask`); `registered` is
   * set by a register with that task and cleared by an unregister through it
   * (a completion callback leaves it set, as wit-bindgen does).
   */
  held: { ptr: number; vtable: NonNullable<TaskStruct['vtable']>; registered: boolean } | undefined;

  constructor(
    readonly kind: 'read' | 'write',
    readonly handle: number,
    /** The completion status: this operation's cb_ptr. */
    readonly cbPtr: number,
    /** The one-byte buffer in guest memory. */
    readonly buf: number,
  ) {}
}

/** A task-ABI contract broken, seen by the host importer. */
export class TaskAbiViolationError extends Error {
  constructor(
    readonly kind: 'stale-registration' | 'use-after-free' | 'no-task' | 'bad-version',
    message: string,
  ) {
    super(message);
    this.name = 'TaskAbiViolationError';
  }
}

export class HostImporter {
  private readonly ops = new Map<number, HostOperation>();

  constructor(
    private readonly env: TaskAbiEnv,
    readonly mode: ImporterMode,
  ) {
    env.targets.wake = (cbPtr, code) => this.wake(cbPtr, code);
  }

  writeNew(handle: number, byte: number): HostOperation {
    const op = this.make('write', handle);
    new Uint8Array(this.env.instance.memory.buffer)[op.buf] = byte & 0xff;
    return op;
  }

  readNew(handle: number): HostOperation {
    return this.make('read', handle);
  }

  private make(kind: 'read' | 'write', handle: number): HostOperation {
    const cbPtr = this.env.statusAlloc();
    // The status block's second word serves as the one-byte buffer.
    const op = new HostOperation(kind, handle, cbPtr, cbPtr + 8);
    this.ops.set(cbPtr, op);
    this.env.record('status_new', 0, handle, cbPtr, 0);
    return op;
  }

  /** Start, consume a delivered result, or register (again) with the current task. True when done. */
  poll(op: HostOperation): boolean {
    if (op.state === 'done') throw new Error('cannot re-poll an operation after it completed');
    if (op.state === 'start') {
      const canon = this.env.instance.canon;
      const code = op.kind === 'write' ? canon.streamWrite(U8, op.handle, op.buf, 1) : canon.streamRead(U8, op.handle, op.buf, 1);
      op.state = 'in-progress';
      if (code !== BLOCKED) return this.finish(op, code);
    } else if (op.codeReady) {
      return this.finish(op, op.code);
    }
    this.registerWaker(op);
    return false;
  }

  private finish(op: HostOperation, code: number): true {
    op.code = code;
    op.codeReady = false;
    op.state = 'done';
    return true;
  }

  /** The completion callback, reached through the guest's table. */
  private wake(cbPtr: number, code: number): void {
    const op = this.ops.get(cbPtr);
    if (!op || !this.env.isLiveStatus(cbPtr)) {
      throw new TaskAbiViolationError('use-after-free', `callback into freed host completion status ${hex(cbPtr)} (code ${code}): a registration outlived its operation`);
    }
    op.code = code;
    op.codeReady = true;
    op.registeredTask = 0;
  }

  private currentTask(what: string): TaskStruct {
    const env = this.env;
    const addr = env.currentTask();
    if (addr === 0) throw new TaskAbiViolationError('no-task', `${what}: no task is installed in the wasip3_task_set slot`);
    const task = env.codec.readTask(addr, this.mode);
    if (task.version < TASK_VERSION_1) throw new TaskAbiViolationError('bad-version', `${what}: wasip3_task at ${hex(addr)} has version ${task.version}, which is invalid`);
    return task;
  }

  registerWaker(op: HostOperation): void {
    const env = this.env;
    const task = this.currentTask('register_waker');
    if (this.mode >= 2 && task.vtable) {
      // V2 task: hold a handle to it (a V1 task leaves the held handle as it is).
      if (op.held && op.held.ptr !== task.ptr) this.releaseHandle(op);
      if (!op.held) op.held = { ptr: env.call(task.vtable.clone, task.ptr), vtable: task.vtable, registered: false };
      op.held.registered = true;
    }
    const prev = env.call(task.waitableRegister, task.ptr, op.handle, env.fn.wake, op.cbPtr);
    env.record('register', task.ptr, op.handle, op.cbPtr, prev);
    if (prev !== 0) this.checkPrev(op, task.ptr, prev);
    op.registeredTask = task.ptr;
  }

  /** This operation may have a live entry in task `ptr`: the last task it registered with, or its held task. */
  private mayBeRegisteredWith(op: HostOperation, ptr: number): boolean {
    return op.registeredTask === ptr || (op.held !== undefined && op.held.registered && op.held.ptr === ptr);
  }

  private checkPrev(op: HostOperation, ptr: number, prev: number): void {
    const where = `waitable_register(task ${hex(ptr)}, waitable ${op.handle}) returned prev ${hex(prev)}`;
    if (this.env.isPoisoned(prev)) {
      throw new TaskAbiViolationError('use-after-free', `${where}, which points into a freed completion status: a stale registration left behind by an earlier operation (wit-bindgen #1618)`);
    }
    if (prev !== op.cbPtr) {
      throw new TaskAbiViolationError('stale-registration', `${where}, not this operation's cb_ptr ${hex(op.cbPtr)}: assertion prev == cb_ptr failed (wit-bindgen #1618)`);
    }
    if (!this.mayBeRegisteredWith(op, ptr)) {
      throw new TaskAbiViolationError('stale-registration', `${where}, equal to this operation's cb_ptr, but this operation never registered with that task: a stale entry whose memory was reused (wit-bindgen #1618)`);
    }
  }

  /** wit-bindgen's assertion on unregister: a non-null `prev` is this operation's own `cb_ptr`. */
  private checkUnregisterPrev(op: HostOperation, ptr: number, prev: number): void {
    if (prev === 0 || prev === op.cbPtr) return;
    const where = `waitable_unregister(task ${hex(ptr)}, waitable ${op.handle}) returned prev ${hex(prev)}`;
    if (this.env.isPoisoned(prev)) {
      throw new TaskAbiViolationError('use-after-free', `${where}, which points into a freed completion status: the unregister removed a stale registration left behind by an earlier operation`);
    }
    throw new TaskAbiViolationError('stale-registration', `${where}, not this operation's cb_ptr ${hex(op.cbPtr)}: assertion prev == cb_ptr failed (the unregister removed another operation's entry)`);
  }

  unregisterWaker(op: HostOperation): void {
    const env = this.env;
    let ptr: number;
    let prev: number;
    if (this.mode >= 2 && op.held) {
      // Through the held handle, which stays held (wit-bindgen reuses it if registered there again).
      ptr = op.held.ptr;
      prev = env.call(op.held.vtable.waitableUnregister, ptr, op.handle);
      op.held.registered = false;
    } else {
      const task = this.currentTask('unregister_waker');
      ptr = task.ptr;
      prev = env.call(task.waitableUnregister, ptr, op.handle);
    }
    env.record('unregister', ptr, op.handle, op.cbPtr, prev);
    op.registeredTask = 0;
    this.checkUnregisterPrev(op, ptr, prev);
  }

  /** Drop the held handle (wit-bindgen's `CabiTask` drop): unregister through it first if registered there. */
  private releaseHandle(op: HostOperation): void {
    const held = op.held!;
    if (held.registered) this.unregisterWaker(op);
    this.env.call(held.vtable.drop, held.ptr);
    op.held = undefined;
  }

  /** Drop: cancel what is in flight, release the held handle, poison and free the status. */
  drop(op: HostOperation): void {
    if (op.state === 'in-progress' && !op.codeReady) {
      this.unregisterWaker(op);
      const canon = this.env.instance.canon;
      if (op.kind === 'write') canon.streamCancelWrite(U8, op.handle);
      else canon.streamCancelRead(U8, op.handle);
    }
    if (op.held) this.releaseHandle(op);
    this.ops.delete(op.cbPtr);
    this.env.record('status_free', 0, op.handle, op.cbPtr, 0);
    this.env.statusFree(op.cbPtr);
  }

  result(op: HostOperation): number {
    return op.code;
  }
}
