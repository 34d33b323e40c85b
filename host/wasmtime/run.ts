/**
 * Wasmtime as the third host: run one export of a component under
 * libwasmtime, the reference implementation of WASIp3.
 *
 * The work is done by host/wasmtime/adapter.py, a small program over
 * libwasmtime's C API (through the ctypes declarations of the `wasmtime`
 * Python package, pinned to WASMTIME_VERSION): an engine with the
 * component-model async features (concurrency support and the async ABI), WASI
 * p2 linked with stdout/stderr inherited, the async instantiate and call
 * driven to completion, typed arguments and results in jco's JSON form. This
 * module spawns it in the project's virtual environment, sends one JSON
 * request on its stdin and reads one JSON report from its fd 3; the guest's
 * stdout/stderr are the child's fd 1/2, captured (and optionally echoed).
 *
 * The environment is .venv-wasmtime/ in the package root (made by
 * scripts/install-wasmtime.sh), or $WASIP3_WASMTIME_VENV. When it is missing
 * every entry point throws WasmtimeMissing, whose message says how to install it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../guest/builds.js';
import { waitForChild } from '../guest/child.js';
import type { ImportCall, ResolvedImport } from '../cli/import-spec.js';

/** The version of the `wasmtime` Python package the adapter is written and tested against. */
export const WASMTIME_VERSION = '49.0.0';

/** Wasmtime (the project's virtual environment with the `wasmtime` package) is not installed. */
export class WasmtimeMissing extends Error {
  override name = 'WasmtimeMissing';
}

