/**
 * `wasi:filesystem@0.3.0` over WASI 0.2's descriptors (host/wasi/p2-fs.ts
 * over preview2-shim's `createFilesystem`, whose path resolution refuses
 * `..` out of a preopen, absolute paths and symlinks leading out). preview3-shim's own filesystem
 * is not used: it resolves paths without looking at symlinks, so a symlink
 * inside a preopen would lead out of it (and its `read-directory` lists in a
 * worker thread into a web stream, not into a stream of the store).
 *
 * Each 0.3 `descriptor` wraps a 0.2 one. The 0.2 calls are synchronous, so
 * these methods return plain values (an `async func` lowered either way
 * gets its result at once); the streams are the store's host streams:
 * `read-via-stream` feeds a `ComponentStream` from 0.2 `read`,
 * `write-via-stream` / `append-via-stream` copy a `ComponentStreamReader`
 * into 0.2 `write`, and `read-directory` feeds a `ComponentStream` of
 * `directory-entry` records from 0.2's `directory-entry-stream`.
 */
import { Trap } from '../canon/errors.js';
import type { Store } from '../canon/store.js';
import { ComponentFuture, ComponentStream, type ComponentStreamReader } from '../component/runtime/streams.js';
import type { ValType } from '../component/types.js';
import { WasiError } from './common.js';

type P2Descriptor = Record<string, (...a: unknown[]) => unknown>;

/** 0.2's `directory-entry-stream` (preview2-shim's holds an open `fs.Dir`, closed by its dispose symbol). */
interface P2DirectoryEntryStream {
  readDirectoryEntry(): { type: string; name: string } | undefined;
  [k: symbol]: unknown;
}

/** A `directory-entry` as its JS value (`type` a `descriptor-type` case). */
interface DirectoryEntry {
  type: { tag: string; val?: undefined };
  name: string;
}

/** The 0.3.0 `error-code` variant's cases, in order (`other(option<string>)` last). */
export const FS_ERROR_CASES = [
  'access', 'already', 'bad-descriptor', 'busy', 'deadlock', 'quota', 'exist', 'file-too-large',
  'illegal-byte-sequence', 'in-progress', 'interrupted', 'invalid', 'io', 'is-directory', 'loop',
  'too-many-links', 'message-size', 'name-too-long', 'no-device', 'no-entry', 'no-lock',
  'insufficient-memory', 'insufficient-space', 'not-directory', 'not-empty', 'not-recoverable',
  'unsupported', 'no-tty', 'no-such-device', 'overflow', 'not-permitted', 'pipe', 'read-only',
  'invalid-seek', 'text-file-busy', 'cross-device', 'other',
] as const;

/** The element type of `future<result<_, error-code>>` (`other` carries an `option<string>`). */
const FS_RESULT: ValType = {
  kind: 'result',
  ok: undefined,
  error: { kind: 'variant', cases: FS_ERROR_CASES.map((label) => ({ label, t: label === 'other' ? { kind: 'option', t: { kind: 'string' } } : undefined })) } as unknown as ValType,
};

/** A 0.2 error (a string like `no-entry`, or anything else) as the 0.3 variant value. */
function toP3Error(e: unknown): { tag: string; val?: undefined } {
  if (typeof e === 'string' && (FS_ERROR_CASES as readonly string[]).includes(e) && e !== 'other') return { tag: e };
  if (e instanceof WasiError) return toP3Error(e.payload);
  return { tag: 'io' };
}

/** Calls a 0.2 method, turning its thrown error code into the 0.3 err payload. */
function p2call<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Trap) throw e;
    throw new WasiError(toP3Error(e));
  }
}

/** The 0.3.0 `descriptor-type` variant (`other(option<string>)` last; 0.2's `unknown` becomes `other(none)`). */
const DESCRIPTOR_TYPE: ValType = {
  kind: 'variant',
  cases: ['block-device', 'character-device', 'directory', 'fifo', 'symbolic-link', 'regular-file', 'socket', 'other'].map((label) => ({
    label,
    t: label === 'other' ? { kind: 'option', t: { kind: 'string' } } : undefined,
  })),
} as ValType;

/** The element type of `read-directory`'s stream: `record directory-entry { type: descriptor-type, name: string }`. */
const DIRECTORY_ENTRY: ValType = { kind: 'record', fields: [{ label: 'type', t: DESCRIPTOR_TYPE }, { label: 'name', t: { kind: 'string' } }] };

