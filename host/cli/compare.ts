/**
 * `wasip3-task compare <file> --invoke <export> [--args JSON] [--json] [--hosts LIST]`:
 * the same call on every host that can run the file, side by side.
 *
 * Hosts: `embedded` (core modules on host/canon; components through
 * host/component's loader, in this process, with the WASI subset of
 * host/cli/compare-embedded.ts), `jco`
 * (components, on the JSPI Node) and `wasmtime` (components, through the
 * project's Wasmtime adapter). A host that is not installed is listed as not
 * run with the reason and how to install it. Each host that ran gives a
 * result or a trap, and the outcomes are compared:
 *
 * - results agree when the result lists are equal as JSON, read the way
 *   jco's bindings give them: jco returns `undefined` both for no result and
 *   for an `option` that is none, so a lone `null` counts as no result; and
 *   jco unwraps a top-level `result<T, E>` (ok: the value; err: a thrown
 *   ComponentError whose message is the payload), so Wasmtime's
 *   `{"tag":"ok","val":v}` compares as `v` and `{"tag":"err","val":e}` as
 *   that error;
 * - traps agree when they name the same thing. Engines word their own traps
 *   differently (Wasmtime: "wasm trap: wasm `unreachable` instruction
 *   executed", jco: "RuntimeError: unreachable", the embedded host: a Trap
 *   code), so what is compared is what the guest says: the task-ABI violation
 *   kind its abort text carries (`violation <kind>: …`, read by
 *   host/jco/scenarios.ts), else its abort text with addresses and source
 *   positions masked (builds place data differently), else only "a trap
 *   without guest text";
 * - a host that could not run the export (timeout, instantiation failure)
 *   disagrees with every outcome.
 *
 * With `--imports spec.json` (an import spec, host/cli/import-spec.ts) the
 * component's custom imports are served by every host the same way, each
 * host's log of those calls is part of what is compared, and a trap raised by
 * a spec's `{"trap": text}` compares as that import's failure, however each
 * engine words it.
 *
 * Output: a table (host, outcome, the call's time where the host measures it
 * apart (jco's runner and the Wasmtime adapter do) and the whole run's wall
 * time: child process, compilation, instantiation, call) and a verdict line; `--json` prints one object
 * `{ file, export, args, agree, hosts: [...] }`. Exit 0 when every host that
 * ran agrees, 1 when they differ, 2 on bad usage (an unknown export on every
 * host, bad --args, no host able to run the file).
 */
import Table from 'cli-table3';
import { abortMessages, runOnJco, JspiNodeMissing } from '../jco/run.js';
import { abortViolationKind } from '../jco/scenarios.js';
import { runOnWasmtime, wasmtimeStatus, type WasmtimeRun } from '../wasmtime/run.js';
import { instanceName, loadWasm, runCoreModule, RunError, wasmKind, type WasmKind } from './run.js';
import { wasmtimeOutcome } from './run-wasmtime.js';
import { parseComponentArgs } from './run-component.js';
import { runOnEmbeddedComponent, toJson } from './compare-embedded.js';
import { parseImportSpec, resolveImportSpec, type ImportCall, type ImportSpec, type ResolvedImport } from './import-spec.js';
import { loadComponent } from '../component/api.js';
import { readFileSync } from 'node:fs';

export const compareHosts = ['embedded', 'jco', 'wasmtime'] as const;
export type CompareHost = (typeof compareHosts)[number];

export interface HostOutcome {
  host: CompareHost;
  /** `result` / `trap`: the host ran the call; `error`: it could not; `not-run`: the host cannot take this file or is not installed. */
  status: 'result' | 'trap' | 'error' | 'not-run';
  result?: unknown[];
  /** `detail`: the engine's whole error text where it has one apart (Wasmtime's error chain). */
  trap?: { code: string; message: string; detail?: string };
  /** Why it did not run, or what went wrong. */
  reason?: string;
  /** What `compare` compares (see the module doc); absent for `not-run`. */
  signature?: string;
  /** The export call alone, as the host measured it (ms). */
  callMs?: number;
  /** The whole run: process start, compile, instantiate, call (ms). */
  wallMs: number;
  stderr?: string;
  /** With an import spec: the calls of its functions this host made, in order. */
  calls?: ImportCall[];
}

export interface Comparison {
  file: string;
  export: string;
  args: unknown[];
  kind: WasmKind;
  agree: boolean;
  hosts: HostOutcome[];
  /** The import spec, resolved against the component's imports. */
  imports?: ResolvedImport[];
}

