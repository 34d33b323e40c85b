/**
 * What the WASI 0.2 and 0.3 implementations share: the options, the byte
 * sinks and sources behind stdout/stderr/stdin, `wasi:cli/exit` as a typed
 * error, and the deterministic mode (a seeded random generator and a virtual
 * monotonic clock that advances only when every task waits).
 */
import { writeSync, readSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import type { Store } from '../canon/store.js';

/** Where a program's stdout or stderr bytes go: a function (sync or async) or a file descriptor. */
export type Sink = ((bytes: Uint8Array) => void | Promise<void>) | number;

/** Where a program's stdin comes from: bytes, an async iterable of chunks, a file descriptor, or nothing (EOF). */
export type Source = Uint8Array | string | AsyncIterable<Uint8Array | string> | number | undefined;

export interface WasiOptions {
  /** `get-arguments` (argv[0] included): default `[]`. */
  readonly args?: readonly string[];
  /** `get-environment`: default empty (nothing is inherited unless given). */
  readonly env?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  /** Preopened directories, guest path -> host path: none by default. */
  readonly preopens?: Readonly<Record<string, string>>;
  /** `initial-cwd` / `get-initial-cwd`: default none. */
  readonly cwd?: string;
  /** stdout sink: default the process's fd 1. */
  readonly stdout?: Sink;
  /** stderr sink: default the process's fd 2. */
  readonly stderr?: Sink;
  /** stdin source: default empty (EOF at once). */
  readonly stdin?: Source;
  /** Whether stdin/stdout/stderr are terminals (`terminal-*`): default false. */
  readonly terminal?: boolean;
  /** Seeded random and virtual clocks: `true`, or a seed (default 0). */
  readonly deterministic?: boolean | { readonly seed?: number | bigint; readonly start?: bigint };
  /** The store the component is instantiated into (default a new one: `WasiHost.store`). */
  readonly store?: Store;
}

/** The program called `wasi:cli/exit`: `code` is its exit code. Rejects `run` (possibly as the `cause` of a Trap). */
export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`the program exited with code ${code}`);
    this.name = 'WasiExit';
  }
}

/** The WASI exit code carried by `e` (or its cause chain), if any. */
export function exitCodeOf(e: unknown): number | undefined {
  for (let x = e, depth = 0; x !== null && typeof x === 'object' && depth < 8; x = (x as { cause?: unknown }).cause, depth++) {
    if (x instanceof WasiExit) return x.code;
  }
  return undefined;
}

/** An error a WASI host function throws for a `result` err: `payload` is the error value. */
export class WasiError extends Error {
  constructor(readonly payload: unknown) {
    super(`wasi error: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}`);
    this.name = 'WasiError';
  }
}

/** Maps a Node error (EPIPE, ...) to the wasi:cli/wasi:io name: `pipe` or `io`. */
export function ioErrorCode(e: unknown): 'pipe' | 'io' {
  const code = (e as { code?: string } | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'EBADF' || code === 'ERR_STREAM_PREMATURE_CLOSE' ? 'pipe' : 'io';
}

/**
 * Puts fd 1 or 2 back into blocking mode when Node made it non-blocking.
 * Touching `process.stdout`/`process.stderr` once (as `isTTY` does, and
 * libraries do at import) opens a pipe with O_NONBLOCK; a `writeSync` to a
 * full pipe then fails EAGAIN instead of waiting for the reader. The stream's
 * libuv handle has `setBlocking` (what Node itself uses for stdio pipes on
 * Windows); libuv's own writes work on a blocking descriptor too. True when
 * the descriptor is blocking now (or is not a pipe Node opened).
 */
export function makeBlocking(fd: number): boolean {
  if (fd !== 1 && fd !== 2) return false;
  const stream = (fd === 1 ? process.stdout : process.stderr) as unknown as { _handle?: { setBlocking?: (on: boolean) => number } };
  const set = stream._handle?.setBlocking;
  if (typeof set !== 'function') return false;
  return set.call(stream._handle, true) === 0;
}

/**
 * Writes all of `bytes` to `fd` synchronously. A full non-blocking pipe
 * (EAGAIN) on fd 1 or 2 is made blocking and written again (the kernel then
 * wakes the write as soon as the reader took bytes); on another descriptor
 * the write is retried after 1 ms.
 */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  let unblocked = false;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      if ((e as { code?: string }).code === 'EAGAIN') {
        if (unblocked || !(unblocked = makeBlocking(fd))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw e;
    }
  }
}

