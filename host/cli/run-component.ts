/**
 * `wasip3-task run <component> --invoke <export> --host jco [--args JSON] [--json]`:
 * a component under jco. (Components run on the embedded component host by
 * default: host/cli/run-embedded-component.ts; core modules: host/cli/run.ts.)
 *
 * The component is transpiled with jco's JS API, run in the JSPI Node
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
import { readFileSync } from 'node:fs';
import { abortMessages, JspiNodeMissing, runOnJco, type JcoRun } from '../jco/run.js';
import { printableGuestText } from '../canon/errors.js';
import { transpileCached } from '../jco/transpile.js';
import { RunError } from './errors.js';
export { JspiNodeMissing } from '../jco/run.js';

export type HostName = 'embedded' | 'jco';

/** JSON `--args` for a component, on any host: an array of values (anything else is `bad-args`, as for a core module). */
export function parseComponentArgs(json: string | undefined): unknown[] {
  if (json === undefined) return [];
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new RunError('bad-args', `--args is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) {
    const one = json.trim().length <= 40 ? json.trim() : '…';
    throw new RunError('bad-args', `--args must be a JSON array of the export's arguments, e.g. ["x", 2] (one argument is a one-element array: [${one}])`);
  }
  return v;
}

export interface RunComponentOptions {
  invoke: string;
  /** A JSON array of arguments (anything else is `bad-args`). */
  args?: string;
  /** Only `jco` (the default here); `embedded` is refused: that is runEmbeddedComponent. */
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
  /** Undefined when the component was not run (an import nobody serves). */
  run: JcoRun | undefined;
}

/** The WASI interfaces preview2-shim's `WASIShim` serves (what a jco run gets), without versions. */
async function servedImports(): Promise<Set<string>> {
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  return new Set(Object.keys(new WASIShim().getImportObject() as Record<string, unknown>));
}

/** The component's imports (as jco names them) that a jco run does not serve. */
export async function unservedImports(imports: readonly string[]): Promise<string[]> {
  const served = await servedImports();
  return imports.filter((i) => !served.has(i.replace(/@[^/]*$/, '')));
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
      `runComponent runs ${file} under jco; the embedded component host is runEmbeddedComponent (host/cli/run-embedded-component.ts)`,
    );
  }
  const args = parseComponentArgs(opts.args);
  const bytes = opts.bytes ?? readFileSync(file);
  const base = { host: 'jco', file, export: opts.invoke, args };
  const printTrap = (trap: ComponentTrap, extra: Record<string, unknown>): void => {
    if (opts.json) out(JSON.stringify({ ...base, ...extra, trap }, null, 2) + '\n');
    else out(`trap ${trap.code}: ${trap.message}\n`);
  };
  // An import nobody serves: say which, before jco fails on it inside its generated code.
  const missing = await unservedImports((await transpileCached(bytes)).imports);
  if (missing.length > 0) {
    printTrap({
      code: 'unresolved-import',
      message: `the component imports ${missing.map((m) => `'${m}'`).join(', ')}, which no host serves here ` +
        `(jco runs get WASI 0.2 from preview2-shim, nothing else): compose the component with one that exports ${missing.length > 1 ? 'them' : 'it'}`,
      jco: null,
    }, { missingImports: missing });
    return { exitCode: 1, run: undefined };
  }
  // The guest's output is passed through live to the process's own streams;
  // with --json (clean stdout) or custom writers it is captured instead.
  const live = !opts.json && !opts.stdout && !opts.stderr;
  let run: JcoRun;
  try {
    run = await runOnJco(bytes, opts.invoke, args, { timeoutMs: opts.timeoutMs, echo: live });
  } catch (e) {
    // No Node with JSPI to run jco's bindings: the environment, as for a missing Wasmtime (exit 2).
    if (e instanceof JspiNodeMissing) throw new RunError('jspi-node-missing', e.message);
    throw e;
  }
  run.component = file;
  if (!opts.json && !live) {
    if (run.stdout) out(run.stdout);
    if (run.stderr) err(run.stderr);
  }
  if (run.timedOut) {
    // A guest that never settles is stopped like one on the embedded host: a trap.
    printTrap({ code: 'timeout', message: run.error!, jco: null }, { jco: run.jco, stderr: run.stderr, stdout: run.stdout });
    return { exitCode: 1, run };
  }
  if (run.error) {
    const first = run.error.split('\n')[0]!;
    if (/has no export/.test(first)) throw new RunError('no-such-export', first);
    if (first.startsWith('instantiate: ')) {
      // jco's generated code threw while instantiating: a host failure, not a wasm trap.
      printTrap({ code: 'host-error', message: `jco could not instantiate the component: ${first.slice('instantiate: '.length)}`, jco: null }, { jco: run.jco, stderr: run.stderr, stdout: run.stdout });
      return { exitCode: 1, run };
    }
    throw new RunError('jco-failed', `jco could not run ${opts.invoke}: ${first}`);
  }
  if (run.trap && run.trap.name === 'ComponentError' && 'payload' in run.trap && abortMessages(run.stderr).length === 0) {
    // A `result` that came back `err` (jco throws it as a ComponentError): as on the embedded host, `err: <JSON>`, exit 1.
    if (opts.json) out(JSON.stringify({ ...base, jco: run.jco, err: run.trap.payload, trap: null, stderr: run.stderr, stdout: run.stdout }, null, 2) + '\n');
    else out(`err: ${JSON.stringify(run.trap.payload)}\n`);
    return { exitCode: 1, run };
  }
  if (run.trap) {
    const trap = componentTrap(run);
    printTrap(trap, { jco: run.jco, stderr: run.stderr, stdout: run.stdout });
    return { exitCode: 1, run };
  }
  // As for a core module: the task.return values, here the one value jco lifted (none for a void result).
  const result = run.result === undefined || run.result === null ? [] : [run.result];
  if (opts.json) out(JSON.stringify({ ...base, jco: run.jco, result, trap: null, stderr: run.stderr, stdout: run.stdout }, null, 2) + '\n');
  else out(`result: ${JSON.stringify(result)}\n`);
  return { exitCode: 0, run };
}

export interface ComponentTrap {
  /**
   * `guest-abort` when the guest wrote its abort text to stderr first,
   * `wasm-trap` for a WebAssembly trap (jco's `RuntimeError`), `host-error`
   * for any other JS error thrown by jco's bindings or the WASI shim,
   * `unresolved-import` for an import nobody serves (the component did not run),
   * `timeout` when the call did not settle before the deadline.
   */
  code: 'guest-abort' | 'wasm-trap' | 'host-error' | 'unresolved-import' | 'timeout';
  /** The guest's abort text, else jco's message. */
  message: string;
  /** What jco threw; null when jco threw nothing (the run never started). */
  jco: { name: string; message: string } | null;
}

/** A jco trap in the embedded host's terms (codes as in host/canon's Trap). */
export function componentTrap(run: JcoRun): ComponentTrap {
  const aborts = abortMessages(run.stderr);
  const jco = { name: run.trap!.name, message: run.trap!.message };
  // The guest's text: bounded, control characters escaped (as GuestAbort does on the embedded host).
  if (aborts.length) return { code: 'guest-abort', message: aborts.map((a) => printableGuestText(a)).join('\n'), jco };
  if (jco.name === 'RuntimeError') return { code: 'wasm-trap', message: `${jco.name}: ${jco.message}`, jco };
  return { code: 'host-error', message: `jco's bindings threw ${jco.name}: ${jco.message}`, jco };
}
