/** Human and JSON renderings of scenario runs. */
import Table from 'cli-table3';
import pc from 'picocolors';
import type { ScenarioRun } from '../scenarios/run.js';

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
  if (run.trap) lines.push(`trap ${run.trap.code}${run.trap.instance ? ` in ${run.trap.instance}` : ''}: ${run.trap.message}`);
  if (run.violations.length > 0) {
    lines.push(`${run.violations.length} violation(s):`);
    for (const v of run.violations) lines.push(`  ${v.kind}${v.seq !== undefined ? ` at #${v.seq}` : ''}: ${v.message}`);
  }
  lines.push(`diagnosis: ${run.diagnosis}`);
  lines.push(verdict(run));
  return lines.join('\n');
}

export function formatSummaryTable(runs: readonly ScenarioRun[]): string {
  const table = new Table({ head: ['scenario', 'guest', 'outcome', 'expected', 'diagnosis'].map((h) => pc.bold(h)), wordWrap: true, colWidths: [18, 7, 12, 12, 70], style: { head: [], border: [] } });
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
    result: run.result,
    trap: run.trap,
    violations: run.violations,
    diagnosis: run.diagnosis,
    ...(opts.events ? { events: run.events } : {}),
  };
}
