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
}

/** `stream<u8>` / `future<u8>`: the default element type. */
export const U8: ElemType = Object.freeze({ size: 1, align: 1, numeric: true });

export function sameElemType(a: ElemType, b: ElemType): boolean {
  return a.size === b.size && a.align === b.align && (a.numeric ?? true) === (b.numeric ?? true);
}

export function describeElemType(t: ElemType): string {
  return `{size ${t.size}, align ${t.align}${t.numeric === false ? ', non-numeric' : ''}}`;
}

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
}

/** A buffer elements are written into (the reader's side of a copy). */
export interface WritableBuffer extends Buffer {
  /** Stores `n` elements given as bytes. */
  write(bytes: Uint8Array, n: number): void;
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

/** Elements in a guest's linear memory. The memory view is re-read on each access (memory may grow). */
export class GuestBuffer extends Buffer implements ReadableBuffer, WritableBuffer {
  private ptr: number;
  constructor(
    private readonly memory: WebAssembly.Memory,
    elem: ElemType,
    ptr: number,
    length: number,
    site: TrapSite,
  ) {
    super(elem, length);
    checkGuestRange(memory, elem, ptr, length, site);
    this.ptr = ptr >>> 0;
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
    if (bytes.length > 0) new Uint8Array(this.memory.buffer).set(bytes, this.ptr);
    this.ptr += n * this.elem.size;
    this.progress += n;
  }
}

/** Elements held by a host peer. A readable one wraps given bytes; a writable one collects `length` elements. */
export class HostBuffer extends Buffer implements ReadableBuffer, WritableBuffer {
  readonly bytes: Uint8Array;
  constructor(elem: ElemType, length: number, bytes?: Uint8Array) {
    super(elem, length);
    this.bytes = bytes ?? new Uint8Array(length * elem.size);
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
