import { describe, expect, it } from 'vitest';
import { CopyResult, CopyState, Store, Trap } from '../host/canon/index.js';
import {
  COPY_TRANSITIONS,
  copyTransition,
  copyTransitionAllowed,
  type CopyTransition,
} from '../host/canon/copy-state.js';

const STATES = [CopyState.IDLE, CopyState.COPYING, CopyState.CANCELLING_COPY, CopyState.DONE] as const;
const RESULTS = [CopyResult.COMPLETED, CopyResult.DROPPED, CopyResult.CANCELLED] as const;
const { IDLE, COPYING, CANCELLING_COPY, DONE } = CopyState;

/**
 * The table as the spec writes it (definitions.py: `stream_copy`,
 * `future_copy`, `cancel_copy`, `stream_event`, `future_event`,
 * `CopyEnd.drop`), written out here independently of copy-state.ts: each
 * (transition, state) pair gives the next state per copy result, or the trap.
 */
function expected(t: CopyTransition, s: CopyState, r: CopyResult): CopyState | string {
  switch (t) {
    case 'copy':
      return s === IDLE ? COPYING : s === DONE ? 'end-done' : 'copy-in-progress';
    case 'cancel_copy':
      return s === COPYING ? CANCELLING_COPY : 'not-copying';
    case 'stream_event':
      if (s !== COPYING && s !== CANCELLING_COPY) return 'copy-state';
      return r === CopyResult.DROPPED ? DONE : IDLE;
    case 'future_event':
      if (s !== COPYING && s !== CANCELLING_COPY) return 'copy-state';
      return r === CopyResult.CANCELLED ? IDLE : DONE;
    case 'drop':
      return s === IDLE || s === DONE ? s : 'end-busy';
  }
}

function outcome(t: CopyTransition, s: CopyState, r: CopyResult): CopyState | string {
  try {
    return copyTransition(t, s, r, {});
  } catch (e) {
    expect(e).toBeInstanceOf(Trap);
    return (e as Trap).code;
  }
}

describe('CopyEnd state transitions', () => {
  it('the table names exactly the spec transitions', () => {
    expect(Object.keys(COPY_TRANSITIONS).sort()).toEqual(['cancel_copy', 'copy', 'drop', 'future_event', 'stream_event']);
  });

  const cases: [CopyTransition, CopyState, CopyResult][] = [];
  for (const t of Object.keys(COPY_TRANSITIONS) as CopyTransition[]) {
    for (const s of STATES) for (const r of RESULTS) cases.push([t, s, r]);
  }

  it.each(cases)('%s from state %i with result %i', (t, s, r) => {
    const want = expected(t, s, r);
    expect(outcome(t, s, r)).toBe(want);
    expect(copyTransitionAllowed(t, s)).toBe(typeof want === 'number');
    expect(COPY_TRANSITIONS[t].from.includes(s)).toBe(typeof want === 'number');
  });

  it('an illegal transition on a live end traps and leaves the state as it was', () => {
    const store = new Store();
    const peer = store.hostInstance('peer');
    const { readable, writable } = peer.streamNew();
    // An event with no copy in progress (spec: assert(e.copying())).
    expect(() => readable.streamEvent(CopyResult.COMPLETED)).toThrow(expect.objectContaining({ code: 'copy-state' }));
    expect(readable.state).toBe(IDLE);
    // cancel with nothing to cancel
    expect(() => peer.cancel(readable)).toThrow(expect.objectContaining({ code: 'not-copying' }));
    expect(readable.state).toBe(IDLE);

    const results: CopyResult[] = [];
    peer.read(readable, 4, (res) => results.push(res.kind));
    expect(readable.state).toBe(COPYING);
    // a second read while one is pending, and a drop while copying
    expect(() => peer.read(readable, 4, () => {})).toThrow(expect.objectContaining({ code: 'copy-in-progress' }));
    expect(() => peer.dropReadable(readable)).toThrow(expect.objectContaining({ code: 'end-busy' }));
    expect(readable.state).toBe(COPYING);

    // The writer goes away: the read ends DROPPED, and the end is DONE (stream_event).
    peer.dropWritable(writable);
    store.drive();
    expect(results).toEqual([CopyResult.DROPPED]);
    expect(readable.state).toBe(DONE);
    expect(() => peer.read(readable, 4, () => {})).toThrow(expect.objectContaining({ code: 'end-done' }));
    peer.dropReadable(readable);
  });

  it('a cancelled future read goes back to IDLE; a completed one is DONE (future_event)', () => {
    const store = new Store();
    const peer = store.hostInstance('peer');
    const { readable, writable } = peer.futureNew();
    const reads: CopyResult[] = [];
    peer.readFuture(readable, (res) => reads.push(res.kind));
    peer.cancel(readable);
    expect(readable.state).toBe(CANCELLING_COPY);
    store.drive();
    expect(reads).toEqual([CopyResult.CANCELLED]);
    expect(readable.state).toBe(IDLE);

    // The writable end of a future may not be dropped before its write is done.
    expect(() => peer.dropWritable(writable)).toThrow(expect.objectContaining({ code: 'future-write-not-done' }));
    peer.readFuture(readable, (res) => reads.push(res.kind));
    const writes: CopyResult[] = [];
    peer.writeFuture(writable, new Uint8Array([7]), (res) => writes.push(res.kind));
    store.drive();
    expect(reads).toEqual([CopyResult.CANCELLED, CopyResult.COMPLETED]);
    expect(writes).toEqual([CopyResult.COMPLETED]);
    expect([readable.state, writable.state]).toEqual([DONE, DONE]);
    peer.dropWritable(writable);
    peer.dropReadable(readable);
  });
});
