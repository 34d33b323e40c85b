/**
 * Core values on the command line: `--args` read and checked against the
 * export's core type, results printed exactly.
 *
 * Printing (the same rule in results, in `--json` and in the trace's
 * built-in calls):
 * - i32 and i64 are printed unsigned, as definitions.py holds core values
 *   (i32 0 … 4294967295, i64 0 … 18446744073709551615), so a handle, a
 *   pointer or BLOCKED reads the same everywhere; `(i32.const -1)` prints 4294967295.
 * - in JSON, i32 is a number; i64 is always a decimal string ("9007199254740993"),
 *   since a JSON number is read as a double and loses integers above 2^53.
 * - f32 and f64 are printed as the shortest decimal that reads back as the
 *   same value; NaN, Infinity and -Infinity are the strings "NaN",
 *   "Infinity" and "-Infinity" in JSON (bare in text); -0 stays -0. A NaN's
 *   payload bits are not shown.
 * - a value whose type is unknown (no binary to read it from) is printed
 *   by its JS type: bigint as i64, number as a float.
 */
import { RunError } from './errors.js';
import type { FlatValue, FuncType, ValType } from '../canon/index.js';

/** The JSON form of one core value (see the module doc). */
export function jsonValue(v: FlatValue, t?: ValType): number | string {
  if (typeof v === 'bigint' || t === 'i64') return BigInt.asUintN(64, BigInt(v)).toString();
  if (t === 'i32') return v >>> 0;
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** The text form of one core value: as in JSON, without quotes. */
export function textValue(v: FlatValue, t?: ValType): string {
  const j = jsonValue(v, t);
  if (typeof j === 'number') return Object.is(j, -0) ? '-0' : String(j);
  return j;
}

/** `[1,18446744073709551615,NaN]` */
export function textValues(vs: readonly FlatValue[], types?: readonly ValType[]): string {
  return `[${vs.map((v, i) => textValue(v, types?.[i])).join(',')}]`;
}

const NEG_ZERO = '\u0000-0\u0000';

/**
 * JSON.stringify for CLI output: bigint as a decimal string, non-finite
 * numbers as "NaN"/"Infinity"/"-Infinity", -0 as -0, a typed array (the
 * API's `list<u8>`, `list<f32>`, …) as a JSON array. `indent` 0 gives one
 * line with no spaces (the `result:` lines).
 */
export function stringifyJson(value: unknown, indent = 2): string {
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>);
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return 'NaN';
      if (v === Infinity) return 'Infinity';
      if (v === -Infinity) return '-Infinity';
      if (Object.is(v, -0)) return NEG_ZERO;
    }
    return v;
  }, indent);
  return text.split(JSON.stringify(NEG_ZERO)).join('-0');
}

const F32_MAX = 3.4028234663852886e38;

/** "NaN", "Infinity", "-Infinity" (and "nan", "inf", "-inf"): the float JSON cannot write, as the CLI prints it. */
export function special(s: string): number | undefined {
  const m = /^([+-]?)(nan|inf|infinity)$/i.exec(s.trim());
  if (!m) return undefined;
  if (m[2]!.toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

/** One `--args` value as the core value of type `t`; a RunError naming the position and the rule otherwise. */
export function coreArg(v: unknown, t: ValType, index: number): FlatValue {
  const where = `--args[${index}] (${t})`;
  const show = typeof v === 'number' ? String(v) : JSON.stringify(v);
  const bad = (why: string): RunError => new RunError('bad-args', `${where}: ${show} ${why}`);
  switch (t) {
    case 'i32': {
      let n: number;
      if (typeof v === 'number') n = v;
      else if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) n = Number(v);
      else throw bad('is not an integer (give i32 as a JSON integer)');
      if (!Number.isInteger(n)) throw bad('is not an integer');
      if (n < -(2 ** 31) || n > 2 ** 32 - 1) throw bad('is out of range for i32 (-2147483648 … 4294967295)');
      return n | 0;
    }
    case 'i64': {
      let b: bigint;
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) throw bad('is not an integer');
        if (!Number.isSafeInteger(v)) throw bad('(as read) is a JSON number beyond ±(2^53-1), where JSON numbers lose integers: give an i64 this large as a decimal string, e.g. "9007199254740993"');
        b = BigInt(v);
      } else if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) b = BigInt(v.trim());
      else throw bad('is not an integer (give i64 as a JSON integer within ±(2^53-1) or a decimal string)');
      if (b < -(2n ** 63n) || b > 2n ** 64n - 1n) throw bad('is out of range for i64 (-9223372036854775808 … 18446744073709551615)');
      return BigInt.asIntN(64, b);
    }
    case 'f32':
    case 'f64': {
      let n: number | undefined;
      if (typeof v === 'number') n = v;
      else if (typeof v === 'string') n = special(v) ?? (/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v) ? Number(v) : undefined);
      if (typeof v === 'number' && !Number.isFinite(v)) throw new RunError('bad-args', `${where}: a JSON number too large for ${t} (give infinity as "Infinity")`);
      if (n === undefined) throw bad(`is not a number (give ${t} as a JSON number, or "NaN", "Infinity", "-Infinity")`);
      // JSON has no infinity: a number literal that reads as one overflowed f64.
      if (!Number.isFinite(n) && !Number.isNaN(n) && (typeof v === 'number' || special(v as string) === undefined)) throw bad(`is out of range for ${t} (give infinity as "Infinity")`);
      if (Number.isFinite(n) && t === 'f32' && Math.abs(n) > F32_MAX) throw bad('is out of range for f32 (largest 3.4028234663852886e38)');
      // An f32 is the nearest f32 to the number given.
      return t === 'f32' ? Math.fround(n) : n;
    }
    default:
      throw new RunError('bad-args', `${where}: the CLI cannot pass a ${t} value`);
  }
}

/** Parses `--args` (a JSON array) and checks it against the export's parameters. */
export function coreArgs(json: string | undefined, type: FuncType | undefined, exportName: string): FlatValue[] {
  let v: unknown = [];
  if (json !== undefined) {
    try {
      v = JSON.parse(json);
    } catch (e) {
      throw new RunError('bad-args', `--args is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!Array.isArray(v)) throw new RunError('bad-args', '--args must be a JSON array of the flat core arguments, e.g. [1, 2]');
  if (type === undefined) {
    // No types to check against (the binary could not be read): numbers only.
    if (!v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new RunError('bad-args', '--args must be a JSON array of numbers');
    return v as number[];
  }
  const params = type.params;
  if (v.length !== params.length) {
    throw new RunError('bad-args', `export '${exportName}' takes ${params.length} core argument(s) (${params.join(' ') || 'none'}); --args gives ${v.length}`);
  }
  return v.map((x, i) => coreArg(x, params[i]!, i));
}
