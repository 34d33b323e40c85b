import { describe, expect, it } from 'vitest';
import {
  MAX_FLAT_ASYNC_PARAMS,
  MAX_FLAT_PARAMS,
  MAX_FLAT_RESULTS,
  alignment,
  despecialize,
  discriminantType,
  elemSize,
  flattenFunctype,
  flattenType,
  join,
  toLowerCamelCase,
  maybeNull,
} from '../host/component/abi/index.js';
import { Prim, type FuncType, type ValType } from '../host/component/types.js';

const { u8, u16, u32, u64, s8, f32, f64, string, char, bool } = Prim;
const rec = (...fs: [string, ValType][]): ValType => ({ kind: 'record', fields: fs.map(([label, t]) => ({ label, t })) });
const variant = (...cs: [string, ValType | undefined][]): ValType => ({ kind: 'variant', cases: cs.map(([label, t]) => ({ label, t })) });
const labels = (n: number) => Array.from({ length: n }, (_, i) => `f${i}`);

describe('despecialize', () => {
  it('turns tuple, enum, option, result and map into records, variants and lists', () => {
    expect(despecialize({ kind: 'tuple', ts: [u8, string] })).toEqual(rec(['0', u8], ['1', string]));
    expect(despecialize({ kind: 'enum', labels: ['a', 'b'] })).toEqual(variant(['a', undefined], ['b', undefined]));
    expect(despecialize({ kind: 'option', t: u32 })).toEqual(variant(['none', undefined], ['some', u32]));
    expect(despecialize({ kind: 'result', ok: undefined, error: string })).toEqual(variant(['ok', undefined], ['error', string]));
    expect(despecialize({ kind: 'map', k: string, v: u8 })).toEqual({ kind: 'list', t: rec(['0', string], ['1', u8]) });
    expect(despecialize(u8)).toBe(u8);
  });
});

describe('alignment and elem_size', () => {
  it('primitives', () => {
    const cases: [ValType, number, number][] = [
      [bool, 1, 1], [u8, 1, 1], [s8, 1, 1], [u16, 2, 2], [u32, 4, 4], [u64, 8, 8], [f32, 4, 4], [f64, 8, 8],
      [char, 4, 4], [string, 4, 8], [{ kind: 'error-context' }, 4, 4], [{ kind: 'list', t: u64 }, 4, 8],
      [{ kind: 'stream', t: undefined }, 4, 4], [{ kind: 'future', t: u8 }, 4, 4],
    ];
    for (const [t, a, s] of cases) {
      expect([t.kind, alignment(t), elemSize(t)]).toEqual([t.kind, a, s]);
    }
  });

  it('string and list with 64-bit pointers', () => {
    expect([alignment(string, 'i64'), elemSize(string, 'i64')]).toEqual([8, 16]);
    expect([alignment({ kind: 'list', t: u8 }, 'i64'), elemSize({ kind: 'list', t: u8 }, 'i64')]).toEqual([8, 16]);
    expect(flattenType(string, 'i64')).toEqual(['i64', 'i64']);
  });

  it('records pad each field to its alignment and the whole to the largest', () => {
    // a@0 (1), pad to 4, b@4 (4), c@8 (2), size 10 -> 12
    const r = rec(['a', u8], ['b', u32], ['c', u16]);
    expect([alignment(r), elemSize(r)]).toEqual([4, 12]);
    expect(elemSize({ kind: 'tuple', ts: [u8, u64] })).toBe(16);
    expect(alignment({ kind: 'tuple', ts: [u8, u64] })).toBe(8);
    expect(elemSize({ kind: 'tuple', ts: [u8, u8, u8] })).toBe(3);
  });

  it('fixed-length lists are their elements in a row', () => {
    const l: ValType = { kind: 'list', t: u16, l: 3 };
    expect([alignment(l), elemSize(l)]).toEqual([2, 6]);
    expect(flattenType(l)).toEqual(['i32', 'i32', 'i32']);
  });

  it('variants: discriminant, payload at the max case alignment, size rounded up', () => {
    expect([alignment({ kind: 'option', t: u8 }), elemSize({ kind: 'option', t: u8 })]).toEqual([1, 2]);
    expect([alignment({ kind: 'option', t: u32 }), elemSize({ kind: 'option', t: u32 })]).toEqual([4, 8]);
    const r: ValType = { kind: 'result', ok: u64, error: string };
    expect([alignment(r), elemSize(r)]).toEqual([8, 16]);
    expect(elemSize({ kind: 'result', ok: undefined, error: undefined })).toBe(1);
    expect(elemSize({ kind: 'enum', labels: ['a', 'b', 'c'] })).toBe(1);
  });

  it('discriminant_type grows at 256 and 65536 cases', () => {
    const cases = (n: number) => Array.from({ length: n }, (_, i) => ({ label: `c${i}`, t: undefined }));
    expect(discriminantType(cases(1))).toBe(u8);
    expect(discriminantType(cases(256))).toBe(u8);
    expect(discriminantType(cases(257))).toBe(u16);
    expect(discriminantType(cases(65536))).toBe(u16);
    expect(discriminantType(cases(65537))).toBe(u32);
    const e257: ValType = { kind: 'enum', labels: labels(257) };
    expect([alignment(e257), elemSize(e257)]).toEqual([2, 2]);
    // a u16 discriminant and a u8 payload: payload at 2, size 3 -> 4
    const v257: ValType = { kind: 'variant', cases: [...cases(256), { label: 'x', t: u8 }] };
    expect(elemSize(v257)).toBe(4);
  });

  it('flags take 1, 2 or 4 bytes', () => {
    for (const [n, s] of [[1, 1], [8, 1], [9, 2], [16, 2], [17, 4], [32, 4]] as const) {
      const t: ValType = { kind: 'flags', labels: labels(n) };
      expect([n, alignment(t), elemSize(t), flattenType(t)]).toEqual([n, s, s, ['i32']]);
    }
  });
});

