/**
 * What the host needs to play "another runtime in the same component": the
 * guest's memory, table and slot, host functions placed into the guest's
 * table (through a tiny wasm module that imports them, since Node 20 has no
 * `WebAssembly.Function`), memory for host-owned structs, and the trace.
 */
import type { ComponentInstance } from '../canon/index.js';
import type { Guest } from '../guest/guest.js';
import type { Trace, TaskAbiKindName } from '../trace/trace.js';
import { TaskAbiCodec } from './layout.js';

/** The magic word of a freed pooled block, as the guest's pool writes it (assembly/pool.ts). */
export const POISON = 0xdead_f7ee;
/** The magic word of a live host-owned completion status. */
const HOST_STATUS_MAGIC = 0x4853_5453; // "HSTS"
/** Bytes of a host completion status: magic, then free for the host's use. */
const HOST_STATUS_SIZE = 16;
/** Freed host statuses wait, poisoned, before reuse (as the guest's pools do). */
const QUARANTINE = 8;

/** The JS side of the table entries the host installs. */
export interface HostTableFunctions {
  register(ptr: number, waitable: number, callback: number, cbPtr: number): number;
  unregister(ptr: number, waitable: number): number;
  clone(ptr: number): number;
  drop(ptr: number): void;
  wake(cbPtr: number, code: number): void;
}

const WRAPPER_WAT = `(module
  (import "h" "register" (func $register (param i32 i32 i32 i32) (result i32)))
  (import "h" "unregister" (func $unregister (param i32 i32) (result i32)))
  (import "h" "clone" (func $clone (param i32) (result i32)))
  (import "h" "drop" (func $drop (param i32)))
  (import "h" "wake" (func $wake (param i32 i32)))
  (export "register" (func $register))
  (export "unregister" (func $unregister))
  (export "clone" (func $clone))
  (export "drop" (func $drop))
  (export "wake" (func $wake)))`;

let wrapperModule: Promise<WebAssembly.Module> | undefined;
const wrapper = (): Promise<WebAssembly.Module> =>
  (wrapperModule ??= import('@bytecodealliance/jco').then(({ parse }) => parse(WRAPPER_WAT)).then((bytes) => new WebAssembly.Module(bytes as unknown as BufferSource)));

export class TaskAbiEnv {
  readonly codec: TaskAbiCodec;
  /** Table indices of the host functions. */
  readonly fn: { register: number; unregister: number; clone: number; drop: number; wake: number };
  /** Dispatch targets, set by the host executor and importer. */
  readonly targets: Partial<HostTableFunctions> = {};
  private readonly quarantine: number[] = [];
  private readonly liveStatuses = new Set<number>();

  private constructor(
    readonly guest: Guest,
    module: WebAssembly.Module,
  ) {
    this.codec = new TaskAbiCodec(guest.instance.memory);
    const table = this.table;
    const t = this.targets;
    const missing = (what: string) => (): never => {
      throw new Error(`host ${what} called but no host ${what === 'wake' ? 'importer' : 'executor'} is installed`);
    };
    const inst = new WebAssembly.Instance(module, {
      h: {
        register: (p: number, w: number, cb: number, cbPtr: number) => (t.register ?? missing('register'))(p >>> 0, w >>> 0, cb >>> 0, cbPtr >>> 0),
        unregister: (p: number, w: number) => (t.unregister ?? missing('unregister'))(p >>> 0, w >>> 0),
        clone: (p: number) => (t.clone ?? missing('clone'))(p >>> 0),
        drop: (p: number) => (t.drop ?? missing('drop'))(p >>> 0),
        wake: (cbPtr: number, code: number) => (t.wake ?? missing('wake'))(cbPtr >>> 0, code >>> 0),
      },
    });
    const base = table.grow(5);
    const names = ['register', 'unregister', 'clone', 'drop', 'wake'] as const;
    names.forEach((n, i) => table.set(base + i, inst.exports[n] as () => unknown));
    this.fn = { register: base, unregister: base + 1, clone: base + 2, drop: base + 3, wake: base + 4 };
  }

  static async create(guest: Guest): Promise<TaskAbiEnv> {
    return new TaskAbiEnv(guest, await wrapper());
  }

  get instance(): ComponentInstance {
    return this.guest.instance;
  }
  get table(): WebAssembly.Table {
    const t = this.guest.instance.table;
    if (!t) throw new Error(`guest ${this.guest.name} exports no table (build it with --exportTable)`);
    return t;
  }
  get trace(): Trace {
    return this.guest.store.trace;
  }

  private exportFn<T extends (...a: number[]) => number | void>(name: string): T {
    return this.guest.instance.exports[name] as T;
  }

  /** Zeroed memory in the guest for a host-owned struct. */
  alloc(size: number): number {
    return this.exportFn<(n: number) => number>('host_alloc')(size) >>> 0;
  }

  /** `wasip3_task_set` read the ABI's way: swap with NULL, then put it back. */
  currentTask(): number {
    const t = this.guest.slotSet(0);
    this.guest.slotSet(t);
    return t;
  }

  u32(addr: number): number {
    return new DataView(this.instance.memory.buffer).getUint32(addr, true);
  }
  private setU32(addr: number, v: number): void {
    new DataView(this.instance.memory.buffer).setUint32(addr, v >>> 0, true);
  }

  /** Whether `p` is a freed (poisoned) block, the guest's or the host's. */
  isPoisoned(p: number): boolean {
    return p !== 0 && p + 4 <= this.instance.memory.buffer.byteLength && this.u32(p) === POISON;
  }

  /** A completion status (cb_ptr) owned by the host importer. */
  statusAlloc(): number {
    const p = this.quarantine.length > QUARANTINE ? this.quarantine.shift()! : this.alloc(HOST_STATUS_SIZE);
    new Uint8Array(this.instance.memory.buffer, p, HOST_STATUS_SIZE).fill(0);
    this.setU32(p, HOST_STATUS_MAGIC);
    this.liveStatuses.add(p);
    return p;
  }

  statusFree(p: number): void {
    if (!this.liveStatuses.delete(p)) throw new Error(`host status 0x${p.toString(16)} freed twice`);
    new Uint8Array(this.instance.memory.buffer, p, HOST_STATUS_SIZE).fill(0xdd);
    this.setU32(p, POISON);
    this.quarantine.push(p);
  }

  isLiveStatus(p: number): boolean {
    return this.liveStatuses.has(p);
  }

  /** Call a guest function through the table. */
  call(index: number, ...args: number[]): number {
    const f = this.table.get(index) as ((...a: number[]) => number) | null;
    if (typeof f !== 'function') throw new Error(`table index ${index} holds no function`);
    return (f(...args) ?? 0) >>> 0;
  }

  record(kind: TaskAbiKindName, task: number, waitable: number, ptr: number, extra: number): void {
    this.trace.push({ kind, instance: this.guest.name, actor: 'host', task, waitable, ptr, extra });
  }
}
