import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as jco from '@bytecodealliance/jco';
import { fileURLToPath } from 'node:url';
import { decodeComponent, sniffPreamble } from '../host/component/binary/decode.js';
import { ComponentError } from '../host/component/binary/reader.js';
import type { Canon, Component, Definition } from '../host/component/binary/ast.js';
import { loadComponentBinary, validateComponent } from '../host/component/validate.js';
import { loadComponent } from '../host/component/api.js';
import { Prim, type FuncType, type ValType } from '../host/component/types.js';
import { bytes as concat, PREAMBLE as PREAMBLE_BYTES, section, str, wat } from './component-bytes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = (f: string) => new Uint8Array(readFileSync(`${root}build/${f}`));
const defs = (c: Component, tag: Definition['tag']) => c.definitions.filter((d) => d.tag === tag);
const canons = (c: Component) => defs(c, 'canon').map((d) => (d as Extract<Definition, { tag: 'canon' }>).canon);

describe('component decoder: the project\'s own builds', () => {
  it('decodes build/component-v2.wasm: core modules as bytes at their offset, canon lifts with async + callback, four async exports', () => {
    const bytes = build('component-v2.wasm');
    const c = decodeComponent(bytes);
    const mods = defs(c, 'core module') as Extract<Definition, { tag: 'core module' }>[];
    expect(mods.length).toBe(3);
    for (const m of mods) {
      // The module bytes are the section content, at the recorded absolute offset.
      expect(bytes.subarray(m.offset, m.offset + m.size)).toEqual(m.bytes);
      expect(WebAssembly.validate(m.bytes as Uint8Array<ArrayBuffer>)).toBe(true);
    }
    const main = new WebAssembly.Module(mods[0].bytes as Uint8Array<ArrayBuffer>);
    expect(WebAssembly.Module.exports(main).map((e) => e.name)).toContain('[async-lift]block-on-stale');
    const lifts = canons(c).filter((x) => x.kind === 'lift') as Extract<Canon, { kind: 'lift' }>[];
    expect(lifts.length).toBe(4);
    for (const l of lifts) {
      expect(l.opts.async_).toBe(true);
      expect(l.opts.callback).toBeDefined();
      expect(l.opts.post_return).toBeUndefined();
    }
    const v = validateComponent(c);
    expect(v.exports.map((e) => e.name)).toEqual(['block-on-stale', 'control', 'drop-outside-task', 'moved-waitable']);
    for (const e of v.exports) {
      expect(e.t).toEqual({ kind: 'func', type: { kind: 'func', async: true, params: [], result: Prim.u32 } });
    }
    const laundry = v.imports.find((i) => i.name === 'shim:scenarios/laundry')!;
    expect(laundry.t.kind).toBe('instance');
    const launder = (laundry.t.type as { exports: { name: string; t: { type: FuncType } }[] }).exports[0];
    expect(launder.name).toBe('launder');
    expect(launder.t.type).toEqual({ kind: 'func', async: true, params: [['x', { kind: 'stream', t: Prim.u8 }]], result: { kind: 'stream', t: Prim.u8 } });
    // The index spaces count what the definitions introduced.
    expect(c.spaces['core func'].length).toBe(v.coreFuncs.length);
    expect(c.spaces.func.length).toBe(v.funcs.length);
    expect(c.spaces.type.length).toBe(v.types.length);
    expect(c.names?.sorts.get('core module')?.get(0)).toBe('main');
  });

  it('decodes build/composed-v2.wasm: two nested components, instantiated with their imports matched by subtyping', () => {
    const c = decodeComponent(build('composed-v2.wasm'));
    const nested = defs(c, 'component') as Extract<Definition, { tag: 'component' }>[];
    expect(nested.length).toBe(2);
    // Nested components keep absolute offsets into the outer binary.
    for (const n of nested) expect(n.component.offset).toBeGreaterThan(n.offset - 1);
    const insts = defs(c, 'instance') as Extract<Definition, { tag: 'instance' }>[];
    expect(insts.map((i) => i.expr.kind)).toEqual(['instantiate', 'instantiate']);
    const v = validateComponent(c);
    expect(v.imports.map((i) => i.name)).toEqual(['wasi:io/error@0.2.6', 'wasi:io/streams@0.2.6', 'wasi:cli/stderr@0.2.6']);
    expect(v.exports.map((e) => e.t.kind)).toEqual(['func', 'func', 'func', 'func']);
    expect(v.nested.filter(Boolean).length).toBe(2);
    // The runner's laundry import is satisfied by the laundry component's export: same function type.
    const runner = v.nested[0]!;
    expect(runner.imports[0].name).toBe('shim:scenarios/laundry');
    // The output-stream resource seen by the nested runner is the outer import's (bound through instantiation).
    const outerStreams = v.instances[1].exports.find((e) => e.name === 'output-stream')!;
    const laundryInst = v.instances.find((i) => i.exports.some((e) => e.name === 'shim:scenarios/laundry'));
    expect(laundryInst).toBeDefined();
    expect(outerStreams.t.kind).toBe('type');
  });

  it('decodes every project component the build makes (v1, v2, composed, laundry) and rejects the core builds as core modules', () => {
    for (const f of ['component-v1.wasm', 'component-v2.wasm', 'composed-v1.wasm', 'composed-v2.wasm', 'laundry.wasm']) {
      expect(loadComponentBinary(build(f)).exports.length).toBeGreaterThan(0);
    }
    const core = build('guest-v2.wasm');
    expect(sniffPreamble(core)).toBe('core');
    const e = catchErr(() => decodeComponent(core));
    expect(e.rule).toBe('core-module-not-component');
    expect(e.offset).toBe(4);
    expect(e.message).toMatch(/core WebAssembly module/);
  });
});

