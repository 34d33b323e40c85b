/**
 * The `wasip3-task` command line.
 *
 *   wasip3-task                         the compatibility matrix (default job)
 *   wasip3-task matrix [--json]         the same, explicitly
 *   wasip3-task repro <scenario> --abi v1|v2 [--trace] [--json] [--svg FILE]
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { parseAbi } from '../guest/builds.js';
import { guestScenarios, findGuestScenario } from '../scenarios/index.js';
import { runGuestScenario, type ScenarioRun } from '../scenarios/run.js';
import { renderTimeline, renderSequenceDiagram } from '../trace/diagram.js';
import { formatRun, formatSummaryTable, runJson } from './format.js';

const program = new Command();
program
  .name('wasip3-task')
  .description('The wasip3 task ABI (V1/V2): compatibility matrix and bug reproductions on a JSPI-free host')
  .showHelpAfterError();

program
  .command('matrix', { isDefault: true })
  .description('run every scenario on both guest builds and print the table (exit 0 when every cell matches its expectation)')
  .option('--json', 'print one JSON object with a `cells` array')
  .action(async (opts: { json?: boolean }) => {
    const runs: ScenarioRun[] = [];
    for (const scenario of guestScenarios) {
      for (const abi of [1, 2] as const) runs.push(await runGuestScenario(scenario, abi));
    }
    const ok = runs.every((r) => r.outcome === r.expected);
    if (opts.json) {
      console.log(JSON.stringify({ ok, cells: runs.map((r) => runJson(r, { events: false })) }, null, 2));
    } else {
      console.log(formatSummaryTable(runs));
    }
    process.exitCode = ok ? 0 : 1;
  });

program
  .command('repro')
  .description('run one scenario on one guest build, with a numbered timeline and a verdict (exit 0 when the outcome is the expected one)')
  .argument('<scenario>', `one of: ${guestScenarios.map((s) => s.name).join(', ')}`)
  .addOption(new Option('--abi <version>', 'guest build').choices(['v1', 'v2']).makeOptionMandatory())
  .option('--trace', 'record canonical built-in calls too')
  .option('--json', 'print one JSON object (scenario, abi, outcome, violations, events)')
  .option('--svg <file>', 'write the run as a sequence diagram (SVG)')
  .action(async (name: string, opts: { abi: string; trace?: boolean; json?: boolean; svg?: string }) => {
    const scenario = findGuestScenario(name);
    if (!scenario) throw new InvalidArgumentError(`unknown scenario '${name}'`);
    const run = await runGuestScenario(scenario, parseAbi(opts.abi), { canon: opts.trace });
    if (opts.svg) {
      writeFileSync(opts.svg, renderSequenceDiagram(run.events, {
        title: `${run.scenario} on guest ${run.abi}`,
        subtitle: `${run.outcome} (expected ${run.expected}): ${run.diagnosis}`,
        violations: run.violations,
        taskNames: run.taskNames,
      }));
    }
    if (opts.json) console.log(JSON.stringify(runJson(run, { events: true }), null, 2));
    else console.log(formatRun(run, renderTimeline(run.events, run.violations, { taskNames: run.taskNames })));
    process.exitCode = run.outcome === run.expected ? 0 : 1;
  });

program.parseAsync().catch((e: unknown) => {
  console.error(`wasip3-task: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
});
