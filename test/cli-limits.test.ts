// The CLI's limits: --timeout on every command that runs a guest, the
// --max-* resource flags on run, and the bounds on what run reads.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readInput, RunError } from '../host/cli/run.js';
import { parseTimeoutSeconds } from '../host/cli/limits.js';
import { jspiNode } from '../host/jco/run.js';
// @ts-expect-error: plain .mjs build script, no types
import { componentize } from '../scripts/componentize.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/wasip3-task.js', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
};

let dir: string;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wasip3-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --timeout', () => {
  it('stops a wasm loop in the invoked export: trap timeout, exit 1, --json', () => {
    const spin = file('spin.wat', '(module (func (export "spin") (result i32) (loop $l (br $l)) i32.const 0))');
    const r = cli('run', spin, '--invoke', 'spin', '--timeout', '0.3', '--json');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.trap.code).toBe('timeout');
    expect(j.trap.message).toMatch(/300 ms deadline/);
    expect(j.trap.instance).toBe('spin');
  });

  it('stops a loop in a start function', () => {
    const start = file('start.wat', '(module (func $s (loop $l (br $l))) (start $s) (func (export "f")))');
    const r = cli('run', start, '--invoke', 'f', '--timeout', '0.3');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^trap timeout: .*start function/m);
  });

  it('stops a callback that always returns YIELD', () => {
    const y = file('yield.wat', `(module
      (func (export "[async-lift]y") (result i32) i32.const 1)
      (func (export "[callback][async-lift]y") (param i32 i32 i32) (result i32) i32.const 1))`);
    const r = cli('run', y, '--invoke', 'y', '--timeout', '0.3', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).trap).toMatchObject({ code: 'timeout', instance: 'yield' });
  });

  it('takes seconds; 0 means no deadline; anything else is refused', () => {
    expect(parseTimeoutSeconds('1.5')).toBe(1500);
    expect(parseTimeoutSeconds('0')).toBe(Infinity);
    for (const bad of ['abc', '-1', '1e3', '']) expect(() => parseTimeoutSeconds(bad)).toThrow(/--timeout takes seconds/);
    const r = cli('run', 'test/wat/run-demo.wat', '--invoke', 'answer', '--timeout', 'soon');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--timeout takes seconds/);
  });

  it('is accepted by repro (and the run finishes well within it)', () => {
    const r = cli('repro', 'control', '--abi', 'v2', '--timeout', '30', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).outcome).toBe('pass');
  });
});

describe('run --max-handles / --max-stream-ends / --max-tasks', () => {
  const greedy = () =>
    file('greedy.wat', `(module
      (import "$root" "[waitable-set-new]" (func $n (result i32)))
      (import "$root" "[stream-new-0]f" (func $s (result i64)))
      (func (export "sets") (result i32) (loop $l (drop (call $n)) (br $l)) i32.const 0)
      (func (export "streams") (result i32) (loop $l (drop (call $s)) (br $l)) i32.const 0))`);

  it('a waitable-set.new loop traps limit-exceeded at --max-handles (exit 1, the process alive to print it)', () => {
    const r = cli('run', greedy(), '--invoke', 'sets', '--max-handles', '50', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.trap.code).toBe('limit-exceeded');
    expect(j.trap.message).toMatch(/at most 50 handles \(limit maxHandles, --max-handles/);
  });

  it('a stream.new loop traps at --max-stream-ends', () => {
    const r = cli('run', greedy(), '--invoke', 'streams', '--max-stream-ends', '64', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).trap.message).toMatch(/at most 64 stream and future ends/);
  });

  it('refuses a limit that is not a positive integer', () => {
    const r = cli('run', greedy(), '--invoke', 'sets', '--max-tasks', '0');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--max-tasks takes a positive integer/);
  });
});

describe('what run reads', () => {
  it('refuses a character device (/dev/zero would read forever) and a directory', () => {
    const z = cli('run', '/dev/zero', '--invoke', 'f');
    expect(z.code).toBe(2);
    expect(z.err).toMatch(/\/dev\/zero is a character device, not a regular file: wasip3-task reads its inputs from regular files/);
    const d = cli('run', dir, '--invoke', 'f');
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/is a directory/);
  });

  it('refuses a file larger than the bound, reading no more than the bound', () => {
    const big = file('big.wat', 'x'.repeat(100));
    expect(readInput(big, 100).length).toBe(100);
    let e: unknown;
    try {
      readInput(big, 99);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(RunError);
    expect((e as RunError).code).toBe('input-too-large');
    expect((e as RunError).message).toMatch(/has 100 bytes; wasip3-task reads at most 99/);
  });
});

describe('jco runs: --timeout is the child\'s limit, and a timeout is a trap', () => {
  beforeAll(async () => {
    jspiNode(); // fails the suite, with how to get it, when the JSPI Node is missing
    await componentize({ ifNeeded: true, quiet: true });
  });

  it('a component not done within --timeout prints a timeout trap with --json and exits 1', () => {
    const r = cli('run', 'build/composed-v2.wasm', '--invoke', 'control', '--timeout', '0.001', '--json', '--host', 'jco');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.trap.code).toBe('timeout');
    expect(j.trap.message).toMatch(/no result after 1 ms \(killed\)/);
    expect(j.result).toBeUndefined();
  });
});
