// `wasip3-task run` prints every core value exactly and checks --args
// against the export's core type (run as a user would: the built CLI).
import { describe, expect, it } from 'vitest';
import { cli, file } from './cli-helpers.js';

const VALUES = file('values.wat', `
(module
  (func (export "multi") (result i32 i64 f64) (i32.const -1) (i64.const 9007199254740993) (f64.const nan))
  (func (export "nan") (result f64) (f64.const nan))
  (func (export "neginf") (result f32) (f32.const -inf))
  (func (export "negzero") (result f64) (f64.const -0))
  (func (export "big") (result i64) (i64.const 9007199254740993))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "fadd") (param f32 f64) (result f64) (f64.add (f64.promote_f32 (local.get 0)) (local.get 1)))
  (global (export "g") i32 (i32.const 1))
  (memory (export "memory") 1))`);

const RETURNS = file('returns.wat', `
(module
  (import "[export]$root" "[task-return]f" (func $ret (param f64 i64 f32)))
  (func (export "[async-lift]f") (result i32)
    (call $ret (f64.const nan) (i64.const -1) (f32.const inf))
    (i32.const 0))
  (func (export "[callback][async-lift]f") (param i32 i32 i32) (result i32) (i32.const 0)))`);

const STREAM = file('stream.wat', `
(module
  (import "$root" "[stream-new-0]f" (func $sn (result i64)))
  (import "[export]$root" "[task-return]f" (func $ret (param i64)))
  (memory (export "memory") 1)
  (func (export "[async-lift]f") (result i32) (call $ret (call $sn)) (i32.const 0))
  (func (export "[callback][async-lift]f") (param i32 i32 i32) (result i32) (i32.const 0)))`);

