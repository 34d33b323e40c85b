/**
 * `wasip3-task run prog.wasm [--env K=V] [--inherit-env] [--dir host::guest]
 * [--deterministic [seed]] [-- args...]`: a component exporting
 * `wasi:cli/run` (0.2.x or 0.3.0) runs on the embedded component host with
 * WASI (host/wasi), as `wasmtime run` runs it: argv[0] is the file name,
 * then the arguments after `--`; nothing of the environment is passed unless
 * asked; stdin, stdout and stderr are the process's own. The exit code is
 * the program's (`wasi:cli/exit`, or 0 for `ok` and 1 for `err`), or 1 on a
 * trap (reported on stderr after the program's own output, as
 * `wasip3-task: trap: [<code>] <message>`). `--timeout` and the `--max-*`
 * limits apply as to any run (the store's deadline and caps). `--trace`
 * prints the timeline of the canonical built-in calls on stderr once the
 * program has ended.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { Trap } from '../canon/errors.js';
import { ComponentError } from '../component/binary/reader.js';
import { loadComponent, type LoadedComponent } from '../component/api.js';
import { wasiHostFor } from '../wasi/host.js';
import { Store } from '../canon/store.js';
import { Trace } from '../trace/trace.js';
import { limitsFrom } from './limits.js';
import { RunError } from './errors.js';

export interface RunWasiOptions {
  /** `K=V` pairs (`--env`, repeatable). */
  readonly env?: readonly string[];
  /** Pass the tool's own environment first (`--inherit-env`). */
  readonly inheritEnv?: boolean;
  /** `host::guest` preopens (`--dir`, repeatable); a plain `dir` is `dir::dir`. */
  readonly dir?: readonly string[];
  /** Seeded random and virtual clocks (`--deterministic [seed]`). */
  readonly deterministic?: boolean | string;
  /** The run's deadline in ms (`--timeout`; Infinity: none): then the trap `timeout`, exit 1. */
  readonly timeout?: number;
  /** `--max-handles`, `--max-stream-ends`, `--max-tasks`. */
  readonly maxHandles?: number;
  readonly maxStreamEnds?: number;
  readonly maxTasks?: number;
  /** Record every canonical built-in call and print the timeline on stderr after the program (`--trace`). */
  readonly trace?: boolean;
}

/** The component of `bytes`, decoded and validated once for `exportsWasiRun` and `runWasiProgram` both. */
const loaded = new WeakMap<Uint8Array, LoadedComponent>();
function load(bytes: Uint8Array): LoadedComponent {
  let c = loaded.get(bytes);
  if (c === undefined) loaded.set(bytes, (c = loadComponent(bytes)));
  return c;
}

/**
 * Whether a component exports `wasi:cli/run` at a version the WASI host
 * serves. A component that does not decode or validate is a `RunError`
 * with its rule (a usage error, exit 2), not a missing `--invoke`.
 */
export function exportsWasiRun(bytes: Uint8Array): boolean {
  let c: LoadedComponent;
  try {
    c = load(bytes);
  } catch (e) {
    if (e instanceof ComponentError) throw new RunError(e.rule, e.message);
    throw e;
  }
  return c.exports.some((e) => /^wasi:cli\/run@0\.(2\.\d+|3\.0(-.*)?)$/.test(e.name));
}

function parseEnv(pairs: readonly string[], inherit: boolean): [string, string][] {
  const env = new Map<string, string>();
  if (inherit) for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env.set(k, v);
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new RunError('bad-env', `--env ${JSON.stringify(p)} is not K=V`);
    env.set(p.slice(0, eq), p.slice(eq + 1));
  }
  return [...env];
}

/** `--deterministic <seed>`: an unsigned 64-bit integer, decimal or 0x-hex. */
function parseSeed(seed: string): bigint {
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(seed) || BigInt(seed) >= 1n << 64n) {
    throw new RunError('bad-seed', `--deterministic ${JSON.stringify(seed)}: the seed is an unsigned 64-bit integer (decimal or 0x-hex)`);
  }
  return BigInt(seed);
}

