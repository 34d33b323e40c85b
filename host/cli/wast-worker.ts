/**
 * Runs one `.wast` file in a worker thread for `wasip3-task wast`, so a
 * script that makes the host spin (a guest loop that never yields to a
 * timer) can be stopped by the CLI's per-file time limit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runWast } from '../wast/runner.js';
import type { JspiMode } from '../canon/jspi.js';

const { text, file, timeoutMs, jspi } = workerData as { text: string; file: string; timeoutMs?: number; jspi?: JspiMode };
runWast(text, file, { ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(jspi === undefined ? {} : { jspi }) }).then(
  (report) => parentPort!.postMessage({ report }),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
);
