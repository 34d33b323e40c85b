/**
 * `stream<T>` and `future<T>` at the JS boundary of the component host: a
 * stream a component returns (or passes to a host import) is a
 * `ComponentStreamReader`, an async iterable of chunks; the host makes a
 * stream to give a component with `ComponentStream` (a reader end to pass as
 * an argument, and a writer). Futures likewise: `ComponentFutureReader` is a
 * promise-like of the one value.
 *
 * Both sides are a host peer (`HostInstance`) of the store, taking part in the
 * same rendezvous copies as guests; each read or write drives the store, so a
 * guest waiting on the other end runs. Elements are decoded and encoded with
 * the canonical ABI's `load`/`store`; only element types whose values hold
 * no pointers or handles (numbers, bool, char, and records, tuples, variants,
 * flags and enums of them) can cross this boundary, as stream copies move the
 * elements' bytes (docs/component-host.md, "Not yet").
 */
import { CopyResult } from '../../canon/constants.js';
import { Trap } from '../../canon/errors.js';
import { ReadableFutureEnd } from '../../canon/future.js';
import type { HostInstance } from '../../canon/host-instance.js';
import { ReadableStreamEnd, type WritableStreamEnd } from '../../canon/stream.js';
import type { Store } from '../../canon/store.js';
import type { WritableFutureEnd } from '../../canon/future.js';
import { LiftLowerContext } from '../abi/context.js';
import { contains, elemSize } from '../abi/layout.js';
import { load } from '../abi/lift.js';
import { store as storeValue } from '../abi/lower.js';
import type { ValType } from '../types.js';
import { elemTypeOf, type LiftedAsyncValue } from './handles.js';

const peers = new WeakMap<Store, HostInstance>();

/** The store's host peer for JS-side stream and future ends. */
function peerOf(store: Store): HostInstance {
  let p = peers.get(store);
  if (p === undefined) peers.set(store, (p = store.hostInstance('host')));
  return p;
}

/** Whether elements of `t` can be copied as bytes to and from JS (no pointers, no handles). */
export function isPlainElement(t: ValType | undefined): boolean {
  if (t === undefined) return true;
  return !contains(t, (u) => ['string', 'list', 'own', 'borrow', 'stream', 'future', 'error-context', 'map'].includes(u.kind));
}

function checkPlain(t: ValType | undefined, what: string): void {
  if (!isPlainElement(t)) {
    throw new Trap('unsupported-canon', { builtin: what, detail: `${what} of elements that hold pointers or handles cannot cross to JS yet` });
  }
}

const isU8 = (t: ValType | undefined): boolean => t?.kind === 'u8';

/** Decodes `n` elements of `t` from `bytes`. */
function decode(t: ValType | undefined, bytes: Uint8Array, n: number): unknown[] | Uint8Array {
  if (t === undefined) return new Array<unknown>(n).fill(undefined);
  if (isU8(t)) return bytes.slice(0, n);
  const cx = new LiftLowerContext({ memory: bytes });
  const size = elemSize(t);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(load(cx, i * size, t));
  return out;
}

/** Encodes elements of `t` as bytes. */
function encode(t: ValType | undefined, values: ArrayLike<unknown>): Uint8Array {
  if (t === undefined) return new Uint8Array(0);
  if (isU8(t)) return values instanceof Uint8Array ? values : Uint8Array.from(values as ArrayLike<number>);
  const size = elemSize(t);
  const bytes = new Uint8Array(values.length * size);
  const cx = new LiftLowerContext({ memory: bytes });
  for (let i = 0; i < values.length; i++) storeValue(cx, values[i], t, i * size);
  return bytes;
}

/** A readable stream end held by JS: `for await (const chunk of reader)`. */
export class ComponentStreamReader implements AsyncIterable<unknown[] | Uint8Array> {
  private done = false;
  constructor(
    private readonly store: Store,
    private readonly end: ReadableStreamEnd,
    readonly t: ValType | undefined,
    /** Elements asked for per read. */
    readonly chunk = 65536,
  ) {
    checkPlain(t, 'stream');
    store.hostHeldEnds++;
  }

