/**
 * preview3-shim's clocks and random for host/wasi/p3.ts, in a module of
 * their own: importing them imports preview2-shim's clocks, whose I/O module
 * starts a worker thread, so `wasip3-task run` loads this only for a program
 * that imports clocks or random.
 */
import * as p3clocks from '@bytecodealliance/preview3-shim/clocks';
import * as p3random from '@bytecodealliance/preview3-shim/random';
import type { P3Shims } from './p3.js';

export const p3Shims: P3Shims = {
  clocks: p3clocks as unknown as P3Shims['clocks'],
  random: p3random as unknown as P3Shims['random'],
};
