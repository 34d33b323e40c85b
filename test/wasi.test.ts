/**
 * WASI 0.2 and 0.3 on the embedded component host (host/wasi): our own WAT
 * programs (test/wasi/*.wat, turned into bytes with jco's `parse`) through
 * the typed API with in-memory sinks, and through `wasip3-task run` with real
 * pipes, real stdin and short real timers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, print } from '@bytecodealliance/jco';
import { Trap } from '../host/canon/errors.js';
import { loadComponent, type LoadedComponent } from '../host/component/api.js';
import { ComponentLinkError } from '../host/component/runtime/instantiate.js';
import { WasiHost, wasiVersionOf, type WasiOptions } from '../host/wasi/index.js';
import { WasiHostBase, type WasiP2Factory } from '../host/wasi/host.js';
import { wasiP2 } from '../host/wasi/p2.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const tmp = mkdtempSync(join(tmpdir(), 'wasi-test-'));
const progs: Record<string, string> = {};
const comps: Record<string, LoadedComponent> = {};

beforeAll(async () => {
  for (const name of ['hello-p2', 'prog-p3', 'fs-p2']) {
    const bytes = await parse(readFileSync(join(here, 'wasi', `${name}.wat`), 'utf8'));
    progs[name] = join(tmp, `${name}.wasm`);
    writeFileSync(progs[name], bytes);
    comps[name] = loadComponent(bytes);
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a program in-process with captured stdout/stderr. */
async function runApi(name: string, opts: WasiOptions = {}): Promise<{ code: number | undefined; out: Buffer; err: unknown; wasi: WasiHost }> {
  const chunks: Uint8Array[] = [];
  const wasi = new WasiHost({ stdout: (b) => void chunks.push(b), stderr: () => {}, ...opts });
  const inst = comps[name]!.instantiate(wasi.imports, { store: wasi.store });
  let code: number | undefined;
  let err: unknown;
  try {
    code = await wasi.run(inst);
  } catch (e) {
    err = e;
  }
  return { code, out: Buffer.concat(chunks), err, wasi };
}

async function runApiBytes(bytes: Uint8Array, opts: WasiOptions): Promise<{ code: number | undefined; err: unknown }> {
  const wasi = new WasiHost(opts);
  const inst = loadComponent(bytes).instantiate(wasi.imports, { store: wasi.store });
  try {
    return { code: await wasi.run(inst), err: undefined };
  } catch (e) {
    return { code: undefined, err: e };
  }
}

const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));

describe('version matching', () => {
  it('serves 0.2.x with WASI 0.2 and 0.3.0 (and its pre-releases) with WASI 0.3; nothing else', () => {
    expect(wasiVersionOf('wasi:cli/stdout@0.2.0')).toBe('0.2');
    expect(wasiVersionOf('wasi:cli/stdout@0.2.12')).toBe('0.2');
    expect(wasiVersionOf('wasi:cli/stdout@0.3.0')).toBe('0.3');
    expect(wasiVersionOf('wasi:cli/stdout@0.3.0-rc-2026-03-15')).toBe('0.3');
    expect(wasiVersionOf('wasi:cli/stdout@0.2.0-rc-2023-11-10')).toBeUndefined();
    expect(wasiVersionOf('wasi:cli/stdout@0.4.0')).toBeUndefined();
    expect(wasiVersionOf('wasi:cli/stdout')).toBeUndefined();
    const w = new WasiHost();
    expect('wasi:cli/stdout@0.2.12' in w.imports).toBe(true);
    expect('wasi:cli/stdout@0.3.0-rc-2026-03-15' in w.imports).toBe(true);
    expect('wasi:cli/stdout@0.4.0' in w.imports).toBe(false);
    expect('wasi:cli/stdout' in w.imports).toBe(false);
    // 0.2's stdout is get-stdout; 0.3's is write-via-stream
    expect(Object.keys(w.imports['wasi:cli/stdout@0.2.6'] as object)).toEqual(['getStdout']);
    expect(Object.keys(w.imports['wasi:cli/stdout@0.3.0'] as object)).toEqual(['writeViaStream']);
  });

  it('a WASI import at a version not served is a link error', async () => {
    const text = readFileSync(join(here, 'wasi', 'hello-p2.wat'), 'utf8').replaceAll('@0.2.6', '@0.4.0');
    const c = loadComponent(await parse(text));
    const w = new WasiHost();
    expect(() => c.instantiate(w.imports, { store: w.store })).toThrow(ComponentLinkError);
  });
});

