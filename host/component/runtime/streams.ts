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
 * guest waiting on the other end runs. Elements of the plain number types
 * cross as bytes (decoded and encoded with the canonical ABI's `load` /
 * `store`; `stream<u8>` chunks are `Uint8Array`s). Every other element type
 * crosses as values of the typed mapping: the guest side lifts or lowers
 * them under its own options (strings, lists, records, variants, own
 * handles, nested stream and future ends, error contexts), and here they
 * become JS values (an own handle of an exported resource an instance of its
 * class, a stream end a `ComponentStreamReader`) or come from them.
 */
import { CopyResult, type HostCopyResult } from '../../canon/constants.js';
import { Trap } from '../../canon/errors.js';
import { ReadableFutureEnd } from '../../canon/future.js';
import type { HostInstance } from '../../canon/host-instance.js';
import { ReadableStreamEnd, type WritableStreamEnd } from '../../canon/stream.js';
import type { Store } from '../../canon/store.js';
import type { WritableFutureEnd } from '../../canon/future.js';
import { LiftLowerContext, LowerError, type HandleOps } from '../abi/context.js';
import { describe as describeJs, toLowerCamelCase } from '../abi/js.js';
import { contains, elemSize } from '../abi/layout.js';
import { caseToJs, load } from '../abi/lift.js';
import { matchCase, store as storeValue, storeListIntoValidRange } from '../abi/lower.js';
import type { ResourceType, ValType } from '../types.js';
import { classesOf, fromJsResource, markMoved, markReturned } from '../resources.js';
import { elemTypeOf, type LiftedAsyncValue } from './handles.js';

const peers = new WeakMap<Store, HostInstance>();

/** The store's host peer for JS-side stream and future ends. */
function peerOf(store: Store): HostInstance {
  let p = peers.get(store);
  if (p === undefined) peers.set(store, (p = store.hostInstance('host')));
  return p;
}

/** Whether elements of `t` cross as bytes (the plain numbers, or no element) rather than as values. */
export function isPlainElement(t: ValType | undefined): boolean {
  return elemTypeOf(t).typed !== true;
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
  if (isU8(t) && values instanceof Uint8Array) return values;
  // Every other array is checked element by element (a u8 of 300 or 'x' is a LowerError, not 44 or 0).
  const size = elemSize(t);
  const bytes = new Uint8Array(values.length * size);
  const cx = new LiftLowerContext({ memory: bytes });
  for (let i = 0; i < values.length; i++) {
    try {
      storeValue(cx, values[i], t, i * size);
    } catch (e) {
      throw e instanceof LowerError ? e.within(`[${i}]`) : e;
    }
  }
  return bytes;
}

/** The elements of a host write: an array or a typed array (a string or a number is no list of elements). */
function checkWriteValues(values: unknown): void {
  if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView))) {
    throw new LowerError('wrong-js-type', `a write takes an array (or a typed array) of elements, not ${describeJs(values)}`);
  }
}

// ------------------------------------------------------------ typed values

const walks = new WeakMap<ValType, boolean>();

/** Whether values of `t` hold handles whose JS form differs from the lifted one (own, borrow, stream, future). */
function holdsHandles(t: ValType | undefined): boolean {
  if (t === undefined) return false;
  let w = walks.get(t);
  if (w === undefined) {
    w = contains(t, (u) => u.kind === 'own' || u.kind === 'borrow' || u.kind === 'stream' || u.kind === 'future');
    walks.set(t, w);
  }
  return w;
}

type HandleType = Extract<ValType, { kind: 'own' | 'borrow' | 'stream' | 'future' }>;

/** The payload type of case `i` of a variant-like type. */
function caseType(t: ValType, i: number): ValType | undefined {
  switch (t.kind) {
    case 'option': return i === 0 ? undefined : t.t;
    case 'result': return i === 0 ? t.ok : t.error;
    case 'variant': return t.cases[i]!.t;
    default: return undefined;
  }
}

