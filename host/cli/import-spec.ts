/**
 * Import specs: a declarative description of a component's custom host
 * imports, served identically by the three hosts of `compare` (the embedded
 * host here, jco's runner in host/jco/jspi-runner.mjs, the Wasmtime adapter
 * in host/wasmtime/adapter.py), so that a component importing, say, a `host`
 * interface runs everywhere and the outcomes compare.
 *
 * The file (`compare --imports spec.json`) is one JSON object. Each key names
 * one imported function: `iface#name` for function `name` of the imported
 * instance `iface` (`host#add`, `shim:demo/api@0.1.0#greet`), or `name` for a
 * function imported at the component's root. Each value is one behaviour:
 *
 *     { "result": V }   return V (jco's JSON form, as --args; omitted or
 *                       null for a function without result; for a
 *                       `result<T, E>` the tagged form {"tag": "ok"|"err", "val": …})
 *     { "echo": i }     return argument i (0-based) unchanged
 *     { "trap": "text" } fail the call with this text (the host function
 *                       throws; Wasmtime's callback returns an error)
 *
 * Every call of a function the spec names is recorded, in order, as
 * `[key, [args…]]` with the arguments in the same JSON form: each host
 * reports that log, and `compare` compares it with the outcome.
 *
 * WASI imports stay served by each host's own WASI; an import the spec does
 * not name and the host's WASI does not serve is an instantiation error, as
 * without a spec.
 */
import type { ExternType, FuncType, ValType } from '../component/types.js';
import { RunError } from './errors.js';

export type ImportBehaviour = { result: unknown } | { echo: number } | { trap: string };

export interface ImportSpec {
  readonly [key: string]: ImportBehaviour;
}

/** One entry resolved against the component's import types (what every host is given). */
export interface ResolvedImport {
  /** The spec's key: `iface#name` or `name`. */
  key: string;
  /** The imported instance's name, or null for a root function import. */
  instance: string | null;
  /** The function's name in WIT (kebab-case). */
  name: string;
  behaviour: ImportBehaviour;
  /** The function's result is a `result<T, E>` (jco's and the embedded host's convention: return T, throw {payload: E}). */
  resultIsResult: boolean;
}

/** One recorded call: the spec's key and the arguments in jco's JSON form. */
export type ImportCall = [string, unknown[]];

const bad = (msg: string): never => {
  throw new RunError('bad-imports', `--imports: ${msg}`);
};

