import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreValTypeText, formatInspect, inspectComponent } from '../host/cli/inspect.js';
import { wat } from './component-bytes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/wasip3-task.js', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('wasip3-task inspect', () => {
  it('prints the imports, exports and nested structure of build/composed-v2.wasm (--json)', () => {
    const r = cli('inspect', 'build/composed-v2.wasm', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.imports.map((i: { name: string }) => i.name)).toEqual(['wasi:io/error@0.2.6', 'wasi:io/streams@0.2.6', 'wasi:cli/stderr@0.2.6']);
    expect(j.exports).toContainEqual({ name: 'block-on-stale', kind: 'func', type: 'async func() -> u32' });
    const nested = j.structure.filter((i: { sort?: string }) => i.sort === 'component');
    expect(nested.map((n: { name: string }) => n.name)).toEqual(['runner', 'peer']);
    const runner = nested[0];
    const mods = runner.items.filter((i: { sort?: string }) => i.sort === 'core module');
    expect(mods[0].size).toBeGreaterThan(10_000);
    expect(runner.items.some((i: { what: string }) => i.what.startsWith('canon lift (core func 29) async (callback 30)'))).toBe(true);
    expect(j.counts.component).toBe(3);
  });

  it('prints readable text, with canon definitions and their types', () => {
    const r = cli('inspect', 'build/component-v2.wasm');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^component build\/component-v2\.wasm: \d+ bytes/);
    expect(r.out).toContain('  shim:scenarios/laundry: instance { launder: async func(x: stream<u8>) -> stream<u8> }');
    expect(r.out).toMatch(/core module 0 \$main: \d+ bytes, \d+ import\(s\), \d+ export\(s\)/);
    expect(r.out).toContain('canon stream.read (type 7: stream<u8>) (memory 0) async');
  });

  it('reports a malformed component with its rule and offset (exit 1), as text or JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
    const bad = join(dir, 'bad.wasm');
    writeFileSync(bad, new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 7, 5, 0]));
    const t = cli('inspect', bad);
    expect(t.code).toBe(1);
    expect(t.err).toContain('type section at byte 9: the section declares 5 byte(s), 1 remain in the binary [section-size]');
    const j = cli('inspect', bad, '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out).error).toEqual({ rule: 'section-size', offset: 9, section: 'type', message: 'the section declares 5 byte(s), 1 remain in the binary' });
    const core = cli('inspect', 'build/guest-v2.wasm');
    expect(core.code).toBe(1);
    expect(core.err).toContain('[core-module-not-component]');
  });

  it('describes a component from WAT in-process, with names from the name section', async () => {
    const r = inspectComponent(await wat(`(component
      (core module $m (func (export "f")))
      (core instance $i (instantiate $m))
      (func $f (canon lift (core func $i "f")))
      (export "run" (func $f)))`));
    expect(r.exports).toEqual([{ name: 'run', kind: 'func', type: 'func()' }]);
    const text = formatInspect(r);
    expect(text).toContain('core instance 0 $i: instantiate core module 0');
    expect(text).toContain('func 0 $f: canon lift (core func 0) (type 0): func()');
    expect(text).toContain('func 1: export "run" (func 0)');
  });
});

describe('core reference types in WAT syntax', () => {
  it('prints externref, funcref, (ref extern), (ref null <index>) and GC refs as WAT does, not [object Object]', async () => {
    const src = `(component
      (core type $s (struct (field i32)))
      (core type (func (param externref funcref (ref extern) (ref func) (ref null 0) (ref 0) i32) (result anyref eqref i31ref)))
      (core type (func (param structref arrayref nullref nullexternref nullfuncref exnref (ref any)) (result (ref null none)))))`;
    const text = formatInspect(inspectComponent(await wat(src)));
    const file = join(mkdtempSync(join(tmpdir(), 'inspect-refs-')), 'refs.wat');
    writeFileSync(file, src);
    const c = cli('inspect', file);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toContain('core type 1: func (externref funcref (ref extern) (ref func) (ref null 0) (ref 0) i32) -> (anyref eqref i31ref)');
    expect(text).not.toContain('[object Object]');
    expect(text).toContain('core type 1: func (externref funcref (ref extern) (ref func) (ref null 0) (ref 0) i32) -> (anyref eqref i31ref)');
    expect(text).toContain('core type 2: func (structref arrayref nullref nullexternref nullfuncref exnref (ref any)) -> (nullref)');
    expect(coreValTypeText({ ref: 'extern', nullable: true })).toBe('externref');
    expect(coreValTypeText({ ref: 7, nullable: false })).toBe('(ref 7)');
    expect(coreValTypeText('v128')).toBe('v128');
  });
});
