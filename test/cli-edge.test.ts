/**
 * The CLI at its edges, as a demanding user meets them: options that do not
 * apply to what is run, traps outside the call, hosts that are not there.
 * Each case is one line naming the rule and the documented exit code, never
 * a stack trace or an "internal error".
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli, file, root } from './cli-helpers.js';

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

describe('run: options of one kind of run given to the other are usage errors (exit 2), not dropped', () => {
  it('call options on a wasi:cli/run program, program options on a call with --invoke, --jspi off the embedded component host', () => {
    const cases: [string[], RegExp][] = [
      [['build/wasi-hello.wasm', '--host', 'wasmtime'], /^error: --host is for a call with --invoke, not for a wasi:cli\/run program/],
      [['build/wasi-hello.wasm', '--json', '--host', 'jco'], /^error: --json, --host are for a call with --invoke/],
      [['build/wasi-hello.wasm', '--args', '[1]'], /^error: --args is for a call with --invoke/],
      [['build/wasi-hello.wasm', '--jspi', 'off'], /^error: --jspi is for a call with --invoke/],
      [['build/guest-v1.wasm', '--invoke', 'control', '--env', 'A=B', '--deterministic'], /^error: --env, --deterministic are for a wasi:cli\/run program, which runs without --invoke/],
      [['build/composed-v2.wasm', '--invoke', 'control', '--inherit-env'], /^error: --inherit-env is for a wasi:cli\/run program/],
      [['build/composed-v2.wasm', '--invoke', 'control', '--dir', 'test::/t'], /^error: --dir is for a wasi:cli\/run program/],
      [['build/guest-v1.wasm', '--invoke', 'control', '--jspi', 'off'], /^error: --jspi is for a component on the embedded host/],
      [['build/composed-v2.wasm', '--invoke', 'control', '--host', 'jco', '--jspi', 'on'], /^error: --jspi is for a component on the embedded host/],
    ];
    for (const [args, re] of cases) {
      const r = cli('run', ...args);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err, args.join(' ')).toMatch(/\nUsage: wasip3-task run /);
      expect(r.out, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(2);
    }
    // What still runs: the program with its own options (a `--json` after `--` is the program's argument).
    const p = cli('run', 'build/wasi-hello.wasm', '--env', 'A=B', '--deterministic', '3', '--', '--json');
    expect(p.out).toMatch(/^hello from assemblyscript wasi-hello\.wasm --json\n/);
    expect(p.code).toBe(0);
    const c = cli('run', 'build/composed-v2.wasm', '--invoke', 'control', '--jspi', 'off', '--host', 'embedded', '--json');
    expect(JSON.parse(c.out)).toMatchObject({ host: 'embedded', result: [7] });
    expect(c.code).toBe(0);
  });
});

describe('hosts that are not there', () => {
  it('run --host jco without a Node that has JSPI: [jspi-node-missing] with the way to get one, exit 2 (as a missing Wasmtime), not an internal error', () => {
    const r = spawnSync(process.execPath, ['bin/wasip3-task.js', 'run', 'build/composed-v2.wasm', '--invoke', 'control', '--host', 'jco'], {
      cwd: root, encoding: 'utf8', timeout: 50_000, env: { ...process.env, NO_COLOR: '1', WASIP3_JSPI_NODE: '/nonexistent-wasip3-node' },
    });
    expect(r.stderr).toMatch(/^error \[jspi-node-missing\]: WASIP3_JSPI_NODE=\/nonexistent-wasip3-node does not exist\. .*npm install/);
    expect(r.stderr).toMatch(/\nUsage: wasip3-task run /);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  });
});

describe('inputs that are not regular files', () => {
  it('inspect and compare name no other command; wast refuses /dev/zero instead of reading it forever (exit 2)', () => {
    for (const args of [['inspect', '/dev/null'], ['compare', '/dev/null', '--invoke', 'f']]) {
      const r = cli(...args);
      expect(r.err, args.join(' ')).toMatch(/^error \[bad-input\]: \/dev\/null is a character device, not a regular file: wasip3-task reads its inputs from regular files\n/);
      expect(r.err, args.join(' ')).toMatch(new RegExp(`\\nUsage: wasip3-task ${args[0]} `));
      expect(r.code, args.join(' ')).toBe(2);
    }
    const w = cli('wast', '/dev/zero');
    expect(w.err).toMatch(/^error \[unreadable\]: \/dev\/zero is a character device, not a regular file/);
    expect(w.code).toBe(2);
    const d = cli('wast', '/dev/null');
    expect(d.out).toBe('');
    expect(d.code).toBe(2);
  });
});

describe('componentize inputs that are not regular files', () => {
  it('an entry that is a device is not "missing"; a --wit device is no-wit (exit 2)', () => {
    const e = cli('componentize', '/dev/null', '--wit', 'test/bindgen/values', '--world', 'values', '-o', file('out.wasm', ''));
    expect(e.err).toMatch(/^error \[no-entry\]: entry file \/dev\/null is not a regular file\n/);
    expect(e.code).toBe(2);
    const w = cli('componentize', file('app.ts', 'export function f(): void {}\n'), '--wit', '/dev/null', '--world', 'w', '-o', file('out.wasm', ''));
    expect(w.err).toMatch(/^error \[no-wit\]: WIT path \/dev\/null is neither a \.wit file nor a directory/);
    expect(w.code).toBe(2);
  });
});

describe('run on a component: floats JSON cannot write', () => {
  it('"NaN", "Infinity", "-Infinity" (as the CLI prints them) read back as f64 arguments; another string is bad-args', () => {
    const f = ['run', 'test/wat/values.component.wat', '--invoke', 'shim:values/api#half', '--args'];
    for (const [arg, out] of [['["NaN"]', 'result: ["NaN"]'], ['["-Infinity"]', 'result: ["-Infinity"]'], ['["inf"]', 'result: ["Infinity"]'], ['[3]', 'result: [1.5]']]) {
      const r = cli(...f, arg!);
      expect(r.out.trim(), arg).toBe(out);
      expect(r.code, arg).toBe(0);
    }
    const bad = cli(...f, '["x"]');
    expect(bad.err).toMatch(/^error \[bad-args\]: .*param 'x': a f64 is a JS number, not string "x"/);
    expect(bad.code).toBe(2);
  });
});

describe('compare: --args of the wrong count', () => {
  it('is bad-args (exit 2) before any host runs, not a difference between hosts (jco fills a missing argument with 0)', () => {
    const r = cli('compare', 'test/components/basics.wat', '--imports', 'test/components/basics.imports.json', '--invoke', 'twice-add', '--args', '[2]');
    expect(r.err).toMatch(/^error \[bad-args\]: twice-add takes 2 argument\(s\) \(a, b\), --args gives 1\n/);
    expect(r.out).toBe('');
    expect(r.code).toBe(2);
    const i = cli('compare', 'test/wat/values.component.wat', '--invoke', 'shim:values/api#swap', '--args', '[]', '--hosts', 'embedded');
    expect(i.err).toMatch(/^error \[bad-args\]: shim:values\/api#swap takes 1 argument\(s\) \(p\), --args gives 0/);
    expect(i.code).toBe(2);
  });
});

describe('--timeout in decimal seconds', () => {
  it('is the milliseconds its text says in the trap (0.0000001 s is 0.0001 ms, not 0.00009999999999999999)', () => {
    const r = cli('run', 'build/composed-v2.wasm', '--invoke', 'control', '--timeout', '0.0000001');
    expect(r.out).toMatch(/^trap timeout: .*within 0\.0001 ms/);
    expect(r.code).toBe(1);
  });
});

describe('the usage line after bad input', () => {
  it('is the usage of the command given, not of a command whose name is an option value (bindgen --world run)', () => {
    const r = cli('bindgen', 'test/bindgen/values', '--world', 'run', '--out', file('out', ''));
    expect(r.err).toMatch(/^error \[world-not-found\]: world 'run'/);
    expect(r.err).toMatch(/\nUsage: wasip3-task bindgen \[options\] <wit>/);
    expect(r.err).not.toMatch(/Usage: wasip3-task run/);
    expect(r.code).toBe(2);
  });
});

describe('repro and matrix with a deadline that passes', () => {
  it('while the guest is instantiated: the run fails with the trap timeout (exit 1), not an internal error', () => {
    const r = cli('repro', 'control', '--abi', 'v2', '--timeout', '0.000001');
    expect(r.err).not.toMatch(/internal error/);
    expect(r.out).toMatch(/diagnosis: trap timeout: \[timeout\] timeout: instantiating guest-v2/);
    expect(r.code).toBe(1);
    const m = cli('matrix', '--timeout', '0.000001', '--json');
    expect(m.err).not.toMatch(/internal error/);
    const j = JSON.parse(m.out) as { ok: boolean; cells: { actual: string; trap: { code: string } | null }[] };
    expect(j.ok).toBe(false);
    // Which cells the clock catches depends on the machine's speed; those it catches fail with the trap.
    const timedOut = j.cells.filter((c) => c.trap?.code === 'timeout');
    expect(timedOut.length).toBeGreaterThan(0);
    for (const c of timedOut) expect(c.actual).toBe('fail: trap timeout');
    expect(m.code).toBe(1);
  });
});

describe('--args is a JSON array', () => {
  it('a JSON value that is not an array is bad-args (exit 2, one line naming the rule) for a component on every host and for a core module, in run and compare', () => {
    const component = ['test/wat/values.component.wat', '--invoke', 'shim:values/api#echo'];
    const core = ['test/wat/run-demo.wat', '--invoke', 'double'];
    const cases: [string[], RegExp][] = [];
    for (const a of ['"x"', '5', '{"s":"x"}', 'null']) {
      for (const host of ['embedded', 'jco', 'wasmtime']) {
        cases.push([['run', ...component, '--args', a, '--host', host], /^error \[bad-args\]: --args must be a JSON array of the export's arguments, e\.g\. \["x", 2\]/]);
      }
      cases.push([['compare', ...component, '--args', a], /^error \[bad-args\]: --args must be a JSON array of the export's arguments/]);
      cases.push([['run', ...core, '--args', a], /^error \[bad-args\]: --args must be a JSON array of the flat core arguments/]);
    }
    for (const [args, re] of cases) {
      const r = cli(...args);
      expect(r.err, args.join(' ')).toMatch(re);
      // One line of error, then the usage line; no result, no stack.
      expect(r.err.split('\n')[1], args.join(' ')).toMatch(/^Usage: wasip3-task (run|compare) /);
      expect(r.err, args.join(' ')).not.toMatch(/\n\s+at /);
      expect(r.out, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(cli('run', ...component, '--args', '"x"').err).toContain('(one argument is a one-element array: ["x"])');
    // The array form still runs.
    const ok = cli('run', ...component, '--args', '["x"]');
    expect(ok.out).toBe('result: ["x"]\n');
    expect(ok.code).toBe(0);
  });
});

describe('run --invoke prints values as JSON on one line, the same on the embedded host and jco', () => {
  // bytes() -> list<u8> (the API gives a Uint8Array), check(n) -> result<u32, string>
  const VALUES = `(component
  (core module $m
    (memory (export "mem") 1)
    (data (i32.const 64) "\\01\\02\\ff")
    (data (i32.const 80) "too big")
    (func (export "bytes") (result i32)
      (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 3)) (i32.const 0))
    (func (export "check") (param $n i32) (result i32)
      (if (i32.gt_u (local.get $n) (i32.const 10))
        (then (i32.store (i32.const 8) (i32.const 1)) (i32.store (i32.const 12) (i32.const 80)) (i32.store (i32.const 16) (i32.const 7)))
        (else (i32.store (i32.const 8) (i32.const 0)) (i32.store (i32.const 12) (i32.mul (local.get $n) (i32.const 2)))))
      (i32.const 8))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024)))
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (func (export "bytes") (result (list u8)) (canon lift (core func $i "bytes") (memory $mem)))
  (func (export "check") (param "n" u32) (result (result u32 (error string))) (canon lift (core func $i "check") (memory $mem))))`;

  it('a list<u8> result is a JSON array (not the Uint8Array\'s keys), an ok value is returned, an err result is err: (exit 1)', () => {
    const f = file('values.wat', VALUES);
    expect(cli('run', f, '--invoke', 'bytes').out).toBe('result: [[1,2,255]]\n');
    expect(cli('run', f, '--invoke', 'check', '--args', '[3]').out).toBe('result: [6]\n'); // ok is returned, err thrown (jco's mapping)
    const err = cli('run', f, '--invoke', 'check', '--args', '[30]');
    expect(err.out).toBe('err: "too big"\n');
    expect(err.code).toBe(1);
  });

  it('jco prints the same lines, its thrown ComponentError an err: too', () => {
    const f = file('values-jco.wat', VALUES);
    expect(cli('run', f, '--invoke', 'bytes', '--host', 'jco').out).toBe('result: [[1,2,255]]\n');
    expect(cli('run', f, '--invoke', 'check', '--args', '[3]', '--host', 'jco').out).toBe('result: [6]\n');
    const err = cli('run', f, '--invoke', 'check', '--args', '[30]', '--host', 'jco');
    expect(err.out).toBe('err: "too big"\n');
    expect(err.code).toBe(1);
  });
});