describe('component decoder: every section and canon form, from WAT', () => {
  it('decodes every canon built-in with its type index and options, and validates them', async () => {
    const bytes = await wat(readFileSync(`${root}test/wat/component-all-canon.wat`, 'utf8'));
    const c = decodeComponent(bytes);
    const cs = canons(c);
    expect(cs.map((x) => x.kind)).toEqual([
      'lower', 'lift', 'lift', 'resource.new', 'resource.drop', 'resource.rep', 'backpressure.inc', 'backpressure.dec',
      'task.return', 'task.return', 'task.cancel', 'context.get', 'context.set', 'subtask.cancel', 'subtask.drop',
      'stream.new', 'stream.read', 'stream.write', 'stream.cancel-read', 'stream.cancel-write', 'stream.drop-readable', 'stream.drop-writable',
      'future.new', 'future.read', 'future.write', 'future.cancel-read', 'future.cancel-write', 'future.drop-readable', 'future.drop-writable',
      'error-context.new', 'error-context.debug-message', 'error-context.drop',
      'waitable-set.new', 'waitable-set.wait', 'waitable-set.poll', 'waitable-set.drop', 'waitable.join',
      'thread.yield', 'thread.index', 'thread.suspend', 'thread.resume-later', 'thread.suspend-then-resume', 'thread.yield-then-resume',
      'thread.suspend-then-promote', 'thread.yield-then-promote',
    ]);
    const [lower, lift, alift] = cs as [Extract<Canon, { kind: 'lower' }>, Extract<Canon, { kind: 'lift' }>, Extract<Canon, { kind: 'lift' }>];
    expect(lower.opts).toMatchObject({ string_encoding: 'utf16', memory: 0, realloc: 0, async_: true, post_return: undefined, callback: undefined });
    expect(lift.opts).toMatchObject({ string_encoding: 'latin1+utf16', memory: 0, realloc: 0, async_: false });
    expect(lift.opts.post_return).toBeDefined();
    expect(alift.opts).toMatchObject({ async_: true, string_encoding: undefined });
    expect(alift.opts.callback).toBeDefined();
    expect(cs.find((x) => x.kind === 'context.set')).toEqual({ kind: 'context.set', t: 'i32', i: 1 });
    expect(cs.find((x) => x.kind === 'subtask.cancel')).toEqual({ kind: 'subtask.cancel', async_: true });
    expect(cs.find((x) => x.kind === 'stream.cancel-read')).toMatchObject({ async_: true });
    expect(cs.find((x) => x.kind === 'stream.cancel-write')).toMatchObject({ async_: false });
    expect(cs.find((x) => x.kind === 'waitable-set.wait')).toEqual({ kind: 'waitable-set.wait', cancellable: false, memory: 0 });
    const st = cs.find((x) => x.kind === 'stream.read') as Extract<Canon, { kind: 'stream.read' }>;
    expect(st.opts).toMatchObject({ memory: 0, async_: true });
    const v = validateComponent(c);
    expect(v.types[st.type]).toEqual({ kind: 'stream', t: Prim.u8 });
    // canon lower's core func gets flatten_functype(opts, ft, 'lower'): async, string in, string out.
    expect(v.coreFuncs[2]).toEqual({ params: ['i32', 'i32', 'i32'], results: ['i32'] });
    // The resource type with its destructor.
    const [rt, info] = [...v.resources][0];
    expect(rt.kind).toBe('resource');
    expect(info.dtor).toBeDefined();
    expect(v.exports.map((e) => e.name)).toEqual(['lifted', 'alifted']);
  });

  it('resolves every defined value type into types.ts values', async () => {
    const c = decodeComponent(await wat(`(component
      (type $r (resource (rep i32)))
      (type $rec (record (field "a" u8) (field "b-c" string)))
      (type $var (variant (case "none") (case "some" $rec)))
      (type (list $rec))
      (type (list u8 4))
      (type (tuple bool s8 u16 s32 u64 s64 f32 f64 char))
      (type (flags "x" "y"))
      (type (enum "lo" "hi"))
      (type (option $var))
      (type (result u32 (error string)))
      (type (result))
      (type (own $r))
      (type (borrow $r))
      (type (stream))
      (type (future $rec))
      (type error-context)
      (type (map string u32))
      (type (func (param "x" u32) (param "y" string)))
      (type (func async (result (own $r))))
    )`));
    const v = validateComponent(c);
    const rt = v.types[0];
    expect(rt.kind).toBe('resource');
    const rec: ValType = { kind: 'record', fields: [{ label: 'a', t: Prim.u8 }, { label: 'b-c', t: Prim.string }] };
    const variant: ValType = { kind: 'variant', cases: [{ label: 'none', t: undefined }, { label: 'some', t: rec }] };
    expect(v.types.slice(1)).toEqual([
      rec,
      variant,
      { kind: 'list', t: rec },
      { kind: 'list', t: Prim.u8, l: 4 },
      { kind: 'tuple', ts: [Prim.bool, Prim.s8, Prim.u16, Prim.s32, Prim.u64, Prim.s64, Prim.f32, Prim.f64, Prim.char] },
      { kind: 'flags', labels: ['x', 'y'] },
      { kind: 'enum', labels: ['lo', 'hi'] },
      { kind: 'option', t: variant },
      { kind: 'result', ok: Prim.u32, error: Prim.string },
      { kind: 'result', ok: undefined, error: undefined },
      { kind: 'own', rt },
      { kind: 'borrow', rt },
      { kind: 'stream', t: undefined },
      { kind: 'future', t: rec },
      { kind: 'error-context' },
      { kind: 'map', k: Prim.string, v: Prim.u32 },
      { kind: 'func', async: false, params: [['x', Prim.u32], ['y', Prim.string]], result: undefined },
      { kind: 'own', rt },
      { kind: 'func', async: true, params: [], result: { kind: 'own', rt } },
    ]);
    // Resources are nominal: the own and borrow point at the same object.
    expect((v.types[12] as { rt: unknown }).rt).toBe(rt);
  });

  it('decodes aliases of every kind: instance export, core export, outer (type, core module), and core/module/instance/component types', async () => {
    const c = decodeComponent(await wat(`(component
      (core module $m (func (export "f")) (memory (export "mem") 1) (table (export "t") 1 funcref) (global (export "g") i32 (i32.const 0)))
      (core instance $ci (instantiate $m))
      (alias core export $ci "f" (core func))
      (alias core export $ci "mem" (core memory))
      (alias core export $ci "t" (core table))
      (alias core export $ci "g" (core global))
      (core type $cft (func (param i32) (result i64)))
      (core type $cmt (module (type (func)) (import "a" "b" (func (type 0))) (export "m" (memory 1))))
      (type $u (list u8))
      (type $it (instance (export "get" (func)) (export "r" (type (sub resource)))))
      (type $ct (component (import "in" (instance (type $it))) (export "out" (func))))
      (import "i" (instance $i (type $it)))
      (alias export $i "get" (func))
      (alias export $i "r" (type $r))
      (component $inner
        (alias outer 1 $u (type))
        (alias outer 1 $m (core module))
        (type (list 0))
      )
      (instance (instantiate $inner))
      (instance (export "get" (func 0)))
    )`));
    const aliases = defs(c, 'alias') as Extract<Definition, { tag: 'alias' }>[];
    expect(aliases.map((a) => [a.alias.kind, a.alias.sort, a.space, a.index])).toEqual([
      ['core export', 'core func', 'core func', 0],
      ['core export', 'core memory', 'core memory', 0],
      ['core export', 'core table', 'core table', 0],
      ['core export', 'core global', 'core global', 0],
      ['export', 'func', 'func', 0],
      ['export', 'type', 'type', 3],
    ]);
    const inner = (defs(c, 'component')[0] as Extract<Definition, { tag: 'component' }>).component;
    expect(inner.definitions.map((d) => d.tag === 'alias' && d.alias.kind)).toEqual(['outer', 'outer', false]);
    const v = validateComponent(c);
    // The outer alias of a type is the same type object as the enclosing one.
    expect(v.nested[0]!.types[0]).toBe(v.types[0]);
    expect(v.nested[0]!.types[1]).toEqual({ kind: 'list', t: { kind: 'list', t: Prim.u8 } });
    expect(v.coreTypes[0]).toEqual({ params: ['i32'], results: ['i64'] });
    expect(v.coreTypes[1]).toEqual({ kind: 'module', imports: [{ module: 'a', field: 'b', kind: 'func', t: { params: [], results: [] } }], exports: [{ name: 'm', kind: 'memory', t: undefined, desc: { kind: 'memory', limits: { min: 1n, max: undefined, shared: false, is64: false } } }] });
    expect(v.types[2]).toMatchObject({ kind: 'component', imports: [{ name: 'in' }], exports: [{ name: 'out' }] });
    expect(v.types[3].kind).toBe('resource');
    expect(v.instances.length).toBe(3);
    expect(v.instances[2].exports.map((e) => e.name)).toEqual(['get']);
    expect(v.coreInstances[0].exports.get('f')).toEqual({ kind: 'func', t: { params: [], results: [] } });
  });

  it('decodes start, values, imports and exports with type ascriptions, and the component-name section', async () => {
    const c = decodeComponent(await wat(`(component $named
      (import "f" (func $f (param "x" u32) (result u32)))
      (import "v" (value $v u32))
      (start $f (value $v) (result (value $r)))
      (export "r" (value $r))
      (export "g" (func $f) (func (param "x" u32) (result u32)))
    )`));
    const start = defs(c, 'start')[0] as Extract<Definition, { tag: 'start' }>;
    expect(start).toMatchObject({ func: 0, args: [0], results: 1, space: 'value', index: 1 });
    const exps = defs(c, 'export') as Extract<Definition, { tag: 'export' }>[];
    expect(exps.map((e) => [e.name.name, e.target, e.type?.kind])).toEqual([
      ['r', { sort: 'value', idx: 1 }, undefined],
      ['g', { sort: 'func', idx: 0 }, 'func'],
    ]);
    expect(c.names?.component).toBe('named');
    expect(c.names?.sorts.get('func')?.get(0)).toBe('f');
    const v = validateComponent(c);
    expect(v.values).toEqual([Prim.u32, Prim.u32, Prim.u32]);
    expect(v.exports.map((e) => e.t.kind)).toEqual(['value', 'func']);
  });
});

