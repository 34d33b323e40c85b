// A real-world WASI 0.2 program for the tests and the bench: a JavaScript
// program compiled into a component by componentize-js (jco's dependency,
// so it is in node_modules), which embeds the StarlingMonkey engine
// (SpiderMonkey): about 12 MB, importing 16 `wasi:*@0.2.x` interfaces. Its
// `run` prints a line to stdout and one to stderr, waits on a 30 ms
// setTimeout (monotonic-clock subscribe-duration + io/poll), prints 8 random
// bytes in hex and the year; `greet(name)` and `sum(list<u32>)` are typed
// exports. The component is built on first use (20-40 s) and cached under
// build/test-cache/ by a hash of its inputs: nothing of it is in the
// repository. Used by test/starlingmonkey.test.ts and bench/wasi.mjs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STARLINGMONKEY_SOURCE = `
export const run = {
  async run() {
    console.log('hello from StarlingMonkey');
    console.error('to stderr');
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 30));
    console.log('timer fired late enough:', performance.now() - t0 >= 25);
    const b = new Uint8Array(8);
    crypto.getRandomValues(b);
    console.log('random ' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''));
    console.log('year ' + new Date().getFullYear());
  },
};
export function greet(name) { return 'hello, ' + name + '!'; }
export function sum(xs) { let s = 0; for (const x of xs) s += x; return s >>> 0; }
`;

export const STARLINGMONKEY_WIT = `package local:sm;
world program {
  export wasi:cli/run@0.2.3;
  export greet: func(name: string) -> string;
  export sum: func(xs: list<u32>) -> u32;
}
package wasi:cli@0.2.3 {
  interface run {
    run: func() -> result;
  }
}`;

/** The component's path under `root`/build/test-cache/, built first if no build of the same inputs is there. */
export async function starlingMonkeyComponent(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules/@bytecodealliance/componentize-js/package.json'), 'utf8'));
  const key = createHash('sha256').update(`${pkg.version}\n${STARLINGMONKEY_SOURCE}\n${STARLINGMONKEY_WIT}`).digest('hex').slice(0, 16);
  const dir = join(root, 'build', 'test-cache');
  const out = join(dir, `starlingmonkey-${key}.wasm`);
  if (existsSync(out)) return out;
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize(STARLINGMONKEY_SOURCE, {
    witWorld: STARLINGMONKEY_WIT,
    worldName: 'program',
    disableFeatures: ['http', 'fetch-event'],
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${out}.tmp`, component);
  renameSync(`${out}.tmp`, out); // whole or not at all, for a run stopped meanwhile
  return out;
}
