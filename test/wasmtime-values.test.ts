// Typed values through the Wasmtime adapter, in jco's JSON form: a WAT
// component (test/wat/values.component.wat) whose exports compute on their
// arguments, so every answer below is the guest's, lowered and lifted by
// Wasmtime. The same calls on the embedded host and under jco must agree
// (through `compare`); bad arguments are typed errors naming the parameter
// and its type.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from '@bytecodealliance/jco';
import { beforeAll, expect, it } from 'vitest';
import { packageRoot } from '../host/guest/builds.js';
import { compare } from '../host/cli/compare.js';
import { runOnWasmtime, type WasmtimeRun } from '../host/wasmtime/run.js';
import { describeWithWasmtime } from './wasmtime-helpers.js';

const WAT = join(packageRoot, 'test', 'wat', 'values.component.wat');
const api = (f: string) => `shim:values/api#${f}`;
let component: Uint8Array;

const call = (f: string, args: unknown[]): Promise<WasmtimeRun> => runOnWasmtime(component, api(f), args);

describeWithWasmtime('typed values on Wasmtime', () => {
  beforeAll(async () => {
    component = new Uint8Array(await parse(readFileSync(WAT, 'utf8')));
  });

  const cases: [string, unknown[], unknown[]][] = [
    ['add', [2, 3], [5]],
    ['add', [4294967295, 1], [0]],
    ['negate', [5], [{ bigint: '-5' }]],
    ['negate', [{ bigint: '-9223372036854775807' }], [{ bigint: '9223372036854775807' }]],
    ['not', [true], [false]],
    ['half', [3], [1.5]],
    ['next-char', ['a'], ['b']],
    ['next-char', ['😀'], ['😁']],
    ['echo', ['héllo, wörld'], ['héllo, wörld']],
    ['shout', ['hi'], ['Hi']],
    ['shout', [''], ['']],
    ['sum', [[1, 2, 3, 4]], [10]],
    ['sum', [[]], [0]],
    ['swap', [{ x: 1, yPos: -2 }], [{ x: -2, yPos: 1 }]],
    ['next-color', ['blue'], ['red']],
    ['bump', [4], [5]],
    ['bump', [null], [null]],
    ['checked', [5], [{ tag: 'ok', val: 5 }]],
    ['toggle', [{ read: true, exec: false }], [{ read: false, write: true, exec: true }]],
    ['checked', [500], [{ tag: 'err', val: 'too big' }]],
  ];
  for (const [f, args, want] of cases) {
    it(`${f}(${JSON.stringify(args).slice(1, -1)}) = ${JSON.stringify(want)}`, async () => {
      const run = await call(f, args);
      expect(run.error, run.error).toBeUndefined();
      expect(run.result).toEqual(want);
    });
  }

  it('reads the signature of a nested export', async () => {
    const run = await call('swap', [{ x: 0, yPos: 0 }]);
    expect(run.signature).toEqual({ params: [['p', 'record']], result: 'record', async: false });
  });

  it('a trap without guest text is Wasmtime\'s message', async () => {
    const run = await call('boom', []);
    expect(run.result).toBeUndefined();
    expect(run.trap!.message).toBe('wasm trap: wasm `unreachable` instruction executed');
  });

  const bad: [string, unknown[], string, RegExp][] = [
    ['add', [1], 'bad-args', /takes 2 argument\(s\) \(a: u32, b: u32\), got 1/],
    ['add', [-1, 0], 'bad-args', /^a \(u32\): -1 is out of range/],
    ['add', [1.5, 0], 'bad-args', /^a \(u32\): expected an integer/],
    ['not', [1], 'bad-args', /^b \(bool\): expected true or false/],
    ['next-char', ['ab'], 'bad-args', /one Unicode scalar value/],
    ['swap', [{ x: 1 }], 'bad-args', /missing field yPos/],
    ['swap', [{ x: 1, yPos: 2, z: 3 }], 'bad-args', /unknown field z/],
    ['next-color', ['purple'], 'bad-args', /expected one of red, green, blue/],
    ['toggle', [{ delete: true }], 'bad-args', /unknown flag or non-boolean value: delete/],
    ['nope', [], 'no-such-export', /no export 'nope' in shim:values\/api/],
  ];
  for (const [f, args, code, re] of bad) {
    it(`${f}(${JSON.stringify(args).slice(1, -1)}): ${code}`, async () => {
      const run = await call(f, args);
      expect(run.result).toBeUndefined();
      expect(run.errorCode).toBe(code);
      expect(run.error).toMatch(re);
    });
  }

  it('a run past its timeout is killed and reported as such', async () => {
    const run = await runOnWasmtime(component, api('add'), [1, 2], { timeoutMs: 1 });
    expect(run.result).toBeUndefined();
    expect(run.errorCode).toBe('timeout');
    expect(run.error).toMatch(/no result after 1 ms \(killed\)/);
  });

  it('a component with an import nobody serves fails to instantiate, with Wasmtime\'s reason', async () => {
    // The runner component without its laundry imports shim:scenarios/laundry.
    const run = await runOnWasmtime(join(packageRoot, 'build', 'component-v2.wasm'), 'control', []);
    expect(run.errorCode).toBe('instantiate');
    expect(run.error).toMatch(/shim:scenarios\/laundry/);
  });

  it('times calls in the adapter\'s loop (C when a compiler is there), and a trap inside the loop is reported as a trap', async () => {
    const ok = await runOnWasmtime(component, api('add'), [20, 22], { bench: { samples: 3, iterations: 200 } });
    expect(ok.result).toEqual([42]);
    expect(ok.bench!.ns_per_call).toHaveLength(3);
    expect(ok.bench!.ns_per_call.every((ns) => ns > 0)).toBe(true);
    const hasCc = ['cc', 'gcc', 'clang'].some((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
    expect(ok.bench!.loop).toBe(hasCc ? 'c' : 'python');
    // echo's bump allocator never frees: 64 KiB of memory runs out after about 13,000 calls of 5 bytes.
    const spent = await runOnWasmtime(component, api('echo'), ['12345'], { bench: { samples: 1, iterations: 20_000 } });
    expect(spent.result).toBeUndefined();
    expect(spent.trap!.message).toMatch(/realloc return: beyond end of memory/);
  });

  // jco's runner passes --args to the bindings as parsed JSON, so a 64-bit
  // argument written as {"bigint": …} (JSON has no BigInt) reaches jco as an object: left out here.
  it('the embedded host, jco and Wasmtime agree on every value', async () => {
    for (const [f, args] of cases.filter(([, a]) => !JSON.stringify(a).includes('bigint'))) {
      const c = await compare(WAT, { invoke: api(f), args: JSON.stringify(args) });
      expect(c.agree, JSON.stringify(c, null, 2)).toBe(true);
      expect(c.hosts.map((h) => h.host)).toEqual(['embedded', 'jco', 'wasmtime']);
      expect(c.hosts.every((h) => h.status === 'result' || (f === 'checked' && h.signature === 'error too big'))).toBe(true);
    }
  }, 120_000);

  it('the embedded host and Wasmtime agree on 64-bit arguments written as {"bigint": …}', async () => {
    const c = await compare(WAT, { invoke: api('negate'), args: '[{"bigint":"-9223372036854775807"}]', hosts: ['embedded', 'wasmtime'] });
    expect(c.agree, JSON.stringify(c, null, 2)).toBe(true);
    expect(c.hosts.map((h) => h.result)).toEqual([[{ bigint: '9223372036854775807' }], [{ bigint: '9223372036854775807' }]]);
  });
});
