/**
 * A child process that runs a guest on another host (jco's JSPI runner, the
 * Wasmtime adapter), awaited with a deadline.
 */
import type { ChildProcess } from 'node:child_process';

/**
 * Waits for `child` to close; after `timeoutMs` (default 30 s) it is killed
 * with SIGKILL and `timedOut` is true. Rejects when the process cannot be
 * spawned.
 */
export async function waitForChild(child: ChildProcess, timeoutMs = 30_000): Promise<{ exitCode: number | null; timedOut: boolean }> {
  let timedOut = false;
  // Infinity (no deadline) would overflow setTimeout's 32-bit delay and fire at once.
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, Math.min(timeoutMs, 0x7fffffff));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  return { exitCode, timedOut };
}
