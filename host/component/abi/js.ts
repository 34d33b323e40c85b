/**
 * The JS side of lifted and lowered values, in jco's conventions: record
 * field and flag names in lowerCamelCase, variant and enum labels as written
 * in WIT, `option<T>` as `T | undefined` unless `T` itself can be
 * `undefined` (then `{ tag: 'none' } | { tag: 'some', val }`), `result` as
 * `{ tag: 'ok' | 'err', val }`, lists of numbers as typed arrays.
 */
import type { ValType } from '../types.js';

const camelCache = new Map<string, string>();

/**
 * A WIT name (kebab-case words, each all-lowercase or all-uppercase) in
 * lowerCamelCase, as jco names record fields and flags:
 * `get-HTTP-header` -> `getHttpHeader`.
 */
export function toLowerCamelCase(name: string): string {
  let c = camelCache.get(name);
  if (c !== undefined) return c;
  const words = name.startsWith('%') ? name.slice(1).split('-') : name.split('-');
  c = words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
  camelCache.set(name, c);
  return c;
}

/**
 * Whether `undefined` can stand for a value of `t` (jco's `maybe_null`):
 * `t` is an option whose payload cannot itself be `undefined`. Such an
 * option's payload, when it is wrapped in another option, uses the tagged form.
 */
export function maybeNull(t: ValType): boolean {
  return t.kind === 'option' && !maybeNull(t.t);
}

/** The typed array class jco uses for a `list<t>` of numbers, if any. */
export type NumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

type TypedArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): NumericArray;
  new (length: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
};

/** jco's `js_array_ty`: the typed array for a list of this element type. */
export function typedArrayFor(t: ValType): TypedArrayCtor | undefined {
  switch (t.kind) {
    case 'u8':
      return Uint8Array as unknown as TypedArrayCtor;
    case 's8':
      return Int8Array as unknown as TypedArrayCtor;
    case 'u16':
      return Uint16Array as unknown as TypedArrayCtor;
    case 's16':
      return Int16Array as unknown as TypedArrayCtor;
    case 'u32':
      return Uint32Array as unknown as TypedArrayCtor;
    case 's32':
      return Int32Array as unknown as TypedArrayCtor;
    case 'u64':
      return BigUint64Array as unknown as TypedArrayCtor;
    case 's64':
      return BigInt64Array as unknown as TypedArrayCtor;
    case 'f32':
      return Float32Array as unknown as TypedArrayCtor;
    case 'f64':
      return Float64Array as unknown as TypedArrayCtor;
    default:
      return undefined;
  }
}

/** Typed arrays share the memory's byte order only on little-endian hosts. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A lifted `map<K, V>` is a plain `Map`. definitions.py despecializes a map
 * to `list<tuple<K, V>>`, so a map with a repeated key is a value too, but a
 * `Map` keeps only the last entry of each key: for such a map the lifted
 * list is kept beside it, and lowering the `Map` again while it still holds
 * exactly what was lifted stores that list (a map passed on, e.g. from one
 * component to another, keeps every entry). A `Map` changed since stores its
 * own entries.
 */
const liftedMapLists = new WeakMap<Map<unknown, unknown>, readonly (readonly [unknown, unknown])[]>();

/** The `Map` of lifted map entries (see `liftedMapLists`). */
export function mapOfEntries(entries: readonly (readonly [unknown, unknown])[]): Map<unknown, unknown> {
  const m = new Map<unknown, unknown>();
  for (const [k, v] of entries) m.set(k, v);
  if (m.size !== entries.length) liftedMapLists.set(m, entries);
  return m;
}

/** The entries to lower for `m`: its lifted list while `m` is unchanged, else its own entries. */
export function entriesOfMap(m: Map<unknown, unknown>): unknown[][] {
  const lifted = liftedMapLists.get(m);
  if (lifted !== undefined) {
    const last = new Map<unknown, unknown>();
    for (const [k, v] of lifted) last.set(k, v);
    let same = last.size === m.size;
    if (same) for (const [k, v] of last) if (!m.has(k) || !Object.is(m.get(k), v)) { same = false; break; }
    if (same) return lifted as unknown as unknown[][];
    liftedMapLists.delete(m);
  }
  return [...m.entries()];
}

/** A short description of a JS value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return v.length > 40 ? `string ${JSON.stringify(v.slice(0, 40))}...` : `string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (typeof v === 'bigint') return `bigint ${v}n`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (v instanceof Map) return 'Map';
  if (typeof v === 'object') return 'object';
  return typeof v;
}
