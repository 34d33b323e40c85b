/**
 * The clocks and random of WASI 0.3 outside deterministic mode, for
 * host/wasi/p3.ts, in a module of their own (`wasip3-task run` loads it only
 * for a program that imports clocks or random).
 *
 * Random is preview3-shim's (over preview2-shim's `node:crypto` random).
 * The clocks are written here with what preview3-shim's are made of
 * (`process.hrtime.bigint()` at resolution 1 ns; `Date.now()` at 1 ms):
 * preview3-shim's clocks module imports preview2-shim's, whose I/O module
 * starts a worker thread on import, only for the 0.2 pollables that 0.3 has
 * no use for (`wait-for` and `wait-until` are host/wasi's own timers).
 */
import { hrtime } from 'node:process';
import * as p3random from '@bytecodealliance/preview3-shim/random';
import type { P3Shims } from './p3.js';

const systemClock = {
  /** `instant { seconds: s64, nanoseconds: u32 }`, from one reading of the wall clock. */
  now: (): { seconds: bigint; nanoseconds: number } => {
    const ms = Date.now();
    const s = Math.floor(ms / 1000);
    return { seconds: BigInt(s), nanoseconds: (ms - s * 1000) * 1_000_000 };
  },
  getResolution: (): bigint => 1_000_000n,
};

export const p3Shims: P3Shims = {
  clocks: {
    monotonicClock: { now: () => hrtime.bigint(), getResolution: () => 1n },
    systemClock,
  },
  random: p3random as unknown as P3Shims['random'],
};