/** Entries handed to the stream per write when they are not sorted first. */
const DIRECTORY_BATCH = 64;

const utf8 = new TextEncoder();
/** Orders names by their UTF-8 bytes (which is Unicode code point order, not JS's UTF-16 code unit order). */
function byUtf8Name(a: { key: Uint8Array }, b: { key: Uint8Array }): number {
  return Buffer.compare(a.key, b.key);
}

const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

const P2_TYPE_TO_P3 = (t: string): { tag: string; val?: undefined } => (t === 'unknown' ? { tag: 'other', val: undefined } : { tag: t });

function statToP3(s: Record<string, unknown>): Record<string, unknown> {
  return {
    type: P2_TYPE_TO_P3(s['type'] as string),
    linkCount: s['linkCount'],
    size: s['size'],
    dataAccessTimestamp: s['dataAccessTimestamp'],
    dataModificationTimestamp: s['dataModificationTimestamp'],
    statusChangeTimestamp: s['statusChangeTimestamp'],
  };
}

const CHUNK = 65536n;

/** Options of the 0.3 filesystem. */
export interface P3FilesystemOptions {
  /** Deterministic mode: `read-directory` lists entries sorted by name (their UTF-8 bytes), not in the order the OS gives. */
  readonly deterministic?: boolean;
}

