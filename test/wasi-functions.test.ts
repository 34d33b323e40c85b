/**
 * The WASI functions docs/wasi.md lists that no program of the other WASI
 * tests calls (test/wasi.test.ts, wasi-programs, wasi-fs-p2, wasi-hostile
 * run through components), called here through `WasiHost.imports`, the very
 * objects the component host calls, with the values a component's lowering
 * would give them; each asserts what the function does (bytes in a sink, a
 * time that moves, a file on the host), not only that it exists.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Trap } from '../host/canon/errors.js';
import { WasiExit } from '../host/wasi/common.js';
import { WasiHost, type WasiOptions } from '../host/wasi/index.js';

type Obj = Record<string, (...a: unknown[]) => unknown>;
const tmp = mkdtempSync(join(tmpdir(), 'wasi-functions-'));
const pre = join(tmp, 'pre');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => {
  rmSync(pre, { recursive: true, force: true });
  mkdirSync(join(pre, 'sub'), { recursive: true });
  writeFileSync(join(pre, 'f.txt'), 'hello');
});

function host(opts: WasiOptions = {}): { wasi: WasiHost; out: Uint8Array[]; i: (name: string) => Obj } {
  const out: Uint8Array[] = [];
  const wasi = new WasiHost({ stdout: (b) => void out.push(b), stderr: () => {}, preopens: { '/p': pre }, ...opts });
  return { wasi, out, i: (name) => wasi.imports[name] as Obj };
}
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
};

describe('WASI 0.2 (wasi:*@0.2.6)', () => {
  it('environment initial-cwd; exit(err) is code 1', () => {
    const { wasi, i } = host({ cwd: '/work' });
    expect(i('wasi:cli/environment@0.2.6')['initialCwd']!()).toBe('/work');
    const e = thrown(() => i('wasi:cli/exit@0.2.6')['exit']!({ tag: 'err' }));
    expect(e).toBeInstanceOf(WasiExit);
    expect([(e as WasiExit).code, wasi.exitCode]).toEqual([1, 1]);
  });

  it('stdout output-stream: check-write, write, flush, blocking-flush, write-zeroes, blocking-write-zeroes-and-flush, subscribe', () => {
    const { out, i } = host();
    const s = i('wasi:cli/stdout@0.2.6')['getStdout']!() as Obj;
    expect(s['checkWrite']!()).toBeGreaterThan(0n);
    s['write']!(new Uint8Array([65, 66]));
    s['flush']!();
    s['blockingFlush']!();
    s['writeZeroes']!(2n);
    s['blockingWriteZeroesAndFlush']!(1n);
    expect((s['subscribe']!() as Obj)['ready']!()).toBe(true);
    expect([...Buffer.concat(out)]).toEqual([65, 66, 0, 0, 0]);
  });

  it('stderr is its own sink; a sink that fails EPIPE is closed from then on', () => {
    const err: Uint8Array[] = [];
    const { i } = host({ stderr: (b) => void err.push(b), stdout: () => { throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' }); } });
    (i('wasi:cli/stderr@0.2.6')['getStderr']!() as Obj)['blockingWriteAndFlush']!(new Uint8Array([1]));
    expect(err).toHaveLength(1);
    const s = i('wasi:cli/stdout@0.2.6')['getStdout']!() as Obj;
    expect(thrown(() => s['write']!(new Uint8Array([1])))).toMatchObject({ payload: { tag: 'closed' } });
    expect(thrown(() => s['checkWrite']!())).toMatchObject({ payload: { tag: 'closed' } });
  });

  it('stdin input-stream: read, skip, blocking-skip, subscribe, then closed', () => {
    const { i } = host({ stdin: 'abcdefg' });
    const s = i('wasi:cli/stdin@0.2.6')['getStdin']!() as Obj;
    expect((s['subscribe']!() as Obj)['ready']!()).toBe(true);
    expect(Buffer.from(s['read']!(2n) as Uint8Array).toString()).toBe('ab');
    expect(s['skip']!(2n)).toBe(2n);
    expect(s['blockingSkip']!(1n)).toBe(1n);
    expect(Buffer.from(s['blockingRead']!(10n) as Uint8Array).toString()).toBe('fg');
    expect(thrown(() => s['read']!(1n))).toMatchObject({ payload: { tag: 'closed' } });
  });

  it('terminal-stdin/stdout/stderr: none by default, terminal objects with `terminal`', () => {
    const plain = host().i;
    expect(plain('wasi:cli/terminal-stdout@0.2.6')['getTerminalStdout']!()).toBeUndefined();
    const { i } = host({ terminal: true });
    const TI = (i('wasi:cli/terminal-input@0.2.6') as unknown as { TerminalInput: new () => unknown }).TerminalInput;
    const TO = (i('wasi:cli/terminal-output@0.2.6') as unknown as { TerminalOutput: new () => unknown }).TerminalOutput;
    expect(i('wasi:cli/terminal-stdin@0.2.6')['getTerminalStdin']!()).toBeInstanceOf(TI);
    expect(i('wasi:cli/terminal-stdout@0.2.6')['getTerminalStdout']!()).toBeInstanceOf(TO);
    expect(i('wasi:cli/terminal-stderr@0.2.6')['getTerminalStderr']!()).toBeInstanceOf(TO);
  });

  it('monotonic-clock now, resolution, subscribe-instant; poll and pollable.ready (real)', () => {
    const { i } = host();
    const m = i('wasi:clocks/monotonic-clock@0.2.6');
    const t0 = m['now']!() as bigint;
    expect(m['resolution']!()).toBeGreaterThan(0n);
    const p = m['subscribeInstant']!(t0 + 5_000_000n) as Obj;
    const ready = i('wasi:io/poll@0.2.6')['poll']!([p]) as ArrayLike<number>;
    expect([...ready]).toEqual([0]);
    expect(p['ready']!()).toBe(true);
    expect(m['now']!() as bigint).toBeGreaterThanOrEqual(t0 + 5_000_000n);
  });

  it('deterministic: poll of two clock pollables jumps to the earlier; wall-clock is the epoch plus virtual time', () => {
    const { i } = host({ deterministic: true });
    const m = i('wasi:clocks/monotonic-clock@0.2.6');
    const w = i('wasi:clocks/wall-clock@0.2.6');
    const w0 = w['now']!() as { seconds: bigint; nanoseconds: number };
    expect(w['resolution']!()).toEqual({ seconds: 0n, nanoseconds: 1 });
    const late = m['subscribeDuration']!(10_000_000_000n);
    const soon = m['subscribeInstant']!(3_000_000_000n);
    expect([...(i('wasi:io/poll@0.2.6')['poll']!([late, soon]) as ArrayLike<number>)]).toEqual([1]);
    expect(m['now']!()).toBe(3_000_000_000n);
    expect((w['now']!() as { seconds: bigint }).seconds - w0.seconds).toBe(3n);
  });

  it('wall-clock (real) is near Date.now()', () => {
    const { i } = host();
    const w = i('wasi:clocks/wall-clock@0.2.6');
    const now = w['now']!() as { seconds: bigint };
    expect(Math.abs(Number(now.seconds) - Date.now() / 1000)).toBeLessThan(5);
    expect(w['resolution']!()).toMatchObject({ seconds: 0n });
  });

  it('random, insecure, insecure-seed: lengths and types; deterministic replays; over 64 MiB is a host-error trap', () => {
    const draw = (opts: WasiOptions): unknown[] => {
      const { i } = host(opts);
      return [
        i('wasi:random/random@0.2.6')['getRandomBytes']!(16n), i('wasi:random/random@0.2.6')['getRandomU64']!(),
        i('wasi:random/insecure@0.2.6')['getInsecureRandomBytes']!(8n), i('wasi:random/insecure@0.2.6')['getInsecureRandomU64']!(),
        i('wasi:random/insecure-seed@0.2.6')['insecureSeed']!(),
      ];
    };
    const [b, u, ib, iu, seed] = draw({});
    expect((b as Uint8Array).length).toBe(16);
    expect(typeof u).toBe('bigint');
    expect((ib as Uint8Array).length).toBe(8);
    expect(typeof iu).toBe('bigint');
    expect((seed as bigint[]).map((x) => typeof x)).toEqual(['bigint', 'bigint']);
    expect(draw({ deterministic: { seed: 9 } })).toEqual(draw({ deterministic: { seed: 9 } }));
    expect(draw({ deterministic: { seed: 9 } })).not.toEqual(draw({ deterministic: { seed: 10 } }));
    const { i } = host();
    expect(thrown(() => i('wasi:random/insecure@0.2.6')['getInsecureRandomBytes']!(1n << 27n))).toBeInstanceOf(Trap);
  });

  it('file streams: write-via-stream, append-via-stream, read-via-stream, splice; io/error to-debug-string; filesystem-error-code', () => {
    const { i } = host();
    const [[d]] = i('wasi:filesystem/preopens@0.2.6')['getDirectories']!() as [[Obj, string]];
    const w = d!['openAt']!({}, 'out.txt', { create: true }, { write: true }) as Obj;
    const ws = w['writeViaStream']!(0n) as Obj;
    ws['blockingWriteAndFlush']!(new TextEncoder().encode('abc'));
    const as = w['appendViaStream']!() as Obj;
    as['blockingWriteAndFlush']!(new TextEncoder().encode('de'));
    expect(readFileSync(join(pre, 'out.txt'), 'utf8')).toBe('abcde');
    const r = d!['openAt']!({}, 'out.txt', {}, { read: true }) as Obj;
    const rs = r['readViaStream']!(1n) as Obj;
    expect(Buffer.from(rs['blockingRead']!(10n) as Uint8Array).toString()).toBe('bcde');
    const src = (d!['openAt']!({}, 'f.txt', {}, { read: true }) as Obj)['readViaStream']!(0n) as Obj;
    const dst = (d!['openAt']!({}, 'copy.txt', { create: true }, { write: true }) as Obj)['writeViaStream']!(0n) as Obj;
    // blocking-splice waits for the input (preview2-shim's gave 0 for a stream with nothing buffered yet)
    expect(dst['blockingSplice']!(src, 100n)).toBe(5n);
    dst['blockingFlush']!();
    expect(readFileSync(join(pre, 'copy.txt'), 'utf8')).toBe('hello');
    expect(thrown(() => dst['blockingSplice']!(src, 100n))).toMatchObject({ tag: 'closed' });
    // a file into stdout, and stdin into a file
    const { out, i: j } = host({ stdin: 'from stdin' });
    const [[d2]] = j('wasi:filesystem/preopens@0.2.6')['getDirectories']!() as [[Obj, string]];
    const stdout = j('wasi:cli/stdout@0.2.6')['getStdout']!() as Obj;
    const fin = (d2!['openAt']!({}, 'f.txt', {}, { read: true }) as Obj)['readViaStream']!(0n) as Obj;
    expect(stdout['blockingSplice']!(fin, 3n)).toBe(3n);
    expect(Buffer.concat(out).toString()).toBe('hel');
    // splice takes what the input has now (the rest of the file is buffered after the blocking read)
    let moved = 0n;
    for (let k = 0; k < 1000 && moved < 2n; k++) moved += stdout['splice']!(fin, 10n) as bigint;
    expect(moved).toBe(2n);
    expect(Buffer.concat(out).toString()).toBe('hello');
    const fout = (d2!['openAt']!({}, 'in.txt', { create: true }, { write: true }) as Obj)['writeViaStream']!(0n) as Obj;
    expect(fout['blockingSplice']!(j('wasi:cli/stdin@0.2.6')['getStdin']!(), 100n)).toBe(10n);
    fout['blockingFlush']!();
    expect(readFileSync(join(pre, 'in.txt'), 'utf8')).toBe('from stdin');
    const IoError = (i('wasi:io/error@0.2.6') as unknown as { Error: new (m: string) => Obj }).Error;
    expect(new IoError('boom')['toDebugString']!()).toContain('boom');
    // filesystem-error-code: the code of a file stream's error; none for another error (preview2-shim threw)
    expect(i('wasi:filesystem/types@0.2.6')['filesystemErrorCode']!(new IoError(Object.assign(new Error('full'), { code: 'ENOSPC' }) as never))).toBe('insufficient-space');
    expect(i('wasi:filesystem/types@0.2.6')['filesystemErrorCode']!(new IoError('x'))).toBeUndefined();
    expect(thrown(() => d!['openAt']!({}, 'missing', {}, { read: true }))).toBe('no-entry');
  });
});

describe('WASI 0.3 (wasi:*@0.3.0)', () => {
  it('environment get-environment, get-initial-cwd; exit(ok) is code 0', () => {
    const { wasi, i } = host({ env: { A: '1' }, cwd: '/c' });
    expect(i('wasi:cli/environment@0.3.0')['getEnvironment']!()).toEqual([['A', '1']]);
    expect(i('wasi:cli/environment@0.3.0')['getInitialCwd']!()).toBe('/c');
    expect((thrown(() => i('wasi:cli/exit@0.3.0')['exit']!({ tag: 'ok' })) as WasiExit).code).toBe(0);
    expect(wasi.exitCode).toBe(0);
  });

  it('terminal-stdin/stdout/stderr', () => {
    expect(host().i('wasi:cli/terminal-stderr@0.3.0')['getTerminalStderr']!()).toBeUndefined();
    const { i } = host({ terminal: true });
    expect(i('wasi:cli/terminal-stdin@0.3.0')['getTerminalStdin']!()).toBeInstanceOf((i('wasi:cli/terminal-input@0.3.0') as unknown as { TerminalInput: new () => unknown }).TerminalInput);
    expect(i('wasi:cli/terminal-stdout@0.3.0')['getTerminalStdout']!()).toBeInstanceOf((i('wasi:cli/terminal-output@0.3.0') as unknown as { TerminalOutput: new () => unknown }).TerminalOutput);
  });

  it('monotonic-clock now, get-resolution, wait-until (real); system-clock now, get-resolution', async () => {
    const { i } = host();
    const m = i('wasi:clocks/monotonic-clock@0.3.0');
    expect(m['getResolution']!()).toBe(1n);
    const t0 = m['now']!() as bigint;
    await m['waitUntil']!(t0 + 20_000_000n);
    expect((m['now']!() as bigint) - t0).toBeGreaterThanOrEqual(20_000_000n);
    const s = i('wasi:clocks/system-clock@0.3.0');
    expect(Math.abs(Number((s['now']!() as { seconds: bigint }).seconds) - Date.now() / 1000)).toBeLessThan(5);
    expect(s['getResolution']!()).toBe(1_000_000n);
  });

  it('deterministic: wait-until moves the virtual clock to the instant; system-clock follows', async () => {
    const { i } = host({ deterministic: true });
    const m = i('wasi:clocks/monotonic-clock@0.3.0');
    const s0 = (i('wasi:clocks/system-clock@0.3.0')['now']!() as { seconds: bigint }).seconds;
    await m['waitUntil']!(5_000_000_000n);
    expect(m['now']!()).toBe(5_000_000_000n);
    expect((i('wasi:clocks/system-clock@0.3.0')['now']!() as { seconds: bigint }).seconds - s0).toBe(5n);
  });

  it('insecure, insecure-seed: types; deterministic replays', () => {
    const draw = (opts: WasiOptions): unknown[] => {
      const { i } = host(opts);
      return [i('wasi:random/insecure@0.3.0')['getInsecureRandomBytes']!(8n), i('wasi:random/insecure@0.3.0')['getInsecureRandomU64']!(), i('wasi:random/insecure-seed@0.3.0')['getInsecureSeed']!()];
    };
    const [b, u, seed] = draw({});
    expect((b as Uint8Array).length).toBe(8);
    expect(typeof u).toBe('bigint');
    expect((seed as bigint[]).map((x) => typeof x)).toEqual(['bigint', 'bigint']);
    expect(draw({ deterministic: { seed: 3 } })).toEqual(draw({ deterministic: { seed: 3 } }));
  });

  it('descriptor functions over the 0.2 descriptors: stat, stat-at, get-type, get-flags, the *-at functions, set-size, set-times, sync, advise, metadata-hash', () => {
    const { i } = host();
    const [[d]] = i('wasi:filesystem/preopens@0.3.0')['getDirectories']!() as [[Obj, string]];
    expect(d!['getType']!()).toEqual({ tag: 'directory' });
    expect(d!['getFlags']!()).toEqual({ read: true, mutateDirectory: true });
    expect(d!['stat']!()).toMatchObject({ type: { tag: 'directory' } });
    expect(d!['statAt']!({}, 'f.txt')).toMatchObject({ type: { tag: 'regular-file' }, size: 5n });
    d!['createDirectoryAt']!('made');
    expect(statSync(join(pre, 'made')).isDirectory()).toBe(true);
    d!['removeDirectoryAt']!('made');
    d!['symlinkAt']!('f.txt', 'l');
    expect(d!['readlinkAt']!('l')).toBe('f.txt');
    d!['renameAt']!('l', d, 'sub/l');
    d!['linkAt']!({}, 'f.txt', d, 'hard');
    expect(statSync(join(pre, 'hard')).ino).toBe(statSync(join(pre, 'f.txt')).ino);
    d!['unlinkFileAt']!('hard');
    const f = d!['openAt']!({}, 'f.txt', {}, { read: true, write: true }) as Obj;
    expect(d!['isSameObject']!(d)).toBe(true);
    expect(f['isSameObject']!(d!['openAt']!({}, 'f.txt', {}, { read: true }))).toBe(true);
    expect(f['metadataHash']!()).toEqual(d!['metadataHashAt']!({ symlinkFollow: true }, 'f.txt'));
    expect(d!['metadataHash']!()).toEqual(d!['metadataHashAt']!({ symlinkFollow: true }, '.'));
    f['setSize']!(2n);
    expect(readFileSync(join(pre, 'f.txt'), 'utf8')).toBe('he');
    f['setTimes']!({ tag: 'timestamp', val: { seconds: 1_200_000_000n, nanoseconds: 0 } }, { tag: 'timestamp', val: { seconds: 1_300_000_000n, nanoseconds: 0 } });
    expect(statSync(join(pre, 'f.txt')).mtimeMs).toBe(1_300_000_000_000);
    d!['setTimesAt']!({}, 'f.txt', { tag: 'no-change' }, { tag: 'timestamp', val: { seconds: 1_400_000_000n, nanoseconds: 0 } });
    expect([statSync(join(pre, 'f.txt')).atimeMs, statSync(join(pre, 'f.txt')).mtimeMs]).toEqual([1_200_000_000_000, 1_400_000_000_000]);
    f['sync']!();
    f['syncData']!();
    d!['sync']!();
    f['advise']!(0n, 0n, 'sequential');
    expect(thrown(() => d!['removeDirectoryAt']!('sub'))).toMatchObject({ payload: { tag: 'not-empty' } });
    expect(thrown(() => d!['openAt']!({}, '../x', {}, { read: true }))).toMatchObject({ payload: { tag: 'not-permitted' } });
  });
});
