/**
 * The embedded host's side of `compare` for a component: host/component's
 * loader (decode, validate, instantiate on host/canon's Store), called
 * through its typed JS API, in this process.
 *
 * WASI: the component host serves no WASI of its own, so this gives the
 * subset the project's components use, as a capturing host: `wasi:io/error`,
 * `wasi:io/streams` (an output-stream with `blocking-write-and-flush`) and
 * `wasi:cli/stdout` / `wasi:cli/stderr`. Other imports are not served (the
 * instantiation fails with the loader's ComponentLinkError, reported as such).
 *
 * Values: `compare` takes and shows values in jco's JSON form; the component
 * host's JS values differ only where JSON cannot carry them, so arguments are
 * converted by the parameter types (s64/u64: a number or `{"bigint": …}` to a
 * BigInt; option: `null` to undefined) and results back (BigInt to
 * `{"bigint": …}`, typed arrays to arrays, undefined to null).
 *
 * It runs in this process, so `--timeout` does not apply to it: a blocked
 * call is reported by the store (`deadlock`), but a guest that loops forever
 * without returning to the host would hold `compare` with it.
 */
import { Trap } from '../canon/errors.js';
import { ComponentCallError, ComponentResultError, loadComponent, type ComponentInstanceApi } from '../component/api.js';
import type { ValType } from '../component/types.js';
import { abortMessages } from '../jco/run.js';

export interface EmbeddedComponentRun {
  /** The export's results as a list (none or one value), in jco's JSON form. */
  result?: unknown[];
  trap?: { code: string; message: string };
  /** A top-level result<T, E> came back as err: E's value. */
  err?: unknown;
  /** The host could not run the call: decoding, linking, a refused argument, no such export. */
  error?: string;
  stdout: string;
  stderr: string;
  callMs?: number;
}

/** An output-stream that collects what the guest writes. */
function sink(chunks: Uint8Array[]) {
  return { blockingWriteAndFlush: (bytes: Uint8Array) => void chunks.push(Uint8Array.from(bytes)) };
}

function toJs(t: ValType | undefined, x: unknown): unknown {
  if (t === undefined) return x;
  switch (t.kind) {
    case 's64':
    case 'u64':
      if (typeof x === 'number' && Number.isInteger(x)) return BigInt(x);
      if (x && typeof x === 'object' && typeof (x as { bigint?: unknown }).bigint === 'string') return BigInt((x as { bigint: string }).bigint);
      return x;
    case 'option':
      return x === null || x === undefined ? undefined : toJs(t.t, x);
    case 'list':
      return Array.isArray(x) ? x.map((e) => toJs(t.t, e)) : x;
    case 'tuple':
      return Array.isArray(x) ? x.map((e, i) => toJs(t.ts[i], e)) : x;
    case 'record': {
      if (!x || typeof x !== 'object' || Array.isArray(x)) return x;
      const o = { ...(x as Record<string, unknown>) };
      for (const f of t.fields) {
        const camel = f.label.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
        for (const k of [camel, f.label]) if (k in o) o[k] = toJs(f.t, o[k]);
      }
      return o;
    }
    case 'variant': {
      const v = x as { tag?: unknown; val?: unknown } | null;
      if (!v || typeof v !== 'object' || !('val' in v)) return x;
      const c = t.cases.find((cs) => cs.label === v.tag);
      return { ...v, val: toJs(c?.t, v.val) };
    }
    case 'result': {
      const v = x as { tag?: unknown; val?: unknown } | null;
      if (!v || typeof v !== 'object' || !('val' in v)) return x;
      return { ...v, val: toJs(v.tag === 'ok' ? t.ok : t.error, v.val) };
    }
    default:
      return x;
  }
}

/** A component host value in jco's JSON form. */
export function toJson(v: unknown): unknown {
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (v === undefined) return null;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, toJson);
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

function exportFn(inst: ComponentInstanceApi, name: string): ((...a: unknown[]) => Promise<unknown>) | undefined {
  const hash = name.lastIndexOf('#');
  const holder = hash < 0 ? inst.exports : (inst.exports[name.slice(0, hash)] as Record<string, unknown> | undefined);
  const f = holder?.[hash < 0 ? name : name.slice(hash + 1)];
  return typeof f === 'function' ? (f as (...a: unknown[]) => Promise<unknown>) : undefined;
}

/** Runs one export of a component on the embedded host. Never throws for what the component does. */
export async function runOnEmbeddedComponent(bytes: Uint8Array, exportName: string, args: unknown[]): Promise<EmbeddedComponentRun> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('utf8');
  const wasi = {
    'wasi:io/error': {},
    'wasi:io/streams': {},
    'wasi:cli/stdout': { getStdout: () => sink(out) },
    'wasi:cli/stderr': { getStderr: () => sink(err) },
  };
  const run = (r: Omit<EmbeddedComponentRun, 'stdout' | 'stderr'>): EmbeddedComponentRun => ({ ...r, stdout: text(out), stderr: text(err) });
  let inst: ComponentInstanceApi;
  try {
    const c = loadComponent(bytes);
    inst = c.instantiate(Object.fromEntries(Object.entries(wasi).filter(([k]) => c.imports.some((i) => i.name.replace(/@.*$/, '') === k))));
  } catch (e) {
    return run({ error: `cannot instantiate: ${(e as Error).message}` });
  }
  const fn = exportFn(inst, exportName);
  const func = inst.func(exportName);
  if (!fn || !func) return run({ error: `the component has no export '${exportName}'` });
  const params = func.ft.params;
  const t0 = performance.now();
  try {
    const v = await fn(...args.map((a, i) => toJs(params[i]?.[1], a)));
    return run({ result: v === undefined ? [] : [toJson(v)], callMs: performance.now() - t0 });
  } catch (e) {
    const callMs = performance.now() - t0;
    if (e instanceof ComponentResultError) return run({ err: toJson(e.payload), callMs });
    if (e instanceof ComponentCallError) return run({ error: e.message });
    if (e instanceof Trap) {
      const aborts = abortMessages(text(err));
      return run({ trap: aborts.length ? { code: 'guest-abort', message: aborts.join('\n') } : { code: e.code, message: e.message }, callMs });
    }
    return run({ error: `${(e as Error).name}: ${(e as Error).message}` });
  }
}
