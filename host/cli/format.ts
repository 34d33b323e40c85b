/** Human and JSON renderings of scenario runs. */
import Table from 'cli-table3';
import { createColors } from 'picocolors';

/**
 * Colour only on a terminal (and not with NO_COLOR): picocolors alone would
 * also colour piped output whenever CI is set, and a script reading our
 * output must get plain text.
 */
const pc = createColors(process.stdout.isTTY === true && !process.env['NO_COLOR']);
import type { ScenarioRun } from '../scenarios/run.js';
import type { Cell } from '../matrix/run.js';
import type { Violation } from '../trace/violation.js';
import { trapMessage } from './run.js';

const outcomeColour = (run: ScenarioRun, text: string): string =>
  run.outcome !== run.expected ? pc.red(text) : run.outcome === 'pass' ? pc.green(text) : pc.yellow(text);

/** The verdict line of one run. */
export function verdict(run: ScenarioRun): string {
  const match = run.outcome === run.expected;
  const head = match ? pc.green('as expected') : pc.red('UNEXPECTED');
  return `${head}: ${run.scenario} on guest ${run.abi}: ${outcomeColour(run, run.outcome)} (expected ${run.expected})`;
}

export function formatRun(run: ScenarioRun, timeline: readonly string[]): string {
  const lines = [
    pc.bold(`${run.scenario} on guest ${run.abi}`),
    '',
    ...timeline,
    '',
  ];
  if (run.trap) lines.push(`trap ${run.trap.code}${run.trap.instance ? ` in ${run.trap.instance}` : ''}: ${trapMessage(run.trap.code, run.trap.message)}`);
  if (run.violations.length > 0) {
    lines.push(`${run.violations.length} violation(s):`);
    for (const v of run.violations) lines.push(`  ${v.kind}${v.seq !== undefined ? ` at #${v.seq}` : ''}: ${v.message}`);
  }
  lines.push(`diagnosis: ${run.diagnosis}`);
  lines.push(verdict(run));
  return lines.join('\n');
}

export function formatSummaryTable(runs: readonly ScenarioRun[]): string {
  const table = new Table({ head: ['scenario', 'guest', 'outcome', 'expected', 'diagnosis'].map((h) => pc.bold(h)), wordWrap: true, colWidths: [20, 7, 12, 12, 70], style: { head: [], border: [] } });
  for (const r of runs) table.push([r.scenario, r.abi, outcomeColour(r, r.outcome), r.expected, r.diagnosis]);
  const bad = runs.filter((r) => r.outcome !== r.expected).length;
  const summary = bad === 0
    ? pc.green(`${runs.length} of ${runs.length} runs as expected`)
    : pc.red(`${bad} of ${runs.length} runs unexpected`);
  return `${table.toString()}\n${summary}`;
}

export function runJson(run: ScenarioRun, opts: { events: boolean }): Record<string, unknown> {
  return {
    scenario: run.scenario,
    abi: run.abi,
    outcome: run.outcome,
    expected: run.expected,
    // The scenario exports return one i32 (a u32 in the WIT): printed unsigned, as everywhere.
    result: run.result?.map((v) => v >>> 0) ?? null,
    trap: trapJson(run.trap),
    violations: violationsJson(run.violations, run.taskNames),
    diagnosis: run.diagnosis,
    ...(opts.events ? { events: run.events } : {}),
  };
}

/** One row per pairing, one column per scenario; a cell shows `pass`, the bug reproduced, or `unexpected`. */
export function formatMatrix(cells: readonly Cell[]): string {
  const scenarios = [...new Set(cells.map((c) => c.scenario))];
  const rows = new Map<string, Cell[]>();
  for (const c of cells) {
    const key = `${c.executor}|${c.importer}`;
    rows.set(key, [...(rows.get(key) ?? []), c]);
  }
  const table = new Table({
    head: ['executor', 'importer', ...scenarios].map((h) => pc.bold(h)),
    style: { head: [], border: [] },
  });
  for (const [key, row] of rows) {
    const [executor, importer] = key.split('|');
    table.push([executor, importer, ...scenarios.map((s) => cellText(row.find((c) => c.scenario === s)))]);
  }
  const bad = cells.filter((c) => c.actual !== c.expected);
  const lines = [table.toString()];
  for (const c of bad) lines.push(pc.red(`unexpected: ${c.scenario}, executor ${c.executor}, importer ${c.importer}: expected ${c.expected}, got ${c.actual}: ${c.diagnosis}`));
  // What was measured, not a claim: how many cells passed clean, how many reproduced their bug, how many violations the checker found.
  const passes = cells.filter((c) => c.actual === 'pass' && c.expected === 'pass').length;
  const bugCells = cells.filter((c) => c.expected !== 'pass');
  const bugs = bugCells.filter((c) => c.actual === c.expected).length;
  const found = cells.reduce((n, c) => n + c.violations.length, 0);
  const counts = `${passes} of ${cells.length - bugCells.length} expected to pass did, with no violation; ${bugs} of ${bugCells.length} expected to reproduce their bug did; ${found} violation(s) found in all`;
  lines.push(bad.length === 0
    ? pc.green(`${cells.length} of ${cells.length} cells as expected (${counts})`)
    : pc.red(`${bad.length} of ${cells.length} cells unexpected (${counts})`));
  return lines.join('\n');
}

function cellText(c: Cell | undefined): string {
  if (!c) return '';
  if (c.actual !== c.expected) return pc.red(`unexpected: ${c.actual}`);
  return c.actual === 'pass' ? pc.green('pass') : pc.yellow(c.actual);
}

export function cellJson(c: Cell): Record<string, unknown> {
  return {
    executor: c.executor,
    importer: c.importer,
    scenario: c.scenario,
    expected: c.expected,
    actual: c.actual,
    violations: violationsJson(c.violations, c.taskNames),
    trap: trapJson(c.trap),
    diagnosis: c.diagnosis,
  };
}

/** A trap in JSON: `null` when there is none, the message without its `[code]` prefix. */
export function trapJson(t: { code: string; message: string; instance?: string; task?: string } | undefined): Record<string, unknown> | null {
  if (!t) return null;
  return { code: t.code, message: trapMessage(t.code, t.message), instance: t.instance ?? null, task: t.task ?? null };
}

/**
 * Violations in JSON: every field present (`seq` null when the violation
 * points at no event), `task` the name the message uses (E1, B1…; null when
 * none) and `taskPtr` the shared state's address.
 */
export function violationsJson(vs: readonly Violation[], names: ReadonlyMap<string, string>): Record<string, unknown>[] {
  return vs.map((v) => ({
    kind: v.kind,
    instance: v.instance,
    task: v.task === 0 ? null : (names.get(`${v.instance}:${v.task}`) ?? `task 0x${(v.task >>> 0).toString(16).padStart(4, '0')}`),
    taskPtr: v.task,
    waitable: v.waitable,
    ptr: v.ptr,
    seq: v.seq ?? null,
    message: v.message,
  }));
}
