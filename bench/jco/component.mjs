// Builds the benchmark component for jco: assembly/bench/jco.ts compiled
// with asc (ABI V2, TRACE=0, abort -> wasi:cli/stderr), made a component
// with jco's JS API (componentEmbed + componentNew, world `bench` of
// bench/jco/bench.wit), then transpiled (cached) by host/jco/transpile.ts.
import { existsSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORE = join(root, 'build', 'bench-jco.core.wasm');
export const COMPONENT = join(root, 'build', 'bench-jco.wasm');
const WIT = join(root, 'bench', 'jco', 'bench.wit');

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds build/bench-jco.wasm when missing or older than its inputs; returns its path. */
export async function buildBenchComponent() {
  const inputs = Math.max(newest(join(root, 'assembly')), mtime(WIT), mtime(fileURLToPath(import.meta.url)));
  if (mtime(COMPONENT) > inputs) return COMPONENT;
  const { default: asc } = await import('assemblyscript/asc');
  const { error, stderr } = await asc.main([
    join(root, 'assembly/bench/jco.ts'),
    // Its own config: asc would otherwise apply the package asconfig.json's default target (`release`).
    '--config', join(root, 'bench/jco/asconfig.json'),
    '--outFile', CORE,
    '--use', 'ABI_VERSION=2', '--use', 'TRACE=0', '--use', 'abort=assembly/cm/guestAbort',
    '--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert',
    '--transform', join(root, 'scripts/asc-export-names.mjs'),
    '--baseDir', root,
  ], {});
  if (error) throw new Error(`asc (bench-jco): ${error.message}\n${stderr}`);
  const { componentEmbed, componentNew } = await import('@bytecodealliance/jco');
  const embedded = await componentEmbed({ binary: readFileSync(CORE), witSource: readFileSync(WIT, 'utf8'), world: 'bench', stringEncoding: 'utf8' });
  const component = await componentNew(embedded);
  writeFileSync(COMPONENT, component);
  return COMPONENT;
}

/** The transpiled component's directory (host/jco/transpile.ts cache). */
export async function transpiledBenchComponent() {
  const path = await buildBenchComponent();
  const { transpileCached } = await import('../../dist/host/jco/transpile.js');
  return transpileCached(readFileSync(path));
}
