import { BUFFER_MAX_LENGTH } from './constants.js';
import { Trap, type TrapSite } from './errors.js';

/**
 * Layout of one stream/future element. Core modules carry no component
 * types, so the host knows an element by its size and alignment; `numeric`
 * says the element is a plain number (or nothing), which decides whether one
 * instance may both read and write the same stream (spec `none_or_number_type`).
 * Two element types are the same type when all three fields agree.
 */
export interface ElemType {
  size: number;
  align: number;
  /** Plain number (u8..f64) or no payload; default true. */
  numeric?: boolean;
  /**
   * The element type's identity, when it has one (a component's `stream<T>`
   * names `T`): two element types with keys are the same type only when
   * their keys are equal, so `stream<u32>` and `stream<s32>` differ although
   * their layouts agree. Core modules give none: their elements are known by
   * layout only.
   */
  readonly key?: string;
  /**
   * Elements move as values (spec `ReadableBuffer.read` lifting them out of
   * the writer under its options, `WritableBuffer.write` lowering them into
   * the reader under its own), not as bytes: element types holding pointers
   * or handles, or whose bytes need checking. Needs an `ElemCodec` on each
   * guest buffer.
   */
  readonly typed?: boolean;
  /** A float element type (byte copies canonicalise NaNs, as lifting and lowering them would). */
  readonly float?: 'f32' | 'f64';
}

/**
 * One side's lifting and lowering of typed elements (spec
 * `load_list_from_valid_range` / `store_list_into_valid_range` under that
 * side's `LiftLowerContext`: its memory, realloc, string encoding and handle
 * table). Made by the component layer, which knows the types.
 */
export interface ElemCodec {
  load(ptr: number, n: number): unknown[];
  store(values: readonly unknown[], ptr: number): void;
}

/** `stream<u8>` / `future<u8>`: the default element type. */
export const U8: ElemType = Object.freeze({ size: 1, align: 1, numeric: true });

export function sameElemType(a: ElemType, b: ElemType): boolean {
  if (a === b) return true;
  if (a.key !== undefined || b.key !== undefined) return a.key === b.key;
  return a.size === b.size && a.align === b.align && (a.numeric ?? true) === (b.numeric ?? true);
}

export function describeElemType(t: ElemType): string {
  if (t.key !== undefined) return t.key;
  return `{size ${t.size}, align ${t.align}${t.numeric === false ? ', non-numeric' : ''}}`;
}

/**
 * Moves `n` elements from `src` to `dst` (spec `dst.write(src.read(n))`):
 * as values for typed elements, else as bytes.
 */
export function moveElements(src: ReadableBuffer, dst: WritableBuffer, n: number): void {
  if (src.elem.typed === true) dst.writeValues(src.readValues(n));
  else dst.write(src.read(n), n);
}

/** Canonicalises the NaNs among `n` floats stored at `ptr` (4- or 8-aligned, in bounds). */
function canonicalizeNans(memory: WebAssembly.Memory, ptr: number, n: number, kind: 'f32' | 'f64'): void {
  if (kind === 'f32') {
    const u = new Uint32Array(memory.buffer, ptr, n);
    for (let i = 0; i < n; i++) {
      const x = u[i]!;
      if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) u[i] = 0x7fc00000;
    }
  } else {
    const u = new Uint32Array(memory.buffer, ptr, 2 * n);
    for (let i = 0; i < 2 * n; i += 2) {
      const hi = u[i + 1]!;
      if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) !== 0 || u[i] !== 0)) {
        u[i] = 0;
        u[i + 1] = 0x7ff80000;
      }
    }
  }
}

/** The values of a byte buffer (never written). */
const NO_VALUES: unknown[] = [];

/** A run of elements taking part in one copy (spec `Buffer`). */
export abstract class Buffer {
  progress = 0;
  constructor(
    readonly elem: ElemType,
    readonly length: number,
  ) {}
  remain(): number {
    return this.length - this.progress;
  }
  isZeroLength(): boolean {
    return this.length === 0;
  }
}

/** A buffer elements are read from (the writer's side of a copy). */
export interface ReadableBuffer extends Buffer {
  /** Takes the next `n` elements as bytes (valid until the next guest call). */
  read(n: number): Uint8Array;
  /** Takes the next `n` elements as values (typed elements: spec `ReadableBuffer.read`). */
  readValues(n: number): readonly unknown[];
}

/** A buffer elements are written into (the reader's side of a copy). */
export interface WritableBuffer extends Buffer {
  /** Stores `n` elements given as bytes. */
  write(bytes: Uint8Array, n: number): void;
  /** Stores elements given as values (typed elements: spec `WritableBuffer.write`). */
  writeValues(values: readonly unknown[]): void;
}

