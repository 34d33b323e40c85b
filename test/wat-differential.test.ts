// The loader's WAT component tests (test/components/*.wat, the WAT
// components of test/wat/ and the bench's of bench/wat/) on the three hosts, through `compare`: every
// export of every component is either called here on every host that can run
// it, with its custom imports served by an import spec
// (test/components/*.imports.json, host/cli/import-spec.ts), or listed in
// NO_HOST with the reason. The outcomes must agree and be the expected ones
// (result and the log of import calls, or the trap).
//
// What a host cannot do is listed in one place, CANNOT, with the reason and
// what the host shows: each entry is checked too (the host really fails that
// way), so the list stays true when jco or Wasmtime change.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
// @ts-expect-error: a plain ES module of the bench, without types
import { pumpWat } from '../bench/pump.mjs';
// @ts-expect-error: a plain ES module of the bench, without types
import { buildBenchComponent } from '../bench/jco/component.mjs';
import { beforeAll, expect, it } from 'vitest';
import { compare, compareHosts, readImportSpec, type CompareHost, type Comparison, type HostOutcome } from '../host/cli/compare.js';
import { parseImportSpec, resolveImportSpec, type ImportSpec } from '../host/cli/import-spec.js';
import { spawnSync } from 'node:child_process';
import { loadComponent } from '../host/component/api.js';
import { packageRoot } from '../host/guest/builds.js';
import { wat } from './component-bytes.js';
import { describeWithWasmtime } from './wasmtime-helpers.js';

// build/bench-jco.wasm is the bench's component, not one `npm run build`
// makes: build it (when missing or stale) before any test opens it.
beforeAll(async () => {
  await buildBenchComponent();
}, 120_000);

const path = (p: string) => (isAbsolute(p) ? p : join(packageRoot, 'test', p));

// Two instances of streams.wat and a glue component: pump(n) streams n bytes
// from one instance to the other (bench/pump.mjs, also a bench figure).
const PUMP = join(mkdtempSync(join(tmpdir(), 'wasip3-pump-')), 'pump.wat');
writeFileSync(PUMP, (pumpWat as (root: string) => string)(packageRoot));

type Expected = { result: unknown[] } | { signature: string };
interface Call {
  export: string;
  args?: unknown[];
  expect: Expected;
  /** The log of import-spec calls every host must report. */
  calls?: [string, unknown[]][];
  /** Another spec than the component's own (inline). */
  imports?: ImportSpec;
}
interface Component {
  file: string;
  /** The component's import spec file, if it has custom imports. */
  imports?: string;
  calls: Call[];
}

const bytes = Array.from({ length: 300 }, (_, i) => i % 251);

