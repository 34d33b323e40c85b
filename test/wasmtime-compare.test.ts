// `compare`: the same call on every host that can take the file. The composed
// scenario components run on all three hosts (the embedded host through its
// component loader); the core-module builds run on the embedded host alone.
// The outcomes must agree, and be the expected ones: V1 reproduces the three
// bugs (traps naming the scenario's violation kind), V2 returns the values.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { guestScenarios } from '../host/scenarios/index.js';
import { composedPath } from '../host/jco/scenarios.js';
import { compare, trapSignature, type Comparison } from '../host/cli/compare.js';
import { packageRoot } from '../host/guest/builds.js';
import { describeWithWasmtime } from './wasmtime-helpers.js';

const bin = join(packageRoot, 'bin', 'wasip3-task.js');
const guestCore = (abi: 1 | 2) => join(packageRoot, 'build', `guest-v${abi}.wasm`);

function host(c: Comparison, name: string) {
  const h = c.hosts.find((x) => x.host === name);
  if (!h) throw new Error(`no ${name} row in ${JSON.stringify(c)}`);
  return h;
}

it('trap signatures: violation kinds, else masked guest text, else a bare trap', () => {
  expect(trapSignature('violation use-after-free: waitable_register(task 0x2a40) returned prev 0x2af0 (wit-bindgen #1618)')).toBe('trap naming use-after-free');
  expect(trapSignature('x at 0x10 at assembly/a.ts:1:2')).toBe(trapSignature('x at 0x99 at assembly/b.ts:3:4'));
  expect(trapSignature('x at 0x10')).not.toBe(trapSignature('y at 0x10'));
  expect(trapSignature(undefined)).toBe('trap without guest text');
});

describeWithWasmtime('compare across hosts', () => {
  for (const abi of [1, 2] as const) {
    for (const scenario of guestScenarios) {
      const bug = abi === 1 ? scenario.bug : undefined;
      it(`composed V${abi} ${scenario.name}: the three hosts agree (${bug ? `trap naming ${bug.kinds.join(' or ')}` : `result ${scenario.expectedResult}`})`, async () => {
        const c = await compare(composedPath(abi), { invoke: scenario.name });
        const detail = JSON.stringify(c, null, 2);
        expect(c.agree, detail).toBe(true);
        const all = ['embedded', 'jco', 'wasmtime'].map((n) => host(c, n));
        if (bug) {
          for (const h of all) {
            expect(h.status, detail).toBe('trap');
            expect(h.trap!.code).toBe('guest-abort');
            expect(bug.kinds.map((k) => `trap naming ${k}`)).toContain(h.signature);
          }
        } else {
          for (const h of all) {
            expect(h.status, detail).toBe('result');
            expect(h.result).toEqual([...scenario.expectedResult]);
          }
        }
        expect(host(c, 'wasmtime').callMs).toBeGreaterThan(0);
      });
    }
    it(`core-module V${abi} block-on-stale: the embedded host runs it, the component hosts say why not`, async () => {
      const c = await compare(guestCore(abi), { invoke: 'block-on-stale' });
      const e = host(c, 'embedded');
      if (abi === 1) {
        expect(e.status).toBe('trap');
        expect(e.signature).toBe('trap naming use-after-free');
      } else {
        expect(e.result).toEqual([258]);
      }
      expect(host(c, 'jco').status).toBe('not-run');
      expect(host(c, 'wasmtime').reason).toMatch(/components only/);
    });
  }

  it('the V1 #1618 trap reads the same on the three hosts, though the engines word the trap differently', async () => {
    const c = await compare(composedPath(1), { invoke: 'block-on-stale' });
    expect(c.agree).toBe(true);
    const [emb, jco, wt] = [host(c, 'embedded'), host(c, 'jco'), host(c, 'wasmtime')];
    expect(jco.trap!.message).toMatch(/#1618/);
    // The same component, the same guest text, up to the addresses its memory happens to use.
    const masked = (t: string) => t.replace(/0x[0-9a-f]+/g, '0x…');
    expect(masked(wt.trap!.message)).toBe(masked(jco.trap!.message));
    expect(masked(emb.trap!.message)).toBe(masked(jco.trap!.message));
    expect(new Set([emb.signature, jco.signature, wt.signature])).toEqual(new Set(['trap naming use-after-free']));
  });

  it('the CLI: a table and exit 0 when the hosts agree, --json, exit 1 when they differ, exit 2 on usage errors', () => {
    const agree = spawnSync(process.execPath, [bin, 'compare', composedPath(1), '--invoke', 'control'], { encoding: 'utf8' });
    expect(agree.status, agree.stderr).toBe(0);
    expect(agree.stdout).toMatch(/jco .*result: \[7\]/);
    expect(agree.stdout).toMatch(/wasmtime .*result: \[7\]/);
    expect(agree.stdout).toMatch(/embedded .*result: \[7\]/);
    expect(agree.stdout).toMatch(/^agree: embedded, jco, wasmtime \(result \[7\]\)$/m);

    const json = spawnSync(process.execPath, [bin, 'compare', composedPath(1), '--invoke', 'block-on-stale', '--json'], { encoding: 'utf8' });
    expect(json.status, json.stderr).toBe(0);
    const c = JSON.parse(json.stdout) as Comparison;
    expect(c.agree).toBe(true);
    expect(c.hosts.map((h) => [h.host, h.status])).toEqual([['embedded', 'trap'], ['jco', 'trap'], ['wasmtime', 'trap']]);

    // jco wraps an out-of-range u32 modulo 2^32 (JS ToUint32-style); the embedded host and the
    // Wasmtime adapter refuse it: a real difference between the hosts, reported as such.
    const values = join(packageRoot, 'test', 'wat', 'values.component.wat');
    const differ = spawnSync(process.execPath, [bin, 'compare', values, '--invoke', 'shim:values/api#add', '--args', '[4294967297, 1]'], { encoding: 'utf8' });
    expect(differ.stdout).toMatch(/^DIFFER: /m);
    expect(differ.status, differ.stdout + differ.stderr).toBe(1);

    const usage = spawnSync(process.execPath, [bin, 'compare', composedPath(2), '--invoke', 'no-such-thing'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/no-such-export/);
    const badHosts = spawnSync(process.execPath, [bin, 'compare', composedPath(2), '--invoke', 'control', '--hosts', 'jco,nope'], { encoding: 'utf8' });
    expect(badHosts.status).toBe(2);
    expect(badHosts.stderr).toMatch(/unknown host 'nope'/);
  });
});
