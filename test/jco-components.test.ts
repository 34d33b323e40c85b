// The components validate with jco's own tools (issue 5): the WIT reads back
// from each component, printing shows callback-lifted async exports, and the
// component build's core modules export only what the WIT names.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentWit, print } from '@bytecodealliance/jco';
// @ts-expect-error: plain .mjs build script, no types
import { componentize } from '../scripts/componentize.mjs';
import { packageRoot } from '../host/guest/builds.js';
import { wasmKind } from '../host/cli/run.js';

const SCENARIOS = ['block-on-stale', 'control', 'drop-outside-task', 'moved-waitable'];
const build = (f: string) => join(packageRoot, 'build', f);
const liftLine = (name: string) => `(canon lift (core func $"[async-lift]${name}") async (callback $"[callback][async-lift]${name}"))`;

beforeAll(async () => {
  // `npm test` builds first; this only catches up when the core modules are newer.
  await componentize({ ifNeeded: true, quiet: true });
});

describe.each(['v1', 'v2'])('runner component %s (world runner)', (abi) => {
  const file = build(`component-${abi}.wasm`);

  it('is a component, and its WIT reads back with every scenario as an async export', async () => {
    expect(wasmKind(readFileSync(file))).toBe('component');
    const wit = await componentWit(readFileSync(file));
    expect(wit).toContain('import shim:scenarios/laundry;');
    expect(wit).toContain('import wasi:cli/stderr@0.2.6;');
    for (const s of SCENARIOS) expect(wit).toContain(`export ${s}: async func() -> u32;`);
  });

  it('prints each export as canon lift … async (callback …)', async () => {
    const wat = await print(readFileSync(file));
    for (const s of SCENARIOS) expect(wat).toContain(liftLine(s));
    expect(wat).toContain('(import "shim:scenarios/laundry" "[async-lower]launder"');
  });

  it('its core module exports the scenarios, memory and cabi_realloc only, and imports no trace', () => {
    const core = new WebAssembly.Module(readFileSync(build(`component-${abi}.core.wasm`)));
    const exports = WebAssembly.Module.exports(core).map((e) => e.name).sort();
    expect(exports).toEqual(
      ['cabi_realloc', 'memory', ...SCENARIOS.flatMap((s) => [`[async-lift]${s}`, `[callback][async-lift]${s}`])].sort(),
    );
    const modules = new Set(WebAssembly.Module.imports(core).map((i) => i.module));
    expect([...modules].sort()).toEqual(['$root', '[export]$root', 'shim:scenarios/laundry', 'wasi:cli/stderr@0.2.6', 'wasi:io/streams@0.2.6']);
  });
});

describe('laundry component (world test)', () => {
  it('exports shim:scenarios/laundry with a callback-lifted async launder', async () => {
    const bytes = readFileSync(build('laundry.wasm'));
    expect(wasmKind(bytes.subarray(0, 8))).toBe('component');
    const wit = await componentWit(bytes);
    expect(wit).toContain('export shim:scenarios/laundry;');
    expect(await print(bytes)).toContain(liftLine('shim:scenarios/laundry#launder'));
  });
});

describe.each(['v1', 'v2'])('composed component %s (runner + laundry)', (abi) => {
  it('imports only WASI, exports the four scenarios, and nests both components', async () => {
    const bytes = readFileSync(build(`composed-${abi}.wasm`));
    const wit = await componentWit(bytes);
    expect(wit).not.toContain('import shim:scenarios/laundry');
    expect(wit.match(/^\s*import .*;$/gm)!.map((l) => l.trim()).sort()).toEqual([
      'import wasi:cli/stderr@0.2.6;', 'import wasi:io/error@0.2.6;', 'import wasi:io/streams@0.2.6;',
    ]);
    for (const s of SCENARIOS) expect(wit).toContain(`export ${s}: async func() -> u32;`);
    const wat = await print(bytes);
    expect(wat).toContain(liftLine('shim:scenarios/laundry#launder'));
    for (const s of SCENARIOS) expect(wat).toContain(liftLine(s));
  });
});

describe('wasmKind', () => {
  it('tells a core module from a component', () => {
    expect(wasmKind(readFileSync(build('guest-v1.wasm')).subarray(0, 8))).toBe('core');
    expect(wasmKind(readFileSync(build('component-v1.wasm')).subarray(0, 8))).toBe('component');
    expect(() => wasmKind(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/neither a WebAssembly binary/);
  });
});