function parseDirs(dirs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of dirs) {
    const i = d.indexOf('::');
    const [host, guest] = i < 0 ? [d, d] : [d.slice(0, i), d.slice(i + 2)];
    if (host === '' || guest === '') throw new RunError('bad-dir', `--dir ${JSON.stringify(d)} is not host::guest`);
    let isDir = false;
    try {
      isDir = statSync(host).isDirectory();
    } catch (e) {
      throw new RunError('bad-dir', `--dir ${JSON.stringify(d)}: cannot open ${host}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    if (!isDir) throw new RunError('bad-dir', `--dir ${JSON.stringify(d)}: ${host} is not a directory`);
    if (guest in out) throw new RunError('bad-dir', `--dir ${JSON.stringify(d)}: the guest path ${guest} is preopened twice`);
    out[guest] = host;
  }
  return out;
}

/** Runs the program; resolves with the process exit code (the caller exits with it). */
export async function runWasiProgram(file: string, bytes: Uint8Array, args: readonly string[], opts: RunWasiOptions = {}): Promise<number> {
  const c = load(bytes);
  if (!c.exports.some((e) => /^wasi:cli\/run@/.test(e.name))) {
    throw new RunError('no-run', `${file} exports no wasi:cli/run; call one of its exports with --invoke <export>`);
  }
  const det = opts.deterministic;
  const trace = opts.trace ? new Trace(true) : undefined;
  const store = new Store({ timeoutMs: opts.timeout, limits: limitsFrom(opts), ...(trace ? { trace } : {}) });
  const env = parseEnv(opts.env ?? [], !!opts.inheritEnv);
  const preopens = parseDirs(opts.dir ?? []);
  // preview2-shim (whose I/O module starts a worker thread) is loaded only for a program that needs it.
  const wasi = await wasiHostFor(c, {
    store,
    args: [basename(file), ...args],
    env,
    preopens,
    stdin: 0,
    stdout: 1,
    stderr: 2,
    terminal: !!process.stdout.isTTY,
    deterministic: det === undefined || det === false ? undefined : det === true ? true : { seed: parseSeed(det) },
  });
  let inst;
  try {
    inst = c.instantiate(wasi.imports, { store: wasi.store, name: basename(file) });
  } catch (e) {
    // A trap while instantiating (a start function, the deadline) is the
    // program's trap, exit 1 as any other; only a link error is bad input.
    if (e instanceof Trap) {
      const code = reportFailure(e);
      if (trace) await printTrace(trace);
      return code;
    }
    throw new RunError((e as { rule?: string }).rule ?? 'link', (e as Error).message);
  }
  try {
    return await wasi.run(inst);
  } catch (e) {
    return reportFailure(e);
  } finally {
    if (trace) await printTrace(trace);
  }
}

/** `wasip3-task: trap: …` (or `error: …`) on stderr; the exit code 1. */
function reportFailure(e: unknown): number {
  const t = e instanceof Trap ? `trap: ${e.message}` : `error: ${e instanceof Error ? e.message : String(e)}`;
  process.stderr.write(`wasip3-task: ${t}\n`);
  return 1;
}

/** `--trace`: the timeline on stderr, after the program's own output (stdout stays the program's alone). */
async function printTrace(trace: Trace): Promise<void> {
  const [{ renderTimeline }, { InvariantChecker }] = await Promise.all([import('../trace/diagram.js'), import('../trace/invariants.js')]);
  const checker = InvariantChecker.check(trace.events);
  const lines = renderTimeline(trace.events, checker.violations, { taskNames: checker.names.asMap() });
  const dropped = trace.dropped > 0 ? `, ${trace.dropped} more not kept` : '';
  process.stderr.write(`wasip3-task: trace, ${trace.events.length} events${dropped}:\n${lines.join('\n')}\n`);
}
