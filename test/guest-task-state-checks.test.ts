/**
 * The guest's task-ABI entry points check that `ptr` is a live task state
 * on every call (the check is inlined into each entry point, its violation
 * path out of line): a freed task state reached through the vtable or the
 * V1 slots is a `bad-drop` violation, traced and in the abort text.
 */
import { describe, expect, it } from 'vitest';
import { GuestAbort, Store } from '../host/canon/index.js';
import { Trace, type TaskAbiEvent } from '../host/trace/trace.js';
import { Guest } from '../host/guest/guest.js';
import { TaskAbiCodec } from '../host/task-abi/layout.js';

/** Runs block-on-stale to completion (V2) and returns the first task struct it made, freed by now. */
async function freedTask(abi: 1 | 2) {
  const trace = new Trace();
  const guest = Guest.instantiate(new Store({ trace }), abi);
  const codec = new TaskAbiCodec(guest.instance.memory);
  const tasks: { shared: number; task: ReturnType<TaskAbiCodec['readTask']> }[] = [];
  const freed = new Set<number>();
  const violations: TaskAbiEvent[] = [];
  trace.subscribe((e) => {
    const t = e as TaskAbiEvent;
    if (e.kind === 'task_new') tasks.push({ shared: t.task, task: codec.readTask(t.ptr, abi) });
    if (e.kind === 'task_free') freed.add(t.task);
    if (e.kind === 'guest_violation') violations.push(t);
  });
  await guest.call('block-on-stale').catch(() => undefined);
  const t = tasks.find((x) => freed.has(x.shared));
  if (t === undefined) throw new Error('no task state was freed');
  const fn = (i: number) => guest.instance.table!.get(i) as (...a: number[]) => number;
  return { t, fn, violations };
}

function abortOf(f: () => unknown): GuestAbort {
  try {
    f();
  } catch (e) {
    if (e instanceof GuestAbort) return e;
    throw e;
  }
  throw new Error('expected the guest to abort');
}

describe('guest task-state checks on every entry point', () => {
  it('V2: clone, drop, waitable_register and waitable_unregister on a freed task state are bad-drop', async () => {
    const { t, fn, violations } = await freedTask(2);
    const v = t.task.vtable!;
    const calls: [string, () => unknown][] = [
      ['clone', () => fn(v.clone)(t.shared)],
      ['drop', () => fn(v.drop)(t.shared)],
      ['waitable_register', () => fn(v.waitableRegister)(t.shared, 1, 0, 0)],
      ['waitable_unregister', () => fn(v.waitableUnregister)(t.shared, 1)],
    ];
    for (const [what, call] of calls) {
      const before = violations.length;
      const e = abortOf(call);
      expect(e.guestMessage).toMatch(new RegExp(`^violation bad-drop: ${what} on task 0x[0-9a-f]+, which is not a live task state`));
      expect(violations.length).toBe(before + 1);
      expect(violations.at(-1)!.ptr).toBe(t.shared);
    }
  });

  it('V1: the struct slots check the same', async () => {
    const { t, fn } = await freedTask(1);
    expect(abortOf(() => fn(t.task.waitableRegister)(t.shared, 1, 0, 0)).guestMessage).toMatch(/^violation bad-drop: waitable_register on task/);
    expect(abortOf(() => fn(t.task.waitableUnregister)(t.shared, 1)).guestMessage).toMatch(/^violation bad-drop: waitable_unregister on task/);
  });
});
