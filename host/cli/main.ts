/**
 * The `wasip3-task` command line.
 *
 *   wasip3-task                         the compatibility matrix (the default command)
 *   wasip3-task matrix [--json] [--trace DIR]
 *   wasip3-task repro <scenario> --abi v1|v2 [--trace] [--json] [--svg FILE]
 *   wasip3-task run <file> --invoke <export> [--args JSON] [--json] [--trace] [--host embedded|jco]
 *   wasip3-task componentize <entry.ts> --wit <dir> --world <name> -o out.wasm
 *   wasip3-task help [command] | --version
 *
 * Exit codes: 0 ok; 1 a trap, a violation or an unexpected outcome; 2 a
 * usage error or bad input (the message, then the command's usage).
 */
import { Command, CommanderError, Option } from 'commander';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// Only what registering the commands needs is imported here: each command's
// action imports its own modules when it runs (`run prog.wasm` starts without
// the matrix, the trace diagrams, jco's and Wasmtime's runners, cli-table3).
import type { Cell } from '../matrix/run.js';
import { guestScenarios, findGuestScenario } from '../scenarios/index.js';
import type { ScenarioRun } from '../scenarios/run.js';
import { RunError } from './errors.js';
import { loadWasm, wasmKind } from './input.js';
import { stringifyJson, textValues, jsonValue } from './values.js';
import { registerCompare } from './compare-command.js';
import { limitOptions, limitsFrom, timeoutOption } from './limits.js';
import { registerInspect } from './inspect.js';
import { registerWast } from './wast.js';
import { jspiSupported, type JspiMode } from '../canon/jspi.js';
import { registerComponentize } from '../toolchain/cli.js';
import { registerBindgen } from './bindgen.js';

/** This package's version, from the package.json above this file (source or dist). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'wasip3-task-shim' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** A usage error of `cmd`: the message and the command's help on stderr, exit code 2. */
function usage(cmd: Command, message: string): never {
  cmd.error(`error: ${message}`, { exitCode: 2, code: 'wasip3-task.usage' });
}

const EXIT_CODES = `
Exit codes: 0 ok; 1 a trap, a task-ABI violation or an unexpected outcome;
2 a usage error or bad input.`;

// A reader that goes away (`wasip3-task matrix | head`) ends the command at
// once and quietly with the exit code so far (0 unless a failure was already
// recorded): no write error and no stack
// trace. (A wasi:cli/run program writes fd 1 itself and gets its own
// `stream-error`; this listener only sees the tool's own output.)
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/** A repeatable option's values, appended in place: copying the list per value made 20,000 `--env` quadratic. */
function collect(v: string, a: string[]): string[] {
  a.push(v);
  return a;
}

const program = new Command();
program
  .name('wasip3-task')
  .usage('[command] [options]')
  .description('The wasip3 task ABI (V1/V2): compatibility matrix and bug reproductions on a JSPI-free host.\nWith no command, runs `matrix`.')
  .version(packageVersion(), '-V, --version', 'print the version and exit')
  .helpCommand(false)
  .showHelpAfterError()
  .exitOverride()
  .addHelpText('after', EXIT_CODES);

const matrix = program
  .command('matrix', { isDefault: true })
  .description('(default command) the compatibility matrix: every executor x importer pairing x every scenario, plus the guest exports on both builds (exit 0 when every cell matches its expectation)')
  .option('--json', 'print one JSON object with `ok`, `cells` and `exports`')
  .option('--trace <dir>', 'write a sequence diagram (SVG) per cell into <dir> (created if missing)')
  .addOption(timeoutOption('a cell'))
  .allowExcessArguments()
  .addHelpText('after', EXIT_CODES)
  .action(async (opts: { json?: boolean; trace?: string; timeout: number }, cmd: Command) => {
    if (cmd.args.length > 0) {
      // The default command also receives what is not a command name.
      const explicit = process.argv.slice(2).indexOf('matrix');
      const first = process.argv.slice(2).indexOf(cmd.args[0]!);
      if (explicit < 0 || explicit > first) usage(program, `unknown command '${cmd.args[0]}' (commands: ${commandNames().join(', ')})`);
      usage(cmd, `matrix takes no arguments, got '${cmd.args.join(' ')}'`);
    }
    if (opts.trace !== undefined) prepareDir(cmd, '--trace', opts.trace);
    const [{ runMatrix }, { runGuestScenario }, { cellJson, formatMatrix, formatSummaryTable, runJson }] = await Promise.all([import('../matrix/run.js'), import('../scenarios/run.js'), import('./format.js')]);
    const cells = await runMatrix({ timeoutMs: opts.timeout });
    const exportsRuns: ScenarioRun[] = [];
    for (const scenario of guestScenarios) {
      for (const abi of [1, 2] as const) exportsRuns.push(await runGuestScenario(scenario, abi, { timeoutMs: opts.timeout }));
    }
    const ok = cells.every((c) => c.actual === c.expected) && exportsRuns.every((r) => r.outcome === r.expected);
    if (opts.trace !== undefined) await writeDiagrams(opts.trace, cells, exportsRuns);
    if (opts.json) {
      console.log(stringifyJson({
        ok,
        cells: cells.map((c) => cellJson(c)),
        exports: exportsRuns.map((r) => runJson(r, { events: false })),
      }));
    } else {
      console.log(formatMatrix(cells));
      console.log('');
      console.log('The guest\'s own callback-lifted exports (real block_on inside an async export):');
      console.log(formatSummaryTable(exportsRuns));
      if (opts.trace !== undefined) console.log(`sequence diagrams written to ${opts.trace}/`);
    }
    process.exitCode = ok ? 0 : 1;
  });