  /** The end is finished with: the store may call a wait on it a deadlock again. */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.store.hostHeldEnds--;
  }

  /** Reads up to `n` elements; undefined once the writer dropped its end. */
  read(n = this.chunk): Promise<unknown[] | Uint8Array | undefined> {
    if (this.done) return Promise.resolve(undefined);
    const peer = peerOf(this.store);
    return new Promise((resolve, reject) => {
      try {
        peer.read(this.end, n, (result, bytes) => {
          if (result.kind === CopyResult.DROPPED) {
            this.finish();
            peer.dropReadable(this.end);
            resolve(result.count > 0 ? decode(this.t, bytes, result.count) : undefined);
          } else {
            resolve(decode(this.t, bytes, result.count));
          }
        });
        this.store.drive();
      } catch (e) {
        reject(e);
      }
      if (peer.failed) reject(peer.failed);
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<unknown[] | Uint8Array> {
    try {
      for (;;) {
        const c = await this.read();
        if (c === undefined) return;
        if (c.length > 0) yield c;
      }
    } finally {
      this.cancel();
    }
  }

  /** Drops the end (the writer sees DROPPED). */
  cancel(): void {
    if (this.done) return;
    this.finish();
    peerOf(this.store).dropReadable(this.end);
    this.store.drive();
  }

  /** The end as a value to pass to a component. */
  get value(): LiftedAsyncValue {
    return { kind: 'stream', end: this.end, t: this.t };
  }
}

/** A stream made by the host: pass `readable` to a component, write into `writer`. */
export class ComponentStream {
  readonly readable: ComponentStreamReaderValue;
  private readonly writable: WritableStreamEnd;
  private closed = false;
  constructor(
    private readonly store: Store,
    readonly t: ValType | undefined,
  ) {
    checkPlain(t, 'stream');
    const { readable, writable } = peerOf(store).streamNew(elemTypeOf(t));
    this.readable = { kind: 'stream', end: readable, t };
    this.writable = writable;
    store.hostHeldEnds++;
  }

  /** Writes elements; resolves with how many the reader took before it dropped its end. */
  write(values: ArrayLike<unknown>): Promise<number> {
    if (this.closed) return Promise.reject(new Trap('end-done', { builtin: 'host stream.write', detail: 'the stream was closed' }));
    const peer = peerOf(this.store);
    const bytes = encode(this.t, values);
    return new Promise((resolve, reject) => {
      let written = 0;
      const total = values.length;
      const size = this.t === undefined ? 0 : elemSize(this.t);
      const step = (): void => {
        peer.write(this.writable, bytes.subarray(written * size), (result, count) => {
          written += count;
          if (result.kind === CopyResult.DROPPED) {
            this.close();
            resolve(written);
          } else if (written >= total) resolve(written);
          else step();
        });
      };
      try {
        step();
        this.store.drive();
      } catch (e) {
        reject(e);
      }
    });
  }

  /** Drops the writable end: the reader sees DROPPED after the elements written. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.store.hostHeldEnds--;
    peerOf(this.store).dropWritable(this.writable);
    this.store.drive();
  }
}

export type ComponentStreamReaderValue = LiftedAsyncValue;

/** A readable future end held by JS: `await reader` (or `reader.then`). */
export class ComponentFutureReader implements PromiseLike<unknown> {
  private value: Promise<unknown> | undefined;
  constructor(
    private readonly store: Store,
    private readonly end: ReadableFutureEnd,
    readonly t: ValType | undefined,
  ) {
    checkPlain(t, 'future');
    store.hostHeldEnds++;
  }

  private read(): Promise<unknown> {
    return (this.value ??= new Promise((resolve, reject) => {
      const peer = peerOf(this.store);
      try {
        peer.readFuture(this.end, (result, bytes) => {
          this.store.hostHeldEnds--;
          peer.dropReadable(this.end);
          if (result.kind === CopyResult.DROPPED && result.count === 0) {
            reject(new Trap('end-done', { builtin: 'host future.read', detail: 'the writer dropped the future without writing it' }));
          } else {
            resolve(this.t === undefined ? undefined : (decode(this.t, bytes, 1) as unknown[])[0]);
          }
        });
        this.store.drive();
      } catch (e) {
        reject(e);
      }
    }));
  }

  then<A = unknown, B = never>(ok?: ((v: unknown) => A | PromiseLike<A>) | null, err?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.read().then(ok, err);
  }
}

/** A future made by the host: pass `readable` to a component, then `resolve` it. */
export class ComponentFuture {
  readonly readable: LiftedAsyncValue;
  private readonly writable: WritableFutureEnd;
  constructor(
    private readonly store: Store,
    readonly t: ValType | undefined,
  ) {
    checkPlain(t, 'future');
    const { readable, writable } = peerOf(store).futureNew(elemTypeOf(t));
    this.readable = { kind: 'future', end: readable, t };
    this.writable = writable;
    store.hostHeldEnds++;
  }

  /** Writes the value; resolves once the reader took it (false when it dropped its end first). */
  resolve(v: unknown): Promise<boolean> {
    const peer = peerOf(this.store);
    return new Promise((resolve, reject) => {
      try {
        peer.writeFuture(this.writable, encode(this.t, [v]), (result) => {
          this.store.hostHeldEnds--;
          peer.dropWritable(this.writable);
          resolve(result.kind === CopyResult.COMPLETED);
        });
        this.store.drive();
      } catch (e) {
        reject(e);
      }
    });
  }
}

/** A lifted stream/future value as the JS object the API hands out. */
export function toJsAsync(store: Store, v: unknown): unknown {
  const a = v as LiftedAsyncValue;
  if (a?.kind === 'stream' && a.end instanceof ReadableStreamEnd) return new ComponentStreamReader(store, a.end, a.t);
  if (a?.kind === 'future' && a.end instanceof ReadableFutureEnd) return new ComponentFutureReader(store, a.end, a.t);
  return v;
}

/** A JS stream/future object as the lifted value a component takes. */
export function fromJsAsync(v: unknown): unknown {
  if (v instanceof ComponentStreamReader) return v.value;
  if (v instanceof ComponentStream || v instanceof ComponentFuture) return v.readable;
  return v;
}