describe('flattening', () => {
  it('join', () => {
    expect(join('i32', 'i32')).toBe('i32');
    expect(join('i32', 'f32')).toBe('i32');
    expect(join('f32', 'i32')).toBe('i32');
    expect(join('f32', 'f64')).toBe('i64');
    expect(join('i32', 'i64')).toBe('i64');
    expect(join('f64', 'f64')).toBe('f64');
  });

  it('variant cases are joined slot by slot after the discriminant', () => {
    expect(flattenType(variant(['a', f32], ['b', f32]))).toEqual(['i32', 'f32']);
    expect(flattenType(variant(['a', f32], ['b', u32]))).toEqual(['i32', 'i32']);
    expect(flattenType(variant(['a', f32], ['b', u32], ['c', f64], ['d', undefined]))).toEqual(['i32', 'i64']);
    expect(flattenType(variant(['a', f32], ['b', { kind: 'tuple', ts: [f64, u8] }]))).toEqual(['i32', 'i64', 'i32']);
    expect(flattenType({ kind: 'result', ok: u64, error: string })).toEqual(['i32', 'i64', 'i32']);
    expect(flattenType({ kind: 'option', t: string })).toEqual(['i32', 'i32', 'i32']);
    expect(flattenType({ kind: 'enum', labels: ['a'] })).toEqual(['i32']);
  });

  it('records, strings, lists and handles', () => {
    expect(flattenType(rec(['a', u8], ['b', string], ['c', f64], ['d', u64]))).toEqual(['i32', 'i32', 'i32', 'f64', 'i64']);
    expect(flattenType({ kind: 'list', t: string })).toEqual(['i32', 'i32']);
    expect(flattenType({ kind: 'map', k: string, v: u8 })).toEqual(['i32', 'i32']);
    expect(flattenType({ kind: 'own', rt: { kind: 'resource', name: 'r', rep: 'i32' } })).toEqual(['i32']);
  });

  const fn = (params: ValType[], result?: ValType, async = false): FuncType => ({
    kind: 'func',
    params: params.map((t, i) => [`p${i}`, t] as const),
    result,
    async,
  });

  it('flatten_functype spills params beyond MAX_FLAT_PARAMS and results beyond MAX_FLAT_RESULTS', () => {
    expect([MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, MAX_FLAT_ASYNC_PARAMS]).toEqual([16, 1, 4]);
    const sixteen = Array.from({ length: 16 }, () => u32);
    expect(flattenFunctype({}, fn(sixteen), 'lift').params).toHaveLength(16);
    expect(flattenFunctype({}, fn([...sixteen, u8]), 'lift')).toEqual({ params: ['i32'], results: [] });
    expect(flattenFunctype({}, fn([u8], string), 'lift')).toEqual({ params: ['i32'], results: ['i32'] });
    expect(flattenFunctype({}, fn([u8], string), 'lower')).toEqual({ params: ['i32', 'i32'], results: [] });
    expect(flattenFunctype({}, fn([f64], u64), 'lower')).toEqual({ params: ['f64'], results: ['i64'] });
    expect(flattenFunctype({ ptrType: 'i64' }, fn([...sixteen, u8], string), 'lower')).toEqual({ params: ['i64', 'i64'], results: [] });
  });

  it('flatten_functype for async lift (with and without callback) and async lower', () => {
    const five = [u32, u32, u32, u32, u32];
    expect(flattenFunctype({ async: true, callback: true }, fn(five, u32, true), 'lift')).toEqual({ params: five.map(() => 'i32'), results: ['i32'] });
    expect(flattenFunctype({ async: true }, fn(five, u32, true), 'lift')).toEqual({ params: five.map(() => 'i32'), results: [] });
    expect(flattenFunctype({ async: true }, fn(five, u32, true), 'lower')).toEqual({ params: ['i32', 'i32'], results: ['i32'] });
    expect(flattenFunctype({ async: true }, fn([u32, u32, u32, u32]), 'lower')).toEqual({ params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'] });
    expect(flattenFunctype({ async: true }, fn([u32]), 'lower')).toEqual({ params: ['i32'], results: ['i32'] });
  });
});

describe('JS naming (jco conventions)', () => {
  it('kebab-case to lowerCamelCase', () => {
    expect(toLowerCamelCase('foo')).toBe('foo');
    expect(toLowerCamelCase('foo-bar-baz')).toBe('fooBarBaz');
    expect(toLowerCamelCase('get-HTTP-header')).toBe('getHttpHeader');
    expect(toLowerCamelCase('URL')).toBe('url');
  });
  it('maybe_null: option<T> is T | undefined unless T is itself such an option', () => {
    expect(maybeNull({ kind: 'option', t: u8 })).toBe(true);
    expect(maybeNull({ kind: 'option', t: { kind: 'option', t: u8 } })).toBe(false);
    expect(maybeNull({ kind: 'option', t: { kind: 'option', t: { kind: 'option', t: u8 } } })).toBe(true);
    expect(maybeNull(u8)).toBe(false);
  });
});