/** What a trap is compared by: the violation kinds the guest's text names, else that text with addresses masked, else nothing but "trap". */
export function trapSignature(guestText: string | undefined): string {
  if (guestText) {
    const kind = abortViolationKind(guestText);
    if (kind) return `trap naming ${kind}`;
    return `trap: ${guestText.replace(/0x[0-9a-f]+/gi, '0x…').replace(/ at \S+:\d+:\d+/g, '').replace(/\s+/g, ' ').trim()}`;
  }
  return 'trap without guest text';
}

function resultSignature(r: unknown[]): string {
  return `result ${JSON.stringify(r.length === 1 && r[0] === null ? [] : r)}`;
}
const errorSignature = (payload: unknown): string => `error ${typeof payload === 'string' ? payload : JSON.stringify(payload)}`;

/** Whether the embedded host can load this kind of file: core modules (host/canon) and components (host/component). */
export function embeddedCanLoad(kind: WasmKind): boolean {
  return kind === 'core' || kind === 'component';
}

async function onEmbedded(file: string, bytes: Uint8Array, kind: WasmKind, invoke: string, argsJson: string | undefined, args: unknown[], spec?: ResolvedImport[]): Promise<HostOutcome> {
  const t0 = performance.now();
  if (!embeddedCanLoad(kind)) return { host: 'embedded', status: 'not-run', reason: `cannot load a ${kind}`, wallMs: 0 };
  if (kind === 'component') {
    const r = await runOnEmbeddedComponent(bytes, invoke, args, spec);
    const base = { host: 'embedded' as const, callMs: r.callMs, wallMs: performance.now() - t0, stderr: r.stderr, ...(r.calls ? { calls: r.calls } : {}) };
    if (r.error) return { ...base, status: 'error', reason: r.error };
    if (r.trap) return { ...base, status: 'trap', trap: r.trap, signature: trapSignature(r.trap.code === 'guest-abort' ? r.trap.message : undefined) };
    if ('err' in r) return { ...base, status: 'trap', trap: { code: 'component-error', message: String(typeof r.err === 'string' ? r.err : JSON.stringify(r.err)) }, signature: errorSignature(r.err) };
    return { ...base, status: 'result', result: r.result, signature: resultSignature(r.result ?? []) };
  }
  // runCoreModule checks the --args text against the export's core type itself.
  const out = await runCoreModule(bytes, { name: instanceName(file), invoke, args: argsJson, trace: false });
  // runCoreModule compiles, instantiates and calls in one go: there is no call-only time to show.
  const wallMs = performance.now() - t0;
  if (out.trap) {
    const guest = out.trap.code === 'guest-abort' ? out.trap.message.replace(/^\[guest-abort\] guest aborted: /, '') : undefined;
    return { host: 'embedded', status: 'trap', trap: { code: out.trap.code, message: out.trap.message }, signature: trapSignature(guest), wallMs };
  }
  const result = (out.result ?? []).map(toJson); // i64 results are BigInts
  return { host: 'embedded', status: 'result', result, signature: resultSignature(result), wallMs };
}

async function onJco(bytes: Uint8Array, kind: WasmKind, invoke: string, args: unknown[], timeoutMs: number, spec?: ResolvedImport[]): Promise<HostOutcome> {
  if (kind !== 'component') return { host: 'jco', status: 'not-run', reason: 'runs components only', wallMs: 0 };
  const t0 = performance.now();
  let run;
  try {
    run = await runOnJco(bytes, invoke, args, { timeoutMs, imports: spec });
  } catch (e) {
    if (e instanceof JspiNodeMissing) return { host: 'jco', status: 'not-run', reason: e.message, wallMs: 0 };
    return { host: 'jco', status: 'error', reason: (e as Error).message, wallMs: performance.now() - t0 };
  }
  const base = { host: 'jco' as const, callMs: run.callMs, wallMs: run.ms, stderr: run.stderr, ...(run.calls ? { calls: run.calls } : {}) };
  if (run.error) return { ...base, status: 'error', reason: run.error };
  if (run.trap) {
    const aborts = abortMessages(run.stderr);
    if (run.trap.name === 'ComponentError' && !aborts.length) {
      // jco's form of a top-level result's err case.
      return { ...base, status: 'trap', trap: { code: 'component-error', message: run.trap.message }, signature: errorSignature(run.trap.message) };
    }
    const trap = aborts.length
      ? { code: 'guest-abort', message: aborts.join('\n') }
      : { code: 'wasm-trap', message: `${run.trap.name}: ${run.trap.message}` };
    return { ...base, status: 'trap', trap, signature: trapSignature(aborts.length ? aborts.join('\n') : undefined) };
  }
  const result = run.result === undefined || run.result === null ? [] : [run.result];
  return { ...base, status: 'result', result, signature: resultSignature(result) };
}

