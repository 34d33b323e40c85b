/**
 * Hostile inputs at `wasip3-task run` (README "Running WASI programs"): each
 * ends with the documented exit code and a short message of the tool's own
 * (`wasip3-task: trap: …`, `error [rule]: …` and the usage line), never a JS
 * stack trace, a crash or a hang. Programs: test/wasi/*.wat, the
 * AssemblyScript programs of build/, and small WAT components written here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '@bytecodealliance/jco';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bin = join(root, 'bin', 'wasip3-task.js');
const tmp = mkdtempSync(join(tmpdir(), 'wasi-hostile-'));
const f = (name: string): string => join(tmp, name);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A WASI 0.2 program that writes "partial\n" to stdout, then `$then` (core instructions in run). */
const p2Writer = (then: string): string => `(component
  (import "wasi:io/error@0.2.6" (instance $ioerr (export "error" (type (sub resource)))))
  (alias export $ioerr "error" (type $error))
  (import "wasi:io/streams@0.2.6" (instance $streams
    (alias outer 1 $error (type $err))
    (export "error" (type $e (eq $err)))
    (export "output-stream" (type $os (sub resource)))
    (type $own-e (own $e))
    (type $se (variant (case "last-operation-failed" $own-e) (case "closed")))
    (export "stream-error" (type $serr (eq $se)))
    (type $bos (borrow $os))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" $bos) (param "contents" (list u8)) (result (result (error $serr)))))))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdout@0.2.6" (instance $stdout
    (alias outer 1 $output-stream (type $os0))
    (export "output-stream" (type $os (eq $os0)))
    (type $o (own $os))
    (export "get-stdout" (func (result $o)))))
  (core module $libc (memory (export "mem") 1))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $out (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory $mem)))
  (core module $m
    (import "libc" "mem" (memory 1))
    (import "c" "get-stdout" (func $get-stdout (result i32)))
    (import "c" "out" (func $out (param i32 i32 i32 i32)))
    (data (i32.const 16) "partial\\n")
    (func (export "run") (result i32)
      (local $o i32)
      (local.set $o (call $get-stdout))
      (call $out (local.get $o) (i32.const 16) (i32.const 8) (i32.const 64))
      ${then}
      (i32.const 0)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "c" (instance (export "get-stdout" (func $get-stdout)) (export "out" (func $out))))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.6" (instance $run-inst)))`;

beforeAll(async () => {
  // a host call given a list out of bounds of memory, after a first write
  writeFileSync(f('oob-write.wasm'), await parse(p2Writer('(call $out (local.get $o) (i32.const 65530) (i32.const 100) (i32.const 64))')));
  // unreachable right after the write
  writeFileSync(f('trap-after-write.wasm'), await parse(p2Writer('unreachable')));
  // 1 MiB in 8-byte writes, the results ignored (the count at address 0)
  writeFileSync(f('loop-write.wasm'), await parse(p2Writer('(loop $l (call $out (local.get $o) (i32.const 16) (i32.const 8) (i32.const 64)) (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))) (br_if $l (i32.lt_u (i32.load (i32.const 0)) (i32.const 131072))))')));
  writeFileSync(f('hello-p2.wasm'), await parse(readFileSync(join(here, 'wasi', 'hello-p2.wat'), 'utf8')));
  writeFileSync(f('trunc.wasm'), readFileSync(join(root, 'build', 'wasi-hello.wasm')).subarray(0, 100));
  writeFileSync(f('a-file'), 'not a directory');
  mkdirSync(f('dir'));
});