describe('host functions for a result type (api.ts): a thrown non-Error is the err payload, as in jco', () => {
  it('a thrown string or plain object is err; a thrown Error is a host-error trap', async () => {
    const c = loadComponent(await parse(`(component
      (import "h" (instance $h (export "f" (func (param "x" u32) (result (result u32 (error string)))))))
      (core module $libc (memory (export "mem") 1)
        (global $top (mut i32) (i32.const 1024))
        (func (export "realloc") (param i32 i32 i32 i32) (result i32)
          (local $p i32) (local.set $p (global.get $top)) (global.set $top (i32.add (global.get $top) (local.get 3))) (local.get $p)))
      (core instance $libc (instantiate $libc))
      (alias core export $libc "mem" (core memory $mem))
      (core func $f (canon lower (func $h "f") (memory $mem) (realloc (core func $libc "realloc"))))
      (core module $m (import "libc" "mem" (memory 1)) (import "c" "f" (func $f (param i32 i32)))
        (func (export "g") (param i32) (result i32) (call $f (local.get 0) (i32.const 16)) (i32.const 16)))
      (core instance $i (instantiate $m (with "libc" (instance $libc)) (with "c" (instance (export "f" (func $f))))))
      (func (export "g") (param "x" u32) (result (result u32 (error string))) (canon lift (core func $i "g") (memory $mem)))
    )`));
    const mk = (f: (x: number) => number) => c.instantiate({ h: { f } }).exports as Record<string, (x: number) => Promise<unknown>>;
    expect(await mk((x) => x + 1)['g']!(1)).toBe(2);
    await expect(mk(() => { throw 'no-entry'; })['g']!(1)).rejects.toMatchObject({ name: 'ComponentResultError', payload: 'no-entry' });
    await expect(mk(() => { throw Object.assign(new Error('x'), { payload: 'with payload' }); })['g']!(1)).rejects.toMatchObject({ payload: 'with payload' });
    await expect(mk(() => { throw new Error('boom'); })['g']!(1)).rejects.toMatchObject({ name: 'Trap', code: 'host-error' });
  });
});

describe('WASI 0.2 through the API (preview2-shim + host/wasi/p2.ts)', () => {
  it('hello: arguments (argv[0] first) and blocking-write-and-flush on stdout; run ok is exit 0', async () => {
    const r = await runApi('hello-p2', { args: ['hello.wasm', 'a b', 'ü'] });
    expect(r.err).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.out.toString()).toBe('hello.wasm\na b\nü\nhello\n');
  });

  it('exit-with-code ends the program with that code, output kept', async () => {
    const r = await runApi('hello-p2', { args: ['x'], env: { A: '1', CODE: '7' } });
    expect(r.code).toBe(7);
    expect(r.wasi.exitCode).toBe(7);
    expect(r.out.toString()).toBe('x\nhello\n');
  });

  it('stdin through blocking-read until closed, byte-exact (bytes and an empty source)', async () => {
    const input = pattern(200_003);
    const r = await runApi('hello-p2', { args: ['p', '-'], stdin: input });
    expect(r.code).toBe(0);
    expect(r.out.equals(input)).toBe(true);
    expect((await runApi('hello-p2', { args: ['p', '-'] })).out.length).toBe(0);
  });

  it('a sleep through subscribe-duration + pollable.block: real (preview2-shim), or virtual in deterministic mode', async () => {
    const t0 = performance.now();
    const real = await runApi('hello-p2', { args: ['p', 's'] });
    expect(real.code).toBe(0);
    expect(real.out.toString()).toBe('slept\n');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    const det = await runApi('hello-p2', { args: ['p', 's'], deterministic: true });
    expect(det.out.toString()).toBe('slept\n');
    expect(det.wasi.env.clock!.now).toBe(30_000_000n);
  });

  it('a closed stdout is stream-error closed (the program traps on it here); the host goes on', async () => {
    const epipe = Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
    let calls = 0;
    const r = await runApi('hello-p2', {
      args: ['x'],
      stdout: () => {
        calls++;
        throw epipe;
      },
    });
    expect(calls).toBe(1);
    expect(r.err).toBeInstanceOf(Trap);
    expect((r.err as Trap).code).toBe('wasm-trap');
    // the next program runs
    expect((await runApi('hello-p2', { args: ['y'] })).out.toString()).toBe('y\nhello\n');
  });
});