const COMPONENTS: Component[] = [
  {
    file: 'components/basics.wat',
    imports: 'components/basics.imports.json',
    calls: [
      { export: 'twice-add', args: [2, 3], expect: { result: [6] }, calls: [['host#add', [2, 3]]] },
      { export: 'echo', args: ['héllo wörld ✓ 𝄞'], expect: { result: ['héllo wörld ✓ 𝄞'] }, calls: [] },
      { export: 'echo', args: ['x'.repeat(5000)], expect: { result: ['x'.repeat(5000)] }, calls: [] },
      { export: 'posts', expect: { result: [0] }, calls: [] },
      { export: 'greet-via-host', args: ['bob'], expect: { result: ['hello, you'] }, calls: [['host#greet', ['bob']]] },
      { export: 'sum', args: [[1, 2, 3, 4_000_000_000]], expect: { result: [{ bigint: '4000000006' }] }, calls: [] },
      { export: 'checked-div', args: [7, 2], expect: { result: [3] }, calls: [] },
      { export: 'checked-div', args: [7, 0], expect: { signature: 'error division by zero' }, calls: [] },
      { export: 'point', args: [3, -4], expect: { result: [{ x: 3, y: -4, label: 'origin' }] }, calls: [] },
      {
        export: 'twice-add',
        args: [1, 2],
        imports: { 'host#add': { trap: 'add is out of order' }, 'host#greet': { result: '' } },
        expect: { signature: 'trap from import host#add: add is out of order' },
        calls: [['host#add', [1, 2]]],
      },
    ],
  },
  {
    file: 'components/async.wat',
    imports: 'components/async.imports.json',
    calls: [
      { export: 'fetch-plus-one', args: [1], expect: { result: [42] }, calls: [['host#fetch', [1]]] },
      { export: 'hello', expect: { result: ['done'] }, calls: [] },
      // A stackful export whose async-lowered import returns at once (RETURNED, no subtask to wait for).
      { export: 'fetch-stackful', args: [4], expect: { result: [410] }, calls: [['host#fetch', [4]]] },
    ],
  },
  {
    file: 'components/streams.wat',
    calls: [
      { export: 'repeat', args: [5], expect: { result: [{ stream: [0, 1, 2, 3, 4] }] } },
      { export: 'repeat', args: [300], expect: { result: [{ stream: bytes }] } },
    ],
  },
  {
    file: 'components/resources.wat',
    calls: [{ export: 'drops', expect: { result: [0] } }],
  },
  {
    file: 'components/error-context.wat',
    calls: [
      { export: 'roundtrip', expect: { result: ['disk on fire'] } },
      { export: 'double-drop', expect: { signature: 'trap without guest text' } },
    ],
  },
  {
    file: 'components/results.wat',
    imports: 'components/results.imports.json',
    calls: [
      { export: 'relay', args: [1], expect: { result: [5] }, calls: [['host#check', [1]]] },
      { export: 'relay-big', expect: { result: [{ bigint: '18446744073709551615' }] }, calls: [['host#big', []]] },
      {
        export: 'relay',
        args: [7],
        imports: { 'host#check': { result: { tag: 'err', val: 'nope' } }, 'host#big': { result: { bigint: '0' } } },
        expect: { signature: 'error nope' },
        calls: [['host#check', [7]]],
      },
    ],
  },
  { file: 'wat/component-all-canon.wat', calls: [] },
  {
    // The benchmark guest as a component (AssemblyScript, built by npm run build).
    file: join(packageRoot, 'build', 'bench-jco.wasm'),
    calls: [
      { export: 'spin', args: [3], expect: { result: [3] } },
      { export: 'produce', args: [10], expect: { result: [{ stream: new Array(10).fill(0) }] } },
    ],
  },
  {
    // The bench's callback-lifted stream job (bench/transfer.mjs): producer -> consumer instance, and produce() to the host.
    file: join(packageRoot, 'bench', 'wat', 'transfer.wat'),
    calls: [
      { export: 'transfer', args: [0], expect: { result: [0] } },
      { export: 'transfer', args: [3 * 65536 + 17], expect: { result: [3 * 65536 + 17] } },
      { export: 'produce', args: [300], expect: { result: [{ stream: Array.from({ length: 300 }, (_, o) => o & 0xff) }] } },
    ],
  },
  {
    // The bench's value calls (bench/transfer.mjs): sync and callback-lifted, the bump realloc reset after each call.
    file: join(packageRoot, 'bench', 'wat', 'calls.wat'),
    calls: [
      { export: 'echo', args: ['héllo wörld ✓ 𝄞'], expect: { result: ['héllo wörld ✓ 𝄞'] } },
      { export: 'echo-async', args: ['x'.repeat(5000)], expect: { result: ['x'.repeat(5000)] } },
      { export: 'sum', args: [[1, 2, 3, 4_000_000_000]], expect: { result: [{ bigint: '4000000006' }] } },
      { export: 'sum-async', args: [[1, 2, 3, 4_000_000_000]], expect: { result: [{ bigint: '4000000006' }] } },
      { export: 'heap-top', expect: { result: [4096] } },
    ],
  },
  {
    file: PUMP,
    calls: [
      { export: 'pump', args: [0], expect: { result: [0] } },
      { export: 'pump', args: [100_000], expect: { result: [100_000] } },
    ],
  },
];

/** Exports no host can run through `compare`, and why. */
const NO_HOST: Record<string, { exports: string[]; why: string }> = {
  'components/streams.wat': { exports: ['count'], why: 'its parameter is a stream<u8>, which no JSON argument can be (the loader tests drive it from JS)' },
  'components/resources.wat': {
    exports: ['[constructor]counter', '[static]counter.zero', '[method]counter.inc', 'take'],
    why: 'own/borrow handles cannot be JSON values (the loader tests drive them from JS)',
  },
  'wat/component-all-canon.wat': {
    exports: ['lifted', 'alifted'],
    why: 'a decoder fixture with every canonical built-in, the threading ones included (context.set 1, thread.*), which no host instantiates (see CANNOT)',
  },
  'wat/values.component.wat': { exports: ['*'], why: 'every value form on the three hosts is test/wasmtime-values.test.ts' },
  [join(packageRoot, 'build', 'component-v1.wasm')]: {
    exports: ['*'],
    why: 'its import shim:scenarios/laundry#launder takes and returns a stream<u8>, which an import spec cannot serve; composed-v1.wasm is this component with the laundry composed in (test/wasmtime-compare.test.ts)',
  },
  [join(packageRoot, 'build', 'component-v2.wasm')]: { exports: ['*'], why: 'as component-v1.wasm (composed-v2.wasm in test/wasmtime-compare.test.ts)' },
};

