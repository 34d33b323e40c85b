/** Shared helpers for the canonical ABI value tests: a guest-like memory with a bump realloc, and a toy handle table. */
import { LiftLowerContext, MemInst, type HandleOps, type LiftLowerOptions, type StringEncoding } from '../host/component/abi/index.js';
import { Trap } from '../host/canon/errors.js';
import type { ResourceType, ValType } from '../host/component/types.js';

export interface ReallocCall {
  old: number;
  oldSize: number;
  align: number;
  newSize: number;
  ret: number;
}

/**
 * A WebAssembly.Memory of `pages` pages whose realloc bumps a pointer from
 * `base`, copies on resize (as a real allocator may move), and grows the
 * memory when it runs out (which detaches the old ArrayBuffer).
 */
export class GuestMemory {
  readonly memory: WebAssembly.Memory;
  next: number;
  readonly calls: ReallocCall[] = [];
  /** When set, realloc returns this instead (to test what the ABI does with a bad pointer). */
  override: ((c: Omit<ReallocCall, 'ret'>) => number) | undefined;

  constructor(pages = 1, base = 1024) {
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: 1024 });
    this.next = base;
  }

  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  get view(): DataView {
    return new DataView(this.memory.buffer);
  }

  realloc = (old: number, oldSize: number, align: number, newSize: number): number => {
    if (this.override) {
      const ret = this.override({ old, oldSize, align, newSize });
      this.calls.push({ old, oldSize, align, newSize, ret });
      return ret;
    }
    const ptr = Math.ceil(this.next / align) * align;
    this.next = ptr + newSize;
    while (this.next > this.memory.buffer.byteLength) this.memory.grow(1);
    if (old !== 0) this.bytes.copyWithin(ptr, old, old + Math.min(oldSize, newSize));
    this.calls.push({ old, oldSize, align, newSize, ret: ptr });
    // a wasm export returns an i32: signed
    return ptr | 0;
  };

  cx(stringEncoding: StringEncoding = 'utf8', handles?: HandleOps, extra: Partial<LiftLowerOptions> = {}): LiftLowerContext {
    return new LiftLowerContext({ memory: this.memory, realloc: this.realloc, stringEncoding, ...extra }, { handles, mayLeave: true });
  }

  /** Writes bytes at `ptr`. */
  write(ptr: number, bytes: ArrayLike<number>): void {
    this.bytes.set(bytes, ptr);
  }

  read(ptr: number, n: number): number[] {
    return [...this.bytes.subarray(ptr, ptr + n)];
  }
}

/** A context over a fixed bytes view (no realloc). */
export function bytesCx(bytes: Uint8Array, stringEncoding: StringEncoding = 'utf8', handles?: HandleOps): LiftLowerContext {
  return new LiftLowerContext({ memory: new MemInst(bytes), stringEncoding }, { handles });
}

/** Little-endian bytes of `v` in `n` bytes. */
export function le(v: number | bigint, n: number): number[] {
  const out: number[] = [];
  let b = BigInt.asUintN(n * 8, BigInt(v));
  for (let i = 0; i < n; i++) {
    out.push(Number(b & 0xffn));
    b >>= 8n;
  }
  return out;
}

interface Entry {
  kind: 'own' | 'borrow' | 'stream' | 'future' | 'error-context';
  rt?: ResourceType;
  t?: ValType | undefined;
  v: unknown;
}

/**
 * A toy handle table (index 0 never valid), standing in for the instance's:
 * lowering adds an entry, lifting an own/stream/future/error-context removes
 * it (error-context is looked up, not removed) with the spec's type checks.
 */
export class ToyHandles implements HandleOps {
  readonly table: (Entry | undefined)[] = [undefined];
  readonly log: string[] = [];

  private add(e: Entry): number {
    this.table.push(e);
    return this.table.length - 1;
  }
  private get(i: number, kind: Entry['kind']): Entry {
    const e = this.table[i];
    if (e === undefined) throw new Trap('unknown-handle', { handle: i });
    if (e.kind !== kind) throw new Trap('wrong-handle-type', { handle: i });
    return e;
  }
  private remove(i: number, kind: Entry['kind']): Entry {
    const e = this.get(i, kind);
    this.table[i] = undefined;
    return e;
  }

  liftOwn(rt: ResourceType, i: number): unknown {
    const e = this.get(i, 'own');
    if (e.rt !== rt) throw new Trap('wrong-handle-type', { handle: i, detail: 'resource type mismatch' });
    this.remove(i, 'own');
    this.log.push(`lift own ${i}`);
    return e.v;
  }
  lowerOwn(rt: ResourceType, v: unknown): number {
    const i = this.add({ kind: 'own', rt, v });
    this.log.push(`lower own ${i}`);
    return i;
  }
  liftBorrow(rt: ResourceType, i: number): unknown {
    const e = this.get(i, 'borrow');
    if (e.rt !== rt) throw new Trap('wrong-handle-type', { handle: i, detail: 'resource type mismatch' });
    this.log.push(`lift borrow ${i}`);
    return e.v;
  }
  lowerBorrow(rt: ResourceType, v: unknown): number {
    const i = this.add({ kind: 'borrow', rt, v });
    this.log.push(`lower borrow ${i}`);
    return i;
  }
  liftStream(t: ValType | undefined, i: number): unknown {
    const e = this.remove(i, 'stream');
    if (JSON.stringify(e.t) !== JSON.stringify(t)) throw new Trap('type-mismatch', { handle: i });
    this.log.push(`lift stream ${i}`);
    return e.v;
  }
  lowerStream(t: ValType | undefined, v: unknown): number {
    const i = this.add({ kind: 'stream', t, v });
    this.log.push(`lower stream ${i}`);
    return i;
  }
  liftFuture(t: ValType | undefined, i: number): unknown {
    const e = this.remove(i, 'future');
    if (JSON.stringify(e.t) !== JSON.stringify(t)) throw new Trap('type-mismatch', { handle: i });
    this.log.push(`lift future ${i}`);
    return e.v;
  }
  lowerFuture(t: ValType | undefined, v: unknown): number {
    const i = this.add({ kind: 'future', t, v });
    this.log.push(`lower future ${i}`);
    return i;
  }
  liftErrorContext(i: number): unknown {
    const e = this.get(i, 'error-context');
    this.log.push(`lift error-context ${i}`);
    return e.v;
  }
  lowerErrorContext(v: unknown): number {
    const i = this.add({ kind: 'error-context', v });
    this.log.push(`lower error-context ${i}`);
    return i;
  }
}

/** Runs `f` and returns the Trap it threw (failing the test if it threw nothing or something else). */
export function trapOf(f: () => unknown): Trap {
  try {
    f();
  } catch (e) {
    if (e instanceof Trap) return e;
    throw new Error(`expected a Trap, got ${String(e)}`);
  }
  throw new Error('expected a Trap, nothing was thrown');
}