/** Parses and checks an import spec (the JSON text of the file). Throws RunError `bad-imports`. */
export function parseImportSpec(text: string): ImportSpec {
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    return bad(`not JSON: ${(e as Error).message}`);
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return bad('the spec is a JSON object: { "iface#name": { "result" | "echo" | "trap": … }, … }');
  for (const [key, b] of Object.entries(spec as Record<string, unknown>)) {
    if (!/^[^#]+(#[^#]+)?$/.test(key)) bad(`key ${JSON.stringify(key)} is not "iface#name" or "name"`);
    if (b === null || typeof b !== 'object' || Array.isArray(b)) bad(`${key}: a behaviour is an object with one of result, echo, trap`);
    const ks = Object.keys(b as object);
    if (ks.length !== 1 || !['result', 'echo', 'trap'].includes(ks[0]!)) bad(`${key}: a behaviour has exactly one of result, echo, trap (got ${ks.join(', ') || 'nothing'})`);
    const v = (b as Record<string, unknown>)[ks[0]!];
    if (ks[0] === 'echo' && !(Number.isInteger(v) && (v as number) >= 0)) bad(`${key}: echo takes an argument index (an integer ≥ 0)`);
    if (ks[0] === 'trap' && typeof v !== 'string') bad(`${key}: trap takes the failure's text (a string)`);
  }
  return spec as ImportSpec;
}

const splitKey = (key: string): [string | null, string] => {
  const i = key.lastIndexOf('#');
  return i < 0 ? [null, key] : [key.slice(0, i), key.slice(i + 1)];
};

/**
 * Resolves a spec against the component's imports (the embedded loader's
 * types): every key must name an imported function, echo's index must be
 * one of its parameters with the result's type, and a fixed result must fit
 * the result type (checkSpecValue). Without import types (a component the loader cannot
 * read) the entries are resolved by name only.
 */
export function resolveImportSpec(spec: ImportSpec, imports?: readonly { name: string; t: ExternType }[]): ResolvedImport[] {
  return Object.entries(spec).map(([key, behaviour]) => {
    const [instance, name] = splitKey(key);
    let ft: FuncType | undefined;
    if (imports) {
      const root = imports.find((d) => d.name === (instance ?? name));
      if (!root) bad(`${key}: the component imports no ${instance === null ? 'function' : 'instance'} "${instance ?? name}" (imports: ${imports.map((d) => d.name).join(', ') || 'none'})`);
      if (instance === null) {
        if (root!.t.kind !== 'func') bad(`${key}: import "${name}" is a ${root!.t.kind}, not a function`);
        ft = (root!.t as { type: FuncType }).type;
      } else {
        if (root!.t.kind !== 'instance') bad(`${key}: import "${instance}" is a ${root!.t.kind}, not an instance`);
        const d = root!.t.kind === 'instance' ? root!.t.type.exports.find((e) => e.name === name) : undefined;
        if (!d || d.t.kind !== 'func') bad(`${key}: instance "${instance}" has no function "${name}"`);
        ft = (d!.t as { type: FuncType }).type;
      }
      if ('echo' in behaviour && behaviour.echo >= ft!.params.length) bad(`${key}: echo ${behaviour.echo}, but the function takes ${ft!.params.length} argument(s)`);
      if ('echo' in behaviour && ft!.result !== undefined && !sameType(ft!.params[behaviour.echo]![1], ft!.result)) {
        bad(`${key}: echo ${behaviour.echo} returns parameter '${ft!.params[behaviour.echo]![0]}', whose type is not the result's`);
      }
      if ('result' in behaviour) {
        if (ft!.result === undefined) {
          if (behaviour.result !== null && behaviour.result !== undefined) bad(`${key}: the function has no result, so "result" is null`);
        } else checkSpecValue(`${key} result`, ft!.result, behaviour.result);
      }
    }
    return { key, instance, name, behaviour, resultIsResult: ft?.result?.kind === 'result' };
  });
}

/** Structural equality of two value types (resource types by identity). */
function sameType(a: ValType, b: ValType): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'own' || a.kind === 'borrow') return a.rt === (b as typeof a).rt;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const same = (x: unknown, y: unknown): boolean => {
    if (x === y) return true;
    if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((e, i) => same(e, y[i]));
    if (x && y && typeof x === 'object' && typeof y === 'object') {
      if ('kind' in x && 'kind' in y) return sameType(x as ValType, y as ValType);
      const kx = Object.keys(x);
      return kx.length === Object.keys(y).length && kx.every((k) => same((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]));
    }
    return false;
  };
  return Object.keys(ra).every((k) => same(ra[k], rb[k]));
}

const camel = (s: string): string => s.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const INT_RANGE: Record<string, [bigint, bigint]> = {
  s8: [-(1n << 7n), (1n << 7n) - 1n], u8: [0n, (1n << 8n) - 1n], s16: [-(1n << 15n), (1n << 15n) - 1n], u16: [0n, (1n << 16n) - 1n],
  s32: [-(1n << 31n), (1n << 31n) - 1n], u32: [0n, (1n << 32n) - 1n], s64: [-(1n << 63n), (1n << 63n) - 1n], u64: [0n, (1n << 64n) - 1n],
};

/**
 * Checks a spec's value against its type, in jco's JSON form (the same rules
 * the Wasmtime adapter's lowering applies), so that every host gets a value
 * it can return: jco would coerce a wrong one (a string to 0 for a u32),
 * the others trap. Throws RunError `bad-imports` naming the place and the type.
 */
