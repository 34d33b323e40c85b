/**
 * Component value constants of the `.wast` format (`u32.const 1`,
 * `str.const "x"`, `list.const ...`, `record.const (field "a" ...)`,
 * `variant.const "c" v?`, `enum.const "c"`, `option.none`, `option.some v`,
 * `result.ok v?`, `result.err v?`, `flags.const "a" ...`, `tuple.const ...`),
 * their JS values for the component host (docs/component-host.md, "Values"),
 * and an exact comparison of a returned JS value against an expected
 * constant, by the function's result type.
 */
import type { ValType } from '../component/types.js';
import { maybeNull, toLowerCamelCase } from '../component/abi/js.js';
import { stringText, type SExpr, type SList, type Pos } from './sexpr.js';

export type NanPattern = 'canonical' | 'arithmetic' | 'any';

export type WastVal =
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'u8' | 'u16' | 'u32' | 's8' | 's16' | 's32'; readonly v: number }
  | { readonly k: 'u64' | 's64'; readonly v: bigint }
  | { readonly k: 'f32' | 'f64'; readonly v: number; readonly nan?: NanPattern }
  | { readonly k: 'char'; readonly v: string }
  | { readonly k: 'string'; readonly v: string }
  | { readonly k: 'list' | 'tuple'; readonly vs: readonly WastVal[] }
  | { readonly k: 'record'; readonly fields: readonly (readonly [string, WastVal])[] }
  | { readonly k: 'variant'; readonly label: string; readonly v: WastVal | undefined }
  | { readonly k: 'enum'; readonly label: string }
  | { readonly k: 'option'; readonly v: WastVal | undefined }
  | { readonly k: 'result'; readonly ok: boolean; readonly v: WastVal | undefined }
  | { readonly k: 'flags'; readonly labels: readonly string[] };

/** A constant the format does not allow, or one that does not fit its type. */
export class WastValueError extends Error {
  constructor(
    readonly rule: 'bad-constant' | 'type-mismatch',
    readonly pos: Pos | undefined,
    detail: string,
  ) {
    super(`[${rule}] ${detail}`);
    this.name = 'WastValueError';
  }
}

const INT_RANGES = {
  u8: [0n, 0xffn],
  s8: [-0x80n, 0x7fn],
  u16: [0n, 0xffffn],
  s16: [-0x8000n, 0x7fffn],
  u32: [0n, 0xffffffffn],
  s32: [-0x80000000n, 0x7fffffffn],
  u64: [0n, 0xffffffffffffffffn],
  s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
} as const;

type IntKind = keyof typeof INT_RANGES;

/** An integer literal of the text format: decimal or 0x hex, optional sign, `_` separators. */
export function parseIntLiteral(text: string): bigint | undefined {
  const m = /^([+-]?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)$/.exec(text);
  if (m === null) return undefined;
  const n = BigInt(m[2]!.replace(/_/g, ''));
  return m[1] === '-' ? -n : n;
}

/** A float literal of the text format: decimal, hex (`0x1.8p3`), `inf`, `nan`, `nan:0x..`; `f32` rounds. */
export function parseFloatLiteral(text: string, bits: 32 | 64): { v: number; nan?: NanPattern } | undefined {
  const m = /^([+-]?)(.*)$/.exec(text)!;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!.replace(/_/g, '');
  if (body === 'inf') return { v: sign * Infinity };
  if (body === 'nan:canonical') return { v: NaN, nan: 'canonical' };
  if (body === 'nan:arithmetic') return { v: NaN, nan: 'arithmetic' };
  if (body === 'nan' || /^nan:0x[0-9a-fA-F]+$/.test(body)) return { v: NaN, nan: 'any' };
  let v: number;
  const hex = /^0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/.exec(body);
  if (hex !== null) {
    const int = hex[1] ?? '';
    const frac = hex[2] ?? '';
    if (int === '' && frac === '') return undefined;
    const mant = BigInt(`0x${int}${frac}` === '0x' ? '0' : `0x${int}${frac}`);
    const exp = Number(hex[3] ?? '0') - 4 * frac.length;
    v = Number(mant) * 2 ** exp;
  } else if (/^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$/.test(body)) {
    v = Number(body);
  } else return undefined;
  v = sign * v;
  return { v: bits === 32 ? Math.fround(v) : v };
}

