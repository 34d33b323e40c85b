/** Shared helpers for the host/canon test suites: WAT fixtures and an event log import. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco';
import { compileModule } from '../host/canon/wasm-types.js';

const here = dirname(fileURLToPath(import.meta.url));
const cache = new Map<string, WebAssembly.Module>();

/** Compiles `test/wat/<name>.wat` (or inline WAT text) once; returns the module. */
export async function watModule(nameOrText: string): Promise<WebAssembly.Module> {
  let m = cache.get(nameOrText);
  if (!m) {
    const text = nameOrText.includes('(module') ? nameOrText : readFileSync(join(here, 'wat', `${nameOrText}.wat`), 'utf8');
    const bytes = await parse(text);
    m = compileModule(bytes as Uint8Array<ArrayBuffer>);
    cache.set(nameOrText, m);
  }
  return m;
}

/** A `test.log(a, b, c)` import that records unsigned triples. */
export function eventLog(): { log: number[][]; imports: Record<string, WebAssembly.ImportValue> } {
  const log: number[][] = [];
  return {
    log,
    imports: { log: (a: number, b: number, c: number) => void log.push([a >>> 0, b >>> 0, c >>> 0]) },
  };
}

export const BLOCKED = 0xffff_ffff;