/** A sink as a writer: `writeSync` for WASI 0.2's blocking calls (an async sink is called and not awaited; its rejection becomes the next write's error), `write` awaits. */
export class SinkWriter {
  private failed: unknown;
  private pending: Promise<void> = Promise.resolve();
  /** The last async write of `put` (settled or not). */
  private lastPut: Promise<void> = Promise.resolve();
  /** Async sink writes of `writeSync` not settled yet. */
  private pendingCount = 0;
  closed = false;
  constructor(private readonly sink: Sink) {}

  /** The sink is a file descriptor (written synchronously, the bytes not kept). */
  get isDescriptor(): boolean {
    return typeof this.sink === 'number';
  }

  writeSync(bytes: Uint8Array): void {
    if (this.failed !== undefined) throw this.failed;
    if (typeof this.sink === 'number') {
      try {
        writeAllSync(this.sink, bytes);
      } catch (e) {
        this.failed = e;
        throw e;
      }
      return;
    }
    // the bytes are the sink's: lifted lists and stream chunks are fresh copies
    const r = this.sink(bytes);
    if (r instanceof Promise) {
      this.pendingCount++;
      this.pending = this.pending
        .then(() => r)
        .catch((e) => void (this.failed ??= e))
        .then(() => void this.pendingCount--);
    }
  }

  /**
   * Writes `bytes`: synchronously for a descriptor or a sink that returns
   * nothing (undefined then), else the sink's Promise (after the writes
   * still pending). Throws or rejects with the sink's error.
   */
  put(bytes: Uint8Array): void | Promise<void> {
    if (this.failed !== undefined) throw this.failed;
    if (typeof this.sink === 'number') return this.writeSync(bytes);
    const sink = this.sink;
    const after = (): void | Promise<void> => {
      if (this.failed !== undefined) throw this.failed;
      const r = sink(bytes);
      if (r instanceof Promise) return r.catch((e) => Promise.reject((this.failed ??= e)));
    };
    if (this.pendingCount > 0) return this.track(this.pending.then(after));
    try {
      const r = after();
      return r === undefined ? r : this.track(r);
    } catch (e) {
      this.failed ??= e;
      throw e;
    }
  }

  private track(p: Promise<void>): Promise<void> {
    this.lastPut = p.catch(() => {});
    return p;
  }

  /** Resolves once every write handed to an async sink so far has settled (rejections are the writes' own). */
  async flush(): Promise<void> {
    await this.pending;
    await this.lastPut;
  }

  /** Writes and waits for an async sink. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.failed !== undefined) throw this.failed;
    if (typeof this.sink === 'number') return this.writeSync(bytes);
    try {
      await this.pending;
      await this.sink(bytes);
    } catch (e) {
      this.failed ??= e;
      throw e;
    }
  }
}

const encoder = new TextEncoder();
const asBytes = (c: Uint8Array | string): Uint8Array => (typeof c === 'string' ? encoder.encode(c) : c);

/** A source read synchronously (WASI 0.2) or asynchronously (WASI 0.3). */
export class SourceReader {
  private buf: Uint8Array | undefined;
  private iter: AsyncIterator<Uint8Array | string> | undefined;
  private eof = false;
  constructor(private readonly source: Source) {
    if (source === undefined) this.eof = true;
    else if (typeof source === 'string' || source instanceof Uint8Array) this.buf = asBytes(source);
  }

  /** Up to `n` bytes; undefined at EOF. Sync sources only (bytes or a file descriptor). */
  readSync(n: number): Uint8Array | undefined {
    if (this.eof) return undefined;
    if (this.buf !== undefined) return this.take(n);
    if (typeof this.source === 'number') {
      const out = new Uint8Array(Math.min(n, 65536));
      for (;;) {
        try {
          const got = readSync(this.source, out, 0, out.length, null);
          if (got === 0) {
            this.eof = true;
            return undefined;
          }
          return out.subarray(0, got);
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'EAGAIN') {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
            continue;
          }
          if (code === 'EOF') {
            this.eof = true;
            return undefined;
          }
          throw e;
        }
      }
    }
    throw new WasiError({ tag: 'last-operation-failed', detail: 'an async stdin source cannot be read by a WASI 0.2 blocking call' });
  }

  private take(n: number): Uint8Array | undefined {
    const b = this.buf!;
    if (b.length === 0) {
      this.eof = true;
      return undefined;
    }
    const out = b.subarray(0, Math.min(n, b.length));
    this.buf = b.subarray(out.length);
    return out;
  }

