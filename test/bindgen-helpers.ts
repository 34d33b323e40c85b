// Builds a binding-generator fixture (test/bindgen/<name>/: a WIT world,
// impl.ts implementing it, main.ts re-exporting the glue): the bindings are
// generated into build/bindgen/<name>/bindings/, compiled with asc (every
// diagnostic in the generated files collected), and componentized with the
// SDK toolchain.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { bindgen } from '../host/bindgen/index.js';
import { componentize } from '../host/toolchain/componentize.js';
import { exportNames } from '../host/toolchain/export-names.js';

const root = resolve(import.meta.dirname, '..');

export interface BuiltFixture {
  readonly dir: string;
  readonly component: Uint8Array;
  /** asc's warnings and errors in the generated files (`file: message`). */
  readonly diagnostics: string[];
  readonly files: Record<string, string>;
  readonly renames: Record<string, string>;
}

/** asc diagnostics of compiling `entry`, as `path: AS<code> message`, for sources under `under`. */
export async function ascDiagnostics(entry: string, under: string): Promise<string[]> {
  const marker = `${sep}node_modules${sep}wasip3-task-shim${sep}`;
  const readFile = async (name: string, baseDir: string): Promise<string | null> => {
    const full = resolve(baseDir, name);
    const at = full.lastIndexOf(marker);
    try {
      return readFileSync(at >= 0 ? join(root, full.slice(at + marker.length)) : full, 'utf8');
    } catch {
      return null;
    }
  };
  const out: string[] = [];
  // @ts-ignore: asc's JS API has no types here
  const { default: asc } = (await import('assemblyscript/asc')) as { default: any };
  const baseDir = resolve(entry, '..');
  const { error } = await asc.main(
    [entry.slice(baseDir.length + 1), '--baseDir', baseDir, '--config', join(root, 'assembly/sdk/asconfig.none.json'), '--runtime', 'minimal', '--use', 'ABI_VERSION=2', '--use', 'TRACE=0', '--outFile', 'out.wasm', '--noColors'],
    {
      readFile,
      writeFile: () => {},
      listFiles: () => [],
      stdout: { write: () => {} },
      stderr: { write: () => {} },
      transforms: [exportNames()],
      reportDiagnostic: (d: { message: string; code: number; range: { source: { normalizedPath: string } | null } | null }) => {
        const p = d.range?.source?.normalizedPath ?? '';
        if (p.startsWith(under) || !d.range) out.push(`${p}: AS${d.code} ${d.message}`);
      },
    },
  );
  if (error && out.length === 0) out.push(String(error.message ?? error));
  return out;
}

/** Builds a world written by the test: `files` (world.wit, impl.ts, main.ts...) go to build/bindgen/<name>/src/. */
export async function buildGenerated(name: string, world: string, files: Record<string, string>): Promise<BuiltFixture> {
  const src = join(root, 'build/bindgen', `${name}-src`);
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(src, f), text);
  return buildFrom(src, name, world);
}

export async function buildFixture(name: string, world: string): Promise<BuiltFixture> {
  return buildFrom(join(root, 'test/bindgen', name), name, world);
}

async function buildFrom(src: string, name: string, world: string): Promise<BuiltFixture> {
  const dir = join(root, 'build/bindgen', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(src)) if (f.endsWith('.ts')) cpSync(join(src, f), join(dir, f));
  const gen = await bindgen(src, world, join(dir, 'bindings'), { impl: '../impl' });
  const diagnostics = await ascDiagnostics(join(dir, 'main.ts'), 'bindings/');
  const { component } = await componentize({ entry: join(dir, 'main.ts'), wit: src, world, debug: true });
  return { dir, component, diagnostics, files: gen.files, renames: gen.renames };
}