/**
 * What a host cannot do with these components, and what it shows instead
 * (matched against its reason, trap message or outcome signature). Each is
 * checked on `probe` (an export of `file`, with `args`).
 */
const CANNOT: { host: CompareHost; file: string; exports: string[] | '*'; why: string; probe: [string, unknown[]]; shows: RegExp }[] = [
  {
    host: 'wasmtime',
    file: 'components/async.wat',
    exports: '*',
    why: 'its `host#fetch` import is an `async func`: Wasmtime 49 accepts only a concurrent host function (func_new_concurrent) for it, which its C API does not offer',
    probe: ['hello', []],
    shows: /declared `async func` in WIT, but was satisfied with a sync-style host function/,
  },
  {
    host: 'jco',
    file: 'components/async.wat',
    exports: ['fetch-stackful'],
    why: 'jco 1.35 traps when a stackful export\'s async-lowered import returns at once (RETURNED: no subtask, nothing to wait for) and the task then calls task.return; per definitions.py (canon_lower, async: the subtask resolved, so RETURNED without a handle) the call returns 410, as the embedded host does',
    probe: ['fetch-stackful', [4]],
    shows: /is already resolved \(did you forget to wait for an import\?\)/,
  },
  {
    host: 'jco',
    file: PUMP,
    exports: '*',
    why: 'the same jco 1.35 trap on a stackful export (pump is one) that calls task.return after its sync-lowered calls returned',
    probe: ['pump', [10]],
    shows: /is already resolved \(did you forget to wait for an import\?\)/,
  },
  {
    host: 'wasmtime',
    file: 'components/streams.wat',
    exports: '*',
    why: 'a stream<u8> result cannot cross Wasmtime\'s C API as a value (no stream values in 49.0.0)',
    probe: ['repeat', [5]],
    shows: /unsupported-type: the result has type stream/,
  },
  {
    host: 'jco',
    file: 'components/resources.wat',
    exports: '*',
    why: 'jco cannot describe a resource type exported at the component\'s root in WIT, so it transpiles nothing',
    probe: ['drops', []],
    shows: /component export `counter` was not a function or instance/,
  },
  {
    host: 'wasmtime',
    file: join(packageRoot, 'build', 'bench-jco.wasm'),
    exports: ['produce'],
    why: 'a stream<u8> result cannot cross Wasmtime\'s C API as a value',
    probe: ['produce', [10]],
    shows: /unsupported-type: the result has type stream/,
  },
  {
    host: 'wasmtime',
    file: join(packageRoot, 'bench', 'wat', 'transfer.wat'),
    exports: ['produce'],
    why: 'a stream<u8> result cannot cross Wasmtime\'s C API as a value (the bench measures the component -> host direction on the embedded host and jco only)',
    probe: ['produce', [10]],
    shows: /unsupported-type: the result has type stream/,
  },
  {
    host: 'wasmtime',
    file: 'components/error-context.wat',
    exports: '*',
    why: 'error-context built-ins need Wasmtime\'s component-model-error-context feature, which the C API of 49.0.0 has no switch for',
    probe: ['roundtrip', []],
    shows: /requires the component model error-context feature/,
  },
  {
    host: 'embedded',
    file: 'wat/component-all-canon.wat',
    exports: '*',
    why: 'the embedded host does not implement the threading built-ins (thread.index …)',
    probe: ['lifted', ['x']],
    shows: /unsupported-canon\] canon thread\.index/,
  },
  {
    host: 'jco',
    file: 'wat/component-all-canon.wat',
    exports: '*',
    why: 'wasmparser without the threading feature refuses context.set 1',
    probe: ['lifted', ['x']],
    shows: /`context\.set` immediate must be zero/,
  },
  {
    host: 'wasmtime',
    file: 'wat/component-all-canon.wat',
    exports: '*',
    why: 'the same validator as jco\'s (wasmparser) without the threading feature',
    probe: ['lifted', ['x']],
    shows: /`context\.set` immediate must be zero/,
  },
];

