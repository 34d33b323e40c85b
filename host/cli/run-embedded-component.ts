/**
 * `wasip3-task run <component> --invoke <export> [--args JSON] [--json]` on
 * the embedded component host (the default for components; `--host jco`
 * keeps jco): the component is loaded and instantiated with WASI from
 * host/wasi (stdout and stderr are the process's own, or captured with
 * `--json`), and the export is called through the typed JS API.
 *
 * `--invoke` takes the WIT name: `block-on-stale`, or `iface#name` for an
 * interface function (`shim:scenarios/laundry#launder`). `--args` is a JSON
 * array of the export's arguments in the API's value forms
 * (docs/component-host.md, "Values"), checked against the WIT types before
 * the call; JSON has no bigint, so a `u64`/`s64` is a JSON integer within
 * ±(2^53−1) or a decimal string, and an `option` may be `null` for none.
 *
 * Output: `result: [<JSON>]` (the one value the export returned, `[]` for
 * none; bigint as a decimal string, as everywhere in the CLI) and exit 0; a
 * `result<_, E>` that came back `err` prints `err: <JSON>` and exits 1; a trap
 * prints `trap <code>: <message>` (with the guest's abort text from stderr
 * when it wrote one) and exits 1. With `--json`: one object `{ host, file,
 * export, args, result | err, trap, stdout, stderr }`. Bad usage (no such
 * export, bad `--args`, a component that cannot be linked) is a RunError: exit 2.
 */
import { basename } from 'node:path';
import { Trap } from '../canon/errors.js';
import type { JspiMode } from '../canon/jspi.js';
import { Store } from '../canon/store.js';
import { Trace } from '../trace/trace.js';
import { ComponentCallError, ComponentResultError, loadComponent } from '../component/api.js';
import { ComponentLinkError } from '../component/runtime/instantiate.js';
import { ComponentError } from '../component/binary/reader.js';
import type { ValType } from '../component/types.js';
import { contains } from '../component/abi/layout.js';
import { abortMessages } from '../jco/run.js';
import { WasiHost } from '../wasi/index.js';
import type { Limits } from '../canon/limits.js';
import { RunError } from './errors.js';
import { trapMessage } from './run.js';
import { special, stringifyJson } from './values.js';
import { parseComponentArgs } from './run-component.js';

export interface RunEmbeddedComponentOptions {
  invoke: string;
  args?: string;
  json?: boolean;
  /** The store's deadline in ms (`--timeout`). */
  timeoutMs?: number;
  limits?: Partial<Limits>;
  stdout?: (s: string) => void;
  /** JSPI stack switching (`--jspi`; default auto). */
  jspi?: JspiMode;
  /** Record every canonical built-in call; print the timeline before the result (`events` with --json). */
  trace?: boolean;
}

/** A JSON argument as the API's value of type `t` (bigint from integers, decimal strings or `{ bigint }`, null as none). */
export function fromJsonArg(t: ValType | undefined, x: unknown): unknown {
  if (t === undefined) return x;
  switch (t.kind) {
    case 's64':
    case 'u64':
      if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
      if (typeof x === 'string' && /^-?\d+$/.test(x)) return BigInt(x);
      // jco's JSON form (compare): { "bigint": "123" }
      if (x !== null && typeof x === 'object' && typeof (x as { bigint?: unknown }).bigint === 'string') return BigInt((x as { bigint: string }).bigint);
      return x;
    case 'f32':
    case 'f64':
      // What the CLI prints for these (JSON has no NaN or infinity) reads back.
      return typeof x === 'string' ? (special(x) ?? x) : x;
    case 'option':
      return x === null || x === undefined ? undefined : fromJsonArg(t.t, x);
    case 'list':
      return Array.isArray(x) ? x.map((e) => fromJsonArg(t.t, e)) : x;
    case 'tuple':
      return Array.isArray(x) ? x.map((e, i) => fromJsonArg(t.ts[i], e)) : x;
    case 'record': {
      if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
      const o: Record<string, unknown> = { ...(x as Record<string, unknown>) };
      for (const f of t.fields) {
        const camel = f.label.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
        if (camel in o) o[camel] = fromJsonArg(f.t, o[camel]);
      }
      return o;
    }
    case 'variant':
    case 'result': {
      const v = x as { tag?: unknown; val?: unknown } | null;
      if (v === null || typeof v !== 'object' || !('val' in v)) return x;
      const payload = t.kind === 'variant' ? t.cases.find((c) => c.label === v.tag)?.t : v.tag === 'ok' ? t.ok : t.error;
      return { ...v, val: fromJsonArg(payload, v.val) };
    }
    default:
      return x;
  }
}


