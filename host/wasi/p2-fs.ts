/**
 * `wasi:filesystem@0.2.x` for the component host: preview2-shim's
 * `createFilesystem` (its path resolution refuses `..` out of a preopen,
 * absolute paths and symlinks leading out), each of its descriptors wrapped
 * in a `Descriptor` of this module that fixes what the shim gets wrong
 * (docs/wasi.md, "WASI 0.2.x (host/wasi/p2.ts)"):
 *
 * - a preopen descriptor has no open file and no path of its own in the
 *   shim, so its `read-directory` is `bad-descriptor`, its `stat`, `sync`,
 *   `sync-data`, `set-times` are `invalid`, `get-flags` gives no value at all
 *   and `metadata-hash` is the same `{0, 0}` for every preopen: those are
 *   served here through `.` opened in the preopen (the shim's own checked
 *   resolution of `.`, which is the preopen's real path), and `get-flags` of
 *   a preopen is `read | mutate-directory` (what a preopen permits: reading,
 *   and creating, renaming and removing entries);
 * - `read` and `write` pass Node's errors through unconverted (`EISDIR` for
 *   a directory, `EBADF` for a file opened without that access) and `read`
 *   allocates the whole length asked for: here such errors are the
 *   `error-code` they stand for, and a read asks for at most `MAX_READ`;
 * - `is-same-object` compares the JS objects, so two opens of one file
 *   differ: here it compares the files' metadata hashes (inode and
 *   modification time);
 * - `set-times-at` with `no-change` takes the unchanged time from the
 *   descriptor itself instead of the path (`invalid` on a preopen), `now`
 *   sets a time in January 1970 (seconds divided by 1000 once too often),
 *   and `set-times` hands milliseconds to `futimes`, which takes seconds:
 *   here every time is passed on as an explicit timestamp (`now` the
 *   host's wall clock, `no-change` the file's own time), to `set-times`
 *   a thousandth as large;
 * - `filesystem-error-code` of an error that is not a filesystem one
 *   throws (a trap): here it is `none`;
 * - a file output-stream's `blocking-splice` returns 0 while its input has
 *   nothing buffered yet: here it waits for the input (`withBlockingSplice`);
 * - in deterministic mode `read-directory` reads the whole directory and
 *   gives its entries sorted by name in UTF-8 byte order (0.3's order).
 *
 * Descriptors handed to the shim (`link-at`, `rename-at`, `is-same-object`)
 * are unwrapped first: the shim reads their private fields.
 */
import { Trap } from '../canon/errors.js';

type Obj = Record<string, unknown>;
/** preview2-shim's `Descriptor` (its methods by name). */
type ShimDescriptor = Record<string, (...a: unknown[]) => unknown>;
/** preview2-shim's `directory-entry-stream` (holds an open `fs.Dir`, closed by its dispose symbol). */
interface ShimEntryStream {
  readDirectoryEntry(): { type: string; name: string } | undefined;
  [k: symbol]: unknown;
}
interface Timestamp {
  seconds: bigint;
  nanoseconds: number;
}
type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Timestamp };
interface StatTimes {
  dataAccessTimestamp?: Timestamp;
  dataModificationTimestamp?: Timestamp;
}

/** A `new-timestamp` as the time it sets: `now` is the host's wall clock, `no-change` the time the file has. */
function explicit(t: NewTimestamp, current: Timestamp | undefined): Timestamp {
  if (t.tag === 'timestamp') return t.val;
  if (t.tag === 'now' || current === undefined) {
    const ms = Date.now();
    return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
  }
  return current;
}

/** `t` divided by 1000 (seconds' remainder carried into nanoseconds, which may then exceed 10^9). */
function thousandth(t: Timestamp): Timestamp {
  return { seconds: t.seconds / 1000n, nanoseconds: Number(t.seconds % 1000n) * 1_000_000 + t.nanoseconds / 1000 };
}

/** The most bytes one `read` returns (a shorter read is allowed; the shim allocates what is asked for). */
export const MAX_READ = 16 * 1024 * 1024;