function bad(s: SExpr, detail: string): never {
  throw new WastValueError('bad-constant', s.start, detail);
}

function atomArg(l: SList, i: number, what: string): string {
  const a = l.items[i];
  if (a?.kind !== 'atom') bad(l, `${what} needs a literal`);
  return a.text;
}

function strArg(l: SList, i: number, what: string): string {
  const a = l.items[i];
  if (a?.kind !== 'string') bad(l, `${what} needs a string`);
  const t = stringText(a);
  if (t === undefined) bad(a, `${what}: the string is not valid UTF-8`);
  return t;
}

/** Parses one constant form (`(u32.const 1)`, `(list.const ...)`, ...). */
export function parseWastVal(s: SExpr): WastVal {
  if (s.kind !== 'list' || s.items[0]?.kind !== 'atom') bad(s, 'expected a (type.const ...) value');
  const l = s;
  const kw = (l.items[0] as { text: string }).text;
  const arity = (n: number) => {
    if (l.items.length !== n + 1) bad(l, `${kw} takes ${n} argument(s)`);
  };
  const rest = () => l.items.slice(1).map(parseWastVal);
  const optPayload = (): WastVal | undefined => {
    if (l.items.length > 2) bad(l, `${kw} takes at most one value`);
    return l.items.length === 2 ? parseWastVal(l.items[1]!) : undefined;
  };
  const ty = kw.endsWith('.const') ? kw.slice(0, -'.const'.length) : kw;
  if (ty in INT_RANGES) {
    arity(1);
    const k = ty as IntKind;
    const n = parseIntLiteral(atomArg(l, 1, kw));
    const [lo, hi] = INT_RANGES[k];
    // The text format also admits the two's-complement spelling of a signed value (s32.const 0xffffffff).
    let v = n;
    if (v !== undefined && k.startsWith('s') && v > hi && v <= hi * 2n + 1n) v -= (hi + 1n) * 2n;
    if (v === undefined || v < lo || v > hi) bad(l, `${kw}: ${atomArg(l, 1, kw)} is not a ${k}`);
    return k === 'u64' || k === 's64' ? { k, v } : { k, v: Number(v) };
  }
  switch (kw) {
    case 'bool.const': {
      arity(1);
      const t = atomArg(l, 1, kw);
      if (t !== 'true' && t !== 'false') bad(l, 'bool.const takes true or false');
      return { k: 'bool', v: t === 'true' };
    }
    case 'f32.const':
    case 'f64.const': {
      arity(1);
      const f = parseFloatLiteral(atomArg(l, 1, kw), kw === 'f32.const' ? 32 : 64);
      if (f === undefined) bad(l, `${kw}: not a float literal`);
      return { k: kw === 'f32.const' ? 'f32' : 'f64', ...f };
    }
    case 'char.const': {
      arity(1);
      const t = strArg(l, 1, kw);
      if ([...t].length !== 1) bad(l, 'char.const takes a string of exactly one character');
      return { k: 'char', v: t };
    }
    case 'str.const':
      arity(1);
      return { k: 'string', v: strArg(l, 1, kw) };
    case 'list.const':
      return { k: 'list', vs: rest() };
    case 'tuple.const':
      return { k: 'tuple', vs: rest() };
    case 'record.const':
      return {
        k: 'record',
        fields: l.items.slice(1).map((f) => {
          if (f.kind !== 'list' || f.items[0]?.kind !== 'atom' || f.items[0].text !== 'field' || f.items.length < 3) {
            bad(f, 'a record field is (field "name" value)');
          }
          // The value may be parenthesised, `(field "a" (u8.const 1))`, or bare, `(field "a" u8.const 1)`.
          const v = f.items.length === 3 && f.items[2]!.kind === 'list' ? f.items[2]! : { kind: 'list' as const, items: f.items.slice(2), start: f.items[2]!.start, end: f.end };
          return [strArg(f, 1, 'field'), parseWastVal(v)] as const;
        }),
      };
    case 'variant.const': {
      if (l.items.length < 2 || l.items.length > 3) bad(l, 'variant.const takes a case name and at most one value');
      return { k: 'variant', label: strArg(l, 1, kw), v: l.items.length === 3 ? parseWastVal(l.items[2]!) : undefined };
    }
    case 'enum.const':
      arity(1);
      return { k: 'enum', label: strArg(l, 1, kw) };
    case 'option.none':
      arity(0);
      return { k: 'option', v: undefined };
    case 'option.some':
      arity(1);
      return { k: 'option', v: parseWastVal(l.items[1]!) };
    case 'result.ok':
      return { k: 'result', ok: true, v: optPayload() };
    case 'result.err':
      return { k: 'result', ok: false, v: optPayload() };
    case 'flags.const':
      return { k: 'flags', labels: l.items.slice(1).map((_, i) => strArg(l, i + 1, kw)) };
    default:
      bad(l, `unknown value form ${kw}`);
  }
}

