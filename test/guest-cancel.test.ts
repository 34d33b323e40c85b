/**
 * TASK_CANCELLED in the guest's callback loop, as the spec has it: the caller
 * cancels an export task while it waits (its callback loop waits
 * cancellably), the callback gets TASK_CANCELLED, the guest drops the root
 * future (every operation in flight unregisters and cancels its copy), calls
 * task.cancel and exits. The caller sees the call resolve as cancelled.
 */
import { describe, expect, it } from 'vitest';
import { Store, type HostSubtask, type FlatValue } from '../host/canon/index.js';
import { Trace } from '../host/trace/trace.js';
import { InvariantChecker } from '../host/trace/invariants.js';
import { Guest } from '../host/guest/guest.js';
import { guestScenarios } from '../host/scenarios/index.js';

describe('the guest executor handles TASK_CANCELLED', () => {
  for (const abi of [1, 2] as const) {
    // the scenarios whose export task waits in its callback loop with operations in flight
    for (const scenario of guestScenarios.filter((s) => s.name === 'control' || (abi === 2 && s.name === 'block-on-stale'))) {
      it(`V${abi} ${scenario.name}: cancelled while it waits, it cancels its operations, confirms with task.cancel and exits`, () => {
        const trace = new Trace(true);
        const store = new Store({ trace });
        const guest = Guest.instantiate(store, abi);
        const host = store.hostInstance('caller');
        const resolved: (FlatValue[] | undefined)[] = [];
        const traps: unknown[] = [];
        let sub: HostSubtask | undefined;
        // runs from the run queue once the export's first turn returned WAIT
        host.defer(() => sub!.cancel(), `cancel ${scenario.name}`);
        host.call(guest.instance, scenario.name, [], (r) => resolved.push(r), (t) => traps.push(t), (s) => (sub = s));
        expect(traps).toEqual([]);
        expect(guest.instance.poisoned).toBeUndefined();
        // resolved once, as cancelled (no value)
        expect(resolved).toEqual([undefined]);
        const canon = trace.events.filter((e) => e.kind === 'canon').map((e) => (e as { builtin: string }).builtin);
        expect(canon).toContain('task.cancel');
        expect(canon).not.toContain('task.return');
        // what was in flight was cancelled before task.cancel
        const cancels = canon.map((b, i) => [b, i] as const).filter(([b]) => /^stream\.cancel-(read|write)$/.test(b));
        expect(cancels.length).toBeGreaterThan(0);
        expect(cancels.every(([, i]) => i < canon.indexOf('task.cancel'))).toBe(true);
        // nothing left: every operation dropped, every task state freed, no entry, no violation
        expect(guest.liveOperations()).toBe(0);
        expect(guest.liveSharedStates()).toBe(0);
        expect(guest.liveEntries()).toBe(0);
        expect(InvariantChecker.check(trace.events).violations).toEqual([]);
      });
    }
  }
});