const json = (args: string[]) => {
  const r = cli(...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
};

describe('run prints core values exactly', () => {
  it('a multi-value result (i32 i64 f64): every value, typed, i64 above 2^53 exact', () => {
    expect(cli('run', VALUES, '--invoke', 'multi').out).toBe('result: [4294967295,9007199254740993,NaN]\n');
    expect(json(['run', VALUES, '--invoke', 'multi'])).toMatchObject({
      result: [4294967295, '9007199254740993', 'NaN'],
      resultTypes: ['i32', 'i64', 'f64'],
      trap: null,
    });
  });

  it('NaN, -Infinity, -0 and a large i64 as plain results', () => {
    expect(cli('run', VALUES, '--invoke', 'nan').out).toBe('result: [NaN]\n');
    expect(cli('run', VALUES, '--invoke', 'neginf').out).toBe('result: [-Infinity]\n');
    expect(cli('run', VALUES, '--invoke', 'negzero').out).toBe('result: [-0]\n');
    expect(cli('run', VALUES, '--invoke', 'negzero', '--json').out).toMatch(/"result": \[\n\s+-0\n/);
    expect(cli('run', VALUES, '--invoke', 'big').out).toBe('result: [9007199254740993]\n');
    expect(json(['run', VALUES, '--invoke', 'big']).result).toEqual(['9007199254740993']);
  });

  it('task.return with (f64 nan, i64 -1, f32 inf)', () => {
    expect(cli('run', RETURNS, '--invoke', 'f').out).toBe('result: [NaN,18446744073709551615,Infinity]\n');
    expect(json(['run', RETURNS, '--invoke', 'f'])).toMatchObject({ result: ['NaN', '18446744073709551615', 'Infinity'], resultTypes: ['f64', 'i64', 'f32'] });
  });

  it('--json with --trace: a stream handle pair (i64) in the events is a decimal string, no crash', () => {
    const j = json(['run', STREAM, '--invoke', 'f', '--trace']);
    expect(j.result).toEqual(['8589934593']);
    const sn = j.events.find((e: { builtin?: string }) => e.builtin === 'stream.new');
    expect(sn.result).toBe('8589934593');
    const ret = j.events.find((e: { builtin?: string }) => e.builtin === 'task.return f');
    expect(ret.args).toEqual(['8589934593']);
  });

  it('repro --json --trace works on every scenario and ABI', () => {
    for (const s of ['control', 'block-on-stale', 'drop-outside-task', 'moved-waitable']) {
      for (const abi of ['v1', 'v2']) {
        const r = cli('repro', s, '--abi', abi, '--json', '--trace');
        expect(r.err).toBe('');
        const j = JSON.parse(r.out);
        expect(j.events.some((e: { kind: string; builtin?: string }) => e.kind === 'canon' && e.builtin === 'stream.new')).toBe(true);
      }
    }
  });

  it('i32 is unsigned in the result and in the trace alike', () => {
    const r = cli('run', 'test/wat/run-demo.wat', '--invoke', 'double', '--args', '[-3]', '--trace');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\[async-lift\]double\(4294967293\) = 1/);
    expect(r.out).toMatch(/context\.set 0\(4294967293\)/);
    expect(r.out).toMatch(/task\.return double\(4294967290\)/);
    expect(r.out).toMatch(/^result: \[4294967290\]$/m);
  });
});

describe('--args is checked against the export\'s core type', () => {
  it('arity, integrality and range of i32 parameters (exit 2, naming the rule)', () => {
    const cases: [string, RegExp][] = [
      ['[1]', /takes 2 core argument\(s\) \(i32 i32\); --args gives 1/],
      ['[1,2,3,4]', /takes 2 core argument\(s\) \(i32 i32\); --args gives 4/],
      ['[1e300,5]', /--args\[0\] \(i32\): 1e\+300 is out of range for i32/],
      ['[4294967296,1]', /--args\[0\] \(i32\): 4294967296 is out of range for i32/],
      ['[1.9,2.9]', /--args\[0\] \(i32\): 1\.9 is not an integer/],
      ['[1,"x"]', /--args\[1\] \(i32\): "x" is not an integer/],
      ['[1,null]', /--args\[1\] \(i32\): null is not an integer/],
      ['{"a":1}', /must be a JSON array/],
      ['[1,', /--args is not JSON/],
    ];
    for (const [args, message] of cases) {
      const r = cli('run', VALUES, '--invoke', 'add', '--args', args);
      expect(r.code, args).toBe(2);
      expect(r.err, args).toMatch(/^error \[bad-args\]: /);
      expect(r.err, args).toMatch(message);
      expect(r.err, args).toMatch(/Usage: wasip3-task run/);
      expect(r.out, args).toBe('');
    }
  });

  it('both signed and unsigned spellings of an i32 are accepted', () => {
    expect(cli('run', VALUES, '--invoke', 'add', '--args', '[-1,2]').out).toBe('result: [1]\n');
    expect(cli('run', VALUES, '--invoke', 'add', '--args', '[4294967295,2]').out).toBe('result: [1]\n');
  });

  it('i64 parameters are callable: JSON numbers within 2^53, decimal strings beyond', () => {
    expect(cli('run', VALUES, '--invoke', 'add64', '--args', '[5,6]').out).toBe('result: [11]\n');
    expect(cli('run', VALUES, '--invoke', 'add64', '--args', '["9007199254740993","1"]').out).toBe('result: [9007199254740994]\n');
    expect(cli('run', VALUES, '--invoke', 'add64', '--args', '[-1,0]').out).toBe('result: [18446744073709551615]\n');
    const unsafe = cli('run', VALUES, '--invoke', 'add64', '--args', '[9007199254740993,1]');
    expect(unsafe.code).toBe(2);
    expect(unsafe.err).toMatch(/--args\[0\] \(i64\).*decimal string/);
    const range = cli('run', VALUES, '--invoke', 'add64', '--args', '["18446744073709551616",1]');
    expect(range.code).toBe(2);
    expect(range.err).toMatch(/out of range for i64/);
  });

  it('floats: NaN and infinities as strings, f32 range checked, a JSON overflow rejected', () => {
    expect(cli('run', VALUES, '--invoke', 'fadd', '--args', '["NaN",1]').out).toBe('result: [NaN]\n');
    expect(cli('run', VALUES, '--invoke', 'fadd', '--args', '[1,"-Infinity"]').out).toBe('result: [-Infinity]\n');
    expect(cli('run', VALUES, '--invoke', 'fadd', '--args', '[0.5,0.25]').out).toBe('result: [0.75]\n');
    const f32 = cli('run', VALUES, '--invoke', 'fadd', '--args', '[1e39,1]');
    expect(f32.code).toBe(2);
    expect(f32.err).toMatch(/--args\[0\] \(f32\): 1e\+39 is out of range for f32/);
    const over = cli('run', VALUES, '--invoke', 'fadd', '--args', '[1,1e400]');
    expect(over.code).toBe(2);
    expect(over.err).toMatch(/--args\[1\] \(f64\): a JSON number too large/);
    const word = cli('run', VALUES, '--invoke', 'fadd', '--args', '[1,"lots"]');
    expect(word.code).toBe(2);
    expect(word.err).toMatch(/"lots" is not a number/);
  });
});

describe('values the CLI cannot pass or print', () => {
  it('a v128 result or an externref parameter is unsupported (exit 2), not a made-up result or a host-error', () => {
    const f = file('refs.wat', '(module (func (export "v") (result v128) (v128.const i32x4 1 2 3 4)) (func (export "e") (param externref)) (func (export "r") (result externref) (ref.null extern)))');
    for (const [name, type] of [['v', 'v128'], ['e', 'externref'], ['r', 'externref']]) {
      const r = cli('run', f, '--invoke', name!);
      expect(r.code, name).toBe(2);
      expect(r.err).toMatch(new RegExp(`^error \\[unsupported\\]: export '${name}' has type .*only i32, i64, f32 and f64 values \\(not ${type}\\)`));
      expect(r.out).toBe('');
    }
  });
});

describe('--invoke names a function', () => {
  it('a global or the memory is no-such-export (exit 2)', () => {
    for (const name of ['g', 'memory']) {
      const r = cli('run', VALUES, '--invoke', name);
      expect(r.code, name).toBe(2);
      expect(r.err).toMatch(new RegExp(`^error \\[no-such-export\\]: '${name}' is a (global|memory), not a function`));
    }
  });
});