/** The constant in the format's spelling (for messages). */
export function showWastVal(w: WastVal): string {
  switch (w.k) {
    case 'bool':
      return `(bool.const ${w.v})`;
    case 'f32':
    case 'f64':
      return `(${w.k}.const ${w.nan === 'canonical' ? 'nan:canonical' : w.nan === 'arithmetic' ? 'nan:arithmetic' : showNum(w.v)})`;
    case 'char':
    case 'string':
      return `(${w.k === 'char' ? 'char' : 'str'}.const ${JSON.stringify(w.v)})`;
    case 'list':
    case 'tuple':
      return `(${w.k}.const${w.vs.map((v) => ` ${showWastVal(v)}`).join('')})`;
    case 'record':
      return `(record.const${w.fields.map(([n, v]) => ` (field ${JSON.stringify(n)} ${showWastVal(v)})`).join('')})`;
    case 'variant':
      return `(variant.const ${JSON.stringify(w.label)}${w.v ? ` ${showWastVal(w.v)}` : ''})`;
    case 'enum':
      return `(enum.const ${JSON.stringify(w.label)})`;
    case 'option':
      return w.v === undefined ? '(option.none)' : `(option.some ${showWastVal(w.v)})`;
    case 'result':
      return `(result.${w.ok ? 'ok' : 'err'}${w.v ? ` ${showWastVal(w.v)}` : ''})`;
    case 'flags':
      return `(flags.const${w.labels.map((n) => ` ${JSON.stringify(n)}`).join('')})`;
    default:
      return `(${w.k}.const ${String(w.v)})`;
  }
}

function showNum(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return Object.is(v, -0) ? '-0' : String(v);
}

function mismatch(t: ValType, w: WastVal): never {
  throw new WastValueError('type-mismatch', undefined, `${showWastVal(w)} is not a value of type ${showType(t)}`);
}

/** A short spelling of a value type, for messages. */
export function showType(t: ValType): string {
  switch (t.kind) {
    case 'list':
      return `list<${showType(t.t)}>`;
    case 'option':
      return `option<${showType(t.t)}>`;
    case 'tuple':
      return `tuple<${t.ts.map(showType).join(', ')}>`;
    case 'result':
      return `result<${t.ok ? showType(t.ok) : '_'}, ${t.error ? showType(t.error) : '_'}>`;
    case 'record':
      return `record { ${t.fields.map((f) => f.label).join(', ')} }`;
    case 'variant':
      return `variant { ${t.cases.map((c) => c.label).join(', ')} }`;
    case 'enum':
    case 'flags':
      return `${t.kind} { ${t.labels.join(', ')} }`;
    default:
      return t.kind;
  }
}