interface Run {
  code: number | null;
  out: Buffer;
  err: string;
}
const run = (args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Run => {
  const r = spawnSync(process.execPath, [bin, 'run', ...args], { env: opts.env ?? process.env, timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr.toString() };
};
/** No stack frame (`at fn (file.js:1:2)`), no Node error dump. */
const noStack = (err: string): void => {
  expect(err).not.toMatch(/^\s+at .*[:(]\d+:\d+\)?$/m);
  expect(err).not.toMatch(/node:internal|Error: |\bthrow\b/);
};

describe('traps mid-write', () => {
  it('a host call with a list out of bounds after a first write: that write kept, one trap line, exit 1', () => {
    const r = run([f('oob-write.wasm')]);
    expect(r.code).toBe(1);
    expect(r.out.toString()).toBe('partial\n');
    expect(r.err).toMatch(/^wasip3-task: trap: \[[a-z-]+\] [^\n]*\n$/);
    noStack(r.err);
  });

  it('unreachable after a write: the write kept, the trap line, exit 1', () => {
    const r = run([f('trap-after-write.wasm')]);
    expect(r.code).toBe(1);
    expect(r.out.toString()).toBe('partial\n');
    expect(r.err).toMatch(/^wasip3-task: trap: \[wasm-trap\] [^\n]*\n$/);
  });

  it('a 0.3 program trapping after its first write (test/wasi/prog-p3.wat t)', async () => {
    writeFileSync(f('prog-p3.wasm'), await parse(readFileSync(join(here, 'wasi', 'prog-p3.wat'), 'utf8')));
    const r = run([f('prog-p3.wasm'), '--', 't']);
    expect(r.code).toBe(1);
    expect(r.out.toString()).toBe('partial\n');
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    noStack(r.err);
  });
});

describe('bad --dir: usage error (exit 2) naming bad-dir', () => {
  it.each([
    ['a file', () => `${f('a-file')}::/d`, 'is not a directory'],
    ['a missing path', () => `${f('missing')}::/d`, 'cannot open'],
    ['no host side', () => '::/d', 'is not host::guest'],
    ['no guest side', () => `${f('dir')}::`, 'is not host::guest'],
    ['the same guest path twice', () => [`${f('dir')}::/d`, `${f('dir')}::/d`], 'preopened twice'],
  ])('%s', (_what, dir, says) => {
    const dirs = [dir()].flat();
    const r = run([join(root, 'build', 'wasi-ls.wasm'), ...dirs.flatMap((d) => ['--dir', d])]);
    expect(r.code).toBe(2);
    expect(r.out.length).toBe(0);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error \[bad-dir\]: --dir /);
    expect(lines[0]).toContain(says);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^Usage: wasip3-task run /)]);
  });
});

describe('stdout closed by the reader (`| head -c1`)', () => {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

  it('0.3 (build/wasi-big.wasm, 10 MB): write-via-stream gets err(pipe), the program exits 1, nothing on stderr', () => {
    const h = spawnSync('sh', ['-c', `(${q(process.execPath)} ${q(bin)} run ${q(join(root, 'build', 'wasi-big.wasm'))} -- 10000000 2>${q(f('err.txt'))}; echo $? > ${q(f('code.txt'))}) | head -c1 >/dev/null`], { timeout: 60_000 });
    expect(h.status).toBe(0);
    expect(readFileSync(f('code.txt'), 'utf8').trim()).toBe('1');
    expect(readFileSync(f('err.txt'), 'utf8')).toBe('');
  });

  it('0.2, results ignored (1 MiB in 8-byte writes): it runs to its end, exit 0, nothing on stderr', () => {
    const h = spawnSync('sh', ['-c', `(${q(process.execPath)} ${q(bin)} run ${q(f('loop-write.wasm'))} 2>${q(f('err.txt'))}; echo $? > ${q(f('code.txt'))}) | head -c1 >/dev/null`], { timeout: 60_000 });
    expect(h.status).toBe(0);
    expect(readFileSync(f('code.txt'), 'utf8').trim()).toBe('0');
    expect(readFileSync(f('err.txt'), 'utf8')).toBe('');
  });
});

describe('huge --env lists and non-UTF-8 arguments', () => {
  it('40000 --env entries and a 120 KB value reach the program (hello-p2 exits with CODE\'s digit)', () => {
    const envs = Array.from({ length: 40000 }, (_, i) => ['--env', `K${i}=v${i}`]).flat();
    const r = run([f('hello-p2.wasm'), ...envs, '--env', `BIG=${'a'.repeat(120_000)}`, '--env', 'CODE=7']);
    expect(r.err).toBe('');
    expect(r.code).toBe(7);
  });

  it('--inherit-env of a 5000-variable environment', () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], CODE: '4' };
    for (let i = 0; i < 5000; i++) env[`V${i}`] = 'x'.repeat(50);
    const r = run([f('hello-p2.wasm'), '--inherit-env'], { env });
    expect(r.err).toBe('');
    expect(r.code).toBe(4);
  });

  it('arguments that are not UTF-8 arrive as U+FFFD, the program runs', () => {
    const r = spawnSync('sh', ['-c', `exec "$0" "$1" run "$2" -- "$(printf 'a\\377b')" "$(printf '\\200')"`, process.execPath, bin, f('hello-p2.wasm')], { timeout: 60_000 });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('hello-p2.wasm\na\u{fffd}b\n\u{fffd}\nhello\n');
  });
});

describe('bad component files', () => {
  it('a truncated component without --invoke: its decode error (exit 2), not a missing --invoke', () => {
    const r = run([f('trunc.wasm')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error \[section-size\]: /);
    expect(r.err).not.toContain('--invoke');
    noStack(r.err);
  });

  it('a missing file, and a file that is neither wasm nor WAT: exit 2, no stack', () => {
    const m = run([f('nope.wasm')]);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/^error \[bad-input\]: cannot open /);
    writeFileSync(f('garbage.wasm'), 'garbage');
    const g = run([f('garbage.wasm')]);
    expect(g.code).toBe(2);
    noStack(g.err);
  });
});