const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/** Node's error codes as the 0.2 `error-code` case they stand for. */
const ERRNO: Readonly<Record<string, string>> = {
  EACCES: 'access', EAGAIN: 'would-block', EWOULDBLOCK: 'would-block', EALREADY: 'already', EBADF: 'bad-descriptor',
  EBUSY: 'busy', EDEADLK: 'deadlock', EDQUOT: 'quota', EEXIST: 'exist', EFBIG: 'file-too-large',
  EILSEQ: 'illegal-byte-sequence', EINPROGRESS: 'in-progress', EINTR: 'interrupted', EINVAL: 'invalid', EIO: 'io',
  EISDIR: 'is-directory', ERR_FS_EISDIR: 'is-directory', ELOOP: 'loop', EMLINK: 'too-many-links', EMSGSIZE: 'message-size',
  ENAMETOOLONG: 'name-too-long', ENODEV: 'no-device', ENOENT: 'no-entry', ENOLCK: 'no-lock', ENOMEM: 'insufficient-memory',
  ENOSPC: 'insufficient-space', ENOTDIR: 'not-directory', ENOTEMPTY: 'not-empty', ENOTRECOVERABLE: 'not-recoverable',
  ENOTSUP: 'unsupported', EOPNOTSUPP: 'unsupported', ENOTTY: 'no-tty', ENXIO: 'no-such-device', EOVERFLOW: 'overflow',
  EPERM: 'not-permitted', EPIPE: 'pipe', EROFS: 'read-only', ESPIPE: 'invalid-seek', ETXTBSY: 'text-file-busy',
  EXDEV: 'cross-device',
};

/** A thrown Node error with an errno code becomes the `error-code` string (jco's convention: a thrown non-Error is the err payload). */
function fsError(e: unknown): unknown {
  if (e instanceof Error && !(e instanceof Trap)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && ERRNO[code] !== undefined) return ERRNO[code];
  }
  return e;
}

/** Calls the shim, its Node errors converted. */
function shimCall<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fsError(e);
  }
}

const utf8 = new TextEncoder();

/** A directory's entries read in full and sorted by name (UTF-8 bytes, i.e. code point order). */
class SortedEntryStream {
  private at = 0;
  constructor(private readonly entries: { type: string; name: string }[]) {}
  readDirectoryEntry(): { type: string; name: string } | undefined {
    return this.entries[this.at++];
  }
  [symbolDispose](): void {
    this.at = this.entries.length;
  }
}

/** Reads `s` to its end, closes it, and gives its entries sorted. */
function sortedListing(s: ShimEntryStream): SortedEntryStream {
  const all: { key: Uint8Array; e: { type: string; name: string } }[] = [];
  try {
    for (let e = shimCall(() => s.readDirectoryEntry()); e !== undefined; e = shimCall(() => s.readDirectoryEntry())) all.push({ key: utf8.encode(e.name), e });
  } finally {
    (s[symbolDispose] as (() => void) | undefined)?.call(s);
  }
  all.sort((a, b) => Buffer.compare(a.key, b.key));
  return new SortedEntryStream(all.map((x) => x.e));
}

/** Bytes one `blocking-splice` moves at most (WASI's `blocking-write-and-flush` limit). */
const SPLICE_CHUNK = 4096n;

/**
 * A file `output-stream` whose `blocking-splice` waits for the input: the
 * shim's returns 0 when the input stream has nothing buffered yet (a file
 * stream just made), which a guest reads as nothing left. Here it is a
 * `blocking-read` of the input (whose `closed` is the splice's) and a
 * `blocking-write-and-flush` of what it gave; the input may be any 0.2
 * input-stream (a file's, or stdin's).
 */
function withBlockingSplice(out: unknown): unknown {
  const o = out as Record<string, (...a: unknown[]) => unknown>;
  o['blockingSplice'] = (src: unknown, len: unknown): bigint => {
    const n = len as bigint;
    const bytes = (src as { blockingRead(n: bigint): Uint8Array }).blockingRead(n < SPLICE_CHUNK ? n : SPLICE_CHUNK);
    if (bytes.length > 0) o['blockingWriteAndFlush']!.call(o, bytes);
    return BigInt(bytes.length);
  };
  return o;
}

/** Options of the 0.2 filesystem. */
export interface P2FilesystemOptions {
  /** Deterministic mode: `read-directory` lists entries sorted by name. */
  readonly deterministic?: boolean;
}