describe("the project's composed guest components (wit-component output) take their WASI from WasiHost", () => {
  it('composed-v2 block-on-stale returns 258; composed-v1 traps with its abort text on the stderr sink', async () => {
    const run = async (v: 1 | 2): Promise<{ r?: unknown; e?: unknown; err: string }> => {
      let err = '';
      const wasi = new WasiHost({ stderr: (b) => void (err += Buffer.from(b).toString()) });
      const c = loadComponent(readFileSync(join(root, 'build', `composed-v${v}.wasm`)));
      const inst = c.instantiate(wasi.imports, { store: wasi.store });
      try {
        return { r: await (inst.exports['block-on-stale'] as () => Promise<unknown>)(), err };
      } catch (e) {
        return { e, err };
      }
    };
    const v2 = await run(2);
    expect(v2.r).toBe(258);
    expect(v2.err).toBe('');
    const v1 = await run(1);
    expect(v1.e).toBeInstanceOf(Trap);
    expect(v1.err).toMatch(/^abort: violation use-after-free/);
    expect(v1.err).toMatch(/#1618/);
  });
});

describe('WASI 0.2 filesystem: preopens given explicitly, no way out of them', () => {
  const dir = join(tmpdir(), `wasi-fs-${process.pid}`);
  beforeAll(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'pre', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'pre', 'in.txt'), 'inside file\n');
    writeFileSync(join(dir, 'pre', 'sub', 's.txt'), 'sub file\n');
    writeFileSync(join(dir, 'secret.txt'), 'secret\n');
    symlinkSync('../secret.txt', join(dir, 'pre', 'rel-link'));
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'pre', 'abs-link'));
    symlinkSync('sub', join(dir, 'pre', 'ok-link'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pre = (): Record<string, string> => ({ '/data': join(dir, 'pre') });

  it('reads a file of the preopen and writes a new one', async () => {
    const r = await runApi('fs-p2', { args: ['p', 'in.txt', 'copy.txt'], preopens: pre() });
    expect(r.err).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.out.toString()).toBe('inside file\n');
    expect(readFileSync(join(dir, 'pre', 'copy.txt'), 'utf8')).toBe('inside file\n');
    expect((await runApi('fs-p2', { args: ['p', 'ok-link/s.txt'], preopens: pre() })).out.toString()).toBe('sub file\n');
  });

  it('no preopens by default', async () => {
    expect((await runApi('fs-p2', { args: ['p', 'in.txt'] })).code).toBe(99);
  });

  it.each([
    ['missing.txt', 100 + 20], // no-entry
    ['../secret.txt', 100 + 31], // not-permitted
    ['sub/../../secret.txt', 100 + 31],
    ['rel-link', 100 + 31],
    ['abs-link', 100 + 31],
    ['/etc/passwd', 100 + 31],
  ])('%s is the WASI error code (exit %i), nothing read', async (path, code) => {
    const r = await runApi('fs-p2', { args: ['p', path], preopens: pre() });
    expect(r.code).toBe(code);
    expect(r.out.length).toBe(0);
  });
});