const commandNames = (): string[] => program.commands.map((c) => c.name());

/** `--trace <dir>`: not empty, a directory or creatable as one; a usage error otherwise. */
function prepareDir(cmd: Command, flag: string, dir: string): void {
  if (dir.trim() === '') usage(cmd, `${flag} needs a directory name (got an empty string)`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) usage(cmd, `${flag} ${dir}: exists and is not a directory`);
  try {
    // Component by component: Node's recursive mkdir never returns for some paths (under /proc).
    const missing: string[] = [];
    for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
    for (const d of missing) mkdirSync(d);
  } catch (e) {
    usage(cmd, `${flag} ${dir}: cannot create the directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** `--svg <file>`: not empty, not a directory, in a directory that exists; a usage error otherwise. */
function checkOutputFile(cmd: Command, flag: string, file: string): void {
  if (file.trim() === '') usage(cmd, `${flag} needs a file name (got an empty string)`);
  if (existsSync(file) && statSync(file).isDirectory()) usage(cmd, `${flag} ${file}: is a directory`);
  const parent = dirname(resolve(file));
  if (!existsSync(parent) || !statSync(parent).isDirectory()) usage(cmd, `${flag} ${file}: the directory ${parent} does not exist`);
}

function writeOutput(cmd: Command, flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    usage(cmd, `${flag} ${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function writeDiagrams(dir: string, cells: readonly Cell[], runs: readonly ScenarioRun[]): Promise<void> {
  const { renderSequenceDiagram } = await import('../trace/diagram.js');
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  for (const c of cells) {
    const file = join(dir, `${slug(`${c.executor} exec ${c.importer} imp ${c.scenario}`)}.svg`);
    writeOutput(matrix, '--trace', file, renderSequenceDiagram(c.events, {
      title: `${c.scenario}: executor ${c.executor}, importer ${c.importer}`,
      subtitle: `expected ${c.expected}; actual ${c.actual}: ${c.diagnosis}`,
      violations: c.violations,
      taskNames: c.taskNames,
    }));
  }
  for (const r of runs) {
    writeOutput(matrix, '--trace', join(dir, `export-${r.scenario}-${r.abi}.svg`), renderSequenceDiagram(r.events, {
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
  .addOption(new Option('--abi <version>', '(required) the guest build').choices(['v1', 'v2']).makeOptionMandatory())
  .option('--trace', 'record canonical built-in calls too')
  .option('--json', 'print one JSON object (scenario, abi, outcome, violations, events)')
  .option('--svg <file>', 'write the run as a sequence diagram (SVG)')
  .addOption(timeoutOption('the scenario'))
  .addHelpText('after', EXIT_CODES)
  .action(async (name: string, opts: { abi: string; trace?: boolean; json?: boolean; svg?: string; timeout: number }, cmd: Command) => {
    const scenario = findGuestScenario(name);
    if (!scenario) usage(cmd, `unknown scenario '${name}' (scenarios: ${guestScenarios.map((s) => s.name).join(', ')})`);
    if (opts.svg !== undefined) checkOutputFile(cmd, '--svg', opts.svg);
    const [{ parseAbi }, { runGuestScenario }, { renderTimeline, renderSequenceDiagram }, { formatRun, runJson }] = await Promise.all([import('../guest/builds.js'), import('../scenarios/run.js'), import('../trace/diagram.js'), import('./format.js')]);
    const run = await runGuestScenario(scenario, parseAbi(opts.abi), { canon: opts.trace, timeoutMs: opts.timeout });
    if (opts.svg !== undefined) {
      writeOutput(cmd, '--svg', opts.svg, renderSequenceDiagram(run.events, {
        title: `${run.scenario} on guest ${run.abi}`,
        subtitle: `${run.outcome} (expected ${run.expected}): ${run.diagnosis}`,
        violations: run.violations,
        taskNames: run.taskNames,
      }));
    }
    if (opts.json) console.log(stringifyJson(runJson(run, { events: true })));
    else console.log(formatRun(run, renderTimeline(run.events, run.violations, { taskNames: run.taskNames })));
    process.exitCode = run.outcome === run.expected ? 0 : 1;
  });

const [maxHandles, maxStreamEnds, maxTasks] = limitOptions();
const run = program
  .command('run')
  .description('host a WASIp3 async component (under jco) or a core module (binary or WAT text, on the embedded host) and call one export; exit 0 on a result, 1 on a trap or a task-ABI violation')
  .argument('<file>', 'a component, or a core module (a binary, or WAT text) that imports the built-ins by their wit-component names')
  .argument('[program-args...]', 'after --: the arguments of a wasi:cli/run program (argv[0] is the file name)')
  .option('--invoke <export>', '(required) the export to call: callback-lifted when [async-lift]<export> exists, else the plain export (a component exporting wasi:cli/run runs as a program without it)')
  .option('--args <json>', 'the arguments as a JSON array: for a core module the flat core values, checked against the export\'s type (i64 as a number within ±(2^53-1) or a decimal string; floats as numbers or "NaN", "Infinity", "-Infinity"), e.g. [1,"9007199254740993",1.5]')
  .option('--json', 'print one object: result (and resultTypes) or trap, violations, plus events with --trace')
  .option('--trace', 'record every canonical built-in call and task-ABI event, and print the timeline (a wasi:cli/run program: on stderr, after it ends)')
  .addOption(new Option('--host <host>', 'where to run it (default embedded; jco and wasmtime run components only)').choices(['embedded', 'jco', 'wasmtime']))
  .addOption(timeoutOption('the guest (its start function and the call; under jco, the whole child process)'))
  .addOption(maxHandles)
  .addOption(maxStreamEnds)
  .addOption(maxTasks)
  .addHelpText('after', EXIT_CODES)
  .option('--env <K=V>', 'wasi:cli/run programs: an environment variable (repeatable)', collect, [] as string[])
  .option('--inherit-env', "wasi:cli/run programs: pass the tool's environment")
  .option('--dir <host::guest>', 'wasi:cli/run programs: a preopened directory (repeatable)', collect, [] as string[])
  .option('--deterministic [seed]', 'wasi:cli/run programs: seeded random and virtual clocks')
  .option('--jspi <mode>', 'components on the embedded host with --invoke: JSPI stack switching, auto (on when this Node has WebAssembly.Suspending), on, off', 'auto')
  .action(async (file: string, programArgs: string[], opts: { invoke?: string; args?: string; json?: boolean; trace?: boolean; host?: 'embedded' | 'jco' | 'wasmtime'; timeout: number; maxHandles?: number; maxStreamEnds?: number; maxTasks?: number; env: string[]; inheritEnv?: boolean; dir: string[]; deterministic?: boolean | string; jspi: string }) => {
    // Options of one kind of run given to the other are usage errors, not silently dropped.
    const given = (name: string): boolean => run.getOptionValueSource(name) === 'cli';
    const flag = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (opts.invoke !== undefined) {
      const programOnly = ['env', 'inheritEnv', 'dir', 'deterministic'].filter(given);
      if (programOnly.length > 0) usage(run, `${programOnly.map(flag).join(', ')} ${programOnly.length > 1 ? 'are' : 'is'} for a wasi:cli/run program, which runs without --invoke`);
    }
    const bytes = await loadWasm(file);
    const kind = wasmKind(bytes);
    if (opts.invoke === undefined) {
      // A program: wasi:cli/run on the embedded component host (host/cli/run-wasi.ts).
      const { exportsWasiRun, runWasiProgram } = await import('./run-wasi.js');
      if (kind !== 'component' || !exportsWasiRun(bytes)) {
        usage(run, `required option '--invoke <export>' not specified${kind === 'component' ? ` (${file} exports no wasi:cli/run)` : ''}`);
      }
      const callOnly = ['args', 'json', 'host', 'jspi'].filter(given);
      if (callOnly.length > 0) usage(run, `${callOnly.map(flag).join(', ')} ${callOnly.length > 1 ? 'are' : 'is'} for a call with --invoke, not for a wasi:cli/run program (it runs on the embedded host)`);
      process.exit(await runWasiProgram(file, bytes, programArgs, opts));
    }
    if (programArgs.length > 0) usage(run, `program arguments (${programArgs.join(' ')}) are for a wasi:cli/run program, which runs without --invoke`);
    if (given('jspi') && (kind !== 'component' || (opts.host ?? 'embedded') !== 'embedded')) usage(run, '--jspi is for a component on the embedded host (jco and Wasmtime choose their own; a core module runs without it)');
    if (opts.host === 'wasmtime') {
      if (kind !== 'component' || opts.trace) throw new RunError('unsupported', 'the Wasmtime host runs components, without --trace');
      const { runWasmtimeCommand } = await import('./run-wasmtime.js');
      process.exitCode = await runWasmtimeCommand(file, bytes, { invoke: opts.invoke, args: opts.args, json: opts.json, timeoutMs: opts.timeout });
      return;
    }
    const host = opts.host ?? 'embedded';
    if (kind === 'component') {
      if (opts.trace && host !== 'embedded') throw new RunError('unsupported', '--trace is for the embedded host');
      if (host === 'embedded') {
        if (!['auto', 'on', 'off'].includes(opts.jspi)) usage(run, `--jspi takes auto, on or off, not ${opts.jspi}`);
        if (opts.jspi === 'on' && !jspiSupported()) usage(run, `--jspi on needs WebAssembly.Suspending (Node >= 24; this is Node ${process.versions.node}): run it with node_modules/.bin/node`);
        const { runEmbeddedComponent } = await import('./run-embedded-component.js');
        process.exitCode = await runEmbeddedComponent(file, bytes, { invoke: opts.invoke, args: opts.args, json: opts.json, timeoutMs: opts.timeout, limits: limitsFrom(opts), jspi: opts.jspi as JspiMode, trace: !!opts.trace });
        return;
      }
      const { runComponent } = await import('./run-component.js');
      const { exitCode } = await runComponent(file, { invoke: opts.invoke, args: opts.args, host, json: opts.json, bytes, timeoutMs: opts.timeout });
      process.exitCode = exitCode;
      return;
    }
    if (host === 'jco') throw new RunError('unsupported', 'jco runs components; a core module runs on the embedded host');
    const [{ instanceName, runCoreModule }, { trapJson, violationsJson }, { renderTimeline }] = await Promise.all([import('./run.js'), import('./format.js'), import('../trace/diagram.js')]);
    const out = await runCoreModule(bytes, { name: instanceName(file), invoke: opts.invoke, args: opts.args, trace: !!opts.trace, timeoutMs: opts.timeout, limits: limitsFrom(opts) });
    const types = out.resultTypes;
    if (opts.json) {
      console.log(stringifyJson({
        ...(out.result !== undefined ? { result: out.result.map((v, i) => jsonValue(v, types?.[i])), resultTypes: types ?? null } : {}),
        trap: trapJson(out.trap),
        violations: violationsJson(out.violations, out.taskNames),
        ...(out.events ? { events: out.events } : {}),
        ...(out.eventsDropped ? { eventsDropped: out.eventsDropped } : {}),
      }));
    } else {
      if (out.events) for (const line of renderTimeline(out.events, out.violations, { taskNames: out.taskNames })) console.log(line);
      else for (const v of out.violations) console.log(`!! ${v.kind}${v.seq !== undefined ? ` at #${v.seq}` : ''}: ${v.message}`);
      if (out.trap) console.log(`trap ${out.trap.code}: ${out.trap.message}`);
      else console.log(`result: ${textValues(out.result ?? [], types)}`);
      if (out.violations.length > 0) console.log(`${out.violations.length} task-ABI violation(s)`);
    }
    process.exitCode = out.trap || out.violations.length > 0 ? 1 : 0;
  });

registerInspect(program);
registerCompare(program);
registerWast(program);
registerComponentize(program);
registerBindgen(program);

program
  .command('help')
  .description('show the help of a command (or of wasip3-task)')
  .argument('[command]', 'a command name')
  .action((name: string | undefined) => {
    if (name === undefined) return program.outputHelp();
    const cmd = program.commands.find((c) => c.name() === name);
    if (!cmd) usage(program, `unknown command '${name}' (commands: ${commandNames().join(', ')})`);
    cmd.outputHelp();
  });

/** The command that was running, for a usage line after a RunError. */
function commandOf(argv: readonly string[]): Command | undefined {
  // The first word that is not an option: `bindgen wit --world run` is bindgen's, not run's.
  const word = argv.find((a) => !a.startsWith('-'));
  return program.commands.find((c) => c.name() === word);
}

program.parseAsync().catch((e: unknown) => {
  if (e instanceof CommanderError) {
    // Help and --version exit 0; every usage error 2 (commander has already printed it).
    process.exitCode = e.exitCode === 0 ? 0 : 2;
    return;
  }
  if (e instanceof RunError) {
    // A WAT error is `file:line:col: message` and its source line, as a compiler prints it.
    if (e.code === 'bad-wat') console.error(e.message);
    else {
      console.error(`error [${e.code}]: ${e.message}`);
      const cmd = commandOf(process.argv.slice(2)) ?? run;
      console.error(`Usage: ${program.name()} ${cmd.name()} ${cmd.usage()}  (see: ${program.name()} help ${cmd.name()})`);
    }
    process.exitCode = 2;
    return;
  }
  // Not a usage error nor a guest trap: a bug of this tool.
  console.error(`wasip3-task: internal error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
