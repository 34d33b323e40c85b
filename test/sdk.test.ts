/**
 * The public AssemblyScript SDK and its toolchain: `componentize` and its
 * typed errors (through the API and the CLI, exit code 2), the export-name
 * transform's rules, WIT directories with deps/, and SDK behaviour the
 * examples do not reach: a stream read cancelled in flight while the task
 * yields (test/sdk/cancel.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadComponent } from '../host/index.js';
import { Store, type HostSubtask, type FlatValue } from '../host/canon/index.js';
import { Trace } from '../host/trace/trace.js';
import { componentize, ComponentizeError, readWitSource, checkWit } from '../host/toolchain/componentize.js';
import { packageRoot } from '../host/guest/builds.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasip3-sdk-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (rel: string, text: string): string => {
  const p = join(tmp, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const quick = { optimizeLevel: 1, shrinkLevel: 0 } as const;

const WIT = `package t:app;\nworld app {\n  export answer: async func(x: u32) -> u32;\n}\n`;
const APP = `import { Future, ready, startTask, continueTask } from "wasip3-task-shim/assembly/sdk";
@external("[export]$root", "[task-return]answer")
declare function answer_return(v: u32): void;
function ret(f: Future<u32>): void { answer_return(f.value); }
// @ts-ignore: decorator
@exportName("[async-lift]answer")
export function answer_lift(x: u32): u32 { return startTask<u32>(ready<u32>(x + 1), ret); }
// @ts-ignore: decorator
@exportName("[callback][async-lift]answer")
export function answer_callback(e: u32, w: u32, p: u32): u32 { return continueTask(e, w, p); }
`;

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string; diagnostics: readonly string[] }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ComponentizeError) return { code: e.code, message: e.message, diagnostics: e.diagnostics };
    throw e;
  }
  throw new Error('expected a ComponentizeError');
}

describe('componentize', () => {
  it('a ready() export: the component runs and its exports have the bracketed names', async () => {
    const wit = write('ok/wit/app.wit', WIT);
    const entry = write('ok/app.ts', APP);
    const r = await componentize({ entry, wit, world: 'app', ...quick });
    expect(r.renamed).toEqual([['answer_lift', '[async-lift]answer'], ['answer_callback', '[callback][async-lift]answer']]);
    const names = WebAssembly.Module.exports(new WebAssembly.Module(r.core)).map((e) => e.name).sort();
    expect(names).toEqual(['[async-lift]answer', '[callback][async-lift]answer', 'cabi_realloc', 'memory']);
    expect(r.wit).toContain('export answer: async func(x: u32) -> u32;');
    const inst = loadComponent(r.component).instantiate({});
    expect(await inst.exports.answer(41)).toBe(42);
  });

  it('a future that waits on nothing traps (nothing could wake it), and the abort handler traps', async () => {
    const wit = write('stuck/wit/app.wit', WIT);
    const entry = write('stuck/app.ts', APP.replace('ready<u32>(x + 1)', 'new Stuck()') + 'class Stuck extends Future<u32> { poll(): bool { return false; } }\n');
    const r = await componentize({ entry, wit, world: 'app', ...quick });
    const inst = loadComponent(r.component).instantiate({});
    await expect(inst.exports.answer(1)).rejects.toMatchObject({ name: 'Trap' });
  });

  it('an asc error is compile-error with file:line:col', async () => {
    const wit = write('bad/wit/app.wit', WIT);
    const entry = write('bad/app.ts', `export function f(): i32 {\n  return nope;\n}\n`);
    const e = await codeOf(componentize({ entry, wit, world: 'app', ...quick }));
    expect(e.code).toBe('compile-error');
    expect(e.diagnostics).toEqual(['app.ts:2:10: AS2304: Cannot find name \'nope\'.']);
  });

  it('@exportName on a function that is not exported, or one name twice, is compile-error naming it', async () => {
    const wit = write('names/wit/app.wit', WIT);
    const hidden = write('names/hidden.ts', APP.replace('export function answer_callback', 'function answer_callback'));
    const e1 = await codeOf(componentize({ entry: hidden, wit, world: 'app', ...quick }));
    expect(e1.code).toBe('compile-error');
    expect(e1.message).toMatch(/function answer_callback has @exportName\("\[callback\]\[async-lift\]answer"\) but is not exported/);
    const twice = write('names/twice.ts', APP.replace('@exportName("[callback][async-lift]answer")', '@exportName("[async-lift]answer")'));
    const e2 = await codeOf(componentize({ entry: twice, wit, world: 'app', ...quick }));
    expect(e2.code).toBe('compile-error');
    expect(e2.message).toMatch(/the export name '\[async-lift\]answer' is also asked for by function answer_lift/);
  });

  it('a missing world, WIT that does not resolve, a missing entry and a module that does not fit are typed', async () => {
    const wit = write('w/wit/app.wit', WIT);
    const entry = write('w/app.ts', APP);
    expect((await codeOf(componentize({ entry, wit, world: 'nope', ...quick }))).code).toBe('no-world');
    const broken = write('w/broken.wit', 'package t:app;\nworld app { import missing; }\n');
    const e = await codeOf(componentize({ entry, wit: broken, world: 'app', ...quick }));
    expect(e.code).toBe('wit-error');
    expect(e.message).toMatch(/missing/);
    expect((await codeOf(componentize({ entry: join(tmp, 'w', 'none.ts'), wit, world: 'app' }))).code).toBe('no-entry');
    expect((await codeOf(componentize({ entry, wit: join(tmp, 'w', 'nowit'), world: 'app' }))).code).toBe('no-wit');
    const other = write('w/other.wit', 'package t:app;\nworld app { export other: async func() -> u32; }\n');
    expect((await codeOf(componentize({ entry, wit: other, world: 'app', ...quick }))).code).toBe('component-error');
  });

  it('a WIT directory: the root package over several files, deps/ nested, and it resolves', async () => {
    const dir = join(tmp, 'witdir');
    write('witdir/a.wit', 'package t:root@1.0.0;\ninterface i { use t:dep/types.{thing}; f: func(x: thing) -> thing; }\n');
    write('witdir/b.wit', 'world app { import i; }\n');
    write('witdir/deps/dep/types.wit', 'package t:dep;\ninterface types { type thing = u32; }\n');
    const src = readWitSource(dir);
    expect(src.match(/^package t:root@1\.0\.0;$/gm)).toHaveLength(1);
    expect(src).toMatch(/package t:dep \{[\s\S]*interface types/);
    await expect(checkWit(src, 'app', dir)).resolves.toBeUndefined();
    await expect(checkWit(src, 'other', dir)).rejects.toMatchObject({ code: 'no-world' });
  });

  it('the CLI: a written component, and bad input with exit code 2 and the code', () => {
    const wit = write('cli/wit/app.wit', WIT);
    const entry = write('cli/app.ts', APP);
    const bin = join(packageRoot, 'bin', 'wasip3-task.js');
    const good = spawnSync(process.execPath, [bin, 'componentize', entry, '--wit', wit, '--world', 'app', '-o', join(tmp, 'cli', 'app.wasm'), '-O', '1', '--shrink-level', '0'], { encoding: 'utf8' });
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^wrote .*app\.wasm \(world app, task ABI v2, \d+ bytes; core module \d+ bytes\)\n$/);
    expect(readFileSync(join(tmp, 'cli', 'app.wasm')).subarray(0, 4)).toEqual(Buffer.from('\0asm'));
    const bad = spawnSync(process.execPath, [bin, 'componentize', entry, '--wit', wit, '--world', 'nope', '-o', join(tmp, 'cli', 'x.wasm')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^error \[no-world\]: .*no world 'nope'/);
    const abi = spawnSync(process.execPath, [bin, 'componentize', entry, '--wit', wit, '--world', 'app', '-o', join(tmp, 'cli', 'x.wasm'), '--abi', 'v3'], { encoding: 'utf8' });
    expect(abi.status).toBe(2);
    expect(abi.stderr).toMatch(/--abi takes v1 or v2, not v3/);
    const missing = spawnSync(process.execPath, [bin, 'componentize', entry, '--world', 'app', '-o', 'x.wasm'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--wit/);
  }, 60_000);
});

describe('SDK: a stream read cancelled in flight (test/sdk/cancel.ts)', () => {
  let bytes: Uint8Array;
  let core: Uint8Array;
  beforeAll(async () => {
    const dir = join(packageRoot, 'test', 'sdk');
    const r = await componentize({ entry: join(dir, 'cancel.ts'), wit: join(dir, 'wit'), world: 'cancel', ...quick });
    bytes = r.component;
    core = r.core;
  }, 60_000);

  it('TASK_CANCELLED: the root future\'s cancel() runs, the read is cancelled before task.cancel, the call resolves cancelled', async () => {
    // The core module on the embedded canonical runtime, so the caller can cancel the export task.
    const trace = new Trace(true);
    const store = new Store({ trace });
    const inst = store.instantiate(await WebAssembly.compile(core), { name: 'cancel', imports: {} });
    const host = store.hostInstance('caller');
    const { readable } = host.streamNew();
    const handle = inst.addReadableStream(readable);
    const resolved: (FlatValue[] | undefined)[] = [];
    const traps: unknown[] = [];
    let sub: HostSubtask | undefined;
    host.defer(() => sub!.cancel(), 'cancel first-byte');
    host.call(inst, 'first-byte', [handle, 0xffff_ffff], (r) => resolved.push(r), (t) => traps.push(t), (s) => (sub = s));
    await new Promise((r) => setTimeout(r, 0));
    expect(traps).toEqual([]);
    expect(resolved).toEqual([undefined]);
    const canon = trace.events.filter((e) => e.kind === 'canon').map((e) => (e as { builtin: string }).builtin);
    expect(canon).toContain('task.cancel');
    expect(canon).not.toContain('task.return');
    expect(canon.indexOf('stream.cancel-read')).toBeGreaterThan(-1);
    expect(canon.indexOf('stream.cancel-read')).toBeLessThan(canon.indexOf('task.cancel'));
  });

  type Inst = { stream(): { write(b: Uint8Array): Promise<number>; close(): void }; exports: Record<string, (...a: unknown[]) => Promise<unknown>> };

  it('blockOn in a synchronous export: yields poll again without blocking, a spawned future finishes before it returns', async () => {
    const inst = loadComponent(bytes).instantiate({}) as unknown as Inst;
    expect(await inst.exports.countSync!(5)).toBe(10);
    expect(await inst.exports.countSync!(0)).toBe(0);
    expect(await inst.exports.countSync!(300)).toBe(600);
  });

  it('reads a byte already written, cancels a read that waited out its yields, sees a dropped writer', async () => {
    const inst = loadComponent(bytes).instantiate({}) as unknown as Inst;
    const s0 = inst.stream();
    const took = s0.write(new Uint8Array([7]));
    expect(await inst.exports.firstByte!(s0, 0)).toBe(7);
    expect(await took).toBe(1);
    // Nothing is ever written: after 3 yields the read is cancelled, the end dropped, the task exits.
    const s1 = inst.stream();
    expect(await inst.exports.firstByte!(s1, 3)).toBe(0xffff_ffff);
    // The reader dropped its end: a later write takes nothing.
    expect(await s1.write(new Uint8Array([1]))).toBe(0);
    const s2 = inst.stream();
    s2.close();
    expect(await inst.exports.firstByte!(s2, 3)).toBe(0xffff_fffe);
    // The instance is still good after all that.
    const s3 = inst.stream();
    const w3 = s3.write(new Uint8Array([200]));
    expect(await inst.exports.firstByte!(s3, 10)).toBe(200);
    expect(await w3).toBe(1);
  });
});
