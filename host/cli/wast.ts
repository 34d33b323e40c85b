/**
 * `wasip3-task wast <file.wast|dir>... [--json]`: runs scripts of the
 * component model's reference-test format on the embedded component host.
 * One line per assertion (`file:line: ok` / `file:line: FAILED: ...`), then
 * `N passed, N failed`. Exit 0 when every assertion passed, 1 on failures,
 * 2 on a usage error or a file that cannot be read.
 */
import type { Command } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import { readInput } from './input.js';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WastReport } from '../wast/runner.js';
import { RunError } from './errors.js';
import { jspiSupported, type JspiMode } from '../canon/jspi.js';

/** The .wast files named by `paths` (a directory: its .wast files, recursively, sorted). */
export function wastFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, top: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new RunError('unreadable', `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (st.isDirectory()) {
      for (const n of readdirSync(p).sort()) {
        const q = join(p, n);
        if (n.endsWith('.wast') || statSync(q).isDirectory()) walk(q, false);
      }
    } else if (top || p.endsWith('.wast')) out.push(p);
  };
  for (const p of paths) walk(p, true);
  return out;
}

export interface WastFilesOptions {
  /** Per invoke (see `WastOptions`). */
  readonly timeoutMs?: number;
  /** Run each file in a worker thread and stop it after this many milliseconds (the CLI's guard against a spinning guest). */
  readonly fileTimeoutMs?: number;
  /** JSPI mode of the host (see `WastOptions.jspi`). */
  readonly jspi?: JspiMode;
}

/** One file in a worker thread, stopped after `limitMs`: a file that does not finish is one failed result. */
function runInWorker(text: string, file: string, timeoutMs: number | undefined, limitMs: number, jspi: JspiMode | undefined): Promise<WastReport> {
  return new Promise((resolve) => {
    const w = new Worker(new URL('./wast-worker.js', import.meta.url), { workerData: { text, file, timeoutMs, jspi } });
    const fail = (message: string): void => {
      resolve({ file, results: [{ file, line: 1, col: 1, form: 'script', ok: false, message }], passed: 0, failed: 1 });
    };
    const timer = setTimeout(() => {
      void w.terminate();
      fail(`the script did not finish within ${limitMs} ms (the host kept running without settling; stopped)`);
    }, limitMs);
    w.once('message', (m: { report?: WastReport; error?: string }) => {
      clearTimeout(timer);
      void w.terminate();
      if (m.report) resolve(m.report);
      else fail(`the runner failed: ${m.error}`);
    });
    w.once('error', (e) => {
      clearTimeout(timer);
      fail(`the runner failed: ${e.message}`);
    });
  });
}

/** Runs every file; the reports in order. */
export async function runWastFiles(files: readonly string[], opts: WastFilesOptions = {}): Promise<WastReport[]> {
  // Loaded on use: the CLI's other commands start without the .wast runner.
  const { runWast } = await import('../wast/runner.js');
  const reports: WastReport[] = [];
  for (const f of files) {
    let text: string;
    try {
      // A regular file of bounded size only: /dev/zero or a FIFO would be read forever.
      text = readInput(f).toString('utf8');
    } catch (e) {
      if (e instanceof RunError) throw new RunError('unreadable', e.message.replace(/^cannot open /, 'cannot read '));
      throw new RunError('unreadable', `cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (opts.fileTimeoutMs !== undefined) reports.push(await runInWorker(text, f, opts.timeoutMs, opts.fileTimeoutMs, opts.jspi));
    else reports.push(await runWast(text, f, { ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }), ...(opts.jspi === undefined ? {} : { jspi: opts.jspi }) }));
  }
  return reports;
}

export function registerWast(program: Command): void {
  program
    .command('wast')
    .description('run .wast scripts (the component model reference-test format) on the embedded component host; exit 0 when every assertion passed, 1 on failures, 2 on usage errors')
    .argument('<paths...>', '.wast files, or directories of them')
    .option('--json', 'print one JSON object: files, each with its results, and the totals')
    .option('--timeout-ms <ms>', 'how long one invoke may stay pending before it fails (default 10000)')
    .option('--file-timeout-ms <ms>', 'how long one file may run (in a worker thread) before it is stopped and fails (default 60000)')
    .option('--jspi <mode>', 'JSPI stack switching: auto (on when this Node has WebAssembly.Suspending), on, off', 'auto')
    .action(async (paths: string[], opts: { json?: boolean; timeoutMs?: string; fileTimeoutMs?: string; jspi: string }) => {
      const num = (v: string | undefined, flag: string): number | undefined => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!(Number.isInteger(n) && n > 0)) throw new RunError('usage', `${flag} takes a positive integer, not ${v}`);
        return n;
      };
      const timeoutMs = num(opts.timeoutMs, '--timeout-ms');
      if (!['auto', 'on', 'off'].includes(opts.jspi)) throw new RunError('usage', `--jspi takes auto, on or off, not ${opts.jspi}`);
      const jspi = opts.jspi as JspiMode;
      if (jspi === 'on' && !jspiSupported()) throw new RunError('usage', `--jspi on needs WebAssembly.Suspending (Node >= 24; this is Node ${process.versions.node}): run it with node_modules/.bin/node`);
      const fileTimeoutMs = num(opts.fileTimeoutMs, '--file-timeout-ms') ?? 60_000;
      const files = wastFiles(paths);
      if (files.length === 0) throw new RunError('usage', `no .wast files in ${paths.join(' ')}`);
      const reports = await runWastFiles(files, { fileTimeoutMs, jspi, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
      const passed = reports.reduce((n, r) => n + r.passed, 0);
      const failed = reports.reduce((n, r) => n + r.failed, 0);
      if (opts.json) {
        console.log(JSON.stringify({ ok: failed === 0, passed, failed, files: reports }, null, 2));
      } else {
        const { formatResult } = await import('../wast/runner.js');
        for (const r of reports) for (const x of r.results) console.log(formatResult(x));
        console.log(`${passed} passed, ${failed} failed`);
      }
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
