/**
 * The `compare` subcommand's registration (host/cli/compare.ts does the
 * work, loaded when the command runs: the CLI's other commands start
 * without jco's, Wasmtime's and the table's modules).
 */
import { Option, type Command } from 'commander';
import type { CompareHost } from './compare.js';
import { RunError } from './errors.js';
import { timeoutOption } from './limits.js';

/** The `compare` subcommand (one registration in main.ts). */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run one call on every available host (embedded, jco, wasmtime) and compare the outcomes (exit 0 when they agree, 1 when they differ)')
    .argument('<file>', 'a component (embedded, jco, wasmtime) or a core module (embedded)')
    .requiredOption('--invoke <export>', 'the export to call (the WIT name; iface#name for an interface function)')
    .option('--args <json>', 'the arguments as a JSON array (component: jco\'s value form; core module: flat numbers)')
    .option('--json', 'print one object: file, export, args, agree, hosts (status, result or trap, signature, times)')
    .addOption(new Option('--hosts <list>', 'comma-separated subset of embedded,jco,wasmtime'))
    .option('--imports <file>', 'an import spec (JSON: { "iface#name": { "result": V } | { "echo": i } | { "trap": "text" } }) serving the component\'s custom imports on every host')
    .addOption(timeoutOption('jco\'s and Wasmtime\'s child processes (the embedded host runs in this process)'))
    .action(async (file: string, opts: { invoke: string; args?: string; json?: boolean; hosts?: string; timeout: number; imports?: string }) => {
      const { compare, compareHosts, formatComparison, readImportSpec } = await import('./compare.js');
      const hosts = opts.hosts?.split(',').map((s) => s.trim());
      const bad = hosts?.find((h) => !(compareHosts as readonly string[]).includes(h));
      if (bad !== undefined) throw new RunError('bad-usage', `--hosts: unknown host '${bad}' (hosts: ${compareHosts.join(', ')})`);
      const imports = opts.imports === undefined ? undefined : readImportSpec(opts.imports);
      const c = await compare(file, { invoke: opts.invoke, args: opts.args, hosts: hosts as CompareHost[] | undefined, timeoutMs: opts.timeout, imports });
      if (opts.json) console.log(JSON.stringify(c, null, 2));
      else console.log(formatComparison(c));
      process.exitCode = c.agree ? 0 : 1;
    });
}
