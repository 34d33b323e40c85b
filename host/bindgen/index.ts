/**
 * `wasip3-task bindgen`: AssemblyScript bindings for a WIT world (gen.ts),
 * written into an output directory with the glue runtime next to them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBindings, type GeneratedBindings, type GenerateOptions } from './gen.js';
import { BindgenError, readWitSource, resolveWorld } from './wit.js';

export { BindgenError, readWitSource, resolveWorld } from './wit.js';
export type { ResolvedWorld, WorldFunc, WorldInterface } from './wit.js';
export { generateBindings } from './gen.js';
export type { GeneratedBindings, GenerateOptions } from './gen.js';

/** The glue runtime's source (assembly/bindgen-rt/rt.ts, from the source tree or the installed package). */
export function runtimeSource(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      return readFileSync(join(dir, 'assembly/bindgen-rt/rt.ts'), 'utf8');
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error('assembly/bindgen-rt/rt.ts not found next to the package');
}

/** Generates the bindings of `world` in the WIT at `witPath` (a file or directory) into `outDir`. */
export async function bindgen(witPath: string, world: string, outDir: string, opts: GenerateOptions = {}): Promise<GeneratedBindings & { files: Record<string, string> }> {
  const resolved = await resolveWorld(await readWitSource(witPath), world);
  const gen = generateBindings(resolved, opts);
  const files = { ...gen.files, 'rt.ts': runtimeSource() };
  try {
    mkdirSync(outDir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(outDir, name), text);
  } catch (e) {
    throw new BindgenError('unwritable', `cannot write into ${outDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { ...gen, files };
}
