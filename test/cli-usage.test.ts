// Errors a person can read and exit codes a script can trust: usage errors
// exit 2 with the command's usage, WAT errors point at the line, traps print
// their code once, JSON has every field, the run timeline names tasks as
// repro does. Run as a user would: the built CLI on hostile input.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cli, file, root } from './cli-helpers.js';

describe('usage errors exit 2 with the command\'s usage', () => {
  const cases: [string, string[], RegExp, RegExp][] = [
    ['repro without --abi', ['repro', 'control'], /required option '--abi <version>' not specified/, /Usage: wasip3-task repro \[options\] <scenario>/],
    ['repro --abi v3', ['repro', 'control', '--abi', 'v3'], /argument 'v3' is invalid/, /Usage: wasip3-task repro/],
    ['an unknown flag', ['matrix', '--frob'], /unknown option '--frob'/, /Usage: wasip3-task matrix/],
    ['run without --invoke', ['run', 'test/wat/run-demo.wat'], /required option '--invoke <export>' not specified/, /Usage: wasip3-task run/],
    ['an unknown subcommand', ['frobnicate'], /unknown command 'frobnicate' \(commands: matrix, repro, run, inspect, compare, wast, componentize, bindgen, help\)/, /Usage: wasip3-task \[command\]/],
    ['an unknown subcommand after a matrix flag', ['--json', 'frobnicate'], /unknown command 'frobnicate'/, /Usage: wasip3-task \[command\]/],
    ['help on an unknown command', ['help', 'nope'], /unknown command 'nope'/, /Usage: wasip3-task \[command\]/],
    ['matrix with an argument', ['matrix', 'extra'], /matrix takes no arguments, got 'extra'/, /Usage: wasip3-task matrix/],
    ['an unknown scenario', ['repro', 'nope', '--abi', 'v1'], /unknown scenario 'nope'/, /Usage: wasip3-task repro/],
    ['matrix --trace \'\'', ['matrix', '--trace', ''], /--trace needs a directory name/, /Usage: wasip3-task matrix/],
    ['matrix --trace where no directory can be made (Node\'s recursive mkdir never returns there)', ['matrix', '--trace', '/proc/nonexistent/x'], /--trace \/proc\/nonexistent\/x: cannot create the directory \(ENOENT\)/, /Usage: wasip3-task matrix/],
    ['repro --svg into a missing directory', ['repro', 'control', '--abi', 'v1', '--svg', '/nonexistent-dir/x.svg'], /--svg \/nonexistent-dir\/x\.svg: the directory \/nonexistent-dir does not exist/, /Usage: wasip3-task repro/],
  ];
  for (const [what, args, message, usage] of cases) {
    it(what, () => {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(usage);
      expect(r.out).toBe('');
    });
  }

  it('matrix --trace on an existing file: a typed message, before the matrix runs', () => {
    const f = file('not-a-dir', 'x');
    const r = cli('matrix', '--trace', f);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--trace ${f}: exists and is not a directory`);
    expect(r.err).not.toMatch(/EEXIST/);
    expect(r.out).toBe('');
  });

  it('--version prints the package version; help marks required options and the default command', () => {
    const v = cli('--version');
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version);
    const h = cli('help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/matrix \[options\]\s+\(default command\)/);
    expect(h.out).toMatch(/With no command, runs `matrix`/);
    expect(h.out).toMatch(/Exit codes: 0 ok; 1 a trap/);
    expect(cli('help', 'repro').out).toMatch(/--abi <version>\s+\(required\)/);
    expect(cli('run', '--help').out).toMatch(/--invoke <export>\s+\(required\)/);
  });
});

describe('run reads its input by content', () => {
  const MODULE = '(module (func (export "f") (result i32) (i32.const 7)))';

  it('a WAT error is file:line:col (1-based) with the source line and a caret, no Rust dump', () => {
    const f = file('bad.wat', '(module\n  (func (export "f") (result i32)\n    (i32.const 1) (i32.bogus)))\n');
    const r = cli('run', f, '--invoke', 'f');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${f}:3:20: unknown operator or unexpected token\n      (i32.const 1) (i32.bogus)))\n                     ^\n`);
    const lex = cli('run', file('lex.wat', '(module\n "\\q")'), '--invoke', 'f');
    expect(lex.code).toBe(2);
    expect(lex.err).toMatch(/:2:4: invalid string escape '\\q'\n/);
    expect(lex.err).not.toMatch(/ErrorInner|Span|Some\(/);
  });

  it('a UTF-8 BOM is accepted; a binary named .wat and text named .wasm are read by content', async () => {
    expect(cli('run', file('bom.wat', `\ufeff${MODULE}`), '--invoke', 'f').out).toBe('result: [7]\n');
    expect(cli('run', file('text.wasm', MODULE), '--invoke', 'f').out).toBe('result: [7]\n');
    const { parse } = await import('@bytecodealliance/jco');
    expect(cli('run', file('binary.wat', await parse(MODULE)), '--invoke', 'f').out).toBe('result: [7]\n');
  });

  it('empty, binary garbage and unreadable files are not-wasm / bad-input (exit 2)', () => {
    const empty = cli('run', file('empty.wasm', ''), '--invoke', 'f');
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/^error \[not-wasm\]: .*the file is empty/);
    const garbage = cli('run', file('garbage.wasm', new Uint8Array([0x00, 0xff, 0xfe, 0x01])), '--invoke', 'f');
    expect(garbage.code).toBe(2);
    expect(garbage.err).toMatch(/^error \[not-wasm\]: /);
    const missing = cli('run', '/nonexistent-dir/x.wasm', '--invoke', 'f');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^error \[bad-input\]: cannot open \/nonexistent-dir\/x\.wasm: ENOENT/);
  });
});