/** The JS argument for constant `w` of type `t` (the host API's value convention). */
export function toJs(t: ValType, w: WastVal): unknown {
  switch (t.kind) {
    case 'bool':
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32':
    case 'u64':
    case 's64':
    case 'char':
    case 'string':
      if (w.k !== t.kind) mismatch(t, w);
      return w.v;
    case 'f32':
    case 'f64':
      if (w.k !== t.kind) mismatch(t, w);
      return w.v;
    case 'list':
      if (w.k !== 'list' || (t.l !== undefined && w.vs.length !== t.l)) mismatch(t, w);
      return w.vs.map((v) => toJs(t.t, v));
    case 'tuple':
      if (w.k !== 'tuple' || w.vs.length !== t.ts.length) mismatch(t, w);
      return w.vs.map((v, i) => toJs(t.ts[i]!, v));
    case 'record': {
      if (w.k !== 'record' || w.fields.length !== t.fields.length) mismatch(t, w);
      const o: Record<string, unknown> = {};
      t.fields.forEach((f, i) => {
        const [n, v] = w.fields[i]!;
        if (n !== f.label) mismatch(t, w);
        o[toLowerCamelCase(f.label)] = toJs(f.t, v);
      });
      return o;
    }
    case 'variant': {
      if (w.k !== 'variant') mismatch(t, w);
      const c = t.cases.find((x) => x.label === w.label);
      if (c === undefined || (c.t === undefined) !== (w.v === undefined)) mismatch(t, w);
      return { tag: c.label, val: c.t === undefined ? undefined : toJs(c.t, w.v!) };
    }
    case 'enum':
      if (w.k !== 'enum' || !t.labels.includes(w.label)) mismatch(t, w);
      return w.label;
    case 'option':
      if (w.k !== 'option') mismatch(t, w);
      if (maybeNull(t)) return w.v === undefined ? undefined : toJs(t.t, w.v);
      return w.v === undefined ? { tag: 'none' } : { tag: 'some', val: toJs(t.t, w.v) };
    case 'result': {
      if (w.k !== 'result') mismatch(t, w);
      const pt = w.ok ? t.ok : t.error;
      if ((pt === undefined) !== (w.v === undefined)) mismatch(t, w);
      return { tag: w.ok ? 'ok' : 'err', val: pt === undefined ? undefined : toJs(pt, w.v!) };
    }
    case 'flags': {
      if (w.k !== 'flags' || w.labels.some((n) => !t.labels.includes(n))) mismatch(t, w);
      const o: Record<string, boolean> = {};
      for (const n of t.labels) o[toLowerCamelCase(n)] = w.labels.includes(n);
      return o;
    }
    default:
      throw new WastValueError('type-mismatch', undefined, `the script format has no constants of type ${t.kind}`);
  }
}

/** A returned JS value of type `t` in the format's spelling (for messages; NaN shows as `nan`). */
export function showJs(t: ValType, v: unknown): string {
  try {
    return showWastVal(fromJs(t, v));
  } catch {
    return `<${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v)} as ${showType(t)}>`;
  }
}

