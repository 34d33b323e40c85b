import { jspiNode } from '../host/jco/run.js';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatResult, runWast } from '../host/wast/runner.js';
import { parseSExprs, WastSyntaxError } from '../host/wast/sexpr.js';
import { trapCodesFor } from '../host/wast/traps.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'test/wast');
const files = readdirSync(dir).filter((f) => f.endsWith('.wast')).sort();

/** The assertions a script holds, counted from its text (lines starting with `(assert_`). */
const assertionsIn = (text: string): number => text.split('\n').filter((l) => /^\s*\(assert_/.test(l)).length;

describe('test/wast: our conformance scripts on the embedded component host', () => {
  it('has scripts to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });
  for (const f of files) {
    it(f, async () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const report = await runWast(text, `test/wast/${f}`);
      const failures = report.results.filter((r) => !r.ok).map(formatResult);
      expect(failures).toEqual([]);
      expect(report.passed).toBe(assertionsIn(text));
      expect(report.passed).toBeGreaterThan(0);
    }, 30_000);
  }
});

const ECHO = `(component
  (core module $m (func (export "id") (param i32) (result i32) local.get 0)
    (func (export "boom") unreachable))
  (core instance $i (instantiate $m))
  (func (export "id") (param "x" u32) (result u32) (canon lift (core func $i "id")))
  (func (export "boom") (canon lift (core func $i "boom")))
)
`;

describe('the .wast runner', () => {
  it('marks a failure that comes from a host deviation: re-entering code that waits lower on the stack', async () => {
    const text = readFileSync(join(dir, 'sync-calls.wast'), 'utf8');
    const spec = text.replace('(assert_trap (invoke "park") "may-not-enter")', '(assert_return (invoke "park") (u32.const 5))');
    expect(spec).not.toBe(text);
    const r = await runWast(spec, 'x.wast');
    const park = r.results.find((x) => x.form === 'assert_return' && /re-entered/.test(x.message ?? ''));
    expect(park?.ok).toBe(false);
    expect(park?.message).toMatch(/may-not-enter.*needs stack switching/);
    expect(park?.dependsOn).toMatch(/no JSPI stack switching/);
    expect(formatResult(park!)).toMatch(/\(depends on a host deviation: /);
  });

  it('passes a right assert_return and reports a wrong one as FAILED with both values', async () => {
    const r = await runWast(`${ECHO}(assert_return (invoke "id" (u32.const 7)) (u32.const 7))\n(assert_return (invoke "id" (u32.const 7)) (u32.const 8))\n`, 'x.wast');
    expect(r.passed).toBe(1);
    expect(r.failed).toBe(1);
    expect(formatResult(r.results[0]!)).toBe('x.wast:8: ok');
    expect(formatResult(r.results[1]!)).toBe('x.wast:9: FAILED: expected (u32.const 8) got (u32.const 7)');
  });

  it('compares traps by meaning: the right code passes, a trap of another rule fails, a return fails', async () => {
    const r = await runWast(
      `${ECHO}(assert_trap (invoke "boom") "unreachable")\n(assert_trap (invoke "boom") "cannot enter component instance")\n` +
        `(component instance $x $none)\n`,
      'x.wast',
    );
    expect(r.results.map((x) => x.ok)).toEqual([true, true, false]);
    const wrong = await runWast(`${ECHO}(assert_trap (invoke "boom") "unknown handle index 1")\n(assert_trap (invoke "id" (u32.const 1)) "cannot enter component instance")\n`, 'y.wast');
    expect(wrong.results[0]!.ok).toBe(false);
    expect(wrong.results[0]!.message).toMatch(/expected a trap "unknown handle index 1" \[unknown-handle\] got trap \[wasm-trap\]/);
    // the instance is poisoned by the first trap, whatever the assertion said
    expect(wrong.results[1]!.ok).toBe(true);
    const ret = await runWast(`${ECHO}(assert_trap (invoke "id" (u32.const 1)) "unreachable")\n`, 'z.wast');
    expect(ret.results[0]!.message).toBe('expected a trap "unreachable" [wasm-trap] got (u32.const 1)');
  });

  it('reports a form the text parser rejects with file:line:col', async () => {
    const r = await runWast(`;; a comment\n(component\n  (core module $m (func i32.const)))\n(assert_return (invoke "f"))\n`, 'bad.wast');
    expect(formatResult(r.results[0]!)).toMatch(/^bad\.wast:3:\d+: FAILED: parse error: /);
    expect(r.results[0]!.col).toBeGreaterThan(3);
    expect(r.results[1]!.message).toMatch(/made no instance/);
  });

  it('checks assert_invalid, assert_malformed and assert_unlinkable against the loader and linker', async () => {
    const r = await runWast(
      `(assert_invalid (component (core module $m (func (result i32))) ) "type mismatch")\n` +
        `(assert_malformed (component binary "\\00asm\\0d\\00\\01") "unexpected end")\n` +
        `(assert_malformed (component quote "(core module (func i32.wat))") "unknown operator")\n` +
        `(assert_unlinkable (component (import "f" (func))) "missing")\n` +
        `(assert_invalid (component) "nothing wrong")\n`,
      'v.wast',
    );
    expect(r.results.map((x) => x.ok)).toEqual([true, true, true, true, false]);
    expect(r.results[4]!.message).toMatch(/to be rejected, but it loaded/);
  });

  it('maps every value constant to the API and rejects a constant of the wrong type', async () => {
    const r = await runWast(`${ECHO}(assert_return (invoke "id" (s32.const 1)) (u32.const 1))\n(assert_return (invoke "id" (u32.const 4294967296)) (u32.const 1))\n`, 'c.wast');
    expect(r.results.map((x) => x.ok)).toEqual([false, false]);
    expect(r.results[0]!.message).toMatch(/\(s32\.const 1\) is not a value of type u32/);
    expect(r.results[1]!.message).toMatch(/is not a u32/);
  });

  it('runs a core module with core constants', async () => {
    const r = await runWast(
      `(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)\n` +
        `  (func (export "neg") (param i64) (result i64) i64.const 0 local.get 0 i64.sub) (func (export "trap") unreachable))\n` +
        `(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))\n(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))\n` +
        `(assert_return (invoke "neg" (i64.const 5)) (i64.const -5))\n(assert_trap (invoke "trap") "unreachable")\n`,
      'core.wast',
    );
    expect(r.results.map((x) => x.ok)).toEqual([true, false, true, true]);
    expect(r.results[1]!.message).toBe('expected 4 got 3');
  });

  it('reads comments, strings and escapes, and names an unclosed list', () => {
    const forms = parseSExprs('(a (; nested (; ;) ;) "x\\u{1F600}\\41" ;; line\n b)');
    expect(forms).toHaveLength(1);
    const s = forms[0]!.items[1]!;
    expect(s.kind === 'string' && new TextDecoder().decode(s.bytes)).toBe('x😀A');
    expect(() => parseSExprs('\n  (a (b)')).toThrow(WastSyntaxError);
    expect(() => parseSExprs('\n  (a (b)')).toThrow(/^2:3: \[unclosed-list\]/);
  });

  it('has one table entry per spec trap message, to codes the host has', () => {
    expect(trapCodesFor('wasm trap: cannot enter component instance')?.codes).toContain('instance-poisoned');
    expect(trapCodesFor('cannot block a synchronous task before returning')?.codes).toEqual(['may-not-block']);
    expect(trapCodesFor('unknown handle index 4294967295')?.codes).toEqual(['unknown-handle']);
    expect(trapCodesFor('end-busy')?.codes).toEqual(['end-busy']);
    expect(trapCodesFor('no such message')).toBeUndefined();
  });
});

describe('wasip3-task wast', () => {
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/wasip3-task.js', 'wast', ...args], { cwd: root, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const tmp = mkdtempSync(join(tmpdir(), 'wast-'));
  const good = join(tmp, 'good.wast');
  const bad = join(tmp, 'bad.wast');
  writeFileSync(good, `${ECHO}(assert_return (invoke "id" (u32.const 3)) (u32.const 3))\n`);
  writeFileSync(bad, `${ECHO}(assert_return (invoke "id" (u32.const 3)) (u32.const 4))\n`);

  it('exit 0 when all pass, with one line per assertion and the summary alone on the last line', () => {
    const r = cli(good);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual([`${good}:8: ok`, '1 passed, 0 failed']);
  });

  it('exit 1 on a failure; --json has the results', () => {
    expect(cli(bad).code).toBe(1);
    const j = cli(bad, good, '--json');
    expect(j.code).toBe(1);
    const o = JSON.parse(j.out);
    expect([o.passed, o.failed, o.ok]).toEqual([1, 1, false]);
    expect(o.files[0].results[0].message).toBe('expected (u32.const 4) got (u32.const 3)');
  });

  it('runs a directory of scripts', () => {
    const r = cli(tmp);
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n').at(-1)).toBe('1 passed, 1 failed');
  });

  it('exit 2 on an unreadable file or a bad option', () => {
    const r = cli(join(tmp, 'missing.wast'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read .*missing\.wast: ENOENT/);
    expect(cli(good, '--timeout-ms', 'soon').code).toBe(2);
    const none = cli();
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/missing required argument 'paths'/);
  });
});

describe('an invoke that spins', () => {
  it('is stopped at --timeout-ms by the store\'s watchdog (trap timeout), not only by the file timeout', () => {
    const spin = join(mkdtempSync(join(tmpdir(), 'wast-spin-')), 'spin.wast');
    writeFileSync(spin, `(component
  (core module $m (func (export "f") (loop (br 0))))
  (core instance $i (instantiate $m))
  (func (export "f") (canon lift (core func $i "f"))))
(invoke "f")
(component
  (core module $m (func (export "g") (result i32) (i32.const 7)))
  (core instance $i (instantiate $m))
  (func (export "g") (result u32) (canon lift (core func $i "g"))))
(assert_return (invoke "g") (u32.const 7))
`);
    const run = spawnSync(process.execPath, ['bin/wasip3-task.js', 'wast', spin, '--timeout-ms', '200', '--file-timeout-ms', '20000'], { cwd: root, encoding: 'utf8' });
    const r = { code: run.status, out: run.stdout };
    expect(r.out).toMatch(/spin\.wast:5: FAILED: the call failed: trap \[timeout\] .*200 ms deadline passed/);
    expect(r.out).toMatch(/1 passed, 1 failed/);
    expect(r.code).toBe(1);
  });

  it('is stopped the same way with JSPI on (Node 24), in a stackful export that spins after a yield', () => {
    const spin = join(mkdtempSync(join(tmpdir(), 'wast-spin-jspi-')), 'spin.wast');
    writeFileSync(spin, `(component
  (core func $yield (canon thread.yield))
  (core module $m
    (import "" "yield" (func $yield (result i32)))
    (func (export "f") (drop (call $yield)) (loop (br 0))))
  (core instance $i (instantiate $m (with "" (instance (export "yield" (func $yield))))))
  (func (export "f") async (canon lift (core func $i "f") async)))
(invoke "f")
(component
  (core module $m (func (export "g") (result i32) (i32.const 7)))
  (core instance $i (instantiate $m))
  (func (export "g") (result u32) (canon lift (core func $i "g"))))
(assert_return (invoke "g") (u32.const 7))
`);
    const run = spawnSync(jspiNode(), ['bin/wasip3-task.js', 'wast', spin, '--jspi', 'on', '--timeout-ms', '300', '--file-timeout-ms', '20000'], { cwd: root, encoding: 'utf8' });
    expect(run.stdout).toMatch(/spin\.wast:8: FAILED: the call failed: trap \[timeout\]/);
    expect(run.stdout).toMatch(/1 passed, 1 failed/);
    expect(run.status).toBe(1);
  });
});
