// Built-ins imported with the wrong core type are caught at link time
// (`bad-signature`, naming the built-in, the type it must have and the one
// declared), by the CLI and the API; callExport of a missing export is
// `no-such-export`; the binary reader that makes the check possible.
import { describe, expect, it } from 'vitest';
import { parse } from '@bytecodealliance/jco';
import { compileModule, readModuleTypes, Store, Trap, formatFuncType } from '../host/canon/index.js';
import { cli, file } from './cli-helpers.js';

const CALLBACK = '(func (export "[callback][async-lift]f") (param i32 i32 i32) (result i32) (i32.const 0))';

const BAD: [string, string, RegExp][] = [
  [
    'waitable-set-new returning i64',
    `(module (import "$root" "[waitable-set-new]" (func (result i64))) (func (export "f")))`,
    /built-in \$root::\[waitable-set-new\] must have type \(func \(result i32\)\), but the module declares \(func \(result i64\)\)/,
  ],
  [
    'waitable-join with f32 parameters',
    `(module (import "$root" "[waitable-join]" (func (param f32 f32))) (func (export "f")))`,
    /built-in \$root::\[waitable-join\] must have type \(func \(param i32 i32\)\), but the module declares \(func \(param f32 f32\)\)/,
  ],
  [
    '[async-lift]f returning i64',
    `(module (func (export "[async-lift]f") (result i64) (i64.const 0)) ${CALLBACK})`,
    /export \[async-lift\]f must have type \(func \(param <flat params>\) \(result i32\)\).*but the module declares \(func \(result i64\)\)/,
  ],
  [
    '[async-lift]f returning nothing (with a callback)',
    `(module (func (export "[async-lift]f")) ${CALLBACK})`,
    /export \[async-lift\]f must have type \(func \(param <flat params>\) \(result i32\)\).*but the module declares \(func\)/,
  ],
  [
    'a callback with an i64 parameter',
    `(module (func (export "[async-lift]f") (result i32) (i32.const 0)) (func (export "[callback][async-lift]f") (param i32 i64 i32) (result i32) (i32.const 0)))`,
    /export \[callback\]\[async-lift\]f must have type \(func \(param i32 i32 i32\) \(result i32\)\)/,
  ],
  [
    'stream-new returning i32 (it returns both ends packed in an i64)',
    `(module (import "$root" "[stream-new-0]f" (func (result i32))) (func (export "f")))`,
    /built-in \$root::\[stream-new-0\]f must have type \(func \(result i64\)\), but the module declares \(func \(result i32\)\)/,
  ],
  [
    'task-return with a result',
    `(module (import "[export]$root" "[task-return]f" (func (param i32) (result i32))) (func (export "[async-lift]f") (result i32) (i32.const 0)) ${CALLBACK})`,
    /built-in \[export\]\$root::\[task-return\]f must have type \(func \(param <flat results/,
  ],
  [
    'env.abort with two parameters',
    `(module (import "env" "abort" (func (param i32 i32))) (func (export "f")))`,
    /built-in env::abort must have type \(func \(param i32 i32 i32 i32\)\), but the module declares \(func \(param i32 i32\)\)/,
  ],
];

describe('built-in signatures are checked at link time', () => {
  for (const [what, wat, message] of BAD) {
    it(`run: ${what} traps bad-signature (exit 1) before anything runs`, () => {
      const r = cli('run', file('sig.wat', wat), '--invoke', 'f', '--json');
      expect(r.code).toBe(1);
      const j = JSON.parse(r.out);
      expect(j.trap.code).toBe('bad-signature');
      expect(j.trap.message).toMatch(message);
      expect(j.trap.task).toBeNull();
    });
  }

  it('the API: Store.instantiate from bytes, and a module from compileModule, trap bad-signature', async () => {
    const bytes = await parse(BAD[1]![1]);
    const store = new Store();
    let caught: unknown;
    try {
      store.instantiate(bytes, { name: 'a' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Trap);
    expect((caught as Trap).code).toBe('bad-signature');
    expect((caught as Trap).builtin).toBe('$root::[waitable-join]');
    expect(() => store.instantiate(compileModule(bytes), { name: 'b' })).toThrow(/bad-signature.*waitable-join.*\(param f32 f32\)/);
  });

  it('right signatures link: the built-ins with their own types, a stackful lift without a result', async () => {
    const wat = `(module
      (import "$root" "[waitable-set-new]" (func (result i32)))
      (import "$root" "[waitable-join]" (func (param i32 i32)))
      (import "$root" "[stream-new-0]f" (func (result i64)))
      (import "[export]$root" "[task-return]s" (func (param f64 i64)))
      (import "[export]$root" "[task-return]f" (func (param i32)))
      (memory (export "memory") 1)
      (func (export "[async-lift]s") (call 3 (f64.const 1.5) (i64.const -2)))
      (func (export "[async-lift]f") (param i64) (result i32) (call 4 (i32.const 3)) (i32.const 0))
      ${CALLBACK})`;
    const store = new Store();
    const inst = store.instantiate(await parse(wat), { name: 'ok' });
    expect(await inst.callExportFlat('s')).toEqual([1.5, -2n]);
    expect(await inst.callExportFlat('f', [5n])).toEqual([3]);
  });
});

describe('callExport of a name that is no function', () => {
  it('rejects with no-such-export', async () => {
    const store = new Store();
    const inst = store.instantiate(await parse('(module (memory (export "memory") 1) (global (export "g") i32 (i32.const 0)))'), { name: 'n' });
    for (const name of ['nope', 'memory', 'g']) {
      await expect(inst.callExport(name)).rejects.toMatchObject({ code: 'no-such-export' });
    }
  });
});

describe('readModuleTypes', () => {
  it('reads function types of imports and exports (imported functions come first in the index space)', async () => {
    const t = readModuleTypes(await parse(`(module
      (type (func (param i32) (result i64)))
      (import "m" "g" (global i32))
      (import "m" "f" (func (type 0)))
      (import "m" "mem" (memory 1 2))
      (import "m" "t" (table 1 funcref))
      (func (export "a") (param f32 f64) (result i32 i64) (i32.const 0) (i64.const 0))
      (func (export "b"))
      (export "f2" (func 0))
      (export "mem2" (memory 0)))`));
    expect(t.imports.map((i) => [i.module, i.name, i.kind, i.type && formatFuncType(i.type)])).toEqual([
      ['m', 'g', 'global', undefined],
      ['m', 'f', 'function', '(func (param i32) (result i64))'],
      ['m', 'mem', 'memory', undefined],
      ['m', 't', 'table', undefined],
    ]);
    expect(t.exports.map((e) => [e.name, e.kind, e.type && formatFuncType(e.type)])).toEqual([
      ['a', 'function', '(func (param f32 f64) (result i32 i64))'],
      ['b', 'function', '(func)'],
      ['f2', 'function', '(func (param i32) (result i64))'],
      ['mem2', 'memory', undefined],
    ]);
  });

  it('reads the guest builds, and rejects what is not a core module', async () => {
    const { readFileSync } = await import('node:fs');
    const t = readModuleTypes(readFileSync('build/guest-v2.wasm'));
    expect(formatFuncType(t.exports.find((e) => e.name === '[callback][async-lift]control')!.type!)).toBe('(func (param i32 i32 i32) (result i32))');
    expect(() => readModuleTypes(new Uint8Array([1, 2, 3]))).toThrow(/no \\0asm header/);
    expect(() => readModuleTypes(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]))).toThrow(/not a core module/);
    expect(() => readModuleTypes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 9, 1]))).toThrow(/runs past the end/);
  });
});
