// Shared by test/examples.test.ts: the examples' components (built by
// `npm run build` into build/examples/) and a way to run one under jco.
//
// jco's default transpile maps `wasi:*@0.3.0` imports to
// @bytecodealliance/preview3-shim (stdin, stdout of this process), which is
// what a WASIp3 program needs; host/jco's runner serves WASI from
// preview2-shim only. So the examples get their own small runner: the
// component transpiled (ESM, or `instantiation: 'async'` when the runner
// supplies the imports) into a cache directory under the package's
// node_modules (so the shims resolve), a runner module written beside it,
// run by the JSPI Node with the given stdin.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../host/guest/builds.js';
import { jspiNode } from '../host/jco/run.js';

export const examplePath = (name: string): string => join(packageRoot, 'build', 'examples', `${name}.wasm`);
export const exampleBytes = (name: string): Uint8Array => readFileSync(examplePath(name));

export interface JcoProgramRun {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Transpile `component` with jco (ESM; `instantiation: 'async'` when
 * `instantiate` is set) and run `runner` (an ES module body; it finds the
 * transpiled entry at './component.js') on the JSPI Node.
 */
export async function runUnderJco(component: Uint8Array, runner: string, opts: { stdin?: Uint8Array | string; instantiate?: boolean } = {}): Promise<JcoProgramRun> {
  const { transpile } = await import('@bytecodealliance/jco');
  const key = createHash('sha256').update(opts.instantiate ? 'async\0' : 'esm\0').update(component).digest('hex').slice(0, 24);
  const dir = join(packageRoot, 'node_modules', '.cache', 'wasip3-task-shim', 'examples-jco', key);
  if (!existsSync(join(dir, 'component.js'))) {
    const { files } = await transpile(component, { name: 'component', quiet: true, ...(opts.instantiate ? { instantiation: 'async' as const } : {}) });
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes as Uint8Array);
    }
  }
  const runnerFile = join(dir, `runner-${createHash('sha256').update(runner).digest('hex').slice(0, 12)}.mjs`);
  writeFileSync(runnerFile, runner);
  const r = spawnSync(jspiNode(), [runnerFile], { input: opts.stdin ?? '', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** A runner calling `wasi:cli/run@0.3.0#run` of an ESM-transpiled program: exit 0 for ok, 1 for err. */
export const RUN_PROGRAM = `
const m = await import('./component.js');
try {
  await m.run.run();
  process.exitCode = 0;
} catch (e) {
  console.error('run failed:', e?.payload ?? e);
  process.exitCode = 1;
}
`;
