/**
 * `wasip3-task run <file.wasm> --invoke <export> [--args JSON] [--host embedded|jco] [--json]`
 * for COMPONENTS. Core modules stay with the embedded host (host/cli/run.ts);
 * main.ts asks `wasmKind` and hands components here.
 *
 * A component runs under jco (the default and, for now, the only host that
 * takes components): transpiled with jco's JS API, run in the JSPI Node
 * (host/jco/run.ts), WASI imports served by @bytecodealliance/preview2-shim.
 * The guest's stderr/stdout are passed through as they come.
 *
 * Output, as for a core module (host/cli/run.ts): the task.return values
 * (the one value jco lifted, in a list) as `result: [<JSON>]` and exit code 0,
 * or `trap <code>: <message>` and exit code 1, where the code is
 * `guest-abort` (message: the guest's abort text from stderr) or `wasm-trap`
 * (message: jco's error). With --json: one object `{ host, jco, file, export,
 * args, stderr, stdout }` plus `result` or `trap: { code, message, jco }`.
 * Bad usage (unknown export, a component with --host embedded, bad --args)
 * throws RunError: exit 2.
 */
import { abortMessages, runOnJco, type JcoRun } from '../jco/run.js';
import { printableGuestText } from '../canon/errors.js';
import { RunError } from './run.js';
export { JspiNodeMissing } from '../jco/run.js';

export type HostName = 'embedded' | 'jco';

export function parseArgs(json: string | undefined): unknown[] {
  if (json === undefined) return [];
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new RunError('bad-args', `--args is not JSON: ${(e as Error).message}`);
  }
  return Array.isArray(v) ? v : [v];
}

export interface RunComponentOptions {
  invoke: string;
  /** A JSON array of arguments (a single non-array value is one argument). */
  args?: string;
  /** Default jco. */
  host?: HostName;
  json?: boolean;
  /** Kill jco's child after this long (default 30 s; Infinity: never): a trap `timeout`, exit 1. */
  timeoutMs?: number;
  /** Where output goes (default process.stdout / process.stderr). */
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

export interface RunComponentResult {
  exitCode: 0 | 1;
  run: JcoRun;
}

/**
 * Runs a component's export; prints the outcome; returns the exit code (0
 * result, 1 trap). `bytes`, when given, is the component (e.g. parsed from
 * .wat by the caller); `file` then only names it.
 */
export async function runComponent(file: string, opts: RunComponentOptions & { bytes?: Uint8Array }): Promise<RunComponentResult> {
  const out = opts.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = opts.stderr ?? ((s: string) => void process.stderr.write(s));
  const host = opts.host ?? 'jco';
  if (host === 'embedded') {
    throw new RunError(
      'unsupported',
      `${file} is a component; the embedded host runs core modules only (it has no component loader or WASI). Use --host jco (the default for components).`,
    );
  }
  const args = parseArgs(opts.args);
  // The guest's output is passed through live to the process's own streams;
  // with --json (clean stdout) or custom writers it is captured instead.
  const live = !opts.json && !opts.stdout && !opts.stderr;
  const run = await runOnJco(opts.bytes ?? file, opts.invoke, args, { timeoutMs: opts.timeoutMs, echo: live });
  run.component = file;
  if (!opts.json && !live) {
    if (run.stdout) out(run.stdout);
    if (run.stderr) err(run.stderr);
  }
  const base = { host: 'jco', jco: run.jco, file, export: opts.invoke, args };
  if (run.timedOut) {
    // A guest that never settles is stopped like one on the embedded host: a trap.
    const trap = { code: 'timeout' as const, message: run.error!, jco: undefined };
    if (opts.json) out(JSON.stringify({ ...base, trap, stderr: run.stderr, stdout: run.stdout }, null, 2) + '\n');
    else out(`trap ${trap.code}: ${trap.message}\n`);
    return { exitCode: 1, run };
  }
  if (run.error) {
    if (/has no export/.test(run.error)) throw new RunError('no-such-export', run.error);
    throw new Error(`jco could not run ${opts.invoke}: ${run.error}`);
  }
  if (run.trap) {
    const trap = componentTrap(run);
    if (opts.json) out(JSON.stringify({ ...base, trap, stderr: run.stderr, stdout: run.stdout }, null, 2) + '\n');
    else out(`trap ${trap.code}: ${trap.message}\n`);
    return { exitCode: 1, run };
  }
  // As for a core module: the task.return values, here the one value jco lifted (none for a void result).
  const result = run.result === undefined || run.result === null ? [] : [run.result];
  if (opts.json) out(JSON.stringify({ ...base, result, stderr: run.stderr, stdout: run.stdout }, null, 2) + '\n');
  else out(`result: ${JSON.stringify(result)}\n`);
  return { exitCode: 0, run };
}

export interface ComponentTrap {
  /** `guest-abort` when the guest wrote its abort text to stderr first, else `wasm-trap`. */
  code: 'guest-abort' | 'wasm-trap';
  /** The guest's abort text, else jco's message. */
  message: string;
  /** What jco threw. */
  jco: { name: string; message: string };
}

/** A jco trap in the embedded host's terms (codes as in host/canon's Trap). */
export function componentTrap(run: JcoRun): ComponentTrap {
  const aborts = abortMessages(run.stderr);
  const jco = { name: run.trap!.name, message: run.trap!.message };
  // The guest's text: bounded, control characters escaped (as GuestAbort does on the embedded host).
  if (aborts.length) return { code: 'guest-abort', message: aborts.map((a) => printableGuestText(a)).join('\n'), jco };
  return { code: 'wasm-trap', message: `${jco.name}: ${jco.message}`, jco };
}
