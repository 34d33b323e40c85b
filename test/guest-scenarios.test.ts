import { describe, expect, it } from 'vitest';
import { runGuestScenario } from '../host/scenarios/run.js';
import { blockOnStale, dropOutsideTask } from '../host/scenarios/guest-scenarios.js';
import { guestScenarios } from '../host/scenarios/index.js';
import { Store, Trap } from '../host/canon/index.js';
import { Trace } from '../host/trace/trace.js';
import { Guest } from '../host/guest/guest.js';
import type { TaskAbiEvent, TraceEvent } from '../host/trace/trace.js';
import { hex } from '../host/trace/violation.js';

const abiEvents = (events: readonly TraceEvent[]) =>
  events.filter((e): e is TaskAbiEvent => e.kind !== 'canon' && e.kind !== 'trap' && e.kind !== 'note');

/** The completion status (cb_ptr) of the first write: the first status allocated after the step-1 marker. */
const firstStatus = (events: readonly TraceEvent[]) => {
  const step1 = events.find((e) => e.kind === 'note' && e.text.startsWith('step 1'))!.seq;
  return abiEvents(events).find((e) => e.kind === 'status_new' && e.seq > step1)!.ptr;
};

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
    const w1 = firstStatus(run.events);
    const step3 = run.events.find((e) => e.kind === 'note' && e.text.startsWith('step 3'))!.seq;
    const w2 = abiEvents(run.events).find((e) => e.kind === 'status_new' && e.seq > step3)!.ptr;
    // w2 got w1's address back: the upstream `prev == cb_ptr` check alone would pass silently.
    expect(w2).toBe(w1);
    expect(run.trap?.message).toMatch(/never registered with that task.*#1618/);
    expect(run.violations.some((v) => v.kind === 'use-after-free' && v.ptr === w1)).toBe(true);
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

describe('every guest scenario export on both builds', () => {
  it('gives its expected outcome, and the V1 bugs trap in the guest naming the rule', async () => {
    for (const scenario of guestScenarios) {
      for (const abi of [1, 2] as const) {
        const run = await runGuestScenario(scenario, abi);
        const where = `${scenario.name} v${abi}: ${run.diagnosis}`;
        expect(run.outcome, where).toBe(run.expected);
        if (run.outcome === 'pass') {
          expect(run.result, where).toEqual(scenario.expectedResult);
          expect(run.trap, where).toBeUndefined();
        } else {
          expect(run.trap?.code, where).toBe('guest-abort');
          const rule = { 'block-on-stale': /#1618/, 'drop-outside-task': /registered with task 0x[0-9a-f]+, whose entry stays behind/, 'moved-waitable': /registration left behind/ }[scenario.name];
          expect(run.trap?.message, where).toMatch(rule!);
        }
      }
    }
  });

  it('drop-outside-task on V1 unregisters through the nested task; on V2 through the held clone of the export task', async () => {
    const names = (run: Awaited<ReturnType<typeof runGuestScenario>>, e: TaskAbiEvent) => run.taskNames.get(`${e.instance}:${e.task}`);
    const v1 = await runGuestScenario(dropOutsideTask, 1);
    const u1 = abiEvents(v1.events).find((e) => e.kind === 'unregister')!;
    expect(names(v1, u1)).toBe('B1');
    expect(v1.violations.map((v) => v.kind)).toContain('wrong-task-unregister');
    const v2 = await runGuestScenario(dropOutsideTask, 2);
    const u2 = abiEvents(v2.events).find((e) => e.kind === 'unregister')!;
    expect(names(v2, u2)).toBe('E1');
    expect(u2.extra).toBe(u2.ptr); // it removed its own entry
  });
});

describe('a guest trap leaves the host usable', () => {
  it('the trapped instance fails fast with its reason; a fresh guest in the same store still runs', async () => {
    const store = new Store({ trace: new Trace() });
    const bad = Guest.instantiate(store, 1);
    const err = await bad.call('block-on-stale').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Trap);
    expect((err as Trap).code).toBe('guest-abort');
    const again = await bad.call('control').then(() => undefined, (e: unknown) => e);
    expect((again as Trap).code).toBe('instance-poisoned');
    expect((again as Trap).message).toMatch(/#1618/);
    const good = Guest.instantiate(store, 2, { name: 'fresh' });
    expect(await good.call('block-on-stale')).toEqual([0x0102]);
    expect(await good.call('control')).toEqual([7]);
  });
});

describe('reproduced means the scenario\'s own bug', () => {
  it('a violation that is not the scenario\'s bug is a fail (so repro exits 1), however many violations there are', async () => {
    const { movedWaitable: moved, blockOnStale: stale } = await import('../host/scenarios/guest-scenarios.js');
    const own = await runGuestScenario(moved, 1);
    expect(own.outcome).toBe('reproduced');
    // the same run judged against another scenario's bug: registration-left-behind is not #1618
    const other = await runGuestScenario({ ...moved, bug: stale.bug }, 1);
    expect(other.violations.length).toBeGreaterThan(0);
    expect(other.outcome).toBe('fail');
    expect(other.diagnosis).toMatch(/registration-left-behind, which is not this scenario's bug \(#1618 stale registration: use-after-free or stale-registration\)/);
    // and a scenario that has no bug never "reproduces" one
    const none = await runGuestScenario({ ...moved, bug: undefined }, 1);
    expect(none.outcome).toBe('fail');
  });
});

describe('the guest\'s abort text carries the violation kind exactly', () => {
  it('each V1 bug aborts with `violation <kind>:`, one kind per scenario, the checker\'s first cause', async () => {
    const { abortViolationKind } = await import('../host/jco/scenarios.js');
    const { primary } = await import('../host/scenarios/run.js');
    const kinds: Record<string, string | undefined> = {};
    for (const s of guestScenarios.filter((g) => g.bug)) {
      const run = await runGuestScenario(s, 1);
      expect(run.trap?.code).toBe('guest-abort');
      kinds[s.name] = abortViolationKind(run.trap!.message);
      expect(kinds[s.name]).toBe(primary(run.violations).kind);
      expect(s.bug!.kinds).toContain(kinds[s.name]);
    }
    expect(kinds).toEqual({ 'block-on-stale': 'use-after-free', 'drop-outside-task': 'wrong-task-unregister', 'moved-waitable': 'registration-left-behind' });
    expect(abortViolationKind('task 0x10 cannot exit: a registration left behind')).toBeUndefined();
    expect(abortViolationKind('violation frobnicated: x')).toBeUndefined();
  });
});
