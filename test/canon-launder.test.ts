import { describe, expect, it } from 'vitest';
import { EventCode, Store, type ComponentInstance } from '../host/canon/index.js';
import { launderImport } from '../host/guest/launder.js';
import { Trace } from '../host/trace/trace.js';
import { BLOCKED, eventLog, watModule } from './canon-helpers.js';

describe('launder: a reader end through a host peer and back', () => {
  it('the write stays BLOCKED until the guest reads; nested wait then callback events', async () => {
    const trace = new Trace(true);
    const store = new Store({ trace });
    const peer = store.hostInstance('launder');
    const { log, imports } = eventLog();
    const inst: ComponentInstance = store.instantiate(await watModule('launder'), {
      name: 'guest',
      imports: {
        test: imports,
        'shim:scenarios/laundry': { launder: (h: number) => launderImport(inst, peer, h) },
      },
    });
    const result = await inst.callExport('block-on-stale');
    const w = 2;
    const r = log[0]![2]!;
    expect(r).toBe(1); // the original reader's slot 1 was freed by take, then reused
    expect(log).toEqual([
      [100, BLOCKED, r], // step 1: blocked: no read pending on the laundered end
      [101, BLOCKED, 0], // the read: the peer forwards only now
      [EventCode.STREAM_WRITE, w, 0 | (1 << 4)], // first in the nested set: w joined first
      [EventCode.STREAM_READ, r, 0 | (1 << 4)],
      [102, BLOCKED, 0xe], // step 3: blocked again; context slot 0 kept
      [103, BLOCKED, 0],
      [EventCode.STREAM_WRITE, w, 0 | (1 << 4)], // delivered to the callback
      [EventCode.STREAM_READ, r, 0 | (1 << 4)],
    ]);
    expect(result).toEqual([0x0201]);
    expect(inst.handles.size).toBe(0);
    // the canon trace shows the nested wait inside the export call
    const builtins = trace.events.filter((e) => e.kind === 'canon').map((e) => (e as { builtin: string }).builtin);
    expect(builtins.filter((b) => b === 'waitable-set.wait')).toHaveLength(2);
    expect(store.trace.events.some((e) => e.kind === 'trap')).toBe(false);
  });
});
