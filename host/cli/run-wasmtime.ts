/**
 * `wasip3-task run <component> --invoke <export> --host wasmtime [--args JSON] [--json]`:
 * a component under Wasmtime (host/wasmtime/run.ts).
 *
 * Output as for the other hosts: `result: [<JSON>]` (the export's results,
 * none or one value, in jco's JSON form) and exit 0, or `trap <code>:
 * <message>` and exit 1, where the code is `guest-abort` (the message is the
 * guest's abort text from stderr), `wasm-trap` (Wasmtime's message) or
 * `timeout` (the adapter was killed at --timeout). With
 * --json: one object `{ host, wasmtime, file, export, args, signature, stderr,
 * stdout }` plus `result` or `trap: { code, message, wasmtime?: { message,
 * detail } }`. Bad usage (a core module, an unknown export, bad --args, a
 * missing installation) throws RunError: exit 2.
 */
import { abortMessages } from '../jco/run.js';
import { runOnWasmtime, WasmtimeMissing, type WasmtimeRun } from '../wasmtime/run.js';
import { RunError } from './errors.js';
import { parseComponentArgs } from './run-component.js';

export interface RunWasmtimeOptions {
  invoke: string;
  /** A JSON array of arguments (anything else is `bad-args`). */
  args?: string;
  json?: boolean;
  timeoutMs?: number;
  venv?: string;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

export interface WasmtimeOutcome {
  result?: unknown[];
  trap?: { code: 'guest-abort' | 'wasm-trap'; message: string; wasmtime: { message: string; detail: string } };
}

/** A Wasmtime run's result or trap in the terms of the other hosts (trap codes as in host/canon's Trap). */
export function wasmtimeOutcome(run: WasmtimeRun): WasmtimeOutcome {
  if (run.trap) {
    const aborts = abortMessages(run.stderr);
    const wasmtime = { message: run.trap.message, detail: run.trap.detail };
    if (aborts.length) return { trap: { code: 'guest-abort', message: aborts.join('\n'), wasmtime } };
    return { trap: { code: 'wasm-trap', message: run.trap.message, wasmtime } };
  }
  return { result: run.result ?? [] };
}


/** Runs the export under Wasmtime, prints the outcome, returns the exit code (0 result, 1 trap). */
export async function runWasmtimeCommand(file: string, bytes: Uint8Array, opts: RunWasmtimeOptions): Promise<0 | 1> {
  const out = opts.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = opts.stderr ?? ((s: string) => void process.stderr.write(s));
  const args = parseComponentArgs(opts.args);
  const live = !opts.json && !opts.stdout && !opts.stderr;
  let run: WasmtimeRun;
  try {
    run = await runOnWasmtime(bytes, opts.invoke, args, { timeoutMs: opts.timeoutMs, echo: live, venv: opts.venv });
  } catch (e) {
    if (e instanceof WasmtimeMissing) throw new RunError('wasmtime-not-installed', e.message);
    throw e;
  }
  run.component = file;
  if (!opts.json && !live) {
    if (run.stdout) out(run.stdout);
    if (run.stderr) err(run.stderr);
  }
  const base = { host: 'wasmtime', wasmtime: run.wasmtime, file, export: opts.invoke, args, signature: run.signature };
  if (run.errorCode === 'timeout') {
    // As on the other hosts: a guest stopped at --timeout is a trap.
    const trap = { code: 'timeout' as const, message: run.error! };
    if (opts.json) out(JSON.stringify({ ...base, trap, stderr: run.stderr, stdout: run.stdout }, null, 2) + '\n');
    else out(`trap ${trap.code}: ${trap.message}\n`);
    return 1;
  }
  if (run.error) {
    const usage = ['bad-args', 'no-such-export', 'unsupported-type', 'bad-request', 'compile'];
    if (usage.includes(run.errorCode ?? '')) throw new RunError(run.errorCode!, run.error);
    // The adapter died without a report: Wasmtime itself aborted (a Rust panic) while running the guest.
    // That is the host failing the call, as a trap, exit 1: never an internal error of this tool.
    const trap = { code: 'host-crash' as const, message: `Wasmtime aborted while running ${opts.invoke}: ${panicMessage(run.stderr) ?? run.error}` };
    if (opts.json) out(JSON.stringify({ ...base, trap, stderr: run.stderr, stdout: run.stdout }, null, 2) + '\n');
    else out(`trap ${trap.code}: ${trap.message}\n`);
    return 1;
  }
  const o = wasmtimeOutcome(run);
  if (opts.json) out(JSON.stringify({ ...base, ...o, stderr: run.stderr, stdout: run.stdout }, null, 2) + '\n');
  else if (o.trap) out(`trap ${o.trap.code}: ${o.trap.message}\n`);
  else out(`result: ${JSON.stringify(o.result)}\n`);
  return o.trap ? 1 : 0;
}

/** A Rust panic's message in Wasmtime's stderr (`thread '…' panicked at file:line:col:` then the message), with its place. */
function panicMessage(stderr: string): string | undefined {
  const m = /panicked at ([^\n]*?):?\n([^\n]+)/.exec(stderr);
  return m ? `panic: ${m[2]!.trim()} (at ${m[1]})` : undefined;
}
