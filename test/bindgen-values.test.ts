// `wasip3-task bindgen` on world `values` (test/bindgen/values): generated
// AssemblyScript glue compiled with asc (no diagnostics in the generated
// files), componentized with the SDK toolchain, run on the embedded
// component host; every export echoes its values exactly, and the host
// imports are called with exactly the values the guest lowered.
import { beforeAll, describe, expect, it } from 'vitest';
import { ComponentResultError, loadComponent, type ComponentInstanceApi } from '../host/component/api.js';
import { buildFixture, type BuiltFixture } from './bindgen-helpers.js';

let built: BuiltFixture;
let inst: ComponentInstanceApi;
let api: Record<string, (...a: unknown[]) => Promise<unknown>>;
const calls: unknown[][] = [];

beforeAll(async () => {
  built = await buildFixture('values', 'values');
  inst = loadComponent(built.component).instantiate({
    'test:values/types': {},
    'test:values/host': {
      greet: (n: string) => (calls.push(['greet', n]), `hi ${n}`),
      mix: (a: Uint8Array, b: string | undefined, c: unknown) => {
        calls.push(['mix', [...a], b, c]);
        if (b === undefined) throw new ComponentResultError('no b' as never);
        return a.length * 10 + b.length;
      },
      many: (...a: unknown[]) => (calls.push(['many', ...a]), 'many ok'),
      slow: async (x: number, s: string) => (calls.push(['slow', x, s]), `${s}:${x * 2}`),
      slowSpill: async (...a: unknown[]) => (calls.push(['slowSpill', ...a]), 12345678901234n),
      notify: (p: unknown) => void calls.push(['notify', p]),
    },
  });
  api = inst.exports['test:values/api'] as typeof api;
}, 120_000);