describe('WASI 0.3 filesystem (host/wasi/p3-fs.ts over 0.2 descriptors): read-via-stream, write-via-stream, no way out', () => {
  const dir = join(tmpdir(), `wasi-fs3-${process.pid}`);
  const big = pattern(300_001);
  beforeAll(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'pre'), { recursive: true });
    writeFileSync(join(dir, 'pre', 'big.bin'), big);
    writeFileSync(join(dir, 'secret.txt'), 'secret\n');
    symlinkSync('../secret.txt', join(dir, 'pre', 'rel-link'));
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'pre', 'abs-link'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pre = (): Record<string, string> => ({ '/data': join(dir, 'pre') });

  it('a 300001-byte file through read-via-stream to stdout, byte-exact', async () => {
    const r = await runApi('prog-p3', { args: ['p', 'f', 'big.bin'], preopens: pre() });
    expect(r.err).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.out.equals(big)).toBe(true);
  });

  it('stdin into a new file through write-via-stream', async () => {
    const text = 'into the file ✓\n'.repeat(10000);
    const r = await runApi('prog-p3', { args: ['p', 'c', 'made.txt'], preopens: pre(), stdin: text });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'pre', 'made.txt'), 'utf8')).toBe(text);
  });

  it('stdin appended to a file through append-via-stream, twice', async () => {
    writeFileSync(join(dir, 'pre', 'log.txt'), 'first\n');
    expect((await runApi('prog-p3', { args: ['p', 'a', 'log.txt'], preopens: pre(), stdin: 'second\n' })).code).toBe(0);
    expect((await runApi('prog-p3', { args: ['p', 'a', 'log.txt'], preopens: pre(), stdin: 'third ✓\n' })).code).toBe(0);
    expect(readFileSync(join(dir, 'pre', 'log.txt'), 'utf8')).toBe('first\nsecond\nthird ✓\n');
    expect((await runApi('prog-p3', { args: ['p', 'a', '../escaped.txt'], preopens: pre(), stdin: 'x' })).code).toBe(100 + 30);
  });

  it.each([
    ['f', 'missing', 100 + 19], // no-entry
    ['f', '../secret.txt', 100 + 30], // not-permitted
    ['f', 'rel-link', 100 + 30],
    ['f', 'abs-link', 100 + 30],
    ['c', '../escaped.txt', 100 + 30],
  ])('%s %s is the WASI error code (exit %i)', async (mode, path, code) => {
    const r = await runApi('prog-p3', { args: ['p', mode, path], preopens: pre(), stdin: 'x' });
    expect(r.code).toBe(code);
    expect(r.out.length).toBe(0);
    expect(() => readFileSync(join(dir, 'escaped.txt'))).toThrow();
  });

  it('no preopens by default', async () => {
    expect((await runApi('prog-p3', { args: ['p', 'f', 'big.bin'] })).code).toBe(99);
  });
});

