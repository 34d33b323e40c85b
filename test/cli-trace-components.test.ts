/**
 * `--trace` on components: `run <component> --invoke` on the embedded host
 * prints the timeline of every canonical built-in call (each named by the
 * host task that made it) before the result, or gives it as `events` with
 * `--json`; a wasi:cli/run program prints it on stderr once it has ended,
 * so its stdout stays its own, and `--deterministic` runs trace alike.
 */
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';

describe('run --trace on components', () => {
  it('composed-v2 block-on-stale: the built-in calls of both instances, named by task, then result 258', () => {
    const r = cli('run', 'build/composed-v2.wasm', '--invoke', 'block-on-stale', '--trace');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('result: [258]');
    const events = lines.slice(0, -1);
    expect(events.length).toBeGreaterThan(10);
    // numbered in order, each with its instance and task
    events.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\s*${i + 1}  composed-v2/[a-z]+: \\[[a-z-]+#\\d+\\] `)));
    expect(events.some((l) => /composed-v2\/r: \[block-on-stale#\d+\] stream\.new\(\) = readable \d+, writable \d+/.test(l))).toBe(true);
    expect(events.some((l) => /composed-v2\/p: \[launder#\d+\] .*stream\.write/.test(l))).toBe(true);
  });

  it('--json gives the same events as data; without --trace there are none', () => {
    const j = JSON.parse(cli('run', 'build/composed-v2.wasm', '--invoke', 'block-on-stale', '--trace', '--json').out) as { result: unknown[]; events: { kind: string; seq: number; builtin?: string; task?: string }[] };
    expect(j.result).toEqual([258]);
    expect(j.events.length).toBeGreaterThan(10);
    expect(j.events.map((e) => e.seq)).toEqual(j.events.map((_, i) => i + 1));
    expect(j.events.every((e) => e.kind === 'canon' && typeof e.builtin === 'string' && typeof e.task === 'string')).toBe(true);
    const plain = JSON.parse(cli('run', 'build/composed-v2.wasm', '--invoke', 'block-on-stale', '--json').out) as Record<string, unknown>;
    expect(plain['result']).toEqual([258]);
    expect(plain).not.toHaveProperty('events');
  });

  it('the V1 build traps with its trace too (exit 1)', () => {
    const r = cli('run', 'build/composed-v1.wasm', '--invoke', 'block-on-stale', '--trace');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\n\s*\d+  composed-v1\/[a-z]+: \[[a-z-]+#\d+\] /);
    expect(r.out.trimEnd().split('\n').at(-1)).toMatch(/^trap /);
  });

  it('is refused for jco and Wasmtime (exit 2, one rule)', () => {
    for (const host of ['jco', 'wasmtime']) {
      const r = cli('run', 'build/composed-v2.wasm', '--invoke', 'block-on-stale', '--trace', '--host', host);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')[0]).toMatch(/^error \[unsupported\]: /);
    }
  });

  it('a wasi:cli/run program: stdout is the program\'s alone, the trace follows on stderr; deterministic runs trace alike', () => {
    const a = cli('run', 'build/wasi-hello.wasm', '--trace', '--deterministic');
    const b = cli('run', 'build/wasi-hello.wasm', '--trace', '--deterministic');
    const plain = cli('run', 'build/wasi-hello.wasm', '--deterministic');
    expect(a.code, a.err).toBe(0);
    expect(a.out).toBe(plain.out);
    const m = /^wasip3-task: trace, (\d+) events:\n/.exec(a.err);
    expect(m, a.err).not.toBeNull();
    const lines = a.err.slice(m![0].length).trimEnd().split('\n');
    expect(lines).toHaveLength(Number(m![1]));
    expect(lines.some((l) => /\] stream\.write/.test(l))).toBe(true);
    expect(b.err).toBe(a.err);
    expect(plain.err).toBe('');
  });
});