const shortName = (f: string) => (f === PUMP ? 'pump (bench/pump.mjs)' : isAbsolute(f) ? f.slice(packageRoot.length + 1) : f);

const allCanonSpec: ImportSpec = { host: { echo: 0 } };

const cannot = (host: CompareHost, file: string, exp: string) =>
  CANNOT.find((c) => c.host === host && c.file === file && (c.exports === '*' || c.exports.includes(exp)));

const row = (c: Comparison, host: CompareHost): HostOutcome => c.hosts.find((h) => h.host === host)!;
const specFor = (comp: Component, call?: Call): ImportSpec | undefined => call?.imports ?? (comp.imports ? readImportSpec(path(comp.imports)) : undefined);

it('every function export of every WAT component is called here or listed in NO_HOST with a reason', async () => {
  for (const f of [...COMPONENTS.map((c) => c.file), 'wat/values.component.wat']) {
    const c = loadComponent(f.endsWith('.wasm') ? new Uint8Array(readFileSync(path(f))) : await wat(readFileSync(path(f), 'utf8')));
    const funcs = c.exports.filter((d) => d.t.kind === 'func').map((d) => d.name);
    const called = new Set(COMPONENTS.find((x) => x.file === f)?.calls.map((k) => k.export) ?? []);
    const listed = NO_HOST[f]?.exports ?? [];
    if (listed.includes('*')) continue;
    const missing = funcs.filter((n) => !called.has(n) && !listed.includes(n));
    expect(missing, `${f}: exports neither called nor listed in NO_HOST`).toEqual([]);
    for (const n of listed) expect(funcs, `${f}: NO_HOST names ${n}, which is not an export`).toContain(n);
  }
});

