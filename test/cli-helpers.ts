/** Running the built CLI as a user would, on files written for the test. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = process.env.WASIP3_CLI_ROOT ?? fileURLToPath(new URL('..', import.meta.url));

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** `node bin/wasip3-task.js ...args` in the package root. */
export function cli(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, ['bin/wasip3-task.js', ...args], { cwd: root, encoding: 'utf8', timeout: 50_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'wasip3-cli-'));
let n = 0;

/** Writes `content` to a fresh file named `<base>` in a temporary directory; returns its path. */
export function file(base: string, content: string | Uint8Array): string {
  const p = join(dir, `${n++}-${base}`);
  writeFileSync(p, content);
  return p;
}
