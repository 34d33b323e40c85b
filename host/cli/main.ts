/**
 * The `wasip3-task` command line.
 *
 *   wasip3-task                         the compatibility matrix (default job)
 *   wasip3-task matrix [--json]         the same, explicitly
 *   wasip3-task repro <scenario> --abi v1|v2 [--trace] [--json] [--svg FILE]
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMatrix, type Cell } from '../matrix/run.js';
import { parseAbi } from '../guest/builds.js';
import { guestScenarios, findGuestScenario } from '../scenarios/index.js';
import { runGuestScenario, type ScenarioRun } from '../scenarios/run.js';
import { renderTimeline, renderSequenceDiagram } from '../trace/diagram.js';
import { runComponent } from './run-component.js';
import { instanceName, loadWasm, parseArgs, runCoreModule, RunError, wasmKind } from './run.js';
import { cellJson, formatMatrix, formatRun, formatSummaryTable, runJson } from './format.js';
import { registerInspect } from './inspect.js';
import { limitOptions, limitsFrom, timeoutOption } from './limits.js';

const program = new Command();
program
  .name('wasip3-task')
  .description('The wasip3 task ABI (V1/V2): compatibility matrix and bug reproductions on a JSPI-free host')
  .showHelpAfterError();

program
  .command('matrix', { isDefault: true })
  .description('the compatibility matrix: every executor x importer pairing x every scenario, plus the guest exports on both builds (exit 0 when every cell matches its expectation)')
  .option('--json', 'print one JSON object with a `cells` array')
  .option('--trace <dir>', 'write a sequence diagram (SVG) per cell into <dir>')
  .addOption(timeoutOption('a cell'))
  .action(async (opts: { json?: boolean; trace?: string; timeout: number }) => {
    const cells = await runMatrix({ timeoutMs: opts.timeout });
    const exportsRuns: ScenarioRun[] = [];
    for (const scenario of guestScenarios) {
      for (const abi of [1, 2] as const) exportsRuns.push(await runGuestScenario(scenario, abi, { timeoutMs: opts.timeout }));
    }
    const ok = cells.every((c) => c.actual === c.expected) && exportsRuns.every((r) => r.outcome === r.expected);
    if (opts.trace) writeDiagrams(opts.trace, cells, exportsRuns);
    if (opts.json) {
      console.log(JSON.stringify({
        ok,
        cells: cells.map((c) => cellJson(c)),
        exports: exportsRuns.map((r) => runJson(r, { events: false })),
      }, null, 2));
    } else {
      console.log(formatMatrix(cells));
      console.log('');
      console.log('The guest\'s own callback-lifted exports (real block_on inside an async export):');
      console.log(formatSummaryTable(exportsRuns));
      if (opts.trace) console.log(`sequence diagrams written to ${opts.trace}/`);
    }
    process.exitCode = ok ? 0 : 1;
  });

function writeDiagrams(dir: string, cells: readonly Cell[], runs: readonly ScenarioRun[]): void {
  mkdirSync(dir, { recursive: true });
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  for (const c of cells) {
    const file = join(dir, `${slug(`${c.executor} exec ${c.importer} imp ${c.scenario}`)}.svg`);
    writeFileSync(file, renderSequenceDiagram(c.events, {
      title: `${c.scenario}: executor ${c.executor}, importer ${c.importer}`,
      subtitle: `expected ${c.expected}; actual ${c.actual}: ${c.diagnosis}`,
      violations: c.violations,
      taskNames: c.taskNames,
    }));
  }
  for (const r of runs) {
    writeFileSync(join(dir, `export-${r.scenario}-${r.abi}.svg`), renderSequenceDiagram(r.events, {
      title: `${r.scenario} export on guest ${r.abi}`,
      subtitle: `${r.outcome} (expected ${r.expected}): ${r.diagnosis}`,
      violations: r.violations,
      taskNames: r.taskNames,
    }));
  }
}

program
  .command('repro')
  .description('run one scenario on one guest build, with a numbered timeline and a verdict (exit 0 when the outcome is the expected one)')
  .argument('<scenario>', `one of: ${guestScenarios.map((s) => s.name).join(', ')}`)
  .addOption(new Option('--abi <version>', 'guest build').choices(['v1', 'v2']).makeOptionMandatory())
  .option('--trace', 'record canonical built-in calls too')
  .option('--json', 'print one JSON object (scenario, abi, outcome, violations, events)')
  .option('--svg <file>', 'write the run as a sequence diagram (SVG)')
  .addOption(timeoutOption('the scenario'))
  .action(async (name: string, opts: { abi: string; trace?: boolean; json?: boolean; svg?: string; timeout: number }) => {
    const scenario = findGuestScenario(name);
    if (!scenario) throw new InvalidArgumentError(`unknown scenario '${name}'`);
    const run = await runGuestScenario(scenario, parseAbi(opts.abi), { canon: opts.trace, timeoutMs: opts.timeout });
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

const [maxHandles, maxStreamEnds, maxTasks] = limitOptions();
program
  .command('run')
  .description('host a WASIp3 async component (under jco) or a core module (.wasm or .wat, on the embedded host) and call one export; exit 0 on a result, 1 on a trap')
  .argument('<file>', 'a component, or a core module (.wasm, or .wat text) that imports the built-ins by their wit-component names')
  .requiredOption('--invoke <export>', 'the export to call: callback-lifted when [async-lift]<export> exists, else the plain export')
  .option('--args <json>', 'the flat core arguments as a JSON array of numbers, e.g. [1,2]')
  .option('--json', 'print one object: result or trap (code, message, instance, task), plus events with --trace')
  .option('--trace', 'record every canonical built-in call and task-ABI event')
  .addOption(new Option('--host <host>', 'where to run it (components default to jco, core modules to embedded)').choices(['embedded', 'jco']))
  .addOption(timeoutOption('the guest (its start function and the call; under jco, the whole child process)'))
  .addOption(maxHandles)
  .addOption(maxStreamEnds)
  .addOption(maxTasks)
  .action(async (file: string, opts: { invoke: string; args?: string; json?: boolean; trace?: boolean; host?: 'embedded' | 'jco'; timeout: number; maxHandles?: number; maxStreamEnds?: number; maxTasks?: number }) => {
    const bytes = await loadWasm(file);
    const kind = wasmKind(bytes);
    const host = opts.host ?? (kind === 'component' ? 'jco' : 'embedded');
    if (kind === 'component') {
      if (opts.trace) throw new RunError('unsupported', '--trace is for core modules on the embedded host');
      const { exitCode } = await runComponent(file, { invoke: opts.invoke, args: opts.args, host, json: opts.json, bytes, timeoutMs: opts.timeout });
      process.exitCode = exitCode;
      return;
    }
    if (host === 'jco') throw new RunError('unsupported', 'jco runs components; a core module runs on the embedded host');
    const out = await runCoreModule(bytes, { name: instanceName(file), invoke: opts.invoke, args: parseArgs(opts.args), trace: !!opts.trace, timeoutMs: opts.timeout, limits: limitsFrom(opts) });
    if (opts.json) console.log(JSON.stringify(out, null, 2));
    else {
      if (out.events) for (const line of renderTimeline(out.events, [])) console.log(line);
      if (out.trap) console.log(`trap ${out.trap.code}: ${out.trap.message}`);
      else console.log(`result: ${JSON.stringify(out.result)}`);
    }
    process.exitCode = out.trap ? 1 : 0;
  });

registerInspect(program);

program.parseAsync().catch((e: unknown) => {
  const code = e instanceof RunError ? ` [${e.code}]` : '';
  console.error(`wasip3-task${code}: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
});