it('import specs: a bad spec is a typed bad-imports error naming the rule', async () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as { code?: string; message: string };
    }
    throw new Error('no error');
  };
  expect(err(() => parseImportSpec('nope'))).toMatchObject({ code: 'bad-imports', message: expect.stringContaining('not JSON') });
  expect(err(() => parseImportSpec('[]')).message).toMatch(/a JSON object/);
  expect(err(() => parseImportSpec('{"host#add": {"echo": 1, "trap": "x"}}')).message).toMatch(/exactly one of result, echo, trap/);
  expect(err(() => parseImportSpec('{"host#add": {"echo": -1}}')).message).toMatch(/argument index/);
  expect(err(() => parseImportSpec('{"host#add": {"trap": 3}}')).message).toMatch(/trap takes/);
  expect(err(() => parseImportSpec('{"a#b#c": {"result": 1}}')).message).toMatch(/is not "iface#name"/);
  const types = loadComponent(await wat(readFileSync(path('components/basics.wat'), 'utf8'))).imports;
  expect(err(() => resolveImportSpec({ 'hots#add': { result: 1 } }, types)).message).toMatch(/imports no instance "hots" \(imports: host\)/);
  expect(err(() => resolveImportSpec({ 'host#sub': { result: 1 } }, types)).message).toMatch(/instance "host" has no function "sub"/);
  expect(err(() => resolveImportSpec({ 'host#add': { echo: 2 } }, types)).message).toMatch(/echo 2, but the function takes 2 argument/);
  const rtypes = loadComponent(await wat(readFileSync(path('components/results.wat'), 'utf8'))).imports;
  expect(err(() => resolveImportSpec({ 'host#add': { result: 'three' } }, types)).message).toMatch(/host#add result: expected an integer, got "three" \(type u32\)/);
  expect(err(() => resolveImportSpec({ 'host#add': { result: 4294967296 } }, types)).message).toMatch(/out of range 0\.\.4294967295/);
  expect(err(() => resolveImportSpec({ 'host#big': { result: 5 } }, rtypes)).message).toMatch(/a 64-bit integer is \{"bigint"/);
  expect(err(() => resolveImportSpec({ 'host#check': { result: { tag: 'maybe' } } }, rtypes)).message).toMatch(/expected \{"tag": "ok"\|"err"/);
  expect(err(() => resolveImportSpec({ 'host#check': { result: { tag: 'err', val: 3 } } }, rtypes)).message).toMatch(/host#check result\.val: expected a string/);
  expect(err(() => resolveImportSpec({ 'host#check': { echo: 0 } }, rtypes)).message).toMatch(/echo 0 returns parameter 'n', whose type is not the result's/);
  expect(() => resolveImportSpec({ 'host#check': { result: { tag: 'ok', val: 1 } }, 'host#big': { result: { bigint: '7' } } }, rtypes)).not.toThrow();
  expect(resolveImportSpec({ 'host#add': { echo: 1 } }, types)).toEqual([{ key: 'host#add', instance: 'host', name: 'add', behaviour: { echo: 1 }, resultIsResult: false }]);
});

describeWithWasmtime('the WAT component tests on three hosts', () => {
  it('the CLI: compare --imports serves the spec on every host and shows each host\'s calls; a bad spec exits 2', () => {
    const bin = join(packageRoot, 'bin', 'wasip3-task.js');
    const ok = spawnSync(process.execPath, [bin, 'compare', path('components/basics.wat'), '--imports', path('components/basics.imports.json'), '--invoke', 'greet-via-host', '--args', '["ann"]'], { encoding: 'utf8' });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout.match(/calls: host#greet\("ann"\)/g)).toHaveLength(3);
    expect(ok.stdout).toMatch(/^agree: embedded, jco, wasmtime \(result \["hello, you"\]; calls \[\["host#greet",\["ann"\]\]\]\)$/m);
    const missing = spawnSync(process.execPath, [bin, 'compare', path('components/basics.wat'), '--invoke', 'posts'], { encoding: 'utf8' });
    expect(missing.status).toBe(1); // no spec: no host can instantiate it, each says why
    expect(missing.stdout).toMatch(/embedded .*could not run: .*import "host"/);
    const bad = spawnSync(process.execPath, [bin, 'compare', path('components/basics.wat'), '--imports', path('components/basics.wat'), '--invoke', 'posts'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad-imports.*not JSON/);
  });

  for (const comp of COMPONENTS) {
    for (const call of comp.calls) {
      const hosts = compareHosts.filter((h) => !cannot(h, comp.file, call.export));
      const label = `${shortName(comp.file)} ${call.export}(${JSON.stringify(call.args ?? []).slice(1, -1).slice(0, 60)}${call.imports ? ', own spec' : ''}) on ${hosts.join(', ')}`;
      it(label, async () => {
        const file = path(comp.file);
        const c = await compare(file, { invoke: call.export, args: JSON.stringify(call.args ?? []), hosts, imports: specFor(comp, call) });
        const detail = JSON.stringify(c, null, 2).slice(0, 4000);
        expect(c.hosts.map((h) => [h.host, h.status === 'not-run' || h.status === 'error' ? h.reason : 'ran'])).toEqual(hosts.map((h) => [h, 'ran']));
        expect(c.agree, detail).toBe(true);
        const calls = JSON.stringify(call.calls ?? []);
        for (const h of c.hosts) {
          // The signature is what compare compares: the result list read as jco gives it
          // (Wasmtime's top-level {"tag": "ok", "val": v} counts as v).
          const want = 'result' in call.expect ? `result ${JSON.stringify(call.expect.result)}` : call.expect.signature;
          if ('result' in call.expect) expect(h.status, detail).toBe('result');
          expect(h.signature?.replace(/; calls .*$/, ''), detail).toBe(want);
          if (comp.imports || call.imports) expect(JSON.stringify(h.calls), detail).toBe(calls);
        }
      });
    }
  }

  for (const k of CANNOT) {
    it(`${k.host} cannot run ${shortName(k.file)} ${k.exports === '*' ? '(any export)' : k.exports.join(', ')}: ${k.why}`, async () => {
      const comp = COMPONENTS.find((c) => c.file === k.file)!;
      const spec = k.file === 'wat/component-all-canon.wat' ? allCanonSpec : specFor(comp);
      const c = await compare(path(k.file), { invoke: k.probe[0], args: JSON.stringify(k.probe[1]), hosts: [k.host], imports: spec });
      const h = row(c, k.host);
      const shown = [h.reason, h.trap?.message, h.trap?.detail, h.signature].filter(Boolean).join('\n');
      expect(shown, JSON.stringify(h, null, 2)).toMatch(k.shows);
    });
  }
});
