import { describe, expect, it } from 'vitest';
import { pairings, runCell, runMatrix, expectedOutcome, type Pairing } from '../host/matrix/run.js';
import { matrixScenarios, blockOnStale } from '../host/matrix/scenarios.js';
import type { TaskAbiEvent } from '../host/trace/trace.js';

describe('the compatibility matrix', () => {
  it('has 14 pairings (guest executors only with their own importer) x 4 scenarios, every cell as the rules say', async () => {
    const cells = await runMatrix();
    expect(pairings()).toHaveLength(14);
    expect(cells).toHaveLength(56);
    for (const c of cells) expect({ cell: `${c.executor} / ${c.importer} / ${c.scenario}`, actual: c.actual }).toEqual({ cell: `${c.executor} / ${c.importer} / ${c.scenario}`, actual: c.expected });
    for (const c of cells) {
      const v2Both = c.executor.endsWith('V2') && c.importer.endsWith('V2-aware');
      if (c.scenario === 'control' || v2Both) {
        expect(c.violations).toEqual([]);
        expect(c.trap).toBeUndefined();
      } else {
        expect(c.violations.length).toBeGreaterThan(0);
        for (const v of c.violations) expect(v.message.length).toBeGreaterThan(10);
      }
    }
  });

  it('expected outcomes follow the rule: a bug unless executor V2 and importer V2-aware', () => {
    const p = (e: number, i: number): Pairing => ({ executor: { side: 'host', version: e }, importer: { side: 'host', version: i } });
    expect(expectedOutcome(p(2, 2), blockOnStale)).toBe('pass');
    expect(expectedOutcome(p(1, 2), blockOnStale)).toBe(blockOnStale.bug!.name);
    expect(expectedOutcome(p(2, 1), blockOnStale)).toBe(blockOnStale.bug!.name);
    expect(expectedOutcome(p(1, 1), matrixScenarios[0])).toBe('pass');
  });

  it('V2 both sides: the importer unregisters from the old task through its clone before registering in the new one', async () => {
    const cell = await runCell({ executor: { side: 'host', version: 2 }, importer: { side: 'guest', version: 2 } }, matrixScenarios[3]);
    const ev = cell.events.filter((e): e is TaskAbiEvent => e.kind !== 'note' && e.kind !== 'canon' && e.kind !== 'trap');
    const regs = ev.filter((e) => e.kind === 'register');
    const unreg = ev.find((e) => e.kind === 'unregister')!;
    expect(regs).toHaveLength(2);
    expect(unreg.task).toBe(regs[0].task);
    expect(unreg.seq).toBeGreaterThan(regs[0].seq);
    expect(unreg.seq).toBeLessThan(regs[1].seq);
    expect(ev.filter((e) => e.kind === 'clone')).toHaveLength(2);
    expect(ev.filter((e) => e.kind === 'drop')).toHaveLength(2);
  });
});

describe('version negotiation', () => {
  it('a V2-aware importer reads version 3 (with a trailing field) as V2; a V1-only importer reads it as V1', async () => {
    for (const side of ['guest', 'host'] as const) {
      const v2 = await runCell({ executor: { side: 'host', version: 3 }, importer: { side, version: 2 } }, blockOnStale);
      expect(v2.actual).toBe('pass');
      expect(v2.events.some((e) => e.kind === 'clone')).toBe(true);
      const v1 = await runCell({ executor: { side: 'host', version: 3 }, importer: { side, version: 1 } }, blockOnStale);
      expect(v1.actual).toBe(blockOnStale.bug!.name);
      expect(v1.events.some((e) => e.kind === 'clone')).toBe(false);
    }
  });

  it('a V2-aware importer facing a V1 executor falls back to V1 (no clone, and the bug is back)', async () => {
    const cell = await runCell({ executor: { side: 'host', version: 1 }, importer: { side: 'host', version: 2 } }, blockOnStale);
    expect(cell.events.some((e) => e.kind === 'clone')).toBe(false);
    expect(cell.actual).toBe(blockOnStale.bug!.name);
  });

  it('an empty slot and version 0 are typed errors for host and guest importers', async () => {
    for (const side of ['guest', 'host'] as const) {
      for (const mode of ['null', 'zero'] as const) {
        const cell = await runCell({ executor: { side: 'host', version: 2 }, importer: { side, version: 2 } }, {
          name: `slot-${mode}`,
          summary: 'an importer polled with no usable task',
          run(ctx) {
            const op = ctx.imp.writeNew(ctx.stream().writable, 1);
            if (mode === 'zero') {
              const t = ctx.exec.newTask(1);
              new DataView(ctx.memory.buffer).setUint32(t, 0, true); // version 0
              ctx.enter(t);
            }
            ctx.imp.poll(op);
          },
        });
        expect(cell.trap, `${side} ${mode}`).toBeDefined();
        expect(cell.trap!.message).toMatch(mode === 'null' ? /no task is installed/ : /version 0, which is invalid/);
      }
    }
  });
});

describe('the matrix summary line prints what was measured', () => {
  it('counts passes, reproduced bugs and violations from the cells themselves', async () => {
    const { formatMatrix } = await import('../host/cli/format.js');
    const cells = await runMatrix();
    const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
    const last = (cs: typeof cells) => strip(formatMatrix(cs)).split('\n').pop()!;
    const total = cells.reduce((n, c) => n + c.violations.length, 0);
    expect(total).toBeGreaterThan(0);
    expect(last(cells)).toBe(`56 of 56 cells as expected (26 of 26 expected to pass did, with no violation; 30 of 30 expected to reproduce their bug did; ${total} violation(s) found in all)`);
    // a bug cell that found nothing: the line says so instead of claiming every violation was detected
    const missed = cells.map((c) => (c.expected !== 'pass' && c.scenario === 'moved-waitable' ? { ...c, actual: 'pass', violations: [] } : c));
    const n = cells.filter((c) => c.expected !== 'pass' && c.scenario === 'moved-waitable').length;
    const left = missed.reduce((k, c) => k + c.violations.length, 0);
    expect(last(missed)).toBe(`${n} of 56 cells unexpected (26 of 26 expected to pass did, with no violation; ${30 - n} of 30 expected to reproduce their bug did; ${left} violation(s) found in all)`);
  });
});
