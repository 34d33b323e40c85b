/**
 * The sequence diagrams of real runs, read back as SVG geometry: everything
 * drawn lies inside the viewBox, and canonical built-in calls are drawn on
 * the lifeline of the task that made them.
 */
import { describe, expect, it } from 'vitest';
import { renderSequenceDiagram } from '../host/trace/diagram.js';
import type { TraceEvent } from '../host/trace/trace.js';
import { guestScenarios } from '../host/scenarios/index.js';
import { runGuestScenario, type ScenarioRun } from '../host/scenarios/run.js';
import { runMatrix } from '../host/matrix/run.js';
import { blockOnStale } from '../host/matrix/scenarios.js';
import { outsideViewBox, parseSvg, type ParsedSvg } from './svg-geometry.js';

/** The diagram `repro <scenario> --abi <abi> --trace --svg` writes. */
function reproDiagram(run: ScenarioRun): string {
  return renderSequenceDiagram(run.events, {
    title: `${run.scenario} on guest ${run.abi}`,
    subtitle: `${run.outcome} (expected ${run.expected}): ${run.diagnosis}`,
    violations: run.violations,
    taskNames: run.taskNames,
  });
}

/** x of the lifeline whose header box says `label`. */
function lifelineX(p: ParsedSvg, label: string): number {
  const t = p.boxes.find((b) => b.tag === 'text' && b.attrs.class === 'lifeline-label' && b.what === label);
  expect(t, `lifeline ${label}`).toBeDefined();
  return Number(t!.attrs.x);
}

const canonTexts = (p: ParsedSvg) => p.boxes.filter((b) => b.tag === 'text' && b.attrs.class === 'canon');

describe('repro diagrams with --trace', () => {
  const cases = guestScenarios.flatMap((s) => (['v1', 'v2'] as const).map((abi) => [s.name, abi] as const));

  it.each(cases)('%s on %s: every element inside the viewBox, built-ins of the export task on E1', async (name, abi) => {
    const run = await runGuestScenario(guestScenarios.find((s) => s.name === name)!, abi === 'v1' ? 1 : 2, { canon: true });
    const svg = reproDiagram(run);
    const p = parseSvg(svg);
    expect(p.viewBox).toEqual([0, 0, p.width, p.height]);
    // The parse saw the whole diagram: a numbered row per event.
    expect(p.boxes.filter((b) => b.attrs.class === 'seq').map((b) => Number(b.what))).toEqual(run.events.map((e) => e.seq));
    expect(outsideViewBox(svg)).toEqual([]);

    // The export's own entry and its context calls run with the slot empty: still E1's.
    const e1 = lifelineX(p, 'E1');
    const lifted = canonTexts(p).filter((b) => /: (\[callback\])?\[async-lift\]|: context\.(get|set)/.test(b.what));
    expect(lifted.some((b) => b.what.includes(": context.set"))).toBe(true);
    for (const b of lifted) expect(Number(b.attrs.x), b.what).toBe(e1 + 8);
    expect(svg).not.toContain('no task matched');

    // stream.new shows its two handles, not the packed i64.
    const sn = canonTexts(p).find((b) => b.what.includes('stream.new()'));
    expect(sn?.what).toMatch(/stream\.new\(\) = readable \d+, writable \d+$/);
    expect(svg).not.toMatch(/\d+n\b/);
  });
});

describe('matrix cell diagrams', () => {
  it('the block-on-stale cells keep their whole subtitle inside the image', async () => {
    const cells = await runMatrix({ canon: true, scenarios: [blockOnStale] });
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells) {
      const subtitle = `expected ${c.expected}; actual ${c.actual}: ${c.diagnosis}`;
      const svg = renderSequenceDiagram(c.events, {
        title: `${c.scenario}: executor ${c.executor}, importer ${c.importer}`,
        subtitle,
        violations: c.violations,
        taskNames: c.taskNames,
      });
      expect(outsideViewBox(svg), `${c.executor} / ${c.importer}`).toEqual([]);
      const lines = parseSvg(svg).boxes.filter((b) => b.attrs.class === 'subtitle').map((b) => b.what);
      expect(lines.join(' ')).toBe(subtitle.split(/\s+/).join(' '));
    }
  });
});

describe('diagram geometry', () => {
  it('a long built-in call on the "no task matched" lifeline stays inside the image', () => {
    const events: TraceEvent[] = [
      { seq: 1, kind: 'register', instance: 'i', actor: 'host', task: 5, waitable: 1, ptr: 8, extra: 0 },
      { seq: 2, kind: 'canon', instance: 'i', task: undefined, builtin: '[async-lower]some:very/long-interface-name::and-function', args: [1, 2, 3, 4, 5, 6], result: 7 },
    ];
    const svg = renderSequenceDiagram(events, { title: 't', violations: [] });
    expect(svg).toContain('no task matched');
    expect(outsideViewBox(svg)).toEqual([]);
  });

  it('a long title, a long note and a long trap wrap or clip inside the image', () => {
    const long = 'x'.repeat(300);
    const events: TraceEvent[] = [
      { seq: 1, kind: 'guest_violation', instance: 'i', actor: 'guest', task: 0, waitable: 1, ptr: 8, extra: 1 },
      { seq: 2, kind: 'trap', instance: 'i', task: 't', code: 'guest-abort', message: long },
      { seq: 3, kind: 'note', instance: 'i', text: `${long} ${long}` },
    ];
    const svg = renderSequenceDiagram(events, {
      title: `a title ${long}`,
      subtitle: `a subtitle ${long}`,
      violations: [{ kind: 'bad-drop', instance: 'i', task: 5, waitable: 0, ptr: 0, seq: 1, message: long }],
    });
    expect(outsideViewBox(svg)).toEqual([]);
  });

  it('the checker sees an element that leaves the image', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50" font-size="10"><text x="90" y="20">abc</text><rect x="0" y="0" width="10" height="10"/></svg>';
    expect(outsideViewBox(svg)).toHaveLength(1);
    expect(outsideViewBox(svg.replace('x="90"', 'x="80"'))).toEqual([]);
  });
});
