/**
 * Transpiling a component with jco's JavaScript API (no `jco` binary), once
 * per component and jco version: the output (ESM + core modules) goes into a
 * cache directory keyed by the component's hash, under
 * node_modules/.cache/wasip3-task-shim/jco/ of the package (or $WASIP3_JCO_CACHE).
 *
 * Transpiling needs no JSPI, so it runs on any Node; running the output does
 * (host/jco/run.ts spawns the JSPI Node for that).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dependencyDir, packageRoot } from '../guest/builds.js';

/** The name the transpiled entry gets: `<dir>/component.js`. */
export const ENTRY_NAME = 'component';

export interface Transpiled {
  /** The directory holding `component.js`, its core modules and package.json. */
  dir: string;
  /** The entry module (ESM, `instantiate(getCoreModule, imports)`). */
  entry: string;
  /** The component's imports, e.g. `wasi:cli/stderr@0.2.6`. */
  imports: string[];
  /** The component's exports with their kinds, e.g. `['control', 'function']`. */
  exports: [string, 'function' | 'instance'][];
  /** True when it came from the cache. */
  cached: boolean;
}

export function jcoVersion(): string {
  const dir = dependencyDir('@bytecodealliance/jco');
  if (!dir) throw new Error(`@bytecodealliance/jco is not installed beside ${packageRoot}`);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function cacheRoot(): string {
  return process.env.WASIP3_JCO_CACHE ?? join(packageRoot, 'node_modules/.cache/wasip3-task-shim/jco');
}

/**
 * Transpile (or find in the cache) a component. Instantiation mode `async`:
 * the caller supplies every import, WASI from preview2-shim's `WASIShim`.
 * No async option is needed for P3 async exports: jco always wraps
 * `[async-lift]` exports with `WebAssembly.promising` and blocking built-ins
 * with `WebAssembly.Suspending`.
 */
export async function transpileCached(component: Uint8Array): Promise<Transpiled> {
  const version = jcoVersion();
  const hash = createHash('sha256').update(`jco ${version}\0`).update(component).digest('hex').slice(0, 24);
  const dir = join(cacheRoot(), hash);
  const entry = join(dir, `${ENTRY_NAME}.js`);
  const meta = join(dir, 'meta.json');
  if (existsSync(meta) && existsSync(entry)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as Pick<Transpiled, 'imports' | 'exports'>;
    return { dir, entry, imports: m.imports, exports: m.exports, cached: true };
  }
  const { transpile } = await import('@bytecodealliance/jco');
  const { files, imports, exports } = await transpile(component, { name: ENTRY_NAME, instantiation: 'async', quiet: true });
  // Written beside the final directory, then renamed: concurrent runs never see half a directory.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    const p = join(tmp, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  }
  // The output is ESM written as .js.
  writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ jco: version, imports, exports }, null, 2));
  try {
    renameSync(tmp, dir);
  } catch {
    // Another process won the race; its copy is the same.
    rmSync(tmp, { recursive: true, force: true });
  }
  prune(dir);
  return { dir, entry, imports, exports, cached: false };
}

/** Entries kept in the cache; every rebuild of a component adds one. */
const KEEP = 24;

/** Drop the least recently written entries beyond KEEP (never `keep` itself). */
function prune(keep: string): void {
  try {
    const root = dirname(keep);
    const entries = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.includes('.tmp-'))
      .map((e) => ({ path: join(root, e.name), t: statSync(join(root, e.name)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const e of entries.slice(KEEP)) if (e.path !== keep) rmSync(e.path, { recursive: true, force: true });
  } catch {
    // A cache that cannot be pruned is still a cache.
  }
}

export async function transpileFile(path: string): Promise<Transpiled> {
  return transpileCached(readFileSync(path));
}
