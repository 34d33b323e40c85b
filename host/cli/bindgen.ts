/**
 * `wasip3-task bindgen <wit> --world <name> --out <dir>`: AssemblyScript
 * bindings for a WIT world (host/bindgen). Bad input (no WIT, WIT that does
 * not resolve, no such world, a type the generator does not support) exits
 * 2 with `error [<rule>]: ...`.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { RunError } from './errors.js';

export function registerBindgen(program: Command): void {
  program
    .command('bindgen')
    .description('generate AssemblyScript bindings for a WIT world: bindings.ts (types, import wrappers), exports.ts (export glue), exports.json (export renames), rt.ts')
    .argument('<wit>', 'a .wit file or a directory of .wit files')
    .requiredOption('--world <name>', 'the world (required)')
    .requiredOption('--out <dir>', 'the output directory, created if missing (required)')
    .option('--impl <module>', 'the module implementing the exports, as imported from the output directory', '../impl')
    .option('--sdk <module>', 'the SDK module the glue imports', 'wasip3-task-shim/assembly/sdk')
    .action(async (wit: string, o: { world: string; out: string; impl: string; sdk: string }) => {
      // Loaded on use: the generator pulls in jco and asc's binaryen, which every other command can do without.
      const { bindgen, BindgenError } = await import('../bindgen/index.js');
      try {
        const r = await bindgen(wit, o.world, o.out, { impl: o.impl, sdk: o.sdk });
        for (const f of Object.keys(r.files)) console.log(`wrote ${join(o.out, f)}`);
        console.log(`${Object.keys(r.renames).length} core exports renamed (exports.json)`);
        process.exitCode = 0;
      } catch (e) {
        // `error [<rule>]: …` and the usage line, exit 2, as every command's bad input.
        if (e instanceof BindgenError) throw new RunError(e.rule, e.message);
        throw e;
      }
    });
}