/** The 0.3 filesystem interfaces over a 0.2 filesystem (`types` and `preopens`). */
export function wasiP3Filesystem(p2fs: { preopens: { getDirectories(): [P2Descriptor, string][] } }, store: Store, options: P3FilesystemOptions = {}): Record<string, Record<string, unknown>> {
  const sorted = options.deterministic === true;
  const wrapped = new WeakMap<P2Descriptor, Descriptor>();
  /** 0.2's `read-directory` of `d` (host/wasi/p2-fs.ts lists a preopen, and sorts in deterministic mode). */
  const listing = (d: P2Descriptor): P2DirectoryEntryStream => p2call(() => d['readDirectory']!.call(d) as P2DirectoryEntryStream);
  const wrap = (d: P2Descriptor): Descriptor => {
    let w = wrapped.get(d);
    if (w === undefined) wrapped.set(d, (w = new Descriptor(d)));
    return w;
  };

  class Descriptor {
    constructor(readonly d: P2Descriptor) {}
    private call<T>(name: string, ...args: unknown[]): T {
      return p2call(() => this.d[name]!.apply(this.d, args) as T);
    }

    readViaStream(offset: bigint): [unknown, unknown] {
      const s = new ComponentStream(store, { kind: 'u8' });
      const f = new ComponentFuture(store, FS_RESULT);
      const pump = async (): Promise<void> => {
        let at = offset;
        try {
          for (;;) {
            const [bytes, eof] = this.call<[Uint8Array, boolean]>('read', CHUNK, at);
            if (bytes.length > 0) {
              const took = await s.write(bytes);
              if (took < bytes.length) break;
              at += BigInt(bytes.length);
            }
            if (eof || bytes.length === 0) break;
          }
          s.close();
          await f.resolve({ tag: 'ok', val: undefined });
        } catch (e) {
          s.close();
          await f.resolve({ tag: 'err', val: e instanceof WasiError ? e.payload : toP3Error(e) });
        }
      };
      void pump();
      return [s.readable, f.readable];
    }

    async writeViaStream(data: ComponentStreamReader, offset: bigint): Promise<void> {
      let at = offset;
      try {
        for (;;) {
          const chunk = (await data.read()) as Uint8Array | undefined;
          if (chunk === undefined) return;
          let done = 0;
          while (done < chunk.length) {
            const n = Number(this.call<bigint>('write', chunk.subarray(done), at));
            done += n;
            at += BigInt(n);
          }
        }
      } catch (e) {
        data.cancel();
        throw e;
      }
    }

    async appendViaStream(data: ComponentStreamReader): Promise<void> {
      const size = this.call<Record<string, bigint>>('stat')['size']!;
      return this.writeViaStream(data, size);
    }

    advise(offset: bigint, length: bigint, advice: string): void {
      this.call('advise', offset, length, advice);
    }
    syncData(): void {
      this.call('syncData');
    }
    sync(): void {
      this.call('sync');
    }
    getFlags(): unknown {
      return this.call('getFlags');
    }
    getType(): unknown {
      return P2_TYPE_TO_P3(this.call<string>('getType'));
    }
    setSize(size: bigint): void {
      this.call('setSize', size);
    }
    setTimes(a: unknown, m: unknown): void {
      this.call('setTimes', a, m);
    }
    /**
     * `read-directory`: a stream of `directory-entry` records (never `.` or
     * `..`) and a future for how the listing ended: `ok` once every entry was
     * written (or the guest dropped the stream), `err(code)` when the 0.2
     * listing failed (`not-directory` for a file), the stream then closed
     * after the entries written so far. Entries come in the OS's order,
     * DIRECTORY_BATCH per write, read from 0.2 only as the guest takes them;
     * in deterministic mode the whole directory is read first and sorted by
     * name (UTF-8 byte order, which is code point order), so a listing that
     * fails part way gives no entries and the err. The 0.2 directory handle
     * is closed when the listing ends, also when the guest dropped the
     * stream early.
     */
    readDirectory(): [unknown, unknown] {
      const s = new ComponentStream(store, DIRECTORY_ENTRY);
      const f = new ComponentFuture(store, FS_RESULT);
      const pump = async (): Promise<void> => {
        let list: P2DirectoryEntryStream | undefined;
        const close = (): void => {
          const open = list;
          list = undefined;
          const dispose = open?.[symbolDispose];
          if (typeof dispose === 'function') dispose.call(open);
        };
        try {
          const l = (list = listing(this.d));
          const next = (): DirectoryEntry | undefined => {
            const e = p2call(() => l.readDirectoryEntry());
            return e === undefined ? undefined : { type: P2_TYPE_TO_P3(e.type), name: e.name };
          };
          if (sorted) {
            const all: { key: Uint8Array; entry: DirectoryEntry }[] = [];
            for (let e = next(); e !== undefined; e = next()) all.push({ key: utf8.encode(e.name), entry: e });
            close();
            all.sort(byUtf8Name);
            if (all.length > 0) await s.write(all.map((x) => x.entry));
          } else {
            for (;;) {
              const batch: DirectoryEntry[] = [];
              for (let e: DirectoryEntry | undefined; batch.length < DIRECTORY_BATCH && (e = next()) !== undefined; ) batch.push(e);
              // a short batch is the end of the directory
              const last = batch.length < DIRECTORY_BATCH;
              if (last) close();
              if (batch.length === 0) break;
              const took = await s.write(batch);
              if (took < batch.length || last) break; // fewer taken: the guest dropped the stream
            }
          }
          close();
          s.close();
          await f.resolve({ tag: 'ok', val: undefined });
        } catch (e) {
          close();
          s.close();
          await f.resolve({ tag: 'err', val: e instanceof WasiError ? e.payload : toP3Error(e) });
        }
      };
      void pump();
      return [s.readable, f.readable];
    }
    createDirectoryAt(path: string): void {
      this.call('createDirectoryAt', path);
    }
    stat(): unknown {
      return statToP3(this.call('stat'));
    }
    statAt(pf: unknown, path: string): unknown {
      return statToP3(this.call('statAt', pf, path));
    }
    setTimesAt(pf: unknown, path: string, a: unknown, m: unknown): void {
      this.call('setTimesAt', pf, path, a, m);
    }
    linkAt(pf: unknown, oldPath: string, to: Descriptor, newPath: string): void {
      this.call('linkAt', pf, oldPath, to.d, newPath);
    }
    openAt(pf: unknown, path: string, of: unknown, flags: unknown): Descriptor {
      return wrap(this.call<P2Descriptor>('openAt', pf, path, of, flags));
    }
    readlinkAt(path: string): string {
      return this.call('readlinkAt', path);
    }
    removeDirectoryAt(path: string): void {
      this.call('removeDirectoryAt', path);
    }
    renameAt(oldPath: string, to: Descriptor, newPath: string): void {
      this.call('renameAt', oldPath, to.d, newPath);
    }
    symlinkAt(oldPath: string, newPath: string): void {
      this.call('symlinkAt', oldPath, newPath);
    }
    unlinkFileAt(path: string): void {
      this.call('unlinkFileAt', path);
    }
    isSameObject(other: Descriptor): boolean {
      return this.call('isSameObject', other.d);
    }
    metadataHash(): unknown {
      return this.call('metadataHash');
    }
    metadataHashAt(pf: unknown, path: string): unknown {
      return this.call('metadataHashAt', pf, path);
    }
  }

  return {
    'wasi:filesystem/types': { Descriptor },
    'wasi:filesystem/preopens': { getDirectories: () => p2fs.preopens.getDirectories().map(([d, p]) => [wrap(d), p]) },
  };
}