export function checkSpecValue(path: string, t: ValType, x: unknown): void {
  const no = (what: string): never => bad(`${path}: ${what} (type ${t.kind})`);
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  switch (t.kind) {
    case 'bool':
      if (typeof x !== 'boolean') no('expected true or false');
      return;
    case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 's64': case 'u64': {
      const raw = isObj(x) && Object.keys(x).length === 1 && typeof x.bigint === 'string' ? x.bigint : x;
      let n: bigint | undefined;
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) n = BigInt(raw);
      else if (typeof raw === 'string' && /^-?\d+$/.test(raw) && raw !== x) n = BigInt(raw);
      if (n === undefined) return no(`expected an integer, got ${JSON.stringify(x)}`);
      const [lo, hi] = INT_RANGE[t.kind]!;
      if (n < lo || n > hi) no(`${n} is out of range ${lo}..${hi}`);
      if ((t.kind === 's64' || t.kind === 'u64') && typeof raw === 'number') no('a 64-bit integer is {"bigint": "<decimal>"} (jco needs a BigInt)');
      return;
    }
    case 'f32': case 'f64':
      if (typeof x !== 'number') no('expected a number');
      return;
    case 'char':
      if (typeof x !== 'string' || [...x].length !== 1) no('expected a string of one character');
      return;
    case 'string':
      if (typeof x !== 'string') no('expected a string');
      return;
    case 'list':
      if (!Array.isArray(x)) return no('expected an array');
      if (t.l !== undefined && x.length !== t.l) no(`expected ${t.l} elements`);
      x.forEach((e, i) => checkSpecValue(`${path}[${i}]`, t.t, e));
      return;
    case 'tuple':
      if (!Array.isArray(x) || x.length !== t.ts.length) return no(`expected an array of ${t.ts.length} values`);
      x.forEach((e, i) => checkSpecValue(`${path}[${i}]`, t.ts[i]!, e));
      return;
    case 'record': {
      if (!isObj(x)) return no(`expected an object with fields ${t.fields.map((f) => camel(f.label)).join(', ')}`);
      for (const f of t.fields) {
        const k: string = camel(f.label) in x ? camel(f.label) : f.label;
        if (!(k in x)) no(`missing field ${camel(f.label)}`);
        checkSpecValue(`${path}.${k}`, f.t, x[k]);
      }
      const extra = Object.keys(x).find((k) => !t.fields.some((f) => f.label === k || camel(f.label) === k));
      if (extra !== undefined) no(`unknown field ${extra}`);
      return;
    }
    case 'variant': {
      const c = isObj(x) ? t.cases.find((k) => k.label === x.tag || camel(k.label) === x.tag) : undefined;
      if (!c) return no(`expected {"tag": one of ${t.cases.map((k) => k.label).join(', ')}, "val": …}`);
      if (c.t) checkSpecValue(`${path}.val`, c.t, (x as Record<string, unknown>).val);
      return;
    }
    case 'enum':
      if (typeof x !== 'string' || !t.labels.some((l) => l === x || camel(l) === x)) no(`expected one of ${t.labels.join(', ')}`);
      return;
    case 'option':
      if (x !== null && x !== undefined) checkSpecValue(`${path}?`, t.t, x);
      return;
    case 'result': {
      if (!isObj(x) || (x.tag !== 'ok' && x.tag !== 'err')) return no('expected {"tag": "ok"|"err", "val": …}');
      const sub = x.tag === 'ok' ? t.ok : t.error;
      if (sub) checkSpecValue(`${path}.val`, sub, x.val);
      return;
    }
    case 'flags':
      if (!isObj(x) || Object.entries(x).some(([k, v]) => typeof v !== 'boolean' || !t.labels.some((l) => l === k || camel(l) === k))) {
        no(`expected an object {flag: true|false} of ${t.labels.join(', ')}`);
      }
      return;
    default:
      no('a resource, stream, future, error-context or map cannot be a spec value');
  }
}

/** The function type an entry names, from the loader's import types. */
export function importFuncType(imports: readonly { name: string; t: ExternType }[], r: ResolvedImport): FuncType | undefined {
  const root = imports.find((d) => d.name === (r.instance ?? r.name));
  if (!root) return undefined;
  if (r.instance === null) return root.t.kind === 'func' ? root.t.type : undefined;
  if (root.t.kind !== 'instance') return undefined;
  const d = root.t.type.exports.find((e) => e.name === r.name);
  return d?.t.kind === 'func' ? d.t.type : undefined;
}

/** The JS error a host throws for `{"trap": text}`: its message is the text alone. */
export class ImportSpecTrap extends Error {
  override name = 'ImportSpecTrap';
}

/**
 * The embedded host's imports for a resolved spec: functions returning the
 * behaviour's value (converted to the API's value form by `fromJson`),
 * every call appended to `log` (arguments through `toJson`).
 */
export function embeddedImports(
  resolved: readonly ResolvedImport[],
  imports: readonly { name: string; t: ExternType }[],
  toJson: (v: unknown) => unknown,
  fromJson: (t: ValType | undefined, v: unknown) => unknown,
  log: ImportCall[],
): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | ((...a: unknown[]) => unknown)> = {};
  for (const r of resolved) {
    const ft = importFuncType(imports, r);
    const fn = (...args: unknown[]): unknown => {
      log.push([r.key, args.map(toJson)]);
      const b = r.behaviour;
      if ('trap' in b) throw new ImportSpecTrap(b.trap);
      if ('echo' in b) return args[b.echo];
      if (r.resultIsResult) {
        const tagged = b.result as { tag?: string; val?: unknown } | null;
        const resultType = ft?.result?.kind === 'result' ? ft.result : undefined;
        if (tagged?.tag === 'err') throw { payload: fromJson(resultType?.error, tagged.val) };
        return fromJson(resultType?.ok, tagged?.val);
      }
      return b.result === null ? undefined : fromJson(ft?.result, b.result);
    };
    if (r.instance === null) out[r.name] = fn;
    else ((out[r.instance] ??= {}) as Record<string, unknown>)[r.name] = fn;
  }
  return out;
}