describe('WASI 0.3 read-directory (host/wasi/p3-fs.ts): what the host reads from 0.2, and when it closes the listing', () => {
  const dir = join(tmpdir(), `wasi-rd3-${process.pid}`);
  const names = Array.from({ length: 500 }, (_, i) => `e${String(i).padStart(3, '0')}`);
  const ls = readFileSync(join(root, 'build', 'wasi-ls.wasm'));
  beforeAll(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'pre', 'many'), { recursive: true });
    for (const n of names) writeFileSync(join(dir, 'pre', 'many', n), '');
    writeFileSync(join(dir, 'pre', 'f.txt'), 'a file');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const dispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
  /** `target` with its methods bound to it (preview2-shim's use private fields), `hooks` around some. */
  const around = <T extends object>(target: T, hooks: Map<PropertyKey, (f: (...a: unknown[]) => unknown, ...a: unknown[]) => unknown>): T =>
    new Proxy(target, {
      get(t, k) {
        const v = Reflect.get(t, k) as unknown;
        if (typeof v !== 'function') return v;
        const f = (v as (...a: unknown[]) => unknown).bind(t);
        const h = hooks.get(k);
        return h === undefined ? f : (...a: unknown[]) => h(f, ...a);
      },
    });

  /** Runs build/wasi-ls.wasm in-process over WASI 0.2 descriptors that count the directory listings' reads and closes. */
  async function lsCounted(bytes: Uint8Array, args: string[], opts: WasiOptions = {}): Promise<{ code: number | undefined; out: string; listings: number; reads: number; closed: number }> {
    const n = { listings: 0, reads: 0, closed: 0 };
    const listing = (s: object): object => (
      n.listings++,
      around(s, new Map<PropertyKey, (f: (...a: unknown[]) => unknown) => unknown>([
        ['readDirectoryEntry', (f) => (n.reads++, f())],
        [dispose, (f) => (n.closed++, f())],
      ]))
    );
    const descriptor = (d: object): object =>
      around(d, new Map<PropertyKey, (f: (...a: unknown[]) => unknown, ...a: unknown[]) => unknown>([
        ['openAt', (f, ...a) => descriptor(f(...a) as object)],
        ['readDirectory', (f) => listing(f() as object)],
      ]));
    const factory: WasiP2Factory = (env, onExit) => {
      const p2 = wasiP2(env, onExit);
      const pre = p2['wasi:filesystem/preopens'] as { getDirectories(): [object, string][] };
      return { ...p2, 'wasi:filesystem/preopens': { getDirectories: () => pre.getDirectories().map(([d, p]) => [descriptor(d), p]) } };
    };
    const chunks: Uint8Array[] = [];
    const wasi = new WasiHostBase({ args: ['ls', ...args], preopens: { '/data': join(dir, 'pre') }, stdout: (b) => void chunks.push(b), ...opts }, factory);
    const code = await wasi.run(loadComponent(bytes).instantiate(wasi.imports, { store: wasi.store }));
    return { code, out: Buffer.concat(chunks).toString(), ...n };
  }

  it('a whole listing: every entry read once (then the end), the listing closed once', async () => {
    const r = await lsCounted(ls, ['many']);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n').sort()).toEqual(names.map((x) => `regular-file ${x}`));
    expect([r.listings, r.reads, r.closed]).toEqual([1, 501, 1]);
  });

  it('the guest drops the stream after 5 of 500: the host stops after one batch of 64 and closes the listing', async () => {
    const r = await lsCounted(ls, ['many', '5']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').length).toBe(5 + 2);
    expect(r.out).toMatch(/stopped after 5\n$/);
    expect(r.reads).toBe(64);
    expect([r.listings, r.closed]).toEqual([1, 1]);
  });

  it('deterministic mode reads the whole directory before the first entry, sorted, and closes it', async () => {
    const r = await lsCounted(ls, ['many', '2'], { deterministic: true });
    expect(r.out).toBe('regular-file e000\nregular-file e001\nstopped after 2\n');
    expect([r.listings, r.reads, r.closed]).toEqual([1, 501, 1]);
  });

  it('the preopen itself is listed (through `.` opened in it); a file is err(not-directory) with nothing left open', async () => {
    const r = await lsCounted(ls, [], { deterministic: true });
    expect(r.code).toBe(0);
    expect(r.out).toBe('regular-file f.txt\ndirectory many\n');
    expect([r.listings, r.closed]).toEqual([1, 1]);
    const f = await lsCounted(ls, ['f.txt']);
    expect(f.code).toBe(100 + 23);
    expect(f.out).toBe('');
    expect([f.listings, f.closed]).toEqual([0, 0]); // 0.2's read-directory threw: no listing was made
  });

  it('served for the import typed as a plain func too (jco\'s 0.3.0 WIT), not only as an async func', async () => {
    const wat = await print(ls);
    const exp = /\(export \(;\d+;\) "\[method\]descriptor\.read-directory" \(func \(type (\d+)\)\)\)/.exec(wat)!;
    const at = wat.lastIndexOf(`(type (;${exp[1]};) (func async `, exp.index);
    expect(at).toBeGreaterThan(0);
    const sync = wat.slice(0, at) + wat.slice(at).replace('(func async ', '(func ');
    const bytes = await parse(sync);
    const r = await lsCounted(bytes, [], { deterministic: true });
    expect(r.code).toBe(0);
    expect(r.out).toBe('regular-file f.txt\ndirectory many\n');
  });
});

