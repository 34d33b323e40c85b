/**
 * The embedded host's side of `compare` for a component: host/component's
 * loader (decode, validate, instantiate on host/canon's Store), called
 * through its typed JS API, in this process.
 *
 * WASI: host/wasi's `WasiHost` (0.2 and 0.3), with stdout and stderr
 * captured; an import it does not serve fails the instantiation with the
 * loader's ComponentLinkError, reported as such.
 *
 * Values: `compare` takes and shows values in jco's JSON form; the component
 * host's JS values differ only where JSON cannot carry them, so arguments are
 * converted by the parameter types (`fromJsonArg`, as `run` does: s64/u64 from
 * a number, a decimal string or `{"bigint": …}`; option: `null` to undefined) and results back (BigInt to
 * `{"bigint": …}`, typed arrays to arrays, undefined to null).
 *
 * It runs in this process, so `--timeout` does not apply to it: a blocked
 * call is reported by the store (`deadlock`), but a guest that loops forever
 * without returning to the host would hold `compare` with it.
 */
import { Trap } from '../canon/errors.js';
import { ComponentCallError, ComponentResultError, loadComponent, type ComponentInstanceApi } from '../component/api.js';
import { fromJsonArg } from './run-embedded-component.js';
import { Store } from '../canon/store.js';
import { WasiHost } from '../wasi/index.js';
import { abortMessages } from '../jco/run.js';
import { embeddedImports, type ImportCall, type ResolvedImport } from './import-spec.js';

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
  /** The calls of the import spec's functions, in order (with an import spec). */
  calls?: ImportCall[];
}

/**
 * A returned stream read to its end: `{ "stream": [elements] }`, the form
 * every host of `compare` gives a stream result (jco's runner reads its
 * stream the same way; Wasmtime's C API has no stream values).
 */
export async function drainStream(v: unknown): Promise<unknown> {
  const items: unknown[] = [];
  for await (const chunk of v as AsyncIterable<unknown>) {
    if (ArrayBuffer.isView(chunk) || Array.isArray(chunk)) for (const x of Array.from(chunk as ArrayLike<unknown>)) items.push(toJson(x));
    else items.push(toJson(chunk));
  }
  return { stream: items };
}

const isAsyncIterable = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';

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
export async function runOnEmbeddedComponent(bytes: Uint8Array, exportName: string, args: unknown[], spec?: readonly ResolvedImport[]): Promise<EmbeddedComponentRun> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('utf8');
  const store = new Store();
  const wasi = new WasiHost({
    store,
    stdout: (b: Uint8Array) => void out.push(b.slice()),
    stderr: (b: Uint8Array) => void err.push(b.slice()),
  });
  const calls: ImportCall[] = [];
  const run = (r: Omit<EmbeddedComponentRun, 'stdout' | 'stderr'>): EmbeddedComponentRun => ({ ...r, stdout: text(out), stderr: text(err), ...(spec ? { calls } : {}) });
  let inst: ComponentInstanceApi;
  try {
    const loaded = loadComponent(bytes);
    const custom = spec ? embeddedImports(spec, loaded.imports, toJson, fromJsonArg, calls) : {};
    inst = loaded.instantiate({ ...wasi.imports, ...custom }, { store });
  } catch (e) {
    return run({ error: `cannot instantiate: ${(e as Error).message}` });
  }
  const fn = exportFn(inst, exportName);
  const func = inst.func(exportName);
  if (!fn || !func) return run({ error: `the component has no export '${exportName}'` });
  const params = func.ft.params;
  const t0 = performance.now();
  try {
    const v = await fn(...args.map((a, i) => fromJsonArg(params[i]?.[1], a)));
    const callMs = performance.now() - t0;
    return run({ result: v === undefined ? [] : [isAsyncIterable(v) ? await drainStream(v) : toJson(v)], callMs });
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
