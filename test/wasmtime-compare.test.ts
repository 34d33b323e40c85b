// `compare`: the same call on every host that can take the file. The composed
// scenario components run on jco and Wasmtime (the embedded host cannot load
// components yet and says so); the core-module builds run on the embedded
// host. The outcomes must agree, and be the expected ones: V1 reproduces the
// three bugs (traps naming the same violation kinds), V2 returns the values.
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
const bugKind: Record<string, string> = {
  'block-on-stale': 'stale-registration',
  'drop-outside-task': 'registration-left-behind',
  'moved-waitable': 'registration-left-behind',
};

function host(c: Comparison, name: string) {
  const h = c.hosts.find((x) => x.host === name);
  if (!h) throw new Error(`no ${name} row in ${JSON.stringify(c)}`);
  return h;
}

it('trap signatures: violation kinds, else masked guest text, else a bare trap', () => {
  expect(trapSignature('waitable_register(task 0x2a40) returned prev 0x2af0, a stale registration (wit-bindgen #1618)')).toMatch(/^trap naming .*stale-registration/);
  expect(trapSignature('x at 0x10 at assembly/a.ts:1:2')).toBe(trapSignature('x at 0x99 at assembly/b.ts:3:4'));
  expect(trapSignature('x at 0x10')).not.toBe(trapSignature('y at 0x10'));
  expect(trapSignature(undefined)).toBe('trap without guest text');
});

describeWithWasmtime('compare across hosts', () => {
  for (const abi of [1, 2] as const) {
    for (const scenario of guestScenarios) {
      const bug = abi === 1 ? bugKind[scenario.name] : undefined;
      it(`composed V${abi} ${scenario.name}: jco and Wasmtime agree (${bug ? `trap naming ${bug}` : `result ${scenario.expectedResult}`})`, async () => {
        const c = await compare(composedPath(abi), { invoke: scenario.name });
        const detail = JSON.stringify(c, null, 2);
        expect(host(c, 'embedded').status).toBe('not-run');
        expect(host(c, 'embedded').reason).toMatch(/cannot load components yet/);
        const jco = host(c, 'jco');
        const wt = host(c, 'wasmtime');
        expect(c.agree, detail).toBe(true);
        if (bug) {
          for (const h of [jco, wt]) {
            expect(h.status, detail).toBe('trap');
            expect(h.trap!.code).toBe('guest-abort');
            expect(h.signature).toContain(bug);
          }
        } else {
          for (const h of [jco, wt]) {
            expect(h.status, detail).toBe('result');
            expect(h.result).toEqual([...scenario.expectedResult]);
          }
        }
        expect(wt.callMs).toBeGreaterThan(0);
      });
    }
    it(`core-module V${abi} block-on-stale: the embedded host runs it, the component hosts say why not`, async () => {
      const c = await compare(guestCore(abi), { invoke: 'block-on-stale' });
      const e = host(c, 'embedded');
      if (abi === 1) {
        expect(e.status).toBe('trap');
        expect(e.signature).toContain('stale-registration');
      } else {
        expect(e.result).toEqual([258]);
      }
      expect(host(c, 'jco').status).toBe('not-run');
      expect(host(c, 'wasmtime').reason).toMatch(/components only/);
    });
  }

  it('the V1 #1618 trap reads the same under jco and Wasmtime, though the engines word the trap differently', async () => {
    const c = await compare(composedPath(1), { invoke: 'block-on-stale' });
    expect(c.agree).toBe(true);
    const [jco, wt] = [host(c, 'jco'), host(c, 'wasmtime')];
    expect(jco.trap!.message).toMatch(/#1618/);
    expect(wt.trap!.message).toBe(jco.trap!.message); // the same component, so the same guest text
    expect(jco.signature).toBe(wt.signature);
  });

  it('the CLI: a table and exit 0 when the hosts agree, --json, exit 1 when they differ, exit 2 on usage errors', () => {
    const agree = spawnSync(process.execPath, [bin, 'compare', composedPath(1), '--invoke', 'control'], { encoding: 'utf8' });
    expect(agree.status, agree.stderr).toBe(0);
    expect(agree.stdout).toMatch(/jco .*result: \[7\]/);
    expect(agree.stdout).toMatch(/wasmtime .*result: \[7\]/);
    expect(agree.stdout).toMatch(/embedded .*not run: cannot load components yet/);
    expect(agree.stdout).toMatch(/^agree: jco, wasmtime \(result \[7\]\)$/m);

    const json = spawnSync(process.execPath, [bin, 'compare', composedPath(1), '--invoke', 'block-on-stale', '--json'], { encoding: 'utf8' });
    expect(json.status, json.stderr).toBe(0);
    const c = JSON.parse(json.stdout) as Comparison;
    expect(c.agree).toBe(true);
    expect(c.hosts.map((h) => [h.host, h.status])).toEqual([['embedded', 'not-run'], ['jco', 'trap'], ['wasmtime', 'trap']]);

    // jco wraps an out-of-range u32 modulo 2^32 (JS ToUint32-style); the Wasmtime adapter refuses it:
    // a real difference between the hosts, reported as such.
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
