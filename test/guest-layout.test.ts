import { describe, expect, it } from 'vitest';
import { Store } from '../host/canon/index.js';
import { GuestTraceKind, GuestViolation, TaskAbiKind, TaskLabel, Trace, type TaskAbiEvent } from '../host/trace/trace.js';
import { Guest } from '../host/guest/guest.js';
import { TaskAbiCodec, WASIP3_TASK, WASIP3_TASK_V2, WASIP3_TASK_VTABLE } from '../host/task-abi/layout.js';

describe('task-ABI layouts: guest and host agree byte for byte', () => {
  for (const abi of [1, 2] as const) {
    it(`guest v${abi} exports the same sizes and offsets as the host codec`, () => {
      const guest = Guest.instantiate(new Store({ trace: new Trace() }), abi);
      expect(guest.builtAbi).toBe(abi);
      expect(guest.layout).toEqual({
        taskSize: WASIP3_TASK.size,
        taskV2Size: WASIP3_TASK_V2.size,
        vtableSize: WASIP3_TASK_VTABLE.size,
        version: WASIP3_TASK.version,
        ptr: WASIP3_TASK.ptr,
        waitableRegister: WASIP3_TASK.waitableRegister,
        waitableUnregister: WASIP3_TASK.waitableUnregister,
        vtable: WASIP3_TASK_V2.vtable,
        vtableWaitableRegister: WASIP3_TASK_VTABLE.waitableRegister,
        vtableWaitableUnregister: WASIP3_TASK_VTABLE.waitableUnregister,
        vtableClone: WASIP3_TASK_VTABLE.clone,
        vtableDrop: WASIP3_TASK_VTABLE.drop,
      });
      expect([WASIP3_TASK.size, WASIP3_TASK_V2.size, WASIP3_TASK_VTABLE.size]).toEqual([16, 20, 16]);
    });
  }

  it('a live V1 task struct reads back as version 1 with both function slots in the table', async () => {
    const seen = await structsSeen(1);
    expect(seen.length).toBeGreaterThanOrEqual(2); // the export task and block_on's task
    for (const s of seen) {
      expect(s.task.version).toBe(1);
      expect(s.task.ptr).toBe(s.shared);
      expect(s.task.vtable).toBeUndefined();
      expect(s.fn(s.task.waitableRegister)).toBeTypeOf('function');
      expect(s.fn(s.task.waitableUnregister)).toBeTypeOf('function');
      expect(s.task.waitableRegister).not.toBe(s.task.waitableUnregister);
    }
  });

  it('a live V2 task struct has version 2, the V1 slots filled, and a shared static vtable', async () => {
    const seen = await structsSeen(2);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    const vtables = new Set(seen.map((s) => s.task.vtable!.addr));
    expect(vtables.size).toBe(1); // static: one vtable for every task
    for (const s of seen) {
      const v = s.task.vtable!;
      expect(s.task.version).toBe(2);
      expect(v.waitableRegister).toBe(s.task.waitableRegister);
      expect(v.waitableUnregister).toBe(s.task.waitableUnregister);
      for (const f of [v.clone, v.drop]) expect(s.fn(f)).toBeTypeOf('function');
      expect(new Set([v.waitableRegister, v.waitableUnregister, v.clone, v.drop]).size).toBe(4);
    }
  });
});

describe('trace numbers: guest and host agree name for name', () => {
  /** The guest's exported u32 globals whose name starts with `prefix`, without it. */
  function guestNumbers(abi: 1 | 2, prefix: string): Record<string, number> {
    const guest = Guest.instantiate(new Store({ trace: new Trace() }), abi);
    const out: Record<string, number> = {};
    for (const [name, v] of Object.entries(guest.instance.exports)) {
      if (name.startsWith(prefix) && v instanceof WebAssembly.Global) out[name.slice(prefix.length)] = v.value as number;
    }
    return out;
  }

  for (const abi of [1, 2] as const) {
    it(`guest v${abi}: TRACE_* are the host's TaskAbiKind and GuestTraceKind, VIOLATION_* its GuestViolation`, () => {
      expect(guestNumbers(abi, 'TRACE_')).toEqual({ ...TaskAbiKind, ...GuestTraceKind });
      expect(guestNumbers(abi, 'VIOLATION_')).toEqual({ ...GuestViolation });
      // The guest labels its own two executors; HOST is the host's executor only.
      const { HOST, ...guestLabels } = TaskLabel;
      expect(guestNumbers(abi, 'TASK_LABEL_')).toEqual(guestLabels);
      expect(Object.values(guestLabels)).not.toContain(HOST);
    });
  }

  it('no number is used twice on the host side', () => {
    const kinds = Object.values({ ...TaskAbiKind, ...GuestTraceKind });
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(new Set(Object.values(GuestViolation)).size).toBe(Object.keys(GuestViolation).length);
  });
});

/** Run block-on-stale (V2 completes it; V1 traps in step 3) and decode each task struct as it is created. */
async function structsSeen(abi: 1 | 2) {
  const trace = new Trace();
  const guest = Guest.instantiate(new Store({ trace }), abi);
  const codec = new TaskAbiCodec(guest.instance.memory);
  const table = guest.instance.table!;
  const seen: { shared: number; task: ReturnType<TaskAbiCodec['readTask']>; fn: (i: number) => unknown }[] = [];
  trace.subscribe((e) => {
    if (e.kind === 'task_new') {
      const t = e as TaskAbiEvent;
      seen.push({ shared: t.task, task: codec.readTask(t.ptr, 2), fn: (i) => table.get(i) });
    }
  });
  await guest.call('block-on-stale').catch(() => undefined);
  return seen;
}
