import { describe, expect, it } from 'vitest';
import { DeadlockError, EventCode, Store, Trap } from '../host/canon/index.js';
import { BLOCKED, eventLog, watModule } from './canon-helpers.js';

async function setup() {
  const store = new Store();
  const peer = store.hostInstance('peer');
  const { log, imports } = eventLog();
  const writes: number[] = [];
  const inst = store.instantiate(await watModule('blocking'), {
    name: 'g',
    imports: {
      test: {
        ...imports,
        reader: () => {
          const { readable, writable } = peer.streamNew();
          // forward on demand: only once the guest has a read pending
          peer.whenReadPending(writable, (n) => {
            writes.push(n);
            peer.write(writable, new TextEncoder().encode('abc'), () => {});
          });
          return inst.addReadableStream(readable);
        },
      },
    },
  });
  return { store, peer, inst, log, writes };
}

describe('blocking waitable-set.wait inside an export', () => {
  it('is served synchronously by the host peer; event order and payloads', async () => {
    const { inst, log, writes } = await setup();
    const result = await inst.callExport('pull');
    expect(log).toEqual([
      [100, BLOCKED, 0],
      [101, EventCode.NONE, 0],
      [EventCode.STREAM_READ, 1, 0 | (3 << 4)],
    ]);
    expect(writes).toEqual([8]);
    expect(result).toEqual([0x636261]);
  });

  it('a wait nothing can complete is a DeadlockError naming task and set, quickly', async () => {
    const { store, inst } = await setup();
    const t0 = performance.now();
    const err = await inst.callExport('stuck').catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(err).toBeInstanceOf(DeadlockError);
    const d = err as DeadlockError;
    expect(d.code).toBe('deadlock');
    expect(d.set).toBe(1);
    expect(d.message).toMatch(/task g\/stuck#\d+ waits on waitable set 1/);
    expect(d.builtin).toBe('waitable-set.wait');
    // poisoned: later calls fail fast naming the first trap
    expect(inst.poisoned).toBe(d);
    const again = (await inst.callExport('ok').catch((e: unknown) => e)) as Trap;
    expect(again.code).toBe('instance-poisoned');
    expect(again.message).toContain('deadlock');
    // the trace has the trap
    expect(store.trace.events.filter((e) => e.kind === 'trap').map((e) => (e as { code: string }).code)).toEqual(['deadlock']);
    // a fresh instance in the same store works
    const fresh = store.instantiate(await watModule('blocking'), { name: 'g2', imports: { test: { log: () => {}, reader: () => 0 } } });
    expect(await fresh.callExport('ok')).toEqual([42]);
  });

  it('WAIT from the callback loop on a set nothing can complete is a DeadlockError', async () => {
    const { inst } = await setup();
    const err = (await inst.callExport('stuck-wait').catch((e: unknown) => e)) as DeadlockError;
    expect(err).toBeInstanceOf(DeadlockError);
    expect(err.set).toBe(1);
    expect(err.message).toMatch(/g\/stuck-wait#\d+ waits on waitable set 1/);
  });

  it('a non-async export may not block', async () => {
    const { inst } = await setup();
    const err = (await inst.callExport('sync-wait').catch((e: unknown) => e)) as Trap;
    expect(err.code).toBe('may-not-block');
  });
});
