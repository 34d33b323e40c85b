/**
 * The WASI 0.2 filesystem (host/wasi/p2-fs.ts over preview2-shim) through a
 * preopen, one function at a time: test/wasi/dir-p2.wat runs one
 * `wasi:filesystem/types@0.2.6` call chosen by its arguments, in-process
 * with a captured stdout and through `wasip3-task run --dir`. What the shim
 * alone got wrong is marked: `read-directory`, `stat`, `get-flags` and
 * `metadata-hash` of the preopen itself, Node errors out of `read`/`write`
 * as traps, `is-same-object` of two opens, and the times `set-times(-at)`
 * sets.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from '@bytecodealliance/jco';
import { loadComponent, type LoadedComponent } from '../host/component/api.js';
import { WasiHost, type WasiOptions } from '../host/wasi/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const tmp = mkdtempSync(join(tmpdir(), 'wasi-fs-p2-'));
const wasm = join(tmp, 'dir-p2.wasm');
const pre = join(tmp, 'pre');
let comp: LoadedComponent;

/** error-code exit codes of dir-p2.wat (100 + the case index). */
const E = { badDescriptor: 103, isDirectory: 114, noEntry: 120, notDirectory: 124, notEmpty: 125, notPermitted: 131 };

beforeAll(async () => {
  const bytes = await parse(readFileSync(join(here, 'wasi', 'dir-p2.wat'), 'utf8'));
  writeFileSync(wasm, bytes);
  comp = loadComponent(bytes);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeEach(() => {
  rmSync(pre, { recursive: true, force: true });
  mkdirSync(join(pre, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(pre, 'f.txt'), 'hello');
  for (const n of ['b', 'a', 'Z', '\u{ff5e}', '\u{1f600}', 'é']) writeFileSync(join(pre, 'sub', n), n);
  writeFileSync(join(tmp, 'secret.txt'), 'secret');
  mkdirSync(join(tmp, 'outside'), { recursive: true });
  writeFileSync(join(tmp, 'outside', 'x'), '');
  symlinkSync('sub', join(pre, 'ok-link'));
  symlinkSync('../outside', join(pre, 'rel-out'));
  symlinkSync(join(tmp, 'outside'), join(pre, 'abs-out'));
});

async function run(args: string[], opts: WasiOptions = {}): Promise<{ code: number; out: string }> {
  const chunks: Uint8Array[] = [];
  const wasi = new WasiHost({ args: ['dir-p2', ...args], preopens: { '/data': pre }, stdout: (b) => void chunks.push(b), stderr: () => {}, ...opts });
  const code = await wasi.run(comp.instantiate(wasi.imports, { store: wasi.store }));
  return { code, out: Buffer.concat(chunks).toString() };
}

/** The entries of the preopen made in beforeEach (lines of `ls`). */
const TOP = ['symbolic-link abs-out', 'regular-file f.txt', 'symbolic-link ok-link', 'symbolic-link rel-out', 'directory sub'];

describe('read-directory through a preopen (preview2-shim alone: bad-descriptor on the preopen)', () => {
  it('lists the preopen itself: every entry once, never . or ..', async () => {
    const r = await run(['ls']);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n').sort()).toEqual([...TOP].sort());
  });

  it('deterministic mode: sorted by name in UTF-8 byte order (code points, not UTF-16 units), every run alike', async () => {
    const r = await run(['ls'], { deterministic: true });
    expect(r.out).toBe(TOP.sort((a, b) => Buffer.compare(Buffer.from(a.split(' ')[1]!), Buffer.from(b.split(' ')[1]!))).map((l) => `${l}\n`).join(''));
    const sub = await run(['ls', 'sub'], { deterministic: true });
    // U+FF5E before U+1F600 (JS's sort() puts the surrogate pair first)
    expect(sub.out).toBe(['Z', 'a', 'b', 'deeper', 'é', '\u{ff5e}', '\u{1f600}'].map((n) => `${n === 'deeper' ? 'directory' : 'regular-file'} ${n}\n`).join(''));
    expect((await run(['ls', 'sub'], { deterministic: true })).out).toBe(sub.out);
  });

  it('a subdirectory, and one reached through a symlink inside the preopen', async () => {
    const r = await run(['ls', 'sub/deeper']);
    expect([r.code, r.out]).toEqual([0, '']);
    const l = await run(['ls', 'ok-link'], { deterministic: true });
    expect(l.code).toBe(0);
    expect(l.out).toBe((await run(['ls', 'sub'], { deterministic: true })).out);
  });

  it.each([
    ['..', E.notPermitted],
    ['sub/../..', E.notPermitted],
    ['rel-out', E.notPermitted],
    ['abs-out', E.notPermitted],
    ['/', E.notPermitted],
    ['missing', E.noEntry],
    ['f.txt', E.notDirectory],
  ])('%s: no listing (exit %i), nothing printed', async (path, code) => {
    const r = await run(['ls', path]);
    expect(r).toEqual({ code, out: '' });
  });

  it('wasip3-task run --dir lists the preopen, --deterministic sorted', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'wasip3-task.js'), 'run', wasm, '--dir', `${pre}::/data`, '--deterministic', '--', 'ls', 'sub'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('regular-file Z');
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(7);
    const up = spawnSync(process.execPath, [join(root, 'bin', 'wasip3-task.js'), 'run', wasm, '--dir', `${pre}::/data`, '--', 'ls', '..'], { encoding: 'utf8' });
    expect([up.status, up.stdout]).toEqual([E.notPermitted, '']);
  });
});

describe('the other descriptor functions through a preopen', () => {
  it('stat of the preopen itself (shim: invalid) and of a file opened in it', async () => {
    expect(await run(['stat'])).toEqual({ code: 0, out: `directory ${statSync(pre).size}\n` });
    expect(await run(['stat', 'f.txt'])).toEqual({ code: 0, out: 'regular-file 5\n' });
  });

  it('stat-at does not follow the last symlink; get-type', async () => {
    expect(await run(['stat-at', 'ok-link'])).toEqual({ code: 0, out: 'symbolic-link 3\n' });
    expect(await run(['stat-at', 'missing'])).toEqual({ code: E.noEntry, out: '' });
    expect(await run(['type'])).toEqual({ code: 0, out: 'directory\n' });
    expect(await run(['type', 'f.txt'])).toEqual({ code: 0, out: 'regular-file\n' });
  });

  it('get-flags: the preopen is read | mutate-directory (shim: no value, lowered as 0); a file opened for reading is read', async () => {
    expect(await run(['flags'])).toEqual({ code: 0, out: `${1 | 32}\n` });
    expect(await run(['flags', 'f.txt'])).toEqual({ code: 0, out: '1\n' });
  });

  it('metadata-hash of the preopen equals metadata-hash-at of "." (shim: {0, 0}); of a file, metadata-hash-at of its path', async () => {
    expect(await run(['hash'])).toEqual({ code: 0, out: '1\n' });
    expect(await run(['hash', 'f.txt'])).toEqual({ code: 0, out: '1\n' });
  });

  it('is-same-object: two opens of one file are the same object (shim: never), of two files not', async () => {
    expect(await run(['same', 'f.txt', 'f.txt'])).toEqual({ code: 0, out: '1\n' });
    expect(await run(['same', 'f.txt', 'ok-link/a'])).toEqual({ code: 0, out: '0\n' });
    expect(await run(['same', 'sub', 'ok-link'])).toEqual({ code: 0, out: '1\n' });
  });

  it('read and write: the bytes, and errors as error-code (shim: Node\'s EISDIR / EBADF as a host-error trap)', async () => {
    expect(await run(['read', 'f.txt'])).toEqual({ code: 0, out: 'hello' });
    expect(await run(['read', 'sub'])).toEqual({ code: E.isDirectory, out: '' });
    expect(await run(['write', 'f.txt'])).toEqual({ code: E.badDescriptor, out: '' });
    expect(readFileSync(join(pre, 'f.txt'), 'utf8')).toBe('hello');
  });

  it('create-directory-at, remove-directory-at, unlink-file-at on the host', async () => {
    expect((await run(['mkdir', 'new'])).code).toBe(0);
    expect(statSync(join(pre, 'new')).isDirectory()).toBe(true);
    expect((await run(['mkdir', 'new'])).code).toBe(100 + 7); // exist
    expect((await run(['rmdir', 'sub'])).code).toBe(E.notEmpty);
    expect((await run(['rmdir', 'new'])).code).toBe(0);
    expect(existsSync(join(pre, 'new'))).toBe(false);
    expect((await run(['unlink', 'f.txt'])).code).toBe(0);
    expect(existsSync(join(pre, 'f.txt'))).toBe(false);
    expect((await run(['mkdir', '../escaped'])).code).toBe(E.notPermitted);
    expect(existsSync(join(tmp, 'escaped'))).toBe(false);
    expect((await run(['unlink', 'rel-out/x'])).code).toBe(E.notPermitted);
    expect(existsSync(join(tmp, 'outside', 'x'))).toBe(true);
  });

  it('symlink-at, readlink-at, rename-at; a link or a rename out of the preopen is not-permitted', async () => {
    expect((await run(['symlink', 'f.txt', 'l'])).code).toBe(0);
    expect(readlinkSync(join(pre, 'l'))).toBe('f.txt');
    expect(await run(['readlink', 'l'])).toEqual({ code: 0, out: 'f.txt\n' });
    expect((await run(['rename', 'l', 'sub/l2'])).code).toBe(0);
    expect(lstatSync(join(pre, 'sub', 'l2')).isSymbolicLink()).toBe(true);
    expect((await run(['symlink', join(tmp, 'secret.txt'), 'abs'])).code).toBe(E.notPermitted);
    expect((await run(['rename', 'f.txt', '../stolen'])).code).toBe(E.notPermitted);
    expect(existsSync(join(tmp, 'stolen'))).toBe(false);
    // a symlink whose target leads out can be made, never followed
    expect((await run(['symlink', '../secret.txt', 'up'])).code).toBe(0);
    expect(await run(['read', 'up'])).toEqual({ code: E.notPermitted, out: '' });
  });

  it('set-times-at no-change keeps both times (shim: invalid); now is now (shim: January 1970)', async () => {
    utimesSync(join(pre, 'f.txt'), 1_500_000_000, 1_600_000_000);
    expect((await run(['touch-at', 'f.txt'])).code).toBe(0);
    const s = statSync(join(pre, 'f.txt'));
    expect([s.atimeMs, s.mtimeMs]).toEqual([1_500_000_000_000, 1_600_000_000_000]);
    const before = Date.now();
    expect((await run(['now-at', 'f.txt'])).code).toBe(0);
    const m = statSync(join(pre, 'f.txt')).mtimeMs;
    expect(m).toBeGreaterThanOrEqual(before - 1000);
    expect(m).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('set-times of an open file sets the timestamp given (shim: milliseconds taken as seconds)', async () => {
    expect((await run(['times', 'f.txt'])).code).toBe(0);
    const s = statSync(join(pre, 'f.txt'));
    expect([s.atimeMs, s.mtimeMs]).toEqual([1_000_000_000_000, 1_000_000_000_000]);
  });
});

describe('link-at, set-size, sync, sync-data, advise', () => {
  it('link-at makes a hard link (one inode, two names); out of the preopen is not-permitted', async () => {
    expect((await run(['link', 'f.txt', 'sub/hard'])).code).toBe(0);
    expect(statSync(join(pre, 'sub', 'hard')).ino).toBe(statSync(join(pre, 'f.txt')).ino);
    expect(statSync(join(pre, 'f.txt')).nlink).toBe(2);
    expect((await run(['link', 'f.txt', '../hard'])).code).toBe(E.notPermitted);
    expect((await run(['link', 'rel-out/x', 'got'])).code).toBe(E.notPermitted);
    expect(existsSync(join(pre, 'got'))).toBe(false);
  });

  it('set-size truncates a file opened for writing; a directory is not opened for writing (is-directory)', async () => {
    expect((await run(['set-size', 'f.txt'])).code).toBe(0);
    expect(readFileSync(join(pre, 'f.txt'), 'utf8')).toBe('hel');
    expect((await run(['set-size', 'sub'])).code).toBe(E.isDirectory);
  });

  it('sync and sync-data of the preopen (shim: invalid) and of a file; advise of a file', async () => {
    expect(await run(['sync'])).toEqual({ code: 0, out: '' });
    expect(await run(['sync', 'f.txt'])).toEqual({ code: 0, out: '' });
    expect(await run(['advise', 'f.txt'])).toEqual({ code: 0, out: '' });
    expect((await run(['advise', 'sub'])).code).toBe(E.badDescriptor);
  });
});
