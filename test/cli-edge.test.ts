/**
 * The CLI at its edges, as a demanding user meets them: options that do not
 * apply to what is run, traps outside the call, hosts that are not there.
 * Each case is one line naming the rule and the documented exit code, never
 * a stack trace or an "internal error".
 */
import { describe, expect, it } from 'vitest';
import { cli, file } from './cli-helpers.js';

/** A wasi:cli/run program whose core start function traps. */
const START_TRAP = `(component
  (core module $m
    (func $boom unreachable)
    (start $boom)
    (func (export "run") (result i32) (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $r (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $r)))`;

describe('wasi:cli/run programs', () => {
  it('a trap while instantiating (a start function) is the program\'s trap: exit 1, `wasip3-task: trap:`', () => {
    const r = cli('run', file('start-trap.wat', START_TRAP));
    expect(r.err).toMatch(/^wasip3-task: trap: \[wasm-trap\] start of core instance 0: unreachable/);
    expect(r.err).not.toMatch(/^error \[/m);
    expect(r.code).toBe(1);
  });
});
