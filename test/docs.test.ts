/**
 * The project's docs are in docs/, and what the code says about them holds:
 * no comment cites a file outside the repository (the old "ABI.md section N"),
 * every `docs/<file>, "<section>"` or `docs/deviations.md, entry N` a comment
 * or the README cites exists, and the README links every docs file.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['host', 'assembly', 'scripts', 'bench', 'test', 'wit', 'bin'];
const SOURCE_EXT = /\.(ts|mjs|js|wit)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (SOURCE_EXT.test(e.name)) out.push(p);
  }
  return out;
}
const sources = SOURCE_DIRS.flatMap((d) => walk(join(root, d))).filter((p) => !p.endsWith('docs.test.ts'));
const rel = (p: string): string => p.slice(root.length + 1);

/** The headings of a markdown file, as written after the #s. */
function headings(file: string): string[] {
  return readFileSync(join(root, file), 'utf8')
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, '').trim());
}

describe('docs', () => {
  it('exist: task ABI, trace model, deviations', () => {
    for (const f of ['docs/task-abi.md', 'docs/trace.md', 'docs/deviations.md']) {
      expect(existsSync(join(root, f)), f).toBe(true);
      expect(statSync(join(root, f)).size, f).toBeGreaterThan(2000);
    }
  });

  it('no source cites ABI.md, DESIGN.md or a path outside the repository', () => {
    const bad: string[] = [];
    for (const p of sources) {
      readFileSync(p, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bABI\.md\b|\bDESIGN\.md\b|\/work\/|bench\/README\.md/.test(line)) bad.push(`${rel(p)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(bad).toEqual([]);
  });

  it('every docs section a comment or the README cites exists', () => {
    const cited: { where: string; file: string; section?: string; entry?: number }[] = [];
    for (const p of [...sources, join(root, 'README.md')]) {
      const text = readFileSync(p, 'utf8').replace(/\n\s*(\*|\/\/)\s*/g, ' '); // join comment lines
      for (const m of text.matchAll(/docs\/([a-z-]+\.md)(?:,\s*(?:"([^"]+)"|entry (\d+)))?/g)) {
        cited.push({ where: rel(p), file: `docs/${m[1]}`, section: m[2], entry: m[3] === undefined ? undefined : Number(m[3]) });
      }
    }
    expect(cited.length).toBeGreaterThan(15);
    const missing: string[] = [];
    for (const c of cited) {
      if (!existsSync(join(root, c.file))) {
        missing.push(`${c.where}: ${c.file}`);
        continue;
      }
      const hs = headings(c.file);
      if (c.section !== undefined && !hs.includes(c.section)) missing.push(`${c.where}: ${c.file}, "${c.section}"`);
      if (c.entry !== undefined && !hs.some((h) => h.startsWith(`${c.entry}. `))) missing.push(`${c.where}: ${c.file}, entry ${c.entry}`);
    }
    expect(missing).toEqual([]);
  });

  it('the README links every file in docs/', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const f of readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
      expect(readme, f).toContain(`(docs/${f})`);
    }
  });

  it('deviations.md numbers its entries 1, 2, 3… with a reason each', () => {
    const text = readFileSync(join(root, 'docs/deviations.md'), 'utf8');
    const entries = text.split(/\n## /).slice(1);
    const numbers = entries.map((e) => Number(/^(\d+)\./.exec(e)?.[1]));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(numbers.length).toBeGreaterThanOrEqual(13);
    // Every entry but the "not implemented" list says why.
    const withoutWhy = entries.filter((e) => !/\*\*Why\*\*/.test(e) && !/^\d+\. Not implemented/.test(e)).map((e) => e.split('\n')[0]);
    expect(withoutWhy).toEqual([]);
  });
});
