import { describe, expect, it } from 'vitest';
import { EventCode, GuestAbort, Store, Trap } from '../host/canon/index.js';
import { Trace } from '../host/trace/trace.js';
import { eventLog, watModule } from './canon-helpers.js';

async function make(store = new Store(), name = 'g') {
  const { log, imports } = eventLog();
  const inst = store.instantiate(await watModule('lifecycle'), { name, imports: { test: imports } });
  return { store, inst, log };
}

describe('task lifecycle', () => {
  it('context slots 0 and 1 are per task; YIELD delivers NONE after other work', async () => {
    const { store, inst, log } = await make();
    const [a, b] = store.batch(() => [inst.callExport('ctx', [1]), inst.callExport('ctx', [2])]);
    expect(await a).toEqual([11]);
    expect(await b).toEqual([22]);
    expect(log).toEqual([
      [100, 0, 0], // task 1 starts with empty slots, YIELDs
      [100, 0, 0], // task 2 starts (the instance is free while task 1 yields)
      [EventCode.NONE, 1, 10], // task 1 resumed with NONE: its own slots
      [101, 0, 0], // thread.yield: not cancelled
      [EventCode.NONE, 2, 20],
      [101, 0, 0],
    ]);
  });

  it('task.return passes flattened i32/i64 results', async () => {
    const { inst } = await make();
    expect(await inst.callExportFlat('wide')).toEqual([-1, 0x1_0000_0002n, 7]);
    expect(await inst.callExport('wide')).toEqual([-1, 0x1_0000_0002, 7]);
  });

  it('a callback code with an unknown low nibble traps', async () => {
    const { inst } = await make();
    const err = (await inst.callExport('badcode').catch((e: unknown) => e)) as Trap;
    expect(err).toBeInstanceOf(Trap);
    expect(err.code).toBe('bad-callback-code');
    expect(err.message).toContain('low nibble 3');
    expect(err.instance).toBe('g');
    expect(err.task).toMatch(/^g\/badcode#/);
  });

  it('EXIT without task.return traps; task.return twice traps', async () => {
    expect(((await (await make()).inst.callExport('noreturn').catch((e: unknown) => e)) as Trap).code).toBe('exit-without-return');
    expect(((await (await make()).inst.callExport('twice').catch((e: unknown) => e)) as Trap).code).toBe('task-return-twice');
  });

  it('a guest abort is a GuestAbort with message, file, line, column; a fresh instance still works', async () => {
    const trace = new Trace();
    const store = new Store({ trace });
    const { inst } = await make(store);
    const err = await inst.callExport('boom').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestAbort);
    const a = err as GuestAbort;
    expect([a.code, a.guestMessage, a.file, a.line, a.column]).toEqual(['guest-abort', 'oops é!', 'a/x.ts', 12, 5]);
    expect(a.message).toContain('oops é! at a/x.ts:12:5');
    expect(inst.poisoned).toBe(a);
    expect(((await inst.callExport('ok').catch((e: unknown) => e)) as Trap).code).toBe('instance-poisoned');
    const traps = trace.events.filter((e) => e.kind === 'trap');
    expect(traps).toMatchObject([{ kind: 'trap', instance: 'g', code: 'guest-abort' }]);
    const { inst: fresh } = await make(store, 'g2');
    expect(await fresh.callExport('ok')).toEqual([42]);
    // and a new store too
    const { inst: other } = await make();
    expect(await other.callExport('ok')).toEqual([42]);
  });

  it('a wasm trap (unreachable) is a Trap wasm-trap', async () => {
    const { inst } = await make();
    const err = (await inst.callExport('unreach').catch((e: unknown) => e)) as Trap;
    expect(err.code).toBe('wasm-trap');
    expect(err.message).toContain('unreachable');
  });

  it('records built-in calls when trace.canon is on', async () => {
    const trace = new Trace(true);
    const { inst } = await make(new Store({ trace }));
    await inst.callExport('wide');
    const canon = trace.events.filter((e) => e.kind === 'canon').map((e) => (e as { builtin: string }).builtin);
    expect(canon).toEqual(['task.return wide', '[async-lift]wide']);
  });
});
