/**
 * The AssemblyScript guest builds (build/guest-v1.wasm, build/guest-v2.wasm)
 * and where they are.
 */
import { compileModule } from '../canon/wasm-types.js';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The task-ABI version a guest build publishes and its importer understands. */
export type AbiVersion = 1 | 2;
export type AbiName = 'v1' | 'v2';

export const abiName = (v: AbiVersion): AbiName => (v === 1 ? 'v1' : 'v2');

export function parseAbi(s: string): AbiVersion {
  if (s === 'v1' || s === '1') return 1;
  if (s === 'v2' || s === '2') return 2;
  throw new Error(`unknown ABI version '${s}': expected v1 or v2`);
}

/** This package's name, as its package.json says. */
export const PACKAGE_NAME = 'wasip3-task-shim';

/**
 * The package root: the nearest directory above this module whose
 * package.json is this package's (host/guest -> ../.., dist/host/guest ->
 * ../../..). It holds build/*.wasm and host/jco/jspi-runner.mjs, in the
 * checkout and in an installed tarball alike; nothing of the build
 * configuration is needed at run time.
 */
export const packageRoot = ((): string => {
  const start = fileURLToPath(new URL('.', import.meta.url));
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // not this package's manifest: keep looking upwards
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the root of ${PACKAGE_NAME} (a package.json named ${PACKAGE_NAME}) above ${start}`);
    dir = up;
  }
})();

/**
 * The directory of an installed dependency of this package, found the way
 * Node resolves packages: `node_modules/<name>` beside the package root or in
 * any directory above it (so a dependency hoisted into the installing
 * project's node_modules is found too). Undefined when it is not installed.
 */
export function dependencyDir(name: string): string | undefined {
  let dir = packageRoot;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export const guestWasmPath = (abi: AbiVersion): string => join(packageRoot, 'build', `guest-${abiName(abi)}.wasm`);

const modules = new Map<AbiVersion, WebAssembly.Module>();

/** The compiled guest module of a build, compiled once per process. */
export function guestModule(abi: AbiVersion): WebAssembly.Module {
  let m = modules.get(abi);
  if (!m) {
    const path = guestWasmPath(abi);
    if (!existsSync(path)) throw new Error(`guest build missing: ${path} (run \`npm run build\`)`);
    m = compileModule(readFileSync(path));
    modules.set(abi, m);
  }
  return m;
}