/** The adapter could not run the export: bad arguments, unknown export, an unsupported type, a timeout. */
export class WasmtimeRunError extends Error {
  override name = 'WasmtimeRunError';
  constructor(
    /** The adapter's code: `bad-args`, `no-such-export`, `unsupported-type`, `compile`, `instantiate`, `timeout`, … */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const wasmtimeHelp = (): string => {
  const venv = join(packageRoot, '.venv-wasmtime');
  return (
    `The Wasmtime host is optional: it needs Python 3.9+ and the \`wasmtime\` Python package ${WASMTIME_VERSION} ` +
    `in the project's virtual environment. Install it with \`bash scripts/install-wasmtime.sh\` in a checkout ` +
    `(creates .venv-wasmtime/ and runs \`pip install wasmtime==${WASMTIME_VERSION}\` in it), or by hand: ` +
    `\`python3 -m venv ${venv} && ${join(venv, 'bin', 'pip')} install wasmtime==${WASMTIME_VERSION}\`, ` +
    `or point WASIP3_WASMTIME_VENV at a virtual environment that has it.`
  );
};

export interface WasmtimeLocation {
  /** The virtual environment (default: $WASIP3_WASMTIME_VENV, else <package root>/.venv-wasmtime). */
  venv?: string;
}

export const wasmtimeVenv = (opts: WasmtimeLocation = {}): string =>
  opts.venv ?? process.env.WASIP3_WASMTIME_VENV ?? join(packageRoot, '.venv-wasmtime');

export const adapterScript = (): string => join(packageRoot, 'host', 'wasmtime', 'adapter.py');

/** The environment's Python. Throws WasmtimeMissing when there is none. */
export function wasmtimePython(opts: WasmtimeLocation = {}): string {
  const venv = wasmtimeVenv(opts);
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) throw new WasmtimeMissing(`Wasmtime is not installed: ${python} does not exist. ${wasmtimeHelp()}`);
  return python;
}

export type WasmtimeStatus = { ok: true; python: string; version: string } | { ok: false; reason: string };

/**
 * Whether the Wasmtime host can run here: the environment's Python exists and
 * imports the package's C API bindings. Cached per venv path.
 */
export function wasmtimeStatus(opts: WasmtimeLocation = {}): WasmtimeStatus {
  const venv = wasmtimeVenv(opts);
  const hit = statusCache.get(venv);
  if (hit) return hit;
  let status: WasmtimeStatus;
  try {
    const python = wasmtimePython(opts);
    const probe = spawnSync(python, ['-c', 'from importlib.metadata import version; from wasmtime import _bindings; print(version("wasmtime"))'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const version = (probe.stdout ?? '').trim();
    if (probe.status !== 0 || !version) {
      status = { ok: false, reason: `Wasmtime is not installed: ${python} cannot import the wasmtime package (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}). ${wasmtimeHelp()}` };
    } else {
      status = { ok: true, python, version };
    }
  } catch (e) {
    status = { ok: false, reason: (e as Error).message };
  }
  statusCache.set(venv, status);
  return status;
}
const statusCache = new Map<string, WasmtimeStatus>();

export interface WasmtimeTrap {
  /** The last line of Wasmtime's error, e.g. "wasm trap: wasm `unreachable` instruction executed". */
  message: string;
  /** Wasmtime's whole error text (with the wasm backtrace). */
  detail: string;
}

export interface WasmtimeSignature {
  params: [string, string][];
  result: string | null;
  async: boolean;
}

export interface WasmtimeRun {
  component: string;
  export: string;
  args: unknown[];
  /** The export's results as a list (none or one value), in jco's JSON form. */
  result?: unknown[];
  trap?: WasmtimeTrap;
  /** The adapter could not run the export (with `errorCode`), or the child failed. */
  error?: string;
  errorCode?: string;
  signature?: WasmtimeSignature;
  stderr: string;
  stdout: string;
  exitCode: number | null;
  /** Time of the export call alone, measured inside the adapter. */
  callMs?: number;
  /** Wall time of the child process (Python start, compile, instantiate, call). */
  ms: number;
  python: string;
  wasmtime?: string;
  /**
   * With `bench`: nanoseconds per call, one figure per sample of `iterations`
   * back-to-back calls inside the adapter, in a C loop (host/wasmtime/bench_loop.c)
   * or, without a C compiler, a Python one.
   */
  bench?: { ns_per_call: number[]; iterations: number; loop: 'c' | 'python'; why_not_c?: string };
  /** With an import spec: the calls of its functions, in order. */
  calls?: ImportCall[];
}

export interface WasmtimeRunOptions extends WasmtimeLocation {
  /** Kill the child after this long (default 30 s; Infinity: never). */
  timeoutMs?: number;
  /** Copy the child's stderr/stdout to this process's as they come. */
  echo?: boolean;
  /** Time `samples` x `iterations` further calls of the same export in the same instance. */
  bench?: { samples: number; iterations: number };
  /** Custom imports defined in the component linker (host/cli/import-spec.ts). */
  imports?: readonly ResolvedImport[];
}

/** Run one export of a component (a path, or its bytes) under Wasmtime. Throws WasmtimeMissing. */
export async function runOnWasmtime(component: string | Uint8Array, exportName: string, args: unknown[] = [], opts: WasmtimeRunOptions = {}): Promise<WasmtimeRun> {
  const python = wasmtimePython(opts);
  let tmp: string | undefined;
  let path: string;
  if (typeof component === 'string') path = component;
  else {
    tmp = mkdtempSync(join(tmpdir(), 'wasip3-wasmtime-'));
    path = join(tmp, 'component.wasm');
    writeFileSync(path, component);
  }
  try {
    return await spawnAdapter(python, path, typeof component === 'string' ? component : '<bytes>', exportName, args, opts);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

async function spawnAdapter(python: string, path: string, name: string, exportName: string, args: unknown[], opts: WasmtimeRunOptions): Promise<WasmtimeRun> {
  const t0 = performance.now();
  const child = spawn(python, [adapterScript()], { cwd: packageRoot, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
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
  const fd3 = child.stdio[3] as NodeJS.ReadableStream;
  fd3.setEncoding('utf8');
  fd3.on('data', (s: string) => (report += s));
  child.stdin!.on('error', () => {}); // a child that dies early must not crash us with EPIPE
  child.stdin!.end(JSON.stringify({ component: path, export: exportName, args, imports: opts.imports, bench: opts.bench, cache_dir: wasmtimeVenv(opts) }));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { exitCode, timedOut } = await waitForChild(child, timeoutMs);
  const run: WasmtimeRun = { component: name, export: exportName, args, stderr, stdout, exitCode, ms: performance.now() - t0, python };
  type Report = { result?: unknown[]; trap?: WasmtimeTrap; error?: string; code?: string; ms?: number; signature?: WasmtimeSignature; wasmtime?: string; bench?: WasmtimeRun['bench']; calls?: ImportCall[] };
  let parsed: Report | undefined;
  try {
    parsed = report.trim() ? (JSON.parse(report.trim().split('\n').pop()!) as Report) : undefined;
  } catch {
    parsed = { error: `unreadable report from the adapter: ${report.slice(0, 500)}`, code: 'adapter' };
  }
  if (timedOut) {
    run.error = `no result after ${timeoutMs} ms (killed)`;
    run.errorCode = 'timeout';
  } else if (!parsed) {
    run.error = `the adapter exited with code ${exitCode} and no report${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`;
    run.errorCode = 'adapter';
  } else {
    if (parsed.code === 'not-installed') throw new WasmtimeMissing(`Wasmtime is not installed: ${parsed.error}. ${wasmtimeHelp()}`);
    if (parsed.result) run.result = parsed.result;
    if (parsed.trap) run.trap = parsed.trap;
    if (parsed.error) {
      run.error = parsed.error;
      run.errorCode = parsed.code ?? 'adapter';
    }
    run.signature = parsed.signature;
    run.wasmtime = parsed.wasmtime;
    run.callMs = parsed.ms;
    run.bench = parsed.bench;
    if (parsed.calls) run.calls = parsed.calls;
  }
  return run;
}
