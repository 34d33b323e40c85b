/**
 * The host's one definition of the task-ABI layouts (docs/task-abi.md,
 * "Layouts"), and a
 * codec that reads and writes them in a guest's linear memory. A test checks
 * these numbers byte for byte against the guest build's own (exported) ones.
 */

/** `wasip3_task` (V1): 16 bytes, align 4. */
export const WASIP3_TASK = {
  size: 16,
  version: 0,
  ptr: 4,
  waitableRegister: 8,
  waitableUnregister: 12,
} as const;

/** `wasip3_task_v2`: the V1 struct, then the vtable pointer; 20 bytes. */
export const WASIP3_TASK_V2 = {
  size: 20,
  vtable: 16,
} as const;

/** `wasip3_task_vtable`: 16 bytes. No version field (the merged ABI). */
export const WASIP3_TASK_VTABLE = {
  size: 16,
  waitableRegister: 0,
  waitableUnregister: 4,
  clone: 8,
  drop: 12,
} as const;

export const TASK_VERSION_1 = 1;
export const TASK_VERSION_2 = 2;

/** A task struct as read from memory. `vtable` is present when version >= 2 and the reader is V2-aware. */
export interface TaskStruct {
  /** Where the struct is. */
  addr: number;
  version: number;
  ptr: number;
  waitableRegister: number;
  waitableUnregister: number;
  vtable?: VtableStruct;
}

export interface VtableStruct {
  addr: number;
  waitableRegister: number;
  waitableUnregister: number;
  clone: number;
  drop: number;
}

/** Reads and writes the layouts in one guest memory (re-reads the buffer, which may grow). */
export class TaskAbiCodec {
  constructor(private readonly memory: WebAssembly.Memory) {}

  private view(): DataView {
    return new DataView(this.memory.buffer);
  }

  private u32(addr: number): number {
    return this.view().getUint32(addr, true);
  }

  private setU32(addr: number, value: number): void {
    this.view().setUint32(addr, value >>> 0, true);
  }

  /**
   * Read a task struct. A V1-only reader (`maxVersion` 1) reads only the V1
   * fields whatever the version; a V2-aware reader reads the vtable when
   * version >= 2 (version 3 and above are read as V2).
   */
  readTask(addr: number, maxVersion: 1 | 2): TaskStruct {
    const version = this.u32(addr + WASIP3_TASK.version);
    const task: TaskStruct = {
      addr,
      version,
      ptr: this.u32(addr + WASIP3_TASK.ptr),
      waitableRegister: this.u32(addr + WASIP3_TASK.waitableRegister),
      waitableUnregister: this.u32(addr + WASIP3_TASK.waitableUnregister),
    };
    if (maxVersion >= 2 && version >= TASK_VERSION_2) task.vtable = this.readVtable(this.u32(addr + WASIP3_TASK_V2.vtable));
    return task;
  }

  readVtable(addr: number): VtableStruct {
    return {
      addr,
      waitableRegister: this.u32(addr + WASIP3_TASK_VTABLE.waitableRegister),
      waitableUnregister: this.u32(addr + WASIP3_TASK_VTABLE.waitableUnregister),
      clone: this.u32(addr + WASIP3_TASK_VTABLE.clone),
      drop: this.u32(addr + WASIP3_TASK_VTABLE.drop),
    };
  }

  /** Write a V1 struct, or a V2 struct when `vtableAddr` is given (version as given, >= 2). */
  writeTask(addr: number, t: { version: number; ptr: number; waitableRegister: number; waitableUnregister: number; vtableAddr?: number }): void {
    this.setU32(addr + WASIP3_TASK.version, t.version);
    this.setU32(addr + WASIP3_TASK.ptr, t.ptr);
    this.setU32(addr + WASIP3_TASK.waitableRegister, t.waitableRegister);
    this.setU32(addr + WASIP3_TASK.waitableUnregister, t.waitableUnregister);
    if (t.vtableAddr !== undefined) this.setU32(addr + WASIP3_TASK_V2.vtable, t.vtableAddr);
  }

  writeVtable(addr: number, v: Omit<VtableStruct, 'addr'>): void {
    this.setU32(addr + WASIP3_TASK_VTABLE.waitableRegister, v.waitableRegister);
    this.setU32(addr + WASIP3_TASK_VTABLE.waitableUnregister, v.waitableUnregister);
    this.setU32(addr + WASIP3_TASK_VTABLE.clone, v.clone);
    this.setU32(addr + WASIP3_TASK_VTABLE.drop, v.drop);
  }
}
