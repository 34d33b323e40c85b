/**
 * docs/wasi.md lists every WASI function WasiHost serves: every interface of
 * the import objects (0.2 and 0.3) and every function and resource method in
 * it must be named in that version's section of the page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../host/guest/builds.js';
import { WasiHost } from '../host/wasi/index.js';

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^-/, '');

/** Interface (unversioned) -> the names it serves: functions, resources and their methods. */
function served(version: '0.2.6' | '0.3.0'): Map<string, string[]> {
  const w = new WasiHost({ preopens: {} });
  const out = new Map<string, string[]>();
  for (const key of Object.keys(w.imports)) {
    if (!key.endsWith(`@${version}`)) continue;
    const names: string[] = [];
    for (const [n, v] of Object.entries(w.imports[key] as Record<string, unknown>)) {
      if (typeof v !== 'function') continue;
      names.push(kebab(n));
      if (/^[A-Z]/.test(n)) {
        for (let p = (v as { prototype: object }).prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
          for (const m of Object.getOwnPropertyNames(p)) {
            if (m !== 'constructor' && m !== 'toString' && !m.startsWith('_') && m !== 'call' && typeof Object.getOwnPropertyDescriptor(p, m)?.value === 'function') names.push(kebab(m));
          }
        }
      }
    }
    out.set(key.slice(0, key.indexOf('@')), names);
  }
  return out;
}

const doc = readFileSync(join(packageRoot, 'docs', 'wasi.md'), 'utf8');
const section = (title: string): string => {
  const start = doc.indexOf(`## ${title}`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};

describe('docs/wasi.md names every WASI function served', () => {
  it.each([['0.2.6', 'WASI 0.2.x'], ['0.3.0', 'WASI 0.3.0']] as const)('%s', (version, title) => {
    const text = section(title);
    expect(text.length).toBeGreaterThan(100);
    const missing: string[] = [];
    const ifaces = served(version);
    expect(ifaces.size).toBeGreaterThan(15);
    for (const [iface, names] of ifaces) {
      const short = iface.slice(iface.indexOf('/') + 1);
      if (!text.includes(`\`${iface}\``) && !text.includes(`\`${short}\``)) missing.push(iface);
      for (const n of names) if (!text.includes(n)) missing.push(`${iface} ${n}`);
    }
    expect(missing).toEqual([]);
  });
});