/** `v` of type `t` with every handle-typed part replaced by `leaf(part, its type)`. */
function mapHandles(v: unknown, t: ValType, leaf: (v: unknown, t: HandleType) => unknown): unknown {
  if (!holdsHandles(t)) return v;
  switch (t.kind) {
    case 'own': case 'borrow': case 'stream': case 'future':
      return leaf(v, t);
    case 'list':
      return Array.isArray(v) ? v.map((x) => mapHandles(x, t.t, leaf)) : v;
    case 'tuple':
      return Array.isArray(v) ? v.map((x, i) => (i < t.ts.length ? mapHandles(x, t.ts[i]!, leaf) : x)) : v;
    case 'record': {
      if (typeof v !== 'object' || v === null) return v;
      const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const f of t.fields) {
        const k = toLowerCamelCase(f.label);
        o[k] = mapHandles(o[k], f.t, leaf);
      }
      return o;
    }
    case 'option': case 'result': case 'variant': {
      const [i, payload] = matchCase(v, t);
      const ct = caseType(t, i);
      return ct === undefined ? v : caseToJs(t, i, mapHandles(payload, ct, leaf));
    }
    case 'map':
      return v instanceof Map ? new Map([...v].map(([k, x]) => [mapHandles(k, t.k, leaf), mapHandles(x, t.v, leaf)])) : v;
    default:
      return v;
  }
}

/**
 * A lifted value of type `t` as JS, at any depth: an own/borrow of an
 * exported resource as an instance of its class, stream and future ends as
 * `ComponentStreamReader` / `ComponentFutureReader`.
 */
export function toJsValue(store: Store, v: unknown, t: ValType | undefined): unknown {
  if (t === undefined) return v;
  return mapHandles(v, t, (x, u) => (u.kind === 'own' || u.kind === 'borrow' ? classesOf(store).toJs(x, u) : toJsAsync(store, x)));
}

/**
 * A JS value of type `t` as the value a guest lowers, at any depth: class
 * instances give their rep, host streams and futures their readable end
 * (with `store`, only ends of that store). Instances passed as `own` are
 * added to `taken` (see `markMoved`).
 */
export function fromJsValue(v: unknown, t: ValType | undefined, store?: Store, taken?: object[]): unknown {
  if (t === undefined) return v;
  return mapHandles(v, t, (x, u) => (u.kind === 'own' || u.kind === 'borrow' ? fromJsResource(x, u.rt, u.kind === 'own' ? taken : undefined) : fromJsAsync(x, store)));
}

const toJs = (store: Store, v: unknown, t: ValType): unknown => toJsValue(store, v, t);

const notHandle = (what: string, v: unknown): never => {
  throw new LowerError('wrong-js-type', `${what}, not ${v === null ? 'null' : typeof v}`);
};

/** The handle table of the check below: accepts what a guest's table would, and touches nothing. */
const CHECK_HANDLES: HandleOps = {
  liftOwn: () => undefined,
  liftBorrow: () => undefined,
  liftStream: () => undefined,
  liftFuture: () => undefined,
  liftErrorContext: () => undefined,
  lowerOwn: (rt, v) => checkResource(rt, v),
  lowerBorrow: (rt, v) => checkResource(rt, v),
  lowerStream: (_t, v) => ((v as LiftedAsyncValue)?.kind === 'stream' && (v as LiftedAsyncValue).end instanceof ReadableStreamEnd ? 0 : notHandle('a stream value is a ComponentStream or ComponentStreamReader', v)),
  lowerFuture: (_t, v) => ((v as LiftedAsyncValue)?.kind === 'future' && (v as LiftedAsyncValue).end instanceof ReadableFutureEnd ? 0 : notHandle('a future value is a ComponentFuture or ComponentFutureReader', v)),
  lowerErrorContext: (v) => (typeof v === 'object' && v !== null ? 0 : notHandle('an error-context value comes from a component', v)),
};

function checkResource(rt: ResourceType, v: unknown): number {
  if (typeof v === 'object' && v !== null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff) return 0;
  return notHandle(`a ${rt.name} handle is a resource object`, v);
}

let checkMemory: WebAssembly.Memory | undefined;

/**
 * Checks JS elements against `t` before they enter a stream or future, by
 * storing them into a scratch memory with a handle table that only checks:
 * a value that does not fit is a `LowerError` (with the element's index)
 * here, not a trap of the guest that reads it.
 */
function checkElements(values: readonly unknown[], t: ValType): void {
  const memory = (checkMemory ??= new WebAssembly.Memory({ initial: 1 }));
  const size = elemSize(t);
  let top = 0;
  const grow = (end: number): void => {
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / 65536));
  };
  const cx = new LiftLowerContext({
    memory,
    realloc: (_old, _oldLen, align, len) => {
      top = Math.ceil(top / align) * align;
      const p = top;
      top += len;
      grow(top);
      return p;
    },
  }, { handles: CHECK_HANDLES });
  top = values.length * size;
  grow(top);
  storeListIntoValidRange(cx, values, 0, t);
}