/** Bounds and alignment checks of a guest range (spec `BufferGuestImpl.__init__`). */
export function checkGuestRange(memory: WebAssembly.Memory, elem: ElemType, ptr: number, length: number, site: TrapSite): void {
  if (length > BUFFER_MAX_LENGTH) throw new Trap('buffer-too-long', site);
  if (length > 0 && elem.size > 0) {
    if (ptr % elem.align !== 0) {
      throw new Trap('unaligned-pointer', { ...site, detail: `pointer ${ptr} is not aligned to ${elem.align}` });
    }
    const end = ptr + length * elem.size;
    const byteLength = memory.buffer.byteLength;
    if (end > byteLength) {
      throw new Trap('out-of-bounds', { ...site, detail: `range [${ptr}, ${end}) lies outside memory of ${byteLength} bytes` });
    }
  }
}

/**
 * Elements in a guest's linear memory (spec `BufferGuestImpl`). The memory
 * view is re-read on each access (memory may grow). Typed elements go
 * through `codec`, the guest side's lifting and lowering.
 */
export class GuestBuffer extends Buffer implements ReadableBuffer, WritableBuffer {
  private ptr: number;
  constructor(
    private readonly memory: WebAssembly.Memory,
    elem: ElemType,
    ptr: number,
    length: number,
    site: TrapSite,
    private readonly codec: ElemCodec | undefined = undefined,
  ) {
    super(elem, length);
    checkGuestRange(memory, elem, ptr, length, site);
    if (elem.typed === true && codec === undefined) throw new Error('internal: a typed element buffer needs a codec');
    this.ptr = ptr >>> 0;
  }

  /** Spec `ReadableBufferGuestImpl.read`: lifts `n` elements under this side's options. */
  readValues(n: number): readonly unknown[] {
    let vs: readonly unknown[];
    if (this.elem.size === 0) vs = new Array<unknown>(n).fill(undefined);
    else vs = this.codec!.load(this.ptr, n);
    this.ptr += n * this.elem.size;
    this.progress += n;
    return vs;
  }

  /** Spec `WritableBufferGuestImpl.write`: lowers the values under this side's options. */
  writeValues(vs: readonly unknown[]): void {
    if (this.elem.size > 0 && vs.length > 0) this.codec!.store(vs, this.ptr);
    this.ptr += vs.length * this.elem.size;
    this.progress += vs.length;
  }

  read(n: number): Uint8Array {
    const bytes = n * this.elem.size;
    // Payload-less elements (size 0) touch no memory: the pointer may be anything.
    const view = bytes === 0 ? new Uint8Array(0) : new Uint8Array(this.memory.buffer, this.ptr, bytes);
    this.ptr += bytes;
    this.progress += n;
    return view;
  }

  write(bytes: Uint8Array, n: number): void {
    if (bytes.length > 0) {
      new Uint8Array(this.memory.buffer).set(bytes, this.ptr);
      if (this.elem.float !== undefined) canonicalizeNans(this.memory, this.ptr, n, this.elem.float);
    }
    this.ptr += n * this.elem.size;
    this.progress += n;
  }
}

/**
 * Elements held by a host peer. A readable one wraps given bytes (or, for
 * typed elements, given values); a writable one collects `length` elements.
 */
export class HostBuffer extends Buffer implements ReadableBuffer, WritableBuffer {
  readonly bytes: Uint8Array;
  /** Typed elements: the values given (readable, from `start` on; not copied) or collected (writable). */
  readonly values: readonly unknown[];
  private readonly collected: unknown[] | undefined;
  constructor(
    elem: ElemType,
    length: number,
    bytes?: Uint8Array,
    values?: readonly unknown[],
    private readonly start = 0,
  ) {
    super(elem, length);
    this.bytes = bytes ?? (elem.typed === true ? new Uint8Array(0) : new Uint8Array(length * elem.size));
    this.collected = values === undefined && elem.typed === true ? [] : undefined;
    this.values = values ?? this.collected ?? NO_VALUES;
  }

  readValues(n: number): readonly unknown[] {
    const from = this.start + this.progress;
    this.progress += n;
    return this.values.slice(from, from + n);
  }

  writeValues(vs: readonly unknown[]): void {
    if (this.collected === undefined) throw new Error('internal: writeValues into a readable host buffer');
    for (const v of vs) this.collected.push(v);
    this.progress += vs.length;
  }

  read(n: number): Uint8Array {
    const start = this.progress * this.elem.size;
    this.progress += n;
    return this.bytes.subarray(start, start + n * this.elem.size);
  }

  write(bytes: Uint8Array, n: number): void {
    this.bytes.set(bytes, this.progress * this.elem.size);
    this.progress += n;
  }

  /** The bytes of the elements copied so far. */
  filled(): Uint8Array {
    return this.bytes.subarray(0, this.progress * this.elem.size);
  }
}