/** A returned JS value of type `t` as a constant (the inverse of `toJs`). */
export function fromJs(t: ValType, v: unknown): WastVal {
  const fail = (): never => {
    throw new WastValueError('type-mismatch', undefined, `the host returned ${String(v)} for a ${showType(t)}`);
  };
  switch (t.kind) {
    case 'bool':
      if (typeof v !== 'boolean') fail();
      return { k: 'bool', v: v as boolean };
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32':
      if (typeof v !== 'number' || !Number.isInteger(v)) fail();
      return { k: t.kind, v: v as number };
    case 'u64':
    case 's64':
      if (typeof v !== 'bigint') fail();
      return { k: t.kind, v: v as bigint };
    case 'f32':
    case 'f64':
      if (typeof v !== 'number') fail();
      return { k: t.kind, v: v as number };
    case 'char':
    case 'string':
      if (typeof v !== 'string') fail();
      return { k: t.kind, v: v as string };
    case 'list': {
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) fail();
      const xs = Array.from(v as ArrayLike<unknown>);
      return { k: 'list', vs: xs.map((x) => fromJs(t.t, x)) };
    }
    case 'tuple':
      if (!Array.isArray(v) || v.length !== t.ts.length) fail();
      return { k: 'tuple', vs: (v as unknown[]).map((x, i) => fromJs(t.ts[i]!, x)) };
    case 'record': {
      if (typeof v !== 'object' || v === null) fail();
      const o = v as Record<string, unknown>;
      return { k: 'record', fields: t.fields.map((f) => [f.label, fromJs(f.t, o[toLowerCamelCase(f.label)])] as const) };
    }
    case 'variant': {
      const o = v as { tag?: unknown; val?: unknown } | null;
      const c = t.cases.find((x) => x.label === o?.tag);
      if (c === undefined) fail();
      return { k: 'variant', label: c!.label, v: c!.t === undefined ? undefined : fromJs(c!.t, o!.val) };
    }
    case 'enum':
      if (typeof v !== 'string' || !t.labels.includes(v)) fail();
      return { k: 'enum', label: v as string };
    case 'option': {
      if (maybeNull(t)) return { k: 'option', v: v === undefined ? undefined : fromJs(t.t, v) };
      const o = v as { tag?: unknown; val?: unknown } | null;
      if (o?.tag === 'none') return { k: 'option', v: undefined };
      if (o?.tag !== 'some') fail();
      return { k: 'option', v: fromJs(t.t, o!.val) };
    }
    case 'result': {
      const o = v as { tag?: unknown; val?: unknown } | null;
      if (o?.tag !== 'ok' && o?.tag !== 'err') fail();
      const pt = o!.tag === 'ok' ? t.ok : t.error;
      return { k: 'result', ok: o!.tag === 'ok', v: pt === undefined ? undefined : fromJs(pt, o!.val) };
    }
    case 'flags': {
      if (typeof v !== 'object' || v === null) fail();
      const o = v as Record<string, unknown>;
      return { k: 'flags', labels: t.labels.filter((n) => o[toLowerCamelCase(n)] === true) };
    }
    default:
      throw new WastValueError('type-mismatch', undefined, `the script format has no constants of type ${t.kind}`);
  }
}

/**
 * Whether `actual` is exactly `expected`: integers and strings equal, floats
 * bit-equal as JS can see them (`-0` is not `0`; any `nan` pattern matches
 * any NaN, since lifting canonicalizes NaNs), lists element-wise, records
 * field by field, flags as sets.
 */
export function wastValEqual(expected: WastVal, actual: WastVal): boolean {
  if (expected.k !== actual.k) return false;
  switch (expected.k) {
    case 'f32':
    case 'f64': {
      const a = (actual as { v: number }).v;
      if (expected.nan !== undefined || Number.isNaN(expected.v)) return Number.isNaN(a);
      return Object.is(expected.v, a);
    }
    case 'list':
    case 'tuple': {
      const b = (actual as { vs: readonly WastVal[] }).vs;
      return expected.vs.length === b.length && expected.vs.every((v, i) => wastValEqual(v, b[i]!));
    }
    case 'record': {
      const b = (actual as { fields: readonly (readonly [string, WastVal])[] }).fields;
      return expected.fields.length === b.length && expected.fields.every(([n, v], i) => b[i]![0] === n && wastValEqual(v, b[i]![1]));
    }
    case 'variant':
    case 'option':
    case 'result': {
      const b = actual as typeof expected;
      if (expected.k === 'variant' && expected.label !== (b as { label: string }).label) return false;
      if (expected.k === 'result' && expected.ok !== (b as { ok: boolean }).ok) return false;
      if (expected.v === undefined || b.v === undefined) return expected.v === b.v;
      return wastValEqual(expected.v, b.v);
    }
    case 'enum':
      return expected.label === (actual as { label: string }).label;
    case 'flags': {
      const b = (actual as { labels: readonly string[] }).labels;
      return expected.labels.length === b.length && expected.labels.every((n) => b.includes(n));
    }
    default:
      return expected.v === (actual as { v: unknown }).v;
  }
}