describe('WASI 0.3 through the API (host streams and futures, preview3-shim + host/wasi/p3.ts)', () => {
  it('stderr through its own write-via-stream: the stderr sink gets it, stdout nothing', async () => {
    const err: Uint8Array[] = [];
    const r = await runApi('prog-p3', { args: ['p', 'E'], stderr: (b) => void err.push(b) });
    expect(r.code).toBe(0);
    expect(r.out.length).toBe(0);
    expect(Buffer.concat(err).toString()).toBe('hello from wasi 0.3\n');
  });

  it('hello through write-via-stream', async () => {
    const r = await runApi('prog-p3', { args: ['p', 'h'] });
    expect(r.err).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.out.toString()).toBe('hello from wasi 0.3\n');
  });

  it('a large write (300000 bytes) arrives byte-exact', async () => {
    const r = await runApi('prog-p3', { args: ['p', 'b'] });
    expect(r.code).toBe(0);
    expect(r.out.equals(pattern(300000))).toBe(true);
  });

  it('echoes stdin (read-via-stream) to stdout, from bytes and from an async source', async () => {
    const text = 'line one\nline two ✓\n'.repeat(5000);
    expect((await runApi('prog-p3', { args: ['p', 'e'], stdin: text })).out.toString()).toBe(text);
    async function* slow(): AsyncGenerator<string> {
      for (const s of ['a', 'bc', 'def']) {
        await new Promise((r) => setTimeout(r, 5));
        yield s;
      }
    }
    const r = await runApi('prog-p3', { args: ['p', 'e'], stdin: slow() });
    expect(r.code).toBe(0);
    expect(r.out.toString()).toBe('abcdef');
    expect((await runApi('prog-p3', { args: ['p', 'e'] })).out.length).toBe(0);
  });

  it('wait-for is a real wait on the event loop; the stdout write goes on meanwhile', async () => {
    const at: [string, number][] = [];
    const t0 = performance.now();
    const wasi = new WasiHost({ args: ['p', 's'], stdout: (b) => void at.push([Buffer.from(b).toString(), performance.now() - t0]) });
    const inst = comps['prog-p3']!.instantiate(wasi.imports, { store: wasi.store });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const code = await wasi.run(inst);
    clearInterval(timer);
    expect(code).toBe(0);
    expect(at.map(([s]) => s)).toEqual(['before\n', 'after\n']);
    expect(at[1]![1] - at[0]![1]).toBeGreaterThanOrEqual(35);
    expect(ticks).toBeGreaterThan(0); // the event loop ran during the wait
  });

  it('deterministic mode: virtual time (no real wait) and seeded random bytes, replayable', async () => {
    const t0 = performance.now();
    const s = await runApi('prog-p3', { args: ['p', 's'], deterministic: true });
    expect(s.out.toString()).toBe('before\nafter\n');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(s.wasi.env.clock!.now).toBe(40_000_000n);
    const a = await runApi('prog-p3', { args: ['p', 'r'], deterministic: { seed: 42 } });
    const b = await runApi('prog-p3', { args: ['p', 'r'], deterministic: { seed: 42 } });
    const c = await runApi('prog-p3', { args: ['p', 'r'], deterministic: { seed: 43 } });
    const real = await runApi('prog-p3', { args: ['p', 'r'] });
    expect(a.out.length).toBe(16);
    expect(a.out.equals(b.out)).toBe(true);
    expect(a.out.equals(c.out)).toBe(false);
    expect(real.out.length).toBe(16);
    expect(real.out.equals(a.out)).toBe(false);
  });

  it('a huge wait-for sleeps without overflowing the timer (virtual: time jumps to the deadline)', async () => {
    const r = await runApi('prog-p3', { args: ['p', 'z'], deterministic: true });
    expect(r.out.toString()).toBe('before\nafter\n');
    expect(r.wasi.env.clock!.now).toBe(2n ** 64n - 1n);
  });

  it('exit-with-code after output; a trap mid-run keeps the output written so far', async () => {
    const x = await runApi('prog-p3', { args: ['p', 'x'] });
    expect(x.code).toBe(3);
    expect(x.out.toString()).toBe('bye\n');
    const t = await runApi('prog-p3', { args: ['p', 't'] });
    expect(t.err).toBeInstanceOf(Trap);
    expect((t.err as Trap).code).toBe('wasm-trap');
    expect(t.out.toString()).toBe('partial\n');
  });

  it('a stdout stream dropped unwritten is an empty ok write; a second write-via-stream after the first returned works', async () => {
    const d = await runApi('prog-p3', { args: ['p', 'd'] });
    expect(d.code).toBe(0);
    expect(d.out.length).toBe(0);
    const w = await runApi('prog-p3', { args: ['p', 'w'] });
    expect(w.code).toBe(0);
    expect(w.out.toString()).toBe('one\ntwo\n');
  });

  it('a closed stdout: the write returns err pipe, the program returns err (exit 1), no trap', async () => {
    let n = 0;
    const r = await runApi('prog-p3', {
      args: ['p', 'b'],
      stdout: () => {
        if (++n > 1) throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      },
    });
    expect(r.err).toBeUndefined();
    expect(r.code).toBe(1);
    expect(n).toBe(2);
  });
});

