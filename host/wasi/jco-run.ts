/**
 * The same WASI program under jco, for comparisons (tests and the bench):
 * `jco run <file> [args...]` in the JSPI Node (jco's P3 bindings need
 * JSPI), which transpiles the component with jco's WASI mappings (0.2.x
 * imports from preview2-shim, 0.3.0 from preview3-shim) and runs
 * `wasi:cli/run` in a child Node. Its output directory (`--jco-dir`) is made
 * inside the package's node_modules/.cache so the generated code finds
 * preview3-shim (jco links only preview2-shim into a directory of its own).
 *
 * Differences that are jco's, not the program's: argv[0] is the file name
 * without its extension; a trap prints a JS stack on stderr (exit 1).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dependencyDir, packageRoot } from '../guest/builds.js';
import { jspiNode } from '../jco/run.js';

export interface JcoProgramRun {
  /** The exit code (null when killed). */
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** ms from spawning `jco run` to the first stdout byte (undefined: none). */
  firstByteMs: number | undefined;
  /** ms from spawning to exit. */
  totalMs: number;
}

export interface JcoProgramOptions {
  /** Bytes for the program's stdin (default: none, EOF). */
  stdin?: Uint8Array | string;
  /** Kill the run after this many ms (default 60 s). */
  timeoutMs?: number;
  /** Keep the transpiled output here (no cleanup): its `_run.js` runs the program again without transpiling. */
  keepDir?: string;
  /** Run `<dir>/_run.js` of an earlier `keepDir` run instead of `jco run` (no transpile). */
  transpiledDir?: string;
  /** Do not keep stdout (count its bytes only: `stdout` is then empty). */
  discardStdout?: boolean;
  /** Called with the byte count of each stdout chunk. */
  onBytes?: (n: number) => void;
}

/** A fresh output directory for `jco run` that can resolve the package's dependencies. */
export function jcoRunDir(): string {
  const base = join(packageRoot, 'node_modules', '.cache', 'wasip3-task-shim', 'jco-run');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, 'run-'));
}

/** Runs `file` (a component exporting wasi:cli/run) under jco with `args`. */
export function runProgramOnJco(file: string, args: readonly string[], opts: JcoProgramOptions = {}): Promise<JcoProgramRun> {
  const node = jspiNode();
  let dir: string | undefined;
  let argv: string[];
  if (opts.transpiledDir !== undefined) {
    argv = [join(opts.transpiledDir, '_run.js'), ...args];
  } else {
    const jco = dependencyDir('@bytecodealliance/jco');
    if (jco === undefined) throw new Error(`@bytecodealliance/jco is not installed beside ${packageRoot}`);
    dir = opts.keepDir ?? jcoRunDir();
    argv = [join(jco, 'dist', 'jco.js'), 'run', '--jco-dir', dir, file, ...args];
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(node, argv, { stdio: ['pipe', 'pipe', 'pipe'], cwd: packageRoot });
    const out: Buffer[] = [];
    let err = '';
    let first: number | undefined;
    p.stdout.on('data', (b: Buffer) => {
      first ??= performance.now() - t0;
      opts.onBytes?.(b.length);
      if (!opts.discardStdout) out.push(b);
    });
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.stdin.on('error', () => {});
    if (opts.stdin !== undefined) p.stdin.end(opts.stdin);
    else p.stdin.end();
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (dir !== undefined && opts.keepDir === undefined) rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout: Buffer.concat(out), stderr: err, firstByteMs: first, totalMs: performance.now() - t0 });
    });
  });
}
