/**
 * One build path for the components: the bytes of a component do not depend
 * on what ran before in the process. (They did: asc leaves binaryen's global
 * debug-info flag on, so the laundry renamed after the asc builds kept its
 * name section and one renamed in a fresh process lost it: 10239 vs 10251
 * bytes for build/laundry.wasm.)
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'assemblyscript/binaryen';
// @ts-expect-error: a plain .mjs build script, no types
import { COMPONENTS, componentOf, renameExports, componentize } from '../scripts/componentize.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
type Entry = { core: string; out: string; renames?: Record<string, string> };
const laundry = (COMPONENTS as Entry[]).find((c) => c.out === 'laundry.wasm')!;

/** Names in a core module's `name` custom section (binaryen reads them back as function names). */
function hasNameSection(bytes: Uint8Array): boolean {
  const m = new WebAssembly.Module(bytes);
  return WebAssembly.Module.customSections(m, 'name').length > 0;
}

describe('component build', () => {
  it('renameExports gives the same bytes whatever binaryen was left set to, and keeps the names', () => {
    const core = readFileSync(join(root, 'build', laundry.core));
    const state = (): [boolean, number, number] => [binaryen.getDebugInfo(), binaryen.getOptimizeLevel(), binaryen.getShrinkLevel()];
    const set = ([d, o, s]: [boolean, number, number]): void => {
      binaryen.setDebugInfo(d);
      binaryen.setOptimizeLevel(o);
      binaryen.setShrinkLevel(s);
    };
    const before = state();
    try {
      // a fresh process, and what asc leaves behind after a debug target and after `release` (-O2z)
      const outputs = ([[false, 2, 1], [true, 2, 0], [false, 2, 2], [true, 3, 0]] as [boolean, number, number][]).map((s) => {
        set(s);
        const bytes = renameExports(core, laundry.renames);
        expect(state()).toEqual(s); // restored
        return Buffer.from(bytes);
      });
      const a = outputs[0];
      for (const b of outputs.slice(1)) expect(b.equals(a)).toBe(true);
      expect(hasNameSection(a)).toBe(true);
      const names = WebAssembly.Module.exports(new WebAssembly.Module(a)).map((e) => e.name);
      for (const to of Object.values(laundry.renames!)) expect(names).toContain(to);
      for (const from of Object.keys(laundry.renames!)) expect(names).not.toContain(from);
    } finally {
      set(before);
    }
  });

  it('rejects a rename of an export the module does not have', () => {
    const core = readFileSync(join(root, 'build', laundry.core));
    expect(() => renameExports(core, { no_such_export: 'x' })).toThrow(/no export 'no_such_export'/);
  });

  it('a component made here is byte-identical to the one `npm run build` wrote', async () => {
    await componentize({ ifNeeded: true, quiet: true });
    for (const c of COMPONENTS as Entry[]) {
      const made = await componentOf(c);
      const built = readFileSync(join(root, 'build', c.out));
      expect(Buffer.from(made).equals(built), `${c.out}: ${made.length} bytes here, ${built.length} in build/`).toBe(true);
    }
  });
});