describe('traps, traces and JSON', () => {
  it('a trap prints its code once', () => {
    const r = cli('run', 'test/wat/run-demo.wat', '--invoke', 'explode');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^trap wasm-trap: wasm trap: unreachable/m);
    expect(r.out).not.toMatch(/\[wasm-trap\]/);
    const j = JSON.parse(cli('run', 'test/wat/run-demo.wat', '--invoke', 'explode', '--json').out);
    expect(j.trap.message).not.toMatch(/^\[/);
    const repro = cli('repro', 'block-on-stale', '--abi', 'v1');
    expect(repro.out).toMatch(/^trap guest-abort in guest-v1: guest aborted/m);
  });

  it('run --trace on the guest names tasks E1/B1 as repro does and prints violations (exit 1)', () => {
    const r = cli('run', 'build/guest-v1.wasm', '--invoke', 'moved-waitable', '--trace');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\[E1 current\]/);
    expect(r.out).toMatch(/B1 new \(block_on task\)/);
    expect(r.out).not.toMatch(/\[task 0x/);
    expect(r.out).toMatch(/^\s+!! registration-left-behind: E1 cannot exit/m);
    const j = JSON.parse(cli('run', 'build/guest-v1.wasm', '--invoke', 'moved-waitable', '--json').out);
    expect(j.violations.map((v: { kind: string; task: string }) => [v.kind, v.task])).toEqual([['registration-left-behind', 'E1']]);
    const ok = cli('run', 'build/guest-v2.wasm', '--invoke', 'moved-waitable', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).violations).toEqual([]);
  });

  it('matrix --json: trap is null when there is none, every violation has seq, task is the label its message uses', () => {
    const r = cli('matrix', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    let withViolations = 0;
    for (const c of [...j.cells, ...j.exports]) {
      expect(c).toHaveProperty('trap');
      if (c.trap !== null) expect(Object.keys(c.trap)).toEqual(['code', 'message', 'instance', 'task']);
      for (const v of c.violations) {
        withViolations++;
        expect(Object.keys(v)).toEqual(['kind', 'instance', 'task', 'taskPtr', 'waitable', 'ptr', 'seq', 'message']);
        expect(v.seq === null || Number.isInteger(v.seq)).toBe(true);
        if (v.task !== null) {
          expect(v.task).toMatch(/^[EBH]\d+$/);
          expect(v.message).toContain(v.task);
        }
      }
    }
    expect(j.cells.filter((c: { trap: unknown }) => c.trap === null).length).toBeGreaterThan(0);
    expect(withViolations).toBeGreaterThan(0);
  });
});