describe('core GC types (WebAssembly 3.0) in core type sections', () => {
  /** Decode and validate; the ComponentError's rule and detail, or undefined when it validates. */
  const gcError = async (text: string) => {
    try {
      validateComponent(decodeComponent(await wat(text)));
    } catch (e) {
      if (e instanceof ComponentError) return { rule: e.rule, detail: e.detail };
      throw e;
    }
    return undefined;
  };

  it('decodes sub, struct, array and rec forms; a rec group takes one core type index per type', async () => {
    const b = await wat(`(component
      (core type (sub (func (param i32))))
      (core rec (type $a (struct (field (ref null $b)) (field (mut i8)))) (type $b (array (mut i16))))
      (core type (func (param (ref 1))))
      (core type (module (type (sub (func))) (import "m" "f" (func (type 0))))))`);
    const c = decodeComponent(b);
    const ts = defs(c, 'core type') as Extract<Definition, { tag: 'core type' }>[];
    // In a component, a non-final sub is 0x00 0x50 (a bare 0x50 is a module type).
    expect([...b.subarray(ts[0].offset, ts[0].offset + 2)]).toEqual([0x00, 0x50]);
    expect(b[ts[3].offset]).toBe(0x50);
    expect(ts.map((d) => [d.type.kind, d.index])).toEqual([['rec', 0], ['rec', 1], ['func', 3], ['module', 4]]);
    expect(ts[0].type).toEqual({ kind: 'rec', types: [{ final: false, supertypes: [], comp: { kind: 'func', params: ['i32'], results: [] } }] });
    expect(ts[1].type).toEqual({ kind: 'rec', types: [
      { final: true, supertypes: [], comp: { kind: 'struct', fields: [{ storage: { ref: 2, nullable: true }, mutable: false }, { storage: 'i8', mutable: true }] } },
      { final: true, supertypes: [], comp: { kind: 'array', field: { storage: 'i16', mutable: true } } },
    ] });
    expect(c.spaces['core type'].length).toBe(5);
    const v = validateComponent(c);
    expect(v.coreTypes.map((t) => ('kind' in t ? (t.kind === 'gc' ? `${t.final ? '' : 'sub '}${t.comp}` : t.kind) : 'func'))).toEqual(['sub func', 'struct', 'array', 'func', 'module']);
    expect(v.coreTypes[0]).toEqual({ kind: 'gc', comp: 'func', final: false, func: { params: ['i32'], results: [] } });
    // A module type's own sub type (a bare 0x50 there) is a func type its import can use.
    expect(v.coreTypes[4]).toEqual({ kind: 'module', imports: [{ module: 'm', field: 'f', kind: 'func', t: { params: [], results: [] } }], exports: [] });
  });

  it('a sub type matches its one earlier, non-final supertype (WebAssembly 3.0 subtyping), or core-subtype', async () => {
    // Width and depth subtyping of structs, contravariant params and covariant results, through rec groups.
    expect(await gcError(`(component
      (core type $p (sub (struct (field anyref) (field (mut i32)))))
      (core type $q (sub $p (struct (field eqref) (field (mut i32)) (field i64))))
      (core type (sub $q (struct (field (ref i31)) (field (mut i32)) (field i64) (field f32))))
      (core type $f (sub (func (param eqref) (result anyref))))
      (core type (sub $f (func (param anyref) (result (ref $q)))))
      (core type $arr (sub (array (ref null $p))))
      (core type (sub $arr (array (ref $q))))
      (core rec (type $n (sub (struct))) (type (sub $n (struct (field (ref $n)))))))`)).toBeUndefined();
    expect(await gcError('(component (core type (struct)) (core type (sub 0 (struct (field i32)))))'))
      .toEqual({ rule: 'core-subtype', detail: 'core type 1 declares core type 0 as its supertype, which is final' });
    expect((await gcError('(component (core type (sub (struct (field i32)))) (core type (sub 0 (struct (field i64)))))'))?.detail).toMatch(/core type 1 does not match its supertype, core type 0: field 0/);
    expect((await gcError('(component (core type (sub (struct (field (mut anyref))))) (core type (sub 0 (struct (field (mut eqref))))))'))?.detail).toMatch(/field 0/);
    expect((await gcError('(component (core type (sub (struct (field i32) (field i32)))) (core type (sub 0 (struct (field i32)))))'))?.detail).toMatch(/1 field\(s\), fewer than the supertype's 2/);
    expect((await gcError('(component (core type (sub (func (param anyref)))) (core type (sub 0 (func (param eqref)))))'))?.detail).toMatch(/parameter 0/);
    expect((await gcError('(component (core type (sub (func (result eqref)))) (core type (sub 0 (func (result anyref)))))'))?.detail).toMatch(/result 0/);
    expect((await gcError('(component (core type (sub (struct))) (core type (sub 0 (array i8))))'))?.detail).toMatch(/an array type cannot be a subtype of a struct type/);
    expect((await gcError('(component (core type (sub (array (ref null any)))) (core type (sub 0 (array (ref null func)))))'))?.detail).toMatch(/element field/);
    // A supertype later in the same rec group is not defined before.
    expect(await gcError('(component (core rec (type (sub 1 (struct))) (type (sub (struct)))))'))
      .toEqual({ rule: 'core-subtype', detail: 'core type 0 declares core type 1 as its supertype, which is not defined before it' });
  });

  it('two supertypes (hand-encoded) are core-subtype', () => {
    const c = decodeComponent(concat(PREAMBLE_BYTES, section(3, [2, 0x00, 0x50, 0, 0x5f, 0, 0x00, 0x50, 2, 0, 0, 0x5f, 0])));
    expect(() => validateComponent(c)).toThrow(/core type 1 declares 2 supertypes; a sub type has at most one \[core-subtype\]/);
  });

  it('concrete heap types: equal rec groups are one type (iso-recursive), abstract bottoms sit below concrete types', async () => {
    // $d's own rec group is structurally $b's, so (ref $d) is a (ref $b).
    expect(await gcError(`(component
      (core rec (type $a (sub (struct))) (type $b (sub $a (struct (field (ref null $b))))))
      (core rec (type $c (sub (struct))) (type $d (sub $c (struct (field (ref null $d))))))
      (core type $s (sub (struct (field (ref null $b)))))
      (core type (sub $s (struct (field (ref $d)))))
      (core type $t (sub (struct (field (ref null $a)) (field funcref))))
      (core type (sub $t (struct (field (ref none)) (field (ref nofunc))))))`)).toBeUndefined();
    // A group of another shape is another type.
    expect((await gcError(`(component
      (core rec (type $a (sub (struct))) (type $b (sub $a (struct (field (ref null $b))))))
      (core rec (type $c (sub (struct (field i32)))) (type $d (sub $c (struct (field i32) (field (ref null $d))))))
      (core type $s (sub (struct (field (ref null $b)))))
      (core type (sub $s (struct (field (ref $d))))))`))?.rule).toBe('core-subtype');
  });

  it('a module type import of a GC type that is not a func type is type-mismatch; a component with GC types instantiates', async () => {
    expect(await gcError('(component (core type (struct)) (core type (module (alias outer 1 0 (type)) (import "a" "b" (func (type 0))))))'))
      .toEqual({ rule: 'type-mismatch', detail: 'a core func or tag of core type 0 of the module type, which is a struct (GC) type, not a func type' });
    const loaded = loadComponent(await wat(`(component
      (core rec (type (struct (field i32))) (type (sub (array i8))))
      (core type (func))
      (core module $m (func (export "one") (result i32) i32.const 1))
      (core instance $i (instantiate $m))
      (func (export "one") (result u32) (canon lift (core func $i "one"))))`));
    expect(loaded.validated.coreTypes.length).toBe(3);
    const inst = loaded.instantiate({});
    expect(await (inst.exports as Record<string, () => Promise<number>>)['one']!()).toBe(1);
  });
});

describe('component decoder: wit-component output for a rich world', () => {
  // Built at test time by jco's wit-component (a dummy core module for the world, then componentNew).
  const witSource = `
    package local:demo;
    interface types {
      record point { x: s32, y: s32, label: string }
      variant shape { circle(f64), poly(list<point>), none }
      flags perms { read, write, exec }
      enum color { red, green, blue }
      resource blob {
        constructor(init: list<u8>);
        read: func(n: u32) -> result<list<u8>, string>;
        merge: static func(a: borrow<blob>, b: borrow<blob>) -> blob;
      }
      type big = tuple<u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64>;
    }
    interface host {
      use types.{point, shape, perms, color, blob, big};
      log: func(msg: string);
      area: func(s: shape) -> f64;
      check: func(p: perms, c: color) -> option<point>;
      spill: func(b: big) -> big;
      fetch: async func(url: string) -> result<string, string>;
      pipe: async func(s: stream<u8>) -> future<string>;
      make: func() -> blob;
    }
    interface api {
      use types.{point, blob};
      echo: func(s: string) -> string;
      sum: func(xs: list<u32>) -> u64;
      run: async func(p: point) -> list<point>;
      wrap: func(b: blob) -> blob;
      resource counter {
        constructor(start: u32);
        inc: func() -> u32;
      }
    }
    world demo {
      import host;
      export api;
      export top: func(a: f32, b: s64) -> tuple<f32, s64>;
    }`;

  for (const enc of ['utf8', 'utf16', 'compact-utf16'] as const) {
    it(`decodes and validates it with string encoding ${enc}: core func types match flatten_functype, resources flow through the shim`, async () => {
      const core = await jco.componentEmbed({ dummy: true, witSource, world: 'demo', stringEncoding: enc });
      const bytes = new Uint8Array(await jco.componentNew(core));
      const c = decodeComponent(bytes);
      const lifts = canons(c).filter((x) => x.kind === 'lift') as Extract<Canon, { kind: 'lift' }>[];
      const want = enc === 'utf8' ? undefined : enc === 'utf16' ? 'utf16' : 'latin1+utf16';
      expect(lifts.some((l) => l.opts.string_encoding === want && l.opts.memory !== undefined)).toBe(true);
      expect(lifts.some((l) => l.opts.post_return !== undefined)).toBe(true);
      const v = validateComponent(c);
      expect(v.imports.map((i) => i.name)).toEqual(['local:demo/types', 'local:demo/host']);
      expect(v.exports.map((e) => e.name)).toEqual(['top', 'local:demo/api']);
      expect(v.exports[0].t).toEqual({ kind: 'func', type: { kind: 'func', async: false, params: [['a', Prim.f32], ['b', Prim.s64]], result: { kind: 'tuple', ts: [Prim.f32, Prim.s64] } } });
      const api = v.exports[1].t.type as { exports: { name: string; t: { kind: string; type: unknown } }[] };
      const types = v.imports[0].t.type as typeof api;
      const get = (i: typeof api, n: string) => i.exports.find((e) => e.name === n)!.t;
      // The api's blob is the imported types' blob: bound through the shim component's instantiation.
      expect(get(api, 'blob').type).toBe(get(types, 'blob').type);
      const ctor = get(api, '[constructor]counter').type as FuncType;
      expect(ctor.result).toEqual({ kind: 'own', rt: get(api, 'counter').type });
      expect(get(api, 'run').type).toMatchObject({ async: true });
    });
  }
});

describe('component decoder: forms the text format no longer writes, from bytes', () => {
  it('decodes the shared-everything thread built-ins, cancellable flags, the value section and a value export', async () => {
    const base = await wat(`(component
      (core type $ft (func (param i32)))
      (core module $m (table (export "t") 1 funcref))
      (core instance $i (instantiate $m))
      (alias core export $i "t" (core table $t))
      (core func (canon thread.new-indirect $ft (core table $t))))`);
    const b = concat([...base],
      section(8, [5, 0x40, 0x00, 0, 0x41, 0x01, 0, 0, 0x42, 0x01, 0x0c, 0x01, 0x29, 0x01]),
      section(12, [2, 0x79, 1, 42, 0x73, 3, ...str('hi')]),
      section(11, [1, 0x00, ...str('v'), 0x02, 1, 0x00]));
    const c = decodeComponent(b);
    expect(canons(c)).toEqual([
      { kind: 'thread.new-indirect', coreType: 0, table: 0 },
      { kind: 'thread.spawn-ref', shared: false, coreType: 0 },
      { kind: 'thread.spawn-indirect', shared: true, coreType: 0, table: 0 },
      { kind: 'thread.available-parallelism', shared: true },
      { kind: 'thread.yield', cancellable: true },
      { kind: 'thread.suspend', cancellable: true },
    ]);
    const values = defs(c, 'value') as Extract<Definition, { tag: 'value' }>[];
    expect(values.map((v) => [v.t, [...v.bytes], v.index])).toEqual([
      [{ kind: 'prim', prim: 'u32' }, [42], 0],
      [{ kind: 'prim', prim: 'string' }, [2, 0x68, 0x69], 1],
    ]);
    const v = validateComponent(c);
    expect(v.values).toEqual([Prim.u32, Prim.string, Prim.string]);
    expect(v.exports).toEqual([{ name: 'v', t: { kind: 'value', type: Prim.string } }]);
    expect(v.coreFuncs.length).toBe(6);
  });
});

function catchErr(f: () => unknown): ComponentError {
  try {
    f();
  } catch (e) {
    if (e instanceof ComponentError) return e;
    throw new Error(`expected a ComponentError, got ${String(e)}`);
  }
  throw new Error('expected a ComponentError, got success');
}

export { catchErr };
