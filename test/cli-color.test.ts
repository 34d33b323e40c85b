/**
 * Piped CLI output is plain text even where the environment says CI (which
 * makes picocolors colour by default) or FORCE_COLOR is unset: scripts and CI
 * logs read what the tool prints.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'bin', 'wasip3-task.js');

describe('colour', () => {
  it('repro and matrix print no escape codes into a pipe, CI set or not', () => {
    for (const env of [{ CI: 'true' }, {}]) {
      for (const args of [['repro', 'control', '--abi', 'v2'], ['matrix']]) {
        const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '' } });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.length).toBeGreaterThan(20);
        expect(r.stdout).not.toContain('\u001b[');
      }
    }
  });
});