describe('component runs (jco) report what went wrong, not a JS stack', () => {
  it('an import nobody serves is named: trap unresolved-import (exit 1)', () => {
    const r = cli('run', 'build/component-v2.wasm', '--invoke', 'control', '--host', 'jco');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^trap unresolved-import: the component imports 'shim:scenarios\/laundry', which no host serves here/);
    expect(r.out + r.err).not.toMatch(/at instantiate|Cannot destructure|file:\/\//);
    const j = JSON.parse(cli('run', 'build/component-v2.wasm', '--invoke', 'control', '--json', '--host', 'jco').out);
    expect(j.missingImports).toEqual(['shim:scenarios/laundry']);
    expect(j.trap).toMatchObject({ code: 'unresolved-import', jco: null });
  });

  it('a JS error inside jco\'s bindings is host-error, not wasm-trap', () => {
    const r = cli('run', 'build/laundry.wasm', '--invoke', 'shim:scenarios/laundry#launder', '--args', '[5]', '--host', 'jco');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^trap host-error: jco's bindings threw TypeError: /);
  });
});

describe('component runs on the embedded host (the default) report what went wrong, not a JS stack', () => {
  it('runs the composed guest: result [258]; V1 traps with the guest\'s abort text naming #1618', () => {
    const r = cli('run', 'build/composed-v2.wasm', '--invoke', 'block-on-stale');
    expect(r.code).toBe(0);
    expect(r.out).toBe('result: [258]\n');
    const v1 = cli('run', 'build/composed-v1.wasm', '--invoke', 'block-on-stale');
    expect(v1.code).toBe(1);
    expect(v1.out).toMatch(/^trap wasm-trap: .*after the guest's abort: violation use-after-free: .*#1618/);
    expect(v1.err).toContain('abort: violation use-after-free');
    const j = JSON.parse(cli('run', 'build/composed-v1.wasm', '--invoke', 'block-on-stale', '--json').out);
    expect(j).toMatchObject({ host: 'embedded', trap: { code: 'wasm-trap', abort: expect.stringContaining('#1618') } });
  });

  it('an import nobody serves is named: trap unresolved-import (exit 1)', () => {
    const r = cli('run', 'build/component-v2.wasm', '--invoke', 'control');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^trap unresolved-import: .*shim:scenarios\/laundry/);
    expect(r.out + r.err).not.toMatch(/\n\s+at |file:\/\//);
  });

  it('a stream parameter cannot come from --args, an unknown export is named, a bad value is bad-args (exit 2)', () => {
    const s = cli('run', 'build/laundry.wasm', '--invoke', 'shim:scenarios/laundry#launder', '--args', '[5]');
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/parameter 'x' of shim:scenarios\/laundry#launder holds a resource, stream/);
    const n = cli('run', 'build/composed-v2.wasm', '--invoke', 'nope');
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/no function export "nope" \(functions: block-on-stale, control/);
    const b = cli('run', 'build/composed-v2.wasm', '--invoke', 'control', '--args', '[1]');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/\[arity\] control takes 0 argument/);
  });

  it('a reader that goes away (`| head`): the command stops quietly, exit 0, no write error or stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const { join } = await import('node:path');
    for (const args of [['--help'], ['matrix']]) {
      const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const p = spawn(process.execPath, [join(root, 'bin', 'wasip3-task.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        p.stderr.on('data', (b: Buffer) => (err += b));
        p.stdout.destroy(); // the reader is gone before the tool writes: its first write gets EPIPE
        p.on('close', (code) => resolve({ code, err }));
      });
      expect(r.err, args.join(' ')).not.toMatch(/EPIPE|\n\s+at /);
      expect(r.code, args.join(' ')).toBe(0);
    }
  });

  it('wasi:cli/run flags: a --dir that is not a directory or preopens a guest path twice, a bad --deterministic seed: typed errors, exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['--dir', '/nonexistent-wasip3-dir::/x'], /^error \[bad-dir\]: --dir "\/nonexistent-wasip3-dir::\/x": cannot open \/nonexistent-wasip3-dir: ENOENT/],
      [['--dir', 'package.json::/x'], /^error \[bad-dir\]: .*package\.json is not a directory/],
      [['--dir', 'test::/x', '--dir', 'docs::/x'], /^error \[bad-dir\]: .*the guest path \/x is preopened twice/],
      [['--deterministic', 'abc'], /^error \[bad-seed\]: --deterministic "abc": the seed is an unsigned 64-bit integer/],
      [['--deterministic', '18446744073709551616'], /^error \[bad-seed\]/],
    ];
    for (const [flags, re] of cases) {
      const r = cli('run', 'build/wasi-hello.wasm', ...flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err, flags.join(' ')).toMatch(re);
      expect(r.out, flags.join(' ')).toBe('');
    }
    const ok = cli('run', 'build/wasi-hello.wasm', '--deterministic', '0xffffffffffffffff', '--dir', 'test::/t');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^hello from assemblyscript/);
  });
});