/** Runs the call; prints the outcome; resolves with the exit code (0 result, 1 trap or err). */
export async function runEmbeddedComponent(file: string, bytes: Uint8Array, opts: RunEmbeddedComponentOptions): Promise<0 | 1> {
  const print = opts.stdout ?? ((s: string) => void process.stdout.write(s));
  const jsonArgs = parseComponentArgs(opts.args);
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const trace = opts.trace ? new Trace(true) : undefined;
  const store = new Store({ timeoutMs: opts.timeoutMs, limits: opts.limits, ...(opts.jspi === undefined ? {} : { jspi: opts.jspi }), ...(trace ? { trace } : {}) });
  const wasi = new WasiHost({
    store,
    args: [basename(file)],
    stdout: opts.json ? (b: Uint8Array) => void out.push(b.slice()) : 1,
    // stderr is captured as well as passed through: the guest's abort text names the trap.
    stderr: (b: Uint8Array) => {
      err.push(b.slice());
      if (!opts.json) process.stderr.write(b);
    },
  });
  let api;
  try {
    api = loadComponent(bytes).instantiate(wasi.imports, { store, name: basename(file).replace(/\.(wasm|wat)$/, '') });
  } catch (e) {
    if (e instanceof ComponentError) throw new RunError(e.rule, e.message);
    // Linking is part of running it, as a core module's unresolved import or bad signature is: a trap, exit 1.
    if (e instanceof ComponentLinkError) {
      const code = e.rule === 'core-link' ? 'bad-signature' : 'unresolved-import';
      return report({ trap: new Trap(code, { detail: e.message }) });
    }
    if (e instanceof Trap) return report({ trap: e });
    throw e;
  }
  const func = api.func(opts.invoke);
  const [iface, name] = opts.invoke.includes('#') ? opts.invoke.split('#') : [undefined, opts.invoke];
  const holder = iface === undefined ? api.exports : (api.exports[iface!] as Record<string, unknown> | undefined);
  const fn = holder?.[name!] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (func === undefined || typeof fn !== 'function') {
    const names = [...api.root.exports].filter(([, i]) => i.sort === 'func').map(([n]) => n);
    throw new RunError('no-such-export', `${file} has no function export "${opts.invoke}"${names.length ? ` (functions: ${names.join(', ')})` : ''}`);
  }
  for (const [pname, t] of func.ft.params) {
    if (contains(t, (u) => ['own', 'borrow', 'stream', 'future', 'error-context'].includes(u.kind))) {
      throw new RunError('bad-args', `parameter '${pname}' of ${opts.invoke} holds a resource, stream, future or error-context, which --args (JSON) cannot give`);
    }
  }
  const args = jsonArgs.map((a, i) => fromJsonArg(func.ft.params[i]?.[1], a));
  try {
    const v = await fn(...args);
    return report({ result: v === undefined ? [] : [v] });
  } catch (e) {
    if (e instanceof ComponentCallError) throw new RunError('bad-args', e.message);
    if (e instanceof ComponentResultError) return report({ err: e.payload });
    if (e instanceof Trap) return report({ trap: e });
    throw e;
  }

  async function report(r: { result?: unknown[]; err?: unknown; trap?: Trap }): Promise<0 | 1> {
    const stderr = Buffer.concat(err).toString('utf8');
    let events: unknown[] | undefined;
    if (trace) {
      const [{ renderTimeline }, { InvariantChecker }] = await Promise.all([import('../trace/diagram.js'), import('../trace/invariants.js')]);
      const checker = InvariantChecker.check(trace.events);
      if (opts.json) events = trace.events;
      else print(renderTimeline(trace.events, checker.violations, { taskNames: checker.names.asMap() }).map((l) => `${l}\n`).join(''));
    }
    const aborts = abortMessages(stderr);
    const trap = r.trap && {
      code: r.trap.code,
      message: trapMessage(r.trap.code, r.trap.message),
      ...(aborts.length ? { abort: aborts.join('\n') } : {}),
    };
    if (opts.json) {
      print(stringifyJson({
        host: 'embedded', file, export: opts.invoke, args: jsonArgs,
        ...(r.result ? { result: r.result } : {}), ...('err' in r ? { err: r.err } : {}),
        trap: trap ?? null, stdout: Buffer.concat(out).toString('utf8'), stderr,
        ...(events ? { events, ...(trace!.dropped > 0 ? { eventsDropped: trace!.dropped } : {}) } : {}),
      }) + '\n');
    } else if (trap) {
      print(`trap ${trap.code}: ${trap.message}${trap.abort ? ` (after the guest's abort: ${trap.abort})` : ''}\n`);
    } else if ('err' in r) {
      print(`err: ${stringifyJson(r.err, 0)}\n`);
    } else {
      print(`result: ${stringifyJson(r.result, 0)}\n`);
    }
    return r.result ? 0 : 1;
  }
}