/** The 0.2 `wasi:filesystem/types` and `wasi:filesystem/preopens` over these preopens (guest path -> host path). */
export function wasiP2Filesystem(
  shimFs: { createFilesystem(o: { preopens: Record<string, string> }): { types: Obj; preopens: Obj } },
  preopens: Record<string, string>,
  options: P2FilesystemOptions = {},
): { types: Obj; preopens: Obj } {
  const fs = shimFs.createFilesystem({ preopens });
  const sorted = options.deterministic === true;

  class Descriptor {
    constructor(
      readonly d: ShimDescriptor,
      /** A preopen: the shim's descriptor has no file open, `.` opened in it stands for it. */
      readonly preopen: boolean,
    ) {}

    private call<T>(name: string, ...args: unknown[]): T {
      return shimCall(() => this.d[name]!.apply(this.d, args) as T);
    }

    /** `f` of the descriptor that has the file open: `.` opened in a preopen (closed after), else this one. */
    private open<T>(f: (d: ShimDescriptor) => T): T {
      if (!this.preopen) return shimCall(() => f(this.d));
      const dot = this.call<ShimDescriptor>('openAt', { symlinkFollow: false }, '.', { directory: true }, { read: true });
      try {
        return shimCall(() => f(dot));
      } finally {
        (dot as unknown as Record<symbol, (() => void) | undefined>)[symbolDispose]?.call(dot);
      }
    }

    readViaStream(offset: bigint): unknown {
      return this.call('readViaStream', offset);
    }
    writeViaStream(offset: bigint): unknown {
      return withBlockingSplice(this.call('writeViaStream', offset));
    }
    appendViaStream(): unknown {
      return withBlockingSplice(this.call('appendViaStream'));
    }
    advise(offset: bigint, length: bigint, advice: string): void {
      this.call('advise', offset, length, advice);
    }
    syncData(): void {
      this.open((d) => d['syncData']!.call(d));
    }
    getFlags(): unknown {
      return this.preopen ? { read: true, mutateDirectory: true } : this.call('getFlags');
    }
    getType(): unknown {
      return this.call('getType');
    }
    setSize(size: bigint): void {
      this.call('setSize', size);
    }
    setTimes(a: NewTimestamp, m: NewTimestamp): void {
      this.open((d) => {
        const s = a.tag === 'no-change' || m.tag === 'no-change' ? (d['stat']!.call(d) as StatTimes) : undefined;
        const at = explicit(a, s?.dataAccessTimestamp);
        const mt = explicit(m, s?.dataModificationTimestamp);
        // the shim hands milliseconds to `futimes`, which takes seconds: a timestamp a thousandth as large is what it sets
        d['setTimes']!.call(d, { tag: 'timestamp', val: thousandth(at) }, { tag: 'timestamp', val: thousandth(mt) });
      });
    }
    read(length: bigint, offset: bigint): unknown {
      return this.call('read', length > BigInt(MAX_READ) ? BigInt(MAX_READ) : length, offset);
    }
    write(buffer: Uint8Array, offset: bigint): unknown {
      return this.call('write', buffer, offset);
    }
    readDirectory(): unknown {
      const s = this.open((d) => d['readDirectory']!.call(d) as ShimEntryStream);
      return sorted ? sortedListing(s) : s;
    }
    sync(): void {
      this.open((d) => d['sync']!.call(d));
    }
    createDirectoryAt(path: string): void {
      this.call('createDirectoryAt', path);
    }
    stat(): unknown {
      return this.open((d) => d['stat']!.call(d));
    }
    statAt(pf: unknown, path: string): unknown {
      return this.call('statAt', pf, path);
    }
    setTimesAt(pf: { symlinkFollow?: boolean }, path: string, a: NewTimestamp, m: NewTimestamp): void {
      const s = a.tag === 'no-change' || m.tag === 'no-change' ? this.call<StatTimes>('statAt', pf, path) : undefined;
      this.call('setTimesAt', pf, path, { tag: 'timestamp', val: explicit(a, s?.dataAccessTimestamp) }, { tag: 'timestamp', val: explicit(m, s?.dataModificationTimestamp) });
    }
    linkAt(pf: unknown, oldPath: string, to: Descriptor, newPath: string): void {
      this.call('linkAt', pf, oldPath, to.d, newPath);
    }
    openAt(pf: unknown, path: string, of: unknown, flags: unknown): Descriptor {
      return new Descriptor(this.call<ShimDescriptor>('openAt', pf, path, of, flags), false);
    }
    readlinkAt(path: string): unknown {
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
      if (other === this || other.d === this.d) return true;
      const a = this.metadataHash() as { upper: bigint; lower: bigint };
      const b = other.metadataHash() as { upper: bigint; lower: bigint };
      return a.upper === b.upper && a.lower === b.lower;
    }
    metadataHash(): unknown {
      return this.open((d) => d['metadataHash']!.call(d));
    }
    metadataHashAt(pf: unknown, path: string): unknown {
      return this.call('metadataHashAt', pf, path);
    }
    [symbolDispose](): void {
      (this.d as unknown as Record<symbol, (() => void) | undefined>)[symbolDispose]?.call(this.d);
    }
  }

  const dirs = (fs.preopens as { getDirectories(): [ShimDescriptor, string][] }).getDirectories().map(([d, p]) => [new Descriptor(d, true), p] as [Descriptor, string]);
  return {
    types: {
      ...fs.types,
      Descriptor,
      /** `filesystem-error-code`: the code of a stream's I/O error, `none` for any other (the shim threw on those). */
      filesystemErrorCode: (err: unknown): unknown => {
        try {
          return (fs.types['filesystemErrorCode'] as (e: unknown) => unknown)(err);
        } catch {
          return undefined;
        }
      },
    },
    preopens: { getDirectories: () => [...dirs] },
  };
}