/** Spawns the CLI; resolves with its exit code and output. */
function cli(args: string[], input?: string | Buffer, opts: { killAfterMs?: number } = {}): Promise<{ code: number | null; out: Buffer; err: string; killed: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(root, 'bin', 'wasip3-task.js'), ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let killed = false;
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    if (input !== undefined) p.stdin.end(input);
    const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => ((killed = true), p.kill('SIGKILL')), opts.killAfterMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: Buffer.concat(out), err, killed });
    });
  });
}

describe('wasip3-task run prog.wasm (real pipes)', () => {
  it('argv[0] is the file name, then the arguments after --; exit code 0', async () => {
    const r = await cli(['run', progs['hello-p2']!, '--', 'x', 'y z']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.toString()).toBe('hello-p2.wasm\nx\ny z\nhello\n');
  });

  it('--env sets the environment (nothing inherited without --inherit-env); the exit code is the program\'s', async () => {
    expect((await cli(['run', progs['hello-p2']!, '--env', 'CODE=5'])).code).toBe(5);
    const spawned = spawnSync(process.execPath, [join(root, 'bin', 'wasip3-task.js'), 'run', progs['hello-p2']!], { env: { ...process.env, CODE: '6' } });
    expect(spawned.status).toBe(0);
    const inherited = spawnSync(process.execPath, [join(root, 'bin', 'wasip3-task.js'), 'run', progs['hello-p2']!, '--inherit-env'], { env: { ...process.env, CODE: '6' } });
    expect(inherited.status).toBe(6);
    expect((await cli(['run', progs['hello-p2']!, '--env', 'NOEQUALS'])).code).toBe(2);
  });

  it('WASI 0.3: a 300000-byte write through a pipe, byte-exact; stdin echoed', async () => {
    const b = await cli(['run', progs['prog-p3']!, '--', 'b']);
    expect(b.code).toBe(0);
    expect(b.out.equals(pattern(300000))).toBe(true);
    const input = Buffer.from('from a real pipe\n'.repeat(20000));
    const e = await cli(['run', progs['prog-p3']!, '--', 'e'], input);
    expect(e.code).toBe(0);
    expect(e.out.equals(input)).toBe(true);
  });

  it('WASI 0.2: stdin from a real pipe (fd 0, blocking reads) to stdout', async () => {
    const input = Buffer.from('p2 through a pipe\n'.repeat(30000));
    const r = await cli(['run', progs['hello-p2']!, '--', '-'], input);
    expect(r.code).toBe(0);
    expect(r.out.equals(input)).toBe(true);
  });

  it('a stdout closed by the reader: the program gets the error (0.3: err pipe, exit 1), no crash', async () => {
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn(process.execPath, [join(root, 'bin', 'wasip3-task.js'), 'run', progs['prog-p3']!, '--', 'b'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      p.stdout.once('data', () => p.stdout.destroy());
      p.on('close', (code) => resolve({ code, err }));
    });
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/EPIPE|at .*\.js:\d+/);
  });

  it('a trap: output so far kept, the trap on stderr after it, exit 1', async () => {
    const r = await cli(['run', progs['prog-p3']!, '--', 't']);
    expect(r.code).toBe(1);
    expect(r.out.toString()).toBe('partial\n');
    expect(r.err).toMatch(/^wasip3-task: trap: \[wasm-trap\]/);
  });

  it('a real sleep keeps the process alive exactly as long; a huge one keeps it waiting (killed here)', async () => {
    const t0 = performance.now();
    const s = await cli(['run', progs['prog-p3']!, '--', 's']);
    expect(s.code).toBe(0);
    expect(s.out.toString()).toBe('before\nafter\n');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40);
    const z = await cli(['run', progs['prog-p3']!, '--', 'z'], undefined, { killAfterMs: 1500 });
    expect(z.killed).toBe(true);
    expect(z.out.toString()).toBe('before\n');
    expect(z.err).not.toMatch(/TimeoutOverflowWarning/);
  });

  it('--timeout stops a program still waiting: the trap timeout, output kept, exit 1', async () => {
    const r = await cli(['run', progs['prog-p3']!, '--timeout', '0.3', '--', 'z']);
    expect(r.code).toBe(1);
    expect(r.out.toString()).toBe('before\n');
    expect(r.err).toMatch(/^wasip3-task: trap: \[timeout\]/);
  });

  it('--dir host::guest preopens; a path out of it is not-permitted', async () => {
    const d = mkdtempSync(join(tmpdir(), 'wasi-cli-fs-'));
    mkdirSync(join(d, 'pre'));
    writeFileSync(join(d, 'pre', 'f.txt'), 'file text\n');
    writeFileSync(join(d, 'out.txt'), 'outside\n');
    const ok = await cli(['run', progs['fs-p2']!, '--dir', `${join(d, 'pre')}::/data`, '--', 'f.txt']);
    expect(ok.code).toBe(0);
    expect(ok.out.toString()).toBe('file text\n');
    const out = await cli(['run', progs['fs-p2']!, '--dir', `${join(d, 'pre')}::/data`, '--', '../out.txt']);
    expect(out.code).toBe(131);
    expect(out.out.length).toBe(0);
    rmSync(d, { recursive: true, force: true });
  });

  it('--deterministic replays random bytes exactly', async () => {
    const a = await cli(['run', progs['prog-p3']!, '--deterministic', '9', '--', 'r']);
    const b = await cli(['run', progs['prog-p3']!, '--deterministic', '9', '--', 'r']);
    expect(a.code).toBe(0);
    expect(a.out.length).toBe(16);
    expect(a.out.equals(b.out)).toBe(true);
  });

  it('the AssemblyScript program (build/wasi-hello.wasm, wasi:cli/run@0.3.0) prints its arguments', async () => {
    const r = await cli(['run', join(root, 'build', 'wasi-hello.wasm'), '--', 'a', 'b c', 'ü']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.toString()).toBe('hello from assemblyscript wasi-hello.wasm a b c ü\nsecond line\n');
    const closed = await runApiBytes(readFileSync(join(root, 'build', 'wasi-hello.wasm')), {
      args: ['x'],
      stdout: () => {
        throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      },
    });
    expect(closed.code).toBe(1); // the write's err pipe, returned by run
  });

  it('a component without wasi:cli/run and without --invoke is a usage error (exit 2)', async () => {
    const r = await cli(['run', join(here, 'components', 'basics.wat')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exports no wasi:cli\/run/);
  });
});