async function onWasmtime(bytes: Uint8Array, kind: WasmKind, invoke: string, args: unknown[], timeoutMs: number, venv?: string, spec?: ResolvedImport[]): Promise<HostOutcome> {
  if (kind !== 'component') return { host: 'wasmtime', status: 'not-run', reason: 'the adapter runs components only', wallMs: 0 };
  const status = wasmtimeStatus({ venv });
  if (!status.ok) return { host: 'wasmtime', status: 'not-run', reason: status.reason, wallMs: 0 };
  let run: WasmtimeRun;
  try {
    run = await runOnWasmtime(bytes, invoke, args, { timeoutMs, venv, imports: spec });
  } catch (e) {
    return { host: 'wasmtime', status: 'not-run', reason: (e as Error).message, wallMs: 0 };
  }
  const base = { host: 'wasmtime' as const, callMs: run.callMs, wallMs: run.ms, stderr: run.stderr, ...(run.calls ? { calls: run.calls } : {}) };
  if (run.error) return { ...base, status: 'error', reason: `${run.errorCode}: ${run.error}` };
  const o = wasmtimeOutcome(run);
  if (o.trap) {
    const trap = { code: o.trap.code, message: o.trap.message, ...(o.trap.wasmtime?.detail ? { detail: o.trap.wasmtime.detail } : {}) };
    return { ...base, status: 'trap', trap, signature: trapSignature(o.trap.code === 'guest-abort' ? o.trap.message : undefined) };
  }
  const result = o.result ?? [];
  // A top-level result<T, E> read as jco's bindings give it (see the module doc).
  const tagged = result[0] as { tag?: string; val?: unknown } | undefined;
  if (run.signature?.result?.startsWith('result<') && tagged && typeof tagged === 'object') {
    if (tagged.tag === 'err') return { ...base, status: 'result', result, signature: errorSignature(tagged.val) };
    return { ...base, status: 'result', result, signature: resultSignature('val' in tagged ? [tagged.val] : []) };
  }
  return { ...base, status: 'result', result, signature: resultSignature(result) };
}

export interface CompareOptions {
  invoke: string;
  args?: string;
  hosts?: readonly CompareHost[];
  timeoutMs?: number;
  /** The Wasmtime virtual environment (default: host/wasmtime/run.ts's). */
  venv?: string;
  /** Custom imports served alike by every host (host/cli/import-spec.ts). */
  imports?: ImportSpec;
}

/**
 * What a host's outcome is compared by, with an import spec: a trap whose
 * message carries a spec's trap text is that import's failure (each engine
 * wraps a failing host function in its own words), and the log of the spec's
 * calls follows the outcome.
 */
function withSpec(h: HostOutcome, spec: ResolvedImport[]): HostOutcome {
  if (h.status === 'not-run' || h.status === 'error') return h;
  let sig = h.signature;
  if (h.status === 'trap') {
    const text = `${h.trap!.message}\n${h.trap!.detail ?? ''}`;
    const hit = spec.find((r) => 'trap' in r.behaviour && text.includes(r.behaviour.trap));
    if (hit && 'trap' in hit.behaviour) sig = `trap from import ${hit.key}: ${hit.behaviour.trap}`;
  }
  return { ...h, signature: `${sig}; calls ${JSON.stringify(h.calls ?? [])}` };
}

