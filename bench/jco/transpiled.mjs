// Shared by the bench's jco children (child.mjs, calls-child.mjs,
// stream-child.mjs), which run in the JSPI Node: instantiating a component
// transpiled by host/jco/transpile.ts, and jco's camelCase export names.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A WIT kebab-case name as jco's bindings spell it. */
export const camel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

/** The transpiled component in `dir`, instantiated with preview2-shim's WASI plus `imports`. */
export async function instantiateTranspiled(dir, imports = {}) {
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const { instantiate } = await import(pathToFileURL(join(dir, 'component.js')).href);
  return instantiate(async (p) => WebAssembly.compile(await readFile(join(dir, p))), { ...new WASIShim().getImportObject(), ...imports });
}
