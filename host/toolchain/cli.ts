/**
 * `wasip3-task componentize <entry.ts> --wit <dir> --world <name> -o out.wasm`:
 * the command-line face of ./componentize.ts. Bad input (a compile error, a
 * missing world, WIT that does not resolve, an unwritable output) is a
 * RunError: `error [<code>]: …`, the usage line, exit code 2.
 */
import type { Command } from 'commander';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RunError } from '../cli/errors.js';

export function registerComponentize(program: Command): void {
  program
    .command('componentize')
    .description('compile an AssemblyScript entry file with the wasip3-task-shim SDK (asc) and make a WASIp3 component of a WIT world (jco); exit 0 when the component is written, 2 on bad input')
    .argument('<entry>', 'the AssemblyScript entry file (.ts)')
    .requiredOption('--wit <path>', 'a .wit file or a WIT directory (its .wit files and deps/) (required)')
    .requiredOption('--world <name>', 'the world the component targets (required)')
    .requiredOption('-o, --out <file>', 'where to write the component (required)')
    .option('--abi <v1|v2>', 'the task ABI the runtime publishes (default v2)', 'v2')
    .option('-O, --optimize-level <n>', 'asc optimize level 0-3 (default 3)')
    .option('--shrink-level <n>', 'asc shrink level 0-2 (default 2)')
    .option('--debug', 'keep the name section (function names in traps)')
    .option('--assertions', 'keep assertions (by default asc runs with --noAssert)')
    .option('--core <file>', 'also write the core module (before the WIT is embedded)')
    .option('--json', 'print one JSON object: out, size, core size, renamed exports')
    .action(async (entry: string, opts: { wit: string; world: string; out: string; abi: string; optimizeLevel?: string; shrinkLevel?: string; debug?: boolean; assertions?: boolean; core?: string; json?: boolean }) => {
      const abi = opts.abi === 'v1' || opts.abi === '1' ? 1 : opts.abi === 'v2' || opts.abi === '2' ? 2 : undefined;
      if (abi === undefined) throw new RunError('usage', `--abi takes v1 or v2, not ${opts.abi}`);
      const level = (v: string | undefined, flag: string, maxLevel: number): number | undefined => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > maxLevel) throw new RunError('usage', `${flag} takes an integer 0-${maxLevel}, not ${v}`);
        return n;
      };
      const optimizeLevel = level(opts.optimizeLevel, '--optimize-level', 3);
      const shrinkLevel = level(opts.shrinkLevel, '--shrink-level', 2);
      for (const f of [opts.out, opts.core]) {
        if (f === undefined) continue;
        const dir = dirname(resolve(f));
        if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RunError('unwritable', `cannot write ${f}: directory ${dir} does not exist`);
        if (existsSync(f) && statSync(f).isDirectory()) throw new RunError('unwritable', `cannot write ${f}: it is a directory`);
      }
      // Loaded on use: asc and binaryen cost about a second to import.
      const { componentize, ComponentizeError } = await import('./componentize.js');
      let r;
      try {
        r = await componentize({
          entry, wit: opts.wit, world: opts.world, abi, debug: !!opts.debug, assertions: !!opts.assertions,
          ...(optimizeLevel === undefined ? {} : { optimizeLevel }),
          ...(shrinkLevel === undefined ? {} : { shrinkLevel }),
        });
      } catch (e) {
        if (e instanceof ComponentizeError) throw new RunError(e.code, e.message);
        throw e;
      }
      try {
        writeFileSync(opts.out, r.component);
        if (opts.core) writeFileSync(opts.core, r.core);
      } catch (e) {
        throw new RunError('unwritable', `cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (opts.json) {
        console.log(JSON.stringify({ out: opts.out, size: r.component.length, coreSize: r.core.length, world: opts.world, abi: `v${abi}`, renamed: r.renamed }, null, 2));
      } else {
        console.log(`wrote ${opts.out} (world ${opts.world}, task ABI v${abi}, ${r.component.length} bytes; core module ${r.core.length} bytes)`);
      }
    });
}