/** Reads and parses an import spec file (`--imports`). Throws RunError `bad-imports`. */
export function readImportSpec(path: string): ImportSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RunError('bad-imports', `--imports: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseImportSpec(text);
}

/**
 * `--args` of the wrong count for the export's type (read by the embedded
 * loader) are bad usage, before any host runs: left to the hosts, jco fills
 * missing arguments with `undefined` (a 0) and the run looks like a difference.
 */
function checkArity(bytes: Uint8Array, invoke: string, args: readonly unknown[]): void {
  let exports;
  try {
    exports = loadComponent(bytes).exports;
  } catch {
    return; // the embedded loader cannot read it: each host reports what it makes of it
  }
  const [a, b] = invoke.includes('#') ? invoke.split('#') : [invoke, undefined];
  const e = exports.find((x) => x.name === a);
  const ext = b === undefined ? e?.t : e?.t.kind === 'instance' ? e.t.type.exports.find((x) => x.name === b)?.t : undefined;
  if (ext?.kind !== 'func') return;
  const ft = ext.type;
  if (args.length !== ft.params.length) {
    throw new RunError('bad-args', `${invoke} takes ${ft.params.length} argument(s) (${ft.params.map(([n]) => n).join(', ')}), --args gives ${args.length}`);
  }
}

/** Runs the call on every host; never prints. Throws RunError on bad usage. */
export async function compare(file: string, opts: CompareOptions): Promise<Comparison> {
  const bytes = await loadWasm(file);
  const kind = wasmKind(bytes);
  const wanted = opts.hosts ?? compareHosts;
  const args = kind === 'component' ? parseComponentArgs(opts.args) : [];
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let spec: ResolvedImport[] | undefined;
  if (opts.imports) {
    if (kind !== 'component') throw new RunError('bad-imports', '--imports: only a component has custom imports');
    let types;
    try {
      types = loadComponent(bytes).imports;
    } catch {
      types = undefined; // the embedded loader cannot read it: resolve by name, the hosts report the rest
    }
    spec = resolveImportSpec(opts.imports, types);
  }
  if (kind === 'component') checkArity(bytes, opts.invoke, args);
  const hosts: HostOutcome[] = [];
  // One after another: the timings are then not disturbed by each other.
  for (const h of compareHosts) {
    if (!wanted.includes(h)) continue;
    let o: HostOutcome;
    if (h === 'embedded') o = await onEmbedded(file, bytes, kind, opts.invoke, opts.args, args, spec);
    else if (h === 'jco') o = await onJco(bytes, kind, opts.invoke, args, timeoutMs, spec);
    else o = await onWasmtime(bytes, kind, opts.invoke, args, timeoutMs, opts.venv, spec);
    hosts.push(spec ? withSpec(o, spec) : o);
  }
  const ran = hosts.filter((h) => h.status !== 'not-run');
  if (ran.length === 0) {
    throw new RunError('no-host', `no host could run ${file}: ${hosts.map((h) => `${h.host}: ${h.reason}`).join('; ')}`);
  }
  // An export that no host has is a usage error, not a disagreement.
  if (ran.every((h) => h.status === 'error' && /no export|exports neither/.test(h.reason ?? ''))) {
    throw new RunError('no-such-export', ran.map((h) => `${h.host}: ${h.reason}`).join('; '));
  }
  const agree = ran.every((h) => h.status !== 'error') && new Set(ran.map((h) => h.signature)).size === 1;
  return { file, export: opts.invoke, args, kind, agree, hosts, ...(spec ? { imports: spec } : {}) };
}

const ms = (x: number | undefined): string => (x === undefined ? '' : x < 10 ? x.toFixed(2) : x.toFixed(0));

export function formatComparison(c: Comparison): string {
  const table = new Table({ head: ['host', 'outcome', 'call ms', 'wall ms'], style: { head: [], border: [] }, colWidths: [10, 90, 9, 9], wordWrap: true });
  for (const h of c.hosts) {
    const outcome =
      h.status === 'result' ? `result: ${JSON.stringify(h.result)}`
      : h.status === 'trap' ? `trap ${h.trap!.code}: ${h.trap!.message}\n(${h.signature})`
      : h.status === 'error' ? `could not run: ${h.reason}`
      : `not run: ${h.reason}`;
    const calls = h.calls ? `\ncalls: ${h.calls.map(([k, a]) => `${k}(${a.map((x) => JSON.stringify(x)).join(', ')})`).join(' ') || 'none'}` : '';
    table.push([h.host, outcome + calls, ms(h.callMs), h.status === 'not-run' ? '' : ms(h.wallMs)]);
  }
  const ran = c.hosts.filter((h) => h.status !== 'not-run').map((h) => h.host);
  const verdict = c.agree
    ? `${ran.length === 1 ? 'only one host ran' : 'agree'}: ${ran.join(', ')} (${c.hosts.find((h) => h.signature)?.signature})`
    : `DIFFER: ${c.hosts.filter((h) => h.status !== 'not-run').map((h) => `${h.host} -> ${h.signature ?? h.status}`).join('; ')}`;
  return `${table.toString()}\n${verdict}`;
}