  /** The next chunk; undefined at EOF. */
  async read(n = 65536): Promise<Uint8Array | undefined> {
    if (this.eof) return undefined;
    if (this.buf !== undefined || typeof this.source === 'number') {
      if (typeof this.source === 'number') return this.readFd(n);
      return this.take(n);
    }
    this.iter ??= (this.source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
    const r = await this.iter.next();
    if (r.done) {
      this.eof = true;
      return undefined;
    }
    return asBytes(r.value);
  }

  private readFd(n: number): Promise<Uint8Array | undefined> {
    return import('node:fs').then(
      (fs) =>
        new Promise((resolve, reject) => {
          const out = new Uint8Array(Math.min(n, 65536));
          const attempt = (): void =>
            fs.read(this.source as number, out, 0, out.length, null, (err, got) => {
              if (err && (err as { code?: string }).code === 'EAGAIN') return void setTimeout(attempt, 1);
              if (err && (err as { code?: string }).code !== 'EOF') return reject(err);
              if (err || got === 0) {
                this.eof = true;
                return resolve(undefined);
              }
              resolve(out.subarray(0, got));
            });
          attempt();
        }),
    );
  }
}

/** splitmix64: the seeded generator of deterministic mode. */
export class SeededRandom {
  private s: bigint;
  constructor(seed: bigint) {
    this.s = BigInt.asUintN(64, seed);
  }
  u64(): bigint {
    this.s = BigInt.asUintN(64, this.s + 0x9e3779b97f4a7c15n);
    let z = this.s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 8) {
      let v = this.u64();
      for (let j = i; j < Math.min(n, i + 8); j++, v >>= 8n) out[j] = Number(v & 0xffn);
    }
    return out;
  }
}

/** The longest a single `setTimeout` can wait (larger delays overflow to 1 ms in Node). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Sleeps `ns` nanoseconds on the event loop, in steps no timer overflows. */
export async function realSleep(ns: bigint, now: () => bigint): Promise<void> {
  const until = now() + ns;
  for (;;) {
    const left = until - now();
    if (left <= 0n) return;
    const ms = Number((left + 999_999n) / 1_000_000n);
    await new Promise((r) => setTimeout(r, Math.min(ms, MAX_TIMEOUT_MS)));
  }
}

/**
 * The virtual monotonic clock of deterministic mode: `now` moves only when
 * the program sleeps, and only once nothing else can run (a sleeper is woken
 * from a macrotask, after every microtask and store step that was ready).
 */
export class VirtualClock {
  now: bigint;
  private readonly sleepers: { until: bigint; seq: number; wake: () => void }[] = [];
  private seq = 0;
  private scheduled = false;
  constructor(start = 0n) {
    this.now = start;
  }

  /** Waits until the clock reads `until`. */
  sleepUntil(until: bigint): Promise<void> {
    if (until <= this.now) return Promise.resolve();
    return new Promise((wake) => {
      this.sleepers.push({ until, seq: this.seq++, wake });
      this.schedule();
    });
  }

  /** Advances the clock past a blocking WASI 0.2 wait (no other task can run then). */
  advanceTo(until: bigint): void {
    if (until > this.now) this.now = until;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.sleepers.length === 0) return;
      this.sleepers.sort((a, b) => (a.until < b.until ? -1 : a.until > b.until ? 1 : a.seq - b.seq));
      const first = this.sleepers.shift()!;
      this.advanceTo(first.until);
      first.wake();
      if (this.sleepers.length > 0) this.schedule();
    });
  }
}

/** The clocks and random generators one WASI host uses (real or deterministic). */
export class WasiEnv {
  readonly rng: SeededRandom | undefined;
  readonly clock: VirtualClock | undefined;
  readonly args: string[];
  readonly env: [string, string][];
  readonly stdout: SinkWriter;
  readonly stderr: SinkWriter;
  readonly stdin: SourceReader;
  /** Wall-clock seconds at virtual time 0 in deterministic mode. */
  readonly epoch = 1_700_000_000n;
  constructor(readonly options: WasiOptions) {
    const det = options.deterministic;
    if (det) {
      const d = typeof det === 'object' ? det : {};
      this.rng = new SeededRandom(BigInt(d.seed ?? 0));
      this.clock = new VirtualClock(d.start ?? 0n);
    }
    this.args = [...(options.args ?? [])];
    const env = options.env ?? {};
    this.env = Array.isArray(env) ? env.map(([k, v]) => [k, v] as [string, string]) : Object.entries(env as Record<string, string>);
    this.stdout = new SinkWriter(options.stdout ?? 1);
    this.stderr = new SinkWriter(options.stderr ?? 2);
    this.stdin = new SourceReader(options.stdin);
  }

  randomBytes(n: number): Uint8Array {
    if (this.rng) return this.rng.bytes(n);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) randomFillSync(out.subarray(i, Math.min(n, i + 65536)));
    return out;
  }
}

/** The largest random-bytes request served in one call (a bigger `len` is a typed trap, not an out-of-memory crash). */
export const MAX_RANDOM_BYTES = 64 * 1024 * 1024;
