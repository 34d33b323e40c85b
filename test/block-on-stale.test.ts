import { describe, expect, it } from 'vitest';
import { runGuestScenario } from '../host/scenarios/run.js';
import { blockOnStale } from '../host/scenarios/block-on-stale.js';
import type { TaskAbiEvent, TraceEvent } from '../host/trace/trace.js';
import { hex } from '../host/trace/violation.js';

const abiEvents = (events: readonly TraceEvent[]) =>
  events.filter((e): e is TaskAbiEvent => e.kind !== 'canon' && e.kind !== 'trap' && e.kind !== 'note');

/** The completion status (cb_ptr) of the first write: the first status the guest allocated. */
const firstStatus = (events: readonly TraceEvent[]) => abiEvents(events).find((e) => e.kind === 'status_new')!.ptr;

describe('block-on-stale (wit-bindgen #1618)', () => {
  it('V1: reproduced, naming the stale cb_ptr of the freed first write', async () => {
    const run = await runGuestScenario(blockOnStale, 1);
    expect(run.outcome).toBe('reproduced');
    expect(run.expected).toBe('reproduced');
    const w1 = firstStatus(run.events);
    const stale = run.violations.find((v) => v.kind === 'use-after-free' || v.kind === 'stale-registration')!;
    expect(stale).toBeDefined();
    expect(stale.ptr).toBe(w1);
    expect(stale.message).toContain(hex(w1));
    // The register that returned it happened in the export task, after block_on's task was gone.
    const reg = abiEvents(run.events).find((e) => e.seq === stale.seq)!;
    expect(reg.kind).toBe('register');
    expect(reg.extra).toBe(w1);
    expect(run.taskNames.get(`${reg.instance}:${reg.task}`)).toBe('E1');
    // The guest itself trapped on the #1618 assertion, naming the pointer.
    expect(run.trap?.code).toBe('guest-abort');
    expect(run.trap?.message).toContain('#1618');
    expect(run.trap?.message).toContain(hex(w1));
    // E never exits: its entry for H is never resolved.
    expect(run.violations.some((v) => v.kind === 'callback-count' && v.waitable === reg.waitable)).toBe(true);
  });

  it('V1: still detected when the allocator reuses the freed address at once (no quarantine)', async () => {
    const run = await runGuestScenario(blockOnStale, 1, { quarantine: 0 });
    expect(run.outcome).toBe('reproduced');
    const statuses = abiEvents(run.events).filter((e) => e.kind === 'status_new').map((e) => e.ptr);
    // w2 got w1's address back: the upstream `prev == cb_ptr` check alone would pass silently.
    expect(statuses).toContain(statuses[0]);
    expect(new Set(statuses).size).toBeLessThan(statuses.length);
    expect(run.trap?.message).toMatch(/never registered with that task.*#1618/);
    expect(run.violations.some((v) => v.kind === 'use-after-free' && v.ptr === statuses[0])).toBe(true);
  });

  it('V2: passes, returns both bytes, leaves no registration and drops every clone', async () => {
    const run = await runGuestScenario(blockOnStale, 2);
    expect(run.trap).toBeUndefined();
    expect(run.violations).toEqual([]);
    expect(run.outcome).toBe('pass');
    expect(run.result).toEqual([0x0102]);
    const ev = abiEvents(run.events);
    const clones = ev.filter((e) => e.kind === 'clone').length;
    const drops = ev.filter((e) => e.kind === 'drop').length;
    expect(clones).toBeGreaterThan(0);
    expect(drops).toBe(clones);
    // Step 2: w1 leaves E (unregister through its held handle) before registering in B.
    const step2 = run.events.findIndex((e) => e.kind === 'note' && e.text.startsWith('step 2'));
    const after = ev.filter((e) => run.events.indexOf(e) > step2);
    const w1 = firstStatus(run.events);
    const unreg = after.find((e) => e.kind === 'unregister' && e.ptr === w1)!;
    const regB = after.find((e) => e.kind === 'register' && e.ptr === w1)!;
    expect(unreg.seq).toBeLessThan(regB.seq);
    expect(unreg.extra).toBe(w1);
    expect(run.taskNames.get(`${unreg.instance}:${unreg.task}`)).toBe('E1');
    expect(run.taskNames.get(`${regB.instance}:${regB.task}`)).toBe('B1');
  });

  it('V2: each shared state is freed exactly when its last reference goes, and never touched after', async () => {
    const run = await runGuestScenario(blockOnStale, 2);
    const ev = abiEvents(run.events);
    const tasks = new Set(ev.filter((e) => e.kind === 'task_new').map((e) => e.task));
    expect(tasks.size).toBe(2);
    for (const t of tasks) {
      const mine = ev.filter((e) => e.task === t && e.kind !== 'slot_set');
      const free = mine.findIndex((e) => e.kind === 'task_free');
      expect(free).toBeGreaterThan(0);
      const last = mine[free - 1];
      expect(['drop', 'task_exit']).toContain(last.kind);
      expect(last.extra).toBe(0); // refs after the release that freed it
      expect(mine.slice(free + 1)).toEqual([]);
      // refs never reached 0 before that
      expect(mine.slice(0, free - 1).filter((e) => (e.kind === 'drop' || e.kind === 'clone') && e.extra === 0)).toEqual([]);
    }
  });

  it('the slot is restored after the nested block_on, and empty after the export', async () => {
    for (const abi of [1, 2] as const) {
      const run = await runGuestScenario(blockOnStale, abi);
      const ev = abiEvents(run.events);
      const news = ev.filter((e) => e.kind === 'task_new');
      const [eStruct, bStruct] = [news[0].ptr, news[1].ptr];
      const sets = ev.filter((e) => e.kind === 'slot_set');
      const enterB = sets.findIndex((e) => e.ptr === bStruct);
      expect(sets[enterB].extra).toBe(eStruct);
      const leaveB = sets.findIndex((e, i) => i > enterB && e.extra === bStruct && e.ptr !== bStruct && e.ptr !== 0);
      expect(sets[leaveB].ptr).toBe(eStruct);
      if (abi === 2) expect(sets.at(-1)!.ptr).toBe(0);
    }
  });
});
