import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/wasip3-task.js', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('wasip3-task run (core modules on the embedded host)', () => {
  it('calls a callback-lifted export from WAT and prints the task.return values (exit 0)', () => {
    const r = cli('run', 'test/wat/run-demo.wat', '--invoke', 'double', '--args', '[21]');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('result: [42]');
  });

  it('calls a plain export', () => {
    const r = cli('run', 'test/wat/run-demo.wat', '--invoke', 'answer', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ result: [42], resultTypes: ['i32'], trap: null, violations: [] });
  });

  it('reports a trap with its code (exit 1), and --trace adds the events', () => {
    const r = cli('run', 'test/wat/run-demo.wat', '--invoke', 'explode', '--json', '--trace');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.trap.code).toBe('wasm-trap');
    expect(j.trap.instance).toBe('run-demo');
    expect(j.events.some((e: { kind: string }) => e.kind === 'trap')).toBe(true);
    expect(j.result).toBeUndefined();
  });

  it('runs the guest build with its launder peer and trace: V1 moved-waitable traps, V2 returns', () => {
    const v1 = cli('run', 'build/guest-v1.wasm', '--invoke', 'moved-waitable', '--json');
    expect(v1.code).toBe(1);
    expect(JSON.parse(v1.out).trap.message).toMatch(/registration left behind/);
    const v2 = cli('run', 'build/guest-v2.wasm', '--invoke', 'block-on-stale');
    expect(v2.code).toBe(0);
    expect(v2.out.trim()).toBe('result: [258]');
  });

  it('rejects bad input with a clear error (exit 2)', () => {
    const missing = cli('run', 'test/wat/run-demo.wat', '--invoke', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no-such-export.*exports no function 'nope' nor '\[async-lift\]nope' \(functions: double, explode, answer\)/);
    const args = cli('run', 'test/wat/run-demo.wat', '--invoke', 'double', '--args', '{"x":1}');
    expect(args.code).toBe(2);
    expect(args.err).toMatch(/bad-args/);
  });
});
