import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/wasip3-task.js', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('the CLI main job', () => {
  it('matrix --json: every cell expected == actual, exit 0', () => {
    const r = cli('matrix', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(j.cells).toHaveLength(56);
    for (const c of j.cells) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['executor', 'importer', 'scenario', 'expected', 'actual', 'violations']));
      expect(c.actual).toBe(c.expected);
    }
    expect(j.exports).toHaveLength(8);
  });

  it('no arguments prints the table and a summary line', () => {
    const r = cli();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/56 of 56 cells as expected/);
    expect(r.out).toMatch(/#1618 stale registration/);
    expect(r.out).toMatch(/8 of 8 runs as expected/);
  });

  it('matrix --trace DIR writes one SVG per cell, violations marked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasip3-trace-'));
    const r = cli('matrix', '--trace', dir);
    expect(r.code).toBe(0);
    const files = readdirSync(dir).filter((f) => f.endsWith('.svg'));
    expect(files).toHaveLength(56 + 8);
    const bug = readFileSync(join(dir, 'host-v1-exec-guest-v1-only-imp-block-on-stale.svg'), 'utf8');
    expect(bug.startsWith('<svg') || bug.startsWith('<?xml')).toBe(true);
    expect(bug).toMatch(/#1618/);
    const pass = readFileSync(join(dir, 'host-v2-exec-host-v2-aware-imp-block-on-stale.svg'), 'utf8');
    expect(pass).toMatch(/no violations/);
  });

  it('repro --json reports reproduced on v1 and pass on v2', () => {
    const v1 = cli('repro', 'block-on-stale', '--abi', 'v1', '--json');
    expect(v1.code).toBe(0);
    const j1 = JSON.parse(v1.out);
    expect(j1).toMatchObject({ scenario: 'block-on-stale', abi: 'v1', outcome: 'reproduced' });
    expect(j1.violations[0]).toEqual(expect.objectContaining({ kind: expect.any(String), waitable: expect.any(Number), task: 'E1', taskPtr: expect.any(Number), ptr: expect.any(Number), message: expect.any(String) }));
    expect(j1.events.length).toBeGreaterThan(10);
    const v2 = JSON.parse(cli('repro', 'block-on-stale', '--abi', 'v2', '--json').out);
    expect(v2.outcome).toBe('pass');
    expect(v2.violations).toEqual([]);
  });

  it('an unknown scenario is a usage error', () => {
    const r = cli('repro', 'nope', '--abi', 'v1');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown scenario 'nope'/);
  });
});
