/**
 * The host as an executor: it publishes a V1 (or V2, or later) task struct
 * into guest memory whose function pointers are host functions in the
 * guest's table, keeps its own reference count and waitable map, owns a
 * waitable set in the guest instance, and delivers events to the
 * registered callbacks, exactly as docs/task-abi.md, "Contracts", says.
 */
import { EventCode } from '../canon/index.js';
import { TaskLabel } from '../trace/trace.js';
import { hex } from '../trace/violation.js';
import type { TaskAbiEnv } from './env.js';
import { WASIP3_TASK, WASIP3_TASK_V2, WASIP3_TASK_VTABLE, TASK_VERSION_2 } from './layout.js';

/** The shared state behind one published task (what `ptr` names). */
export class HostTaskState {
  refs = 1;
  /** The waitable set in the guest instance, 0 until the first registration. */
  set = 0;
  readonly entries = new Map<number, { callback: number; cbPtr: number }>();
  freed = false;

  constructor(
    /** The address in guest memory that serves as `ptr` (a small host-owned block). */
    readonly ptr: number,
    /** Where the published struct is. */
    readonly struct: number,
  ) {}
}

export class HostExecutor {
  private readonly tasks = new Map<number, HostTaskState>();
  private vtable = 0;
  private readonly eventBuf: number;

  /**
   * @param version the version to publish: 1 (V1 struct only), 2 (V2), or
   * higher (a V2 struct followed by an extra trailing field, as a future
   * version would add) to check that readers treat it as V2.
   */
  constructor(
    private readonly env: TaskAbiEnv,
    readonly version: number,
  ) {
    if (version < 1) throw new Error(`a host executor cannot publish version ${version}: version 0 is invalid`);
    this.eventBuf = env.alloc(8);
    env.targets.register = (p, w, cb, cbPtr) => this.register(p, w, cb, cbPtr);
    env.targets.unregister = (p, w) => this.unregister(p, w);
    env.targets.clone = (p) => this.clone(p);
    env.targets.drop = (p) => this.drop(p);
    if (version >= TASK_VERSION_2) this.vtableAddr();
  }

  private vtableAddr(): number {
    if (this.vtable === 0) {
      const env = this.env;
      this.vtable = env.alloc(WASIP3_TASK_VTABLE.size);
      env.codec.writeVtable(this.vtable, { waitableRegister: env.fn.register, waitableUnregister: env.fn.unregister, clone: env.fn.clone, drop: env.fn.drop });
    }
    return this.vtable;
  }

  /**
   * A new task; returns its struct address (what goes in the slot). `version`
   * (default: the executor's) lets one executor publish V1 and V2 tasks side
   * by side, as a component mixing two wit-bindgen versions does.
   */
  newTask(version: number = this.version): number {
    if (version < 1) throw new Error(`a host executor cannot publish version ${version}: version 0 is invalid`);
    const env = this.env;
    const size = version >= TASK_VERSION_2 ? WASIP3_TASK_V2.size + (version > TASK_VERSION_2 ? 4 : 0) : WASIP3_TASK.size;
    const struct = env.alloc(size);
    const ptr = env.alloc(8);
    env.codec.writeTask(struct, {
      version,
      ptr,
      waitableRegister: env.fn.register,
      waitableUnregister: env.fn.unregister,
      vtableAddr: version >= TASK_VERSION_2 ? this.vtableAddr() : undefined,
    });
    // A later version's extra field: a V2-aware reader must ignore it.
    if (version > TASK_VERSION_2) new DataView(env.instance.memory.buffer).setUint32(struct + WASIP3_TASK_V2.size, 0xfeedface, true);
    const state = new HostTaskState(ptr, struct);
    this.tasks.set(ptr, state);
    env.record('task_new', ptr, 0, struct, TaskLabel.HOST);
    return struct;
  }

  stateOf(struct: number): HostTaskState {
    const ptr = this.env.codec.readTask(struct, 1).ptr;
    return this.live(ptr, 'executor');
  }

  private live(ptr: number, what: string): HostTaskState {
    const s = this.tasks.get(ptr);
    if (!s || s.freed) throw new Error(`${what} on host task ${hex(ptr)}, which is not a live task state (freed or never made)`);
    return s;
  }

  register(ptr: number, w: number, callback: number, cbPtr: number): number {
    const s = this.live(ptr, 'waitable_register');
    const canon = this.env.instance.canon;
    if (s.set === 0) s.set = canon.waitableSetNew();
    const prev = s.entries.get(w)?.cbPtr ?? 0;
    s.entries.set(w, { callback, cbPtr });
    canon.waitableJoin(w, s.set);
    return prev;
  }

  unregister(ptr: number, w: number): number {
    const s = this.live(ptr, 'waitable_unregister');
    this.env.instance.canon.waitableJoin(w, 0);
    const prev = s.entries.get(w)?.cbPtr ?? 0;
    s.entries.delete(w);
    return prev;
  }

  clone(ptr: number): number {
    const s = this.live(ptr, 'clone');
    s.refs++;
    this.env.record('clone', ptr, 0, ptr, s.refs);
    return ptr;
  }

  drop(ptr: number): void {
    const s = this.live(ptr, 'drop');
    if (s.refs <= 1) throw new Error(`drop on host task ${hex(ptr)} without a cloned reference (refs ${s.refs})`);
    this.release(s, 'drop');
  }

  private release(s: HostTaskState, kind: 'drop' | 'task_exit'): void {
    s.refs--;
    this.env.record(kind, s.ptr, 0, s.ptr, s.refs);
    if (s.refs !== 0) return;
    if (s.set !== 0) this.env.instance.canon.waitableSetDrop(s.set);
    s.freed = true;
    this.env.record('task_free', s.ptr, 0, s.ptr, 0);
  }

  /** Deliver at most one pending event of the task's set; returns the event code (NONE: none). */
  poll(struct: number): number {
    const s = this.stateOf(struct);
    if (s.set === 0) return EventCode.NONE;
    const env = this.env;
    const event = env.instance.canon.waitableSetPoll(s.set, this.eventBuf);
    if (event === EventCode.NONE) return EventCode.NONE;
    const w = env.u32(this.eventBuf);
    const code = env.u32(this.eventBuf + 4);
    const entry = s.entries.get(w);
    if (!entry) throw new Error(`event ${event} for waitable ${w} that nothing registered in host task ${hex(s.ptr)}`);
    env.instance.canon.waitableJoin(w, 0);
    s.entries.delete(w);
    env.record('callback', s.ptr, w, entry.cbPtr, code);
    env.call(entry.callback, entry.cbPtr, code);
    return event;
  }

  /** Exit if no registration remains; returns the number remaining. */
  exit(struct: number): number {
    const s = this.stateOf(struct);
    if (s.entries.size !== 0) return s.entries.size;
    this.release(s, 'task_exit');
    return 0;
  }
}