/**
 * JS elements as the values a guest lowers, checked (a `LowerError` when one
 * does not fit). The instances they pass as `own` are `moves.taken`, those
 * of element `i` from `moves.from[i]` on: the caller moves them out of JS
 * once the write is accepted (`markMoved`), as an argument's.
 */
function prepare(store: Store, values: ArrayLike<unknown>, t: ValType, moves?: Moves): unknown[] {
  const vs = Array.from(values, (v, i) => {
    moves?.from.push(moves.taken.length);
    try {
      return fromJsValue(v, t, store, moves?.taken);
    } catch (e) {
      throw e instanceof LowerError ? e.within(`[${i}]`) : e;
    }
  });
  checkElements(vs, t);
  return vs;
}

/** The `own` instances the elements of one write move (see `prepare`). */
interface Moves {
  readonly taken: object[];
  readonly from: number[];
}

const newMoves = (): Moves => ({ taken: [], from: [] });

/** The instances moved by the elements from `i` on, which the reader never took: JS's again. */
function giveBack(moves: Moves, i: number): void {
  if (i < moves.from.length) markReturned(moves.taken.slice(moves.from[i]));
}

/** A readable stream end held by JS: `for await (const chunk of reader)`. */
export class ComponentStreamReader implements AsyncIterable<unknown[] | Uint8Array> {
  private done = false;
  constructor(
    /** The store this end lives in (its instances are the only ones that can take it). */
    readonly store: Store,
    private readonly end: ReadableStreamEnd,
    readonly t: ValType | undefined,
    /** Elements asked for per read. */
    readonly chunk = 65536,
  ) {
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
    const t = this.t;
    return new Promise((resolve, reject) => {
      const done = (result: { kind: CopyResult; count: number }, chunk: () => unknown[] | Uint8Array): void => {
        if (result.kind === CopyResult.DROPPED) {
          this.finish();
          peer.dropReadable(this.end);
          resolve(result.count > 0 ? chunk() : undefined);
        } else {
          resolve(chunk());
        }
      };
      try {
        if (isPlainElement(t)) peer.read(this.end, n, (result, bytes) => done(result, () => decode(t, bytes, result.count)));
        else peer.readValues(this.end, n, (result, values) => done(result, () => values.map((v) => toJs(this.store, v, t!))));
        this.store.drive();
      } catch (e) {
        reject(e);
      }
      if (peer.failed) reject(peer.failed);
    });
  }

  /**
   * Hands every chunk to `sink` as it is copied, until the writer drops its
   * end; resolves then. The next read is started from the copy's completion,
   * inside the store's run, so a guest writing in a loop and a synchronous
   * sink (one returning undefined) go on in one drive: no Promise and no
   * store entry per chunk. A sink returning a Promise pauses the reads until
   * it settles. After `sliceMs` of synchronous chunks the next read waits for
   * a macrotask, so timers and I/O of the event loop still run. A sink that
   * throws (or rejects) ends the pipe: the end is dropped (the writer sees
   * DROPPED) and the promise rejects with that error. Each chunk is a fresh
   * copy the sink may keep, unless `reuse` is set: then every u8 chunk is a
   * view of one buffer, overwritten by the next read (for a sink that
   * consumes the bytes before it returns, such as a `writeSync`).
   */
  pipeTo(
    sink: (chunk: unknown[] | Uint8Array) => void | Promise<void>,
    { n = this.chunk, sliceMs = 20, reuse = false }: { n?: number; sliceMs?: number; reuse?: boolean } = {},
  ): Promise<void> {
    if (!isPlainElement(this.t)) return this.pipeByReads(sink, n);
    const into = reuse && isU8(this.t) ? new Uint8Array(n) : undefined;
    return new Promise<void>((resolve, reject) => {
      const peer = peerOf(this.store);
      let sliceStart = performance.now();
      let inRead = false; // a completion inside peer.read: the loop below starts the next read
      let again = false;
      const fail = (e: unknown): void => {
        this.cancel();
        reject(e);
      };
      const onChunk = (result: HostCopyResult, bytes: Uint8Array): void => {
        const dropped = result.kind === CopyResult.DROPPED;
        if (dropped) {
          this.finish();
          peer.dropReadable(this.end);
        }
        let r: void | Promise<void> = undefined;
        if (result.count > 0) {
          // a u8 chunk is the read's own fresh buffer: no second copy
          const chunk = isU8(this.t) ? bytes : decode(this.t, bytes, result.count);
          try {
            r = sink(chunk);
          } catch (e) {
            return fail(e);
          }
        }
        if (dropped || result.kind === CopyResult.CANCELLED) {
          if (r instanceof Promise) r.then(() => resolve(), fail);
          else resolve();
          return;
        }
        if (r instanceof Promise) {
          r.then(() => {
            sliceStart = performance.now();
            next();
            this.store.drive();
          }, fail);
        } else if (performance.now() - sliceStart > sliceMs) {
          setImmediate(() => {
            sliceStart = performance.now();
            next();
            this.store.drive();
          });
        } else if (inRead) again = true;
        else next();
      };
      const next = (): void => {
        if (this.done) return resolve();
        do {
          again = false;
          inRead = true;
          try {
            peer.read(this.end, n, onChunk, into);
          } catch (e) {
            inRead = false;
            return fail(e);
          }
          inRead = false;
          if (peer.failed) return fail(peer.failed);
        } while (again);
      };
      next();
      this.store.drive();
      if (peer.failed) reject(peer.failed);
    });
  }

