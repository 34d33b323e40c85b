/**
 * Value definitions and start functions with arguments and results (🪙 in
 * the explainer): values decoded from a value section by their type
 * (Binary.md `val(t)`), value imports given by the host, a start function
 * called with values and its result put into the value index space, value
 * exports as JS values. jco's text parser has no syntax for value
 * definitions or a start with values, so the component is written in text
 * and those sections are appended as bytes (sections may come in any order).
 */
import { describe, expect, it } from 'vitest';
import { Trap } from '../host/canon/index.js';
import { ComponentCallError, loadComponent } from '../host/component/api.js';
import { ComponentError } from '../host/component/binary/reader.js';
import { leb, section, str, vec, wat } from './component-bytes.js';

const U32 = 0x79;
const STRING = 0x73;
const BOOL = 0x7f;

/** A value definition: its type, then its bytes with their length. */
const value = (type: number[], bytes: number[]): number[] => [...type, ...leb(bytes.length), ...bytes];
/** A start definition: function, argument values, result count. */
const start = (func: number, args: number[], results: number): number[] => [...leb(func), ...vec(args.map((a) => leb(a))), ...leb(results)];
/** An export of value `idx` under `name` (no type ascription). */
const exportValue = (name: string, idx: number): number[] => [0x00, ...str(name), 0x02, ...leb(idx), 0x00];

const BASE = `(component
  (type $r' (record (field "name" string) (field "n-plus" u32)))
  (export $r "r" (type $r')) ;; type 1: named, as an exported value's type must be
  (core module $m
    (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "boom") (param i32) (result i32) unreachable))
  (core instance $i (instantiate $m))
  (func $inc (param "x" u32) (result u32) (canon lift (core func $i "inc")))
  (func $boom (param "x" u32) (result u32) (canon lift (core func $i "boom")))
  (import "x" (value $x u32)))`;

async function withSections(...sections: number[][]): Promise<Uint8Array> {
  const base = await wat(BASE);
  return new Uint8Array([...base, ...sections.flat()]);
}

describe('value definitions and start functions with values', async () => {
  // value 0: the import x; values 1..3 defined; value 4: inc(41); value 5: inc(x).
  const bytes = await withSections(
    section(12, vec([
      value([U32], [...leb(41)]),
      value([STRING], [...str('héllo')]),
      value([0x01 /* type 1: the exported record */], [...str('ab'), ...leb(300)]),
    ])),
    section(9, start(0, [1], 1)),
    section(9, start(0, [0], 1)),
    section(11, vec([exportValue('answer', 4), exportValue('greeting', 2), exportValue('rec', 3), exportValue('from-import', 5)])),
  );

  it('decodes the values by type, runs the start functions with their arguments, and exports the results', () => {
    const c = loadComponent(bytes);
    expect(c.exports.map((d) => d.name)).toEqual(['r', 'answer', 'greeting', 'rec', 'from-import']);
    const x = c.instantiate({ x: 9 }).exports;
    expect(x['answer']).toBe(42);
    expect(x['greeting']).toBe('héllo');
    expect(x['rec']).toEqual({ name: 'ab', nPlus: 300 });
    expect(x['from-import']).toBe(10);
    expect(x['fromImport']).toBe(10);
    // Another instantiation gets its own start results.
    expect(c.instantiate({ x: 99 }).exports['fromImport']).toBe(100);
  });

  it('a value import of the wrong JS type is a ComponentCallError (bad-value); a missing one a link error', () => {
    const c = loadComponent(bytes);
    expect(() => c.instantiate({ x: 'nine' })).toThrow(ComponentCallError);
    expect(() => c.instantiate({ x: -1 })).toThrow(/integer-out-of-range/);
    expect(() => c.instantiate({})).toThrow(/missing-import/);
  });

  it('a start function that traps fails the instantiation with its trap', async () => {
    const c = loadComponent(await withSections(section(12, vec([value([U32], [...leb(1)])])), section(9, start(1, [1], 1))));
    let e: unknown;
    try {
      c.instantiate({ x: 0 });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('wasm-trap');
  });

  it('malformed value bytes are a ComponentError bad-value', async () => {
    const cases: [string, number[]][] = [
      ['a bool of 2', value([BOOL], [0x02])],
      ['a u32 LEB past 32 bits', value([U32], [0xff, 0xff, 0xff, 0xff, 0x7f])],
      ['bytes after the value', value([U32], [0x01, 0x02])],
      ['a string cut short', value([STRING], [0x05, 0x61])],
      ['invalid UTF-8', value([STRING], [0x02, 0xc3, 0x28])],
    ];
    for (const [what, v] of cases) {
      let e: unknown;
      try {
        loadComponent(await withSections(section(12, vec([v]))));
      } catch (err) {
        e = err;
      }
      expect(e, what).toBeInstanceOf(ComponentError);
      expect((e as ComponentError).rule, what).toBe('bad-value');
    }
  });

  it('a start argument of the wrong type is refused by validation (type-mismatch)', async () => {
    let e: unknown;
    try {
      loadComponent(await withSections(section(12, vec([value([STRING], [...str('no')])])), section(9, start(0, [1], 1))));
    } catch (err) {
      e = err;
    }
    expect((e as ComponentError).rule).toBe('type-mismatch');
  });
});