describe('bindgen: world values', () => {
  it('generated code compiles without a warning', () => {
    expect(built.diagnostics).toEqual([]);
  });

  it('names the core exports as wit-component expects (exports.json)', () => {
    const names = Object.values(built.renames);
    expect(names).toContain('test:values/api#echo');
    expect(names).toContain('cabi_post_test:values/api#echo');
    expect(names).toContain('[async-lift]test:values/api#async-echo');
    expect(names).toContain('[callback][async-lift]test:values/api#async-echo');
    expect(names).toContain('[async-lift]run');
    expect(JSON.parse(built.files['exports.json']!)).toEqual(built.renames);
  });

  it('strings, bools, integers at their limits, floats, chars', async () => {
    for (const s of ['', 'a', 'héllo wörld', '日本語 🎉', 'x'.repeat(5000)]) expect(await api.echo!(s)).toBe(s);
    expect(await api.echoBool!(true)).toBe(true);
    expect(await api.echoBool!(false)).toBe(false);
    expect(await api.echoInts!(255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615n, -9223372036854775808n)).toEqual([
      255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615n, -9223372036854775808n,
    ]);
    expect(await api.echoInts!(0, 1, 2, 3, 4, 5, 6n, -7n)).toEqual([0, 1, 2, 3, 4, 5, 6n, -7n]);
    const [f, d] = (await api.echoFloats!(1.5, -0.1)) as [number, number];
    expect(f).toBe(1.5);
    expect(d).toBe(-0.1);
    const [nf, inf] = (await api.echoFloats!(NaN, -Infinity)) as [number, number];
    expect(Number.isNaN(nf)).toBe(true);
    expect(inf).toBe(-Infinity);
    for (const c of ['A', 'é', '😀', '\u{10ffff}']) expect(await api.echoChar!(c)).toBe(c);
  });

  it('records, enums, flags, variants (with joined flat payloads)', async () => {
    expect(await api.echoPoint!({ x: -3, yPos: 2.5 })).toEqual({ x: -3, yPos: 2.5 });
    const person = { name: 'ann', tags: ['a', '', 'ccc'], home: { x: 1, yPos: -1 } };
    expect(await api.echoPerson!(person)).toEqual(person);
    expect(await api.echoPerson!({ name: '', tags: [], home: undefined })).toEqual({ name: '', tags: [], home: undefined });
    for (const c of ['red', 'green', 'blue']) expect(await api.echoColor!(c)).toBe(c);
    expect(await api.echoSmall!({ a: true, c: true })).toEqual({ a: true, b: false, c: true });
    const wide = { f0: false, f1: true, f2: false, f3: false, f4: false, f5: false, f6: false, f7: false, f8: false, f9: true };
    expect(await api.echoWide!(wide)).toEqual(wide);
    for (const s of [
      { tag: 'circle', val: 1.5 },
      { tag: 'rect', val: [3, 4294967295] },
      { tag: 'label', val: 'lbl 🎉' },
      { tag: 'wide', val: -9223372036854775808n },
      { tag: 'real', val: -2.75 },
      { tag: 'empty' },
    ]) expect(await api.echoShape!(s)).toEqual(s);
  });

  it('lists, options, results', async () => {
    expect(await api.echoList!(['a', '', 'ccc', 'ü'])).toEqual(['a', '', 'ccc', 'ü']);
    expect(await api.echoList!([])).toEqual([]);
    expect(await api.echoPoints!([{ x: 1, yPos: 2 }, { x: -1, yPos: 0.5 }])).toEqual([{ x: 1, yPos: 2 }, { x: -1, yPos: 0.5 }]);
    expect([...((await api.echoBytes!(new Uint8Array([0, 1, 255]))) as Uint8Array)]).toEqual([0, 1, 255]);
    expect(await api.echoOpt!(18446744073709551615n)).toBe(18446744073709551615n);
    expect(await api.echoOpt!(undefined)).toBe(undefined);
    expect(await api.echoOptOpt!({ tag: 'some', val: 'x' })).toEqual({ tag: 'some', val: 'x' });
    expect(await api.echoOptOpt!({ tag: 'some', val: undefined })).toEqual({ tag: 'some', val: undefined });
    expect(await api.echoOptOpt!({ tag: 'none' })).toEqual({ tag: 'none' });
    expect(await api.echoRes!({ tag: 'ok', val: 'fine' })).toBe('fine');
    await expect(api.echoRes!({ tag: 'err', val: 7 })).rejects.toMatchObject({ payload: 7 });
    expect(await api.echoUnitRes!({ tag: 'ok' })).toBe(undefined);
    await expect(api.echoUnitRes!({ tag: 'err', val: 'bad' })).rejects.toMatchObject({ payload: 'bad' });
  });

  it('17 flat parameters are spilled into memory and read back (sync and async lift)', async () => {
    const args = Array.from({ length: 16 }, (_, i) => 1000 + i);
    const expected = args.reduce((s, a, i) => s + a * (i + 1), 0) + 0.5;
    expect(await api.sum17!(...args, 0.5)).toBe(expected);
    expect(await api.asyncSum17!(...args, 0.5)).toBe(expected * 2);
  });

  it('async exports: task.return with flat and spilled results, and none', async () => {
    expect(await api.asyncEcho!('hey')).toBe('hey!');
    expect(await api.asyncSwap!(['s', 9])).toEqual([9, 's']);
    expect(await api.asyncBig!(42)).toEqual(['42', '421', '422', '423', '424', '425', '426', '427', '428']);
    expect(await api.asyncNone!()).toBe(undefined);
    expect(await (inst.exports.run as (x: number) => Promise<unknown>)(3)).toBe(6 + 'r:6'.length);
    await expect((inst.exports.run as (x: number) => Promise<unknown>)(0)).rejects.toMatchObject({ payload: 'zero' });
  });

  it('imports: sync, 16 parameters, result areas, async-lowered (spilled past 4 flat)', async () => {
    calls.length = 0;
    const out = await api.callHost!();
    expect(out).toEqual(['hi wörld', 'mix ok 33', 'mix err no b', 'many ok', 'slow:14', '12345678901234']);
    expect(calls).toEqual([
      ['greet', 'wörld'],
      ['mix', [1, 2, 3], 'abc', { tag: 'label', val: 'lbl' }],
      ['mix', [], undefined, { tag: 'wide', val: -5n }],
      ['many', 255, 65535, 4294967295, 18446744073709551615n, -128, -32768, -2147483648, -9223372036854775808n, 1.5, -2.25, true, '😀', 'str', 'blue', { x: -7, yPos: 0.5 }, 16],
      ['notify', { x: 3, yPos: 4.5 }],
      ['slow', 7, 'slow'],
      ['slowSpill', 1, 2, 3, 4, 'five'],
    ]);
  });

  it('large strings round-trip, call after call (the glue frees its buffers in post-return)', async () => {
    const big = 'y'.repeat(100_000);
    for (let i = 0; i < 100; i++) expect(await api.echo!(big + i)).toBe(big + i);
  });
});