  /** `pipeTo` one awaited `read` at a time (elements that are not bytes). */
  private async pipeByReads(sink: (chunk: unknown[] | Uint8Array) => void | Promise<void>, n: number): Promise<void> {
    for (;;) {
      const c = await this.read(n);
      if (c === undefined) return;
      if (c.length === 0) continue;
      try {
        await sink(c);
      } catch (e) {
        this.cancel();
        throw e;
      }
    }
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
    /** The store this end lives in (its instances are the only ones that can take it). */
    readonly store: Store,
    readonly t: ValType | undefined,
  ) {
    const { readable, writable } = peerOf(store).streamNew(elemTypeOf(t));
    this.readable = { kind: 'stream', end: readable, t };
    this.writable = writable;
    store.hostHeldEnds++;
  }

  /**
   * Writes elements (JS values of the typed mapping; a value that does not
   * fit `T` rejects with a `LowerError` before anything is written);
   * resolves with how many the reader took before it dropped its end.
   */
  write(values: ArrayLike<unknown>): Promise<number> {
    if (this.closed) return Promise.reject(new Trap('end-done', { builtin: 'host stream.write', detail: 'the stream was closed' }));
    const peer = peerOf(this.store);
    const t = this.t;
    const plain = isPlainElement(t);
    let bytes: Uint8Array | undefined;
    let vs: unknown[] | undefined;
    const moves = newMoves();
    try {
      checkWriteValues(values);
      if (plain) bytes = encode(t, values);
      else vs = prepare(this.store, values, t!, moves);
    } catch (e) {
      return Promise.reject(e);
    }
    // Accepted: the own handles written are the stream's (then the reader's), no more JS's.
    markMoved(moves.taken);
    return new Promise((resolve, reject) => {
      let written = 0;
      const total = values.length;
      const size = t === undefined ? 0 : elemSize(t);
      const onDone = (result: { kind: CopyResult }, count: number): void => {
        written += count;
        if (result.kind === CopyResult.DROPPED) {
          // The reader left: the elements it did not take never left JS.
          giveBack(moves, written);
          this.close();
          resolve(written);
        } else if (written >= total) resolve(written);
        else step();
      };
      const step = (): void => {
        if (plain) peer.write(this.writable, bytes!.subarray(written * size), onDone);
        else peer.writeValues(this.writable, vs!, onDone, written);
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
  private passed = false;
  constructor(
    /** The store this end lives in (its instances are the only ones that can take it). */
    readonly store: Store,
    private readonly end: ReadableFutureEnd,
    readonly t: ValType | undefined,
  ) {
    store.hostHeldEnds++;
  }

  private read(): Promise<unknown> {
    return (this.value ??= new Promise((resolve, reject) => {
      const peer = peerOf(this.store);
      const t = this.t;
      const done = (result: { kind: CopyResult; count: number }, value: () => unknown): void => {
        this.store.hostHeldEnds--;
        peer.dropReadable(this.end);
        if (result.kind === CopyResult.DROPPED && result.count === 0) {
          reject(new Trap('end-done', { builtin: 'host future.read', detail: 'the writer dropped the future without writing it' }));
        } else {
          resolve(value());
        }
      };
      try {
        if (isPlainElement(t)) peer.readFuture(this.end, (result, bytes) => done(result, () => (t === undefined ? undefined : (decode(t, bytes, 1) as unknown[])[0])));
        else peer.readFutureValue(this.end, (result, values) => done(result, () => toJs(this.store, values[0], t!)));
        this.store.drive();
      } catch (e) {
        reject(e);
      }
    }));
  }

  then<A = unknown, B = never>(ok?: ((v: unknown) => A | PromiseLike<A>) | null, err?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.read().then(ok, err);
  }

  /**
   * The end as a value to pass to a component (before it is awaited: once
   * JS reads it, the end is JS's; passing it on then is a `LowerError`).
   */
  get lifted(): LiftedAsyncValue {
    if (this.passed) throw new LowerError('end-taken', 'this future was passed to a component already: it is that component\'s now');
    if (this.value !== undefined) throw new LowerError('end-taken', 'this future was already awaited (read by JS): only a future nobody has awaited can be passed on');
    this.passed = true;
    this.value = Promise.reject(new Trap('end-done', { builtin: 'host future.read', detail: 'this future was passed to a component: it is that component\'s to read now' }));
    this.value.catch(() => {});
    this.store.hostHeldEnds--;
    return { kind: 'future', end: this.end, t: this.t };
  }
}

/** A future made by the host: pass `readable` to a component, then `resolve` it. */
export class ComponentFuture {
  readonly readable: LiftedAsyncValue;
  private readonly writable: WritableFutureEnd;
  constructor(
    /** The store this end lives in (its instances are the only ones that can take it). */
    readonly store: Store,
    readonly t: ValType | undefined,
  ) {
    const { readable, writable } = peerOf(store).futureNew(elemTypeOf(t));
    this.readable = { kind: 'future', end: readable, t };
    this.writable = writable;
    store.hostHeldEnds++;
  }

  /**
   * Writes the value (a value that does not fit `T` rejects with a
   * `LowerError`, and the future stays unwritten); resolves once the reader
   * took it (false when it dropped its end first).
   */
  resolve(v: unknown): Promise<boolean> {
    const peer = peerOf(this.store);
    const t = this.t;
    const plain = isPlainElement(t);
    let bytes: Uint8Array | undefined;
    let value: unknown;
    const moves = newMoves();
    try {
      if (plain) bytes = encode(t, [v]);
      else value = prepare(this.store, [v], t!, moves)[0];
    } catch (e) {
      return Promise.reject(e);
    }
    markMoved(moves.taken);
    return new Promise((resolve, reject) => {
      const done = (result: { kind: CopyResult }): void => {
        this.store.hostHeldEnds--;
        peer.dropWritable(this.writable);
        if (result.kind !== CopyResult.COMPLETED) giveBack(moves, 0);
        resolve(result.kind === CopyResult.COMPLETED);
      };
      try {
        if (plain) peer.writeFuture(this.writable, bytes!, done);
        else peer.writeFutureValue(this.writable, value, done);
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

/**
 * A JS stream/future object as the lifted value a component takes. With
 * `store`, the one the taking instance lives in: an end made in another
 * store is a `LowerError` (`other-store`); its writer is driven by that
 * store's run queue, which a wait in this one never runs.
 */
export function fromJsAsync(v: unknown, store?: Store): unknown {
  if (v instanceof ComponentStreamReader || v instanceof ComponentFutureReader || v instanceof ComponentStream || v instanceof ComponentFuture) {
    if (store !== undefined && v.store !== store) {
      const what = v instanceof ComponentStreamReader || v instanceof ComponentStream ? 'stream' : 'future';
      throw new LowerError('other-store', `this ${what} end was made in another store than the instance taking it; pipe it through JS (read it, write a stream of this store) or instantiate both components in one store (instantiate(imports, { store }))`);
    }
    if (v instanceof ComponentStream || v instanceof ComponentFuture) return v.readable;
    return v instanceof ComponentStreamReader ? v.value : v.lifted;
  }
  return v;
}
