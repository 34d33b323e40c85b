/**
 * The guest's scenarios on the embedded component host: the composed
 * component of a build (build/composed-vN.wasm, the runner with the laundry
 * as its `launder` peer) loaded with the component loader and called through
 * the typed API, on Node 20 without JSPI. Judged as under jco, from what the
 * host shows (`judgeComponentRun`): the export's value, or the trap and the
 * guest's abort text on its wasi:cli/stderr import.
 */
import { readFileSync } from 'node:fs';
import { Trap } from '../canon/errors.js';
import { loadComponent, type LoadedComponent } from '../component/api.js';
import { abiName, type AbiVersion } from '../guest/builds.js';
import { composedPath, judgeComponentRun, type JcoScenarioRun } from '../jco/scenarios.js';
import type { GuestScenario } from './run.js';

export type ComponentScenarioRun = Omit<JcoScenarioRun, 'run'> & { stderr: string; trap?: Trap };

const loaded = new Map<AbiVersion, LoadedComponent>();

/** The WASI imports the guest uses (stderr, for its abort text), writing into `chunks`. */
export function stderrImports(chunks: Uint8Array[]): Record<string, unknown> {
  const stream = { blockingWriteAndFlush: (b: Uint8Array) => void chunks.push(b.slice()) };
  return { 'wasi:io/error': {}, 'wasi:io/streams': {}, 'wasi:cli/stderr': { getStderr: () => stream } };
}

export async function runComponentScenario(scenario: GuestScenario, abi: AbiVersion): Promise<ComponentScenarioRun> {
  let c = loaded.get(abi);
  if (c === undefined) loaded.set(abi, (c = loadComponent(new Uint8Array(readFileSync(composedPath(abi))))));
  const chunks: Uint8Array[] = [];
  const inst = c.instantiate(stderrImports(chunks), { name: `composed-${abiName(abi)}` });
  const f = inst.exports[scenario.name] as () => Promise<unknown>;
  let value: unknown;
  let trap: Trap | undefined;
  let error: string | undefined;
  let returned = false;
  try {
    value = await f();
    returned = true;
  } catch (e) {
    if (e instanceof Trap) trap = e;
    else error = e instanceof Error ? e.message : String(e);
  }
  const stderr = Buffer.concat(chunks).toString('utf8');
  const judged = judgeComponentRun(scenario, abi, {
    error,
    trap: trap && { name: trap.code, message: trap.message },
    stderr,
    value,
    returned,
  });
  return { ...judged, stderr, trap };
}
