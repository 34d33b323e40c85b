/**
 * The typed JS API used wrongly by its caller (not by a guest): arguments of
 * the wrong JS type to `loadComponent`, `instantiate`, `stream`/`future`.
 * Each is a TypeError saying what is expected, thrown before anything is
 * made, never a TypeError from deep inside the host ("Cannot use 'in'
 * operator", "Invalid value used as weak map key"); bytes in any
 * ArrayBuffer view load as the bytes they are.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadComponent } from '../host/component/api.js';
import { ComponentError } from '../host/component/binary/reader.js';
import { wat } from './component-bytes.js';

const here = dirname(fileURLToPath(import.meta.url));
const text = (name: string): string => readFileSync(join(here, 'components', `${name}.wat`), 'utf8');

type Fn = (...a: unknown[]) => Promise<unknown>;

describe('loadComponent', async () => {
  const bytes = await wat(text('resources'));

  it('takes the bytes of any ArrayBuffer view (DataView, Int8Array, Buffer) or an ArrayBuffer', () => {
    const copy = bytes.slice();
    for (const b of [new DataView(copy.buffer), new Int8Array(copy.buffer), Buffer.from(copy), copy.buffer]) {
      expect(loadComponent(b as Uint8Array).exports.map((e) => e.name)).toContain('take');
    }
    // A view at an offset into a larger buffer reads only its own bytes.
    const big = new Uint8Array(bytes.length + 10);
    big.set(bytes, 5);
    expect(loadComponent(new DataView(big.buffer, 5, bytes.length)).exports.length).toBeGreaterThan(0);
  });

  it('anything else is a TypeError naming what it got (not the bytes of an empty or zero-filled array)', () => {
    for (const [v, what] of [[null, 'null'], [undefined, 'undefined'], [5, 'number 5'], ['abc', 'string "abc"'], [{}, 'object']] as const) {
      expect(() => loadComponent(v as unknown as Uint8Array), what).toThrow(new TypeError(`loadComponent takes the component's bytes (a Uint8Array, another ArrayBuffer view or an ArrayBuffer), not ${what}`));
    }
    // Bytes that are not a component are still a ComponentError.
    expect(() => loadComponent(new Uint8Array(5))).toThrow(ComponentError);
  });
});

describe('instantiate, stream, future', async () => {
  const c = loadComponent(await wat(text('resources')));

  it('imports that are not an object, options that are not an object, a store that is not a Store: TypeErrors', () => {
    expect(() => c.instantiate(5 as never)).toThrow(new TypeError('instantiate: the imports are an object of import names, not number 5'));
    expect(() => c.instantiate('x' as never)).toThrow(/^instantiate: the imports are an object of import names, not string "x"$/);
    expect(() => c.instantiate({}, 5 as never)).toThrow(new TypeError('instantiate: the options are an object ({ store, name, jspi }), not number 5'));
    expect(() => c.instantiate({}, { store: {} as never })).toThrow(new TypeError('instantiate: options.store is a Store, not object'));
  });

  it('null imports are no imports, as undefined', async () => {
    const x = c.instantiate(null).exports as Record<string, Fn>;
    expect(await x['drops']!()).toBe(0);
  });

  it('stream(t) and future(t) take a value type or nothing', () => {
    const inst = c.instantiate({});
    expect(() => inst.stream(5 as never)).toThrow(new TypeError("stream(t): t is a value type such as { kind: 'u8' } or { kind: 'string' }, not number 5"));
    expect(() => inst.future('x' as never)).toThrow(/^future\(t\): t is a value type .*, not string "x"$/);
    expect(inst.stream({ kind: 'string' })).toBeDefined();
    expect(inst.future(undefined)).toBeDefined();
  });
});
