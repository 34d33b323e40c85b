/**
 * The AssemblyScript guest builds (asconfig.json targets) and where they are.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The task-ABI version a guest build publishes and its importer understands. */
export type AbiVersion = 1 | 2;
export type AbiName = 'v1' | 'v2';

export const abiName = (v: AbiVersion): AbiName => (v === 1 ? 'v1' : 'v2');

export function parseAbi(s: string): AbiVersion {
  if (s === 'v1' || s === '1') return 1;
  if (s === 'v2' || s === '2') return 2;
  throw new Error(`unknown ABI version '${s}': expected v1 or v2`);
}

/** The package root (dist/host/guest -> ../../.., host/guest -> ../..). */
export const packageRoot = ((): string => {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'asconfig.json'))) return dir;
    dir = join(dir, '..');
  }
  throw new Error('cannot find the package root (package.json beside asconfig.json)');
})();

export const guestWasmPath = (abi: AbiVersion): string => join(packageRoot, 'build', `guest-${abiName(abi)}.wasm`);

const modules = new Map<AbiVersion, WebAssembly.Module>();

/** The compiled guest module of a build, compiled once per process. */
export function guestModule(abi: AbiVersion): WebAssembly.Module {
  let m = modules.get(abi);
  if (!m) {
    const path = guestWasmPath(abi);
    if (!existsSync(path)) throw new Error(`guest build missing: ${path} (run \`npm run build\`)`);
    m = new WebAssembly.Module(readFileSync(path));
    modules.set(abi, m);
  }
  return m;
}
