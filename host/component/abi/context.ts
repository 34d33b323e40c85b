/**
 * The lifting and lowering context of the canonical ABI: the spec's
 * `MemInst`, `LiftLowerOptions` and `LiftLowerContext`, plus the interface
 * through which handle-typed values (own, borrow, stream, future,
 * error-context) reach the instance's handle table, and the typed errors of
 * this module.
 */
import type { ResourceType, ValType } from '../types.js';

/** The `string-encoding` canonical option. */
export type StringEncoding = 'utf8' | 'utf16' | 'latin1+utf16';

/** The address type of a memory: `i32` (32-bit linear memory) or `i64` (memory64). */
export type PtrType = 'i32' | 'i64';

/**
 * definitions.py `ptr_size`: the bytes of one pointer of `ptrType`.
 */
export function ptrSize(ptrType: PtrType): number {
  return ptrType === 'i32' ? 4 : 8;
}

/**
 * definitions.py `MemInst`: the linear memory of a lifting or lowering
 * context. Wraps a `WebAssembly.Memory` (whose `buffer` is replaced, and the
 * old one detached, whenever the memory grows: every access re-reads it) or a
 * fixed bytes view.
 */
export class MemInst {
  readonly addrtype: PtrType;
  private readonly wasm: WebAssembly.Memory | undefined;
  private buf: ArrayBufferLike;
  private u8: Uint8Array;
  private dv: DataView;
  /** A shared memory's old buffer stays valid (shorter) when it grows: always re-read. */
  private readonly shared: boolean;

  constructor(memory: WebAssembly.Memory | Uint8Array, addrtype: PtrType = 'i32') {
    this.addrtype = addrtype;
    if (memory instanceof Uint8Array) {
      this.wasm = undefined;
      this.u8 = memory;
      this.buf = memory.buffer;
    } else {
      this.wasm = memory;
      this.buf = memory.buffer;
      this.u8 = new Uint8Array(this.buf);
    }
    this.dv = new DataView(this.u8.buffer, this.u8.byteOffset, this.u8.byteLength);
    this.shared = typeof SharedArrayBuffer !== 'undefined' && this.buf instanceof SharedArrayBuffer;
  }

  private refresh(): void {
    // Growing a (non-shared) wasm memory detaches its old buffer, whose length becomes 0:
    // a buffer that still has bytes is current (reading `memory.buffer` costs far more).
    if (this.buf.byteLength !== 0 && !this.shared) return;
    if (this.wasm !== undefined && this.wasm.buffer !== this.buf) {
      this.buf = this.wasm.buffer;
      this.u8 = new Uint8Array(this.buf);
      this.dv = new DataView(this.buf);
    }
  }

  /** The current bytes (a fresh view after the memory grew). */
  get bytes(): Uint8Array {
    this.refresh();
    return this.u8;
  }

  /** A DataView over the current bytes. */
  get view(): DataView {
    this.refresh();
    return this.dv;
  }

  /** definitions.py `len(memory)`. */
  get length(): number {
    this.refresh();
    return this.u8.byteLength;
  }

  /** definitions.py `MemInst.ptr_type`. */
  ptrType(): PtrType {
    return this.addrtype;
  }

  /** definitions.py `MemInst.ptr_size`. */
  ptrSize(): number {
    return ptrSize(this.addrtype);
  }
}

/**
 * definitions.py `realloc` (`cabi_realloc`): `(old, old_byte_length,
 * alignment, new_byte_length) -> ptr`, a JS function that calls the guest.
 * It may return the pointer as a signed i32 (as a wasm export does) or, for
 * memory64, a bigint.
 */
export type Realloc = (old: number, oldByteLength: number, alignment: number, newByteLength: number) => number | bigint;

/** definitions.py `LiftLowerOptions` (with `LiftOptions`). */
export interface LiftLowerOptions {
  /** `string-encoding`; utf8 when absent. */
  readonly stringEncoding?: StringEncoding;
  /** `memory`; required by any type that touches memory. */
  readonly memory?: MemInst | WebAssembly.Memory | Uint8Array;
  /** `realloc`; required to lower strings and lists (and spilled values) into the guest. */
  readonly realloc?: Realloc;
}

/**
 * A lifted string that keeps the encoding and tagged length it was lifted
 * with: the spec's `String = tuple[str, str, int]`. `store_string` of such a
 * value follows the spec's transcoding paths for that source encoding (the
 * component-to-component case); a plain JS string is treated as a `utf16`
 * source of `s.length` code units, which is what a JS string is.
 */
export interface CanonString {
  readonly s: string;
  readonly encoding: StringEncoding;
  /** The length in code units of `encoding`; for latin1+utf16, UTF-16 is tagged by adding 2**31 (whatever the pointer type). */
  readonly taggedCodeUnits: number;
}

/**
 * How handle-typed values reach an instance's handle table: definitions.py's
 * `lift_own`, `lower_own`, `lift_borrow`, `lower_borrow`, `lift_stream`,
 * `lift_future`, `lower_stream`, `lower_future`, `lift_error_context` and
 * `lower_error_context` bodies (everything after the table index is read or
 * before it is written). Each may trap (with the project's `Trap`) exactly
 * where the spec does: an unknown index, a wrong resource type, a lent own
 * handle, a busy stream end...
 *
 * Lifted values are whatever the instance uses for them (a rep, a resource
 * object, a readable end): this module passes them through unchanged.
 */
export interface HandleOps {
  liftOwn(rt: ResourceType, i: number, cx: LiftLowerContext): unknown;
  lowerOwn(rt: ResourceType, v: unknown, cx: LiftLowerContext): number;
  liftBorrow(rt: ResourceType, i: number, cx: LiftLowerContext): unknown;
  lowerBorrow(rt: ResourceType, v: unknown, cx: LiftLowerContext): number;
  liftStream(t: ValType | undefined, i: number, cx: LiftLowerContext): unknown;
  lowerStream(t: ValType | undefined, v: unknown, cx: LiftLowerContext): number;
  liftFuture(t: ValType | undefined, i: number, cx: LiftLowerContext): unknown;
  lowerFuture(t: ValType | undefined, v: unknown, cx: LiftLowerContext): number;
  liftErrorContext(i: number, cx: LiftLowerContext): unknown;
  lowerErrorContext(v: unknown, cx: LiftLowerContext): number;
}

/** The instance side of a context: its handles, and the `may_leave` flag that `reallocate` clears. */
export interface AbiInstance {
  readonly handles?: HandleOps;
  mayLeave?: boolean;
}

/** A canonical option a value type needs is missing (a host configuration error, not a guest trap). */
export class CanonOptionError extends Error {
  readonly code: 'memory-required' | 'realloc-required' | 'handles-required';
  constructor(code: CanonOptionError['code'], detail: string) {
    super(`[${code}] ${detail}`);
    this.name = 'CanonOptionError';
    this.code = code;
  }
}

/**
 * definitions.py `LiftLowerContext`: the options, the instance and the
 * borrow scope (a task when lowering borrows into a callee, a subtask when
 * lifting borrows out of a caller).
 */
export class LiftLowerContext {
  readonly opts: {
    readonly stringEncoding: StringEncoding;
    readonly memory: MemInst | undefined;
    readonly realloc: Realloc | undefined;
  };
  readonly inst: AbiInstance;
  borrowScope: unknown;
  /**
   * When set, lifted strings are `CanonString`s (the spec's string tuple)
   * rather than JS strings: for passing a string on to another component
   * with the spec's exact transcoding.
   */
  keepStringEncoding = false;

  constructor(opts: LiftLowerOptions, inst: AbiInstance = {}, borrowScope?: unknown) {
    const m = opts.memory;
    this.opts = {
      stringEncoding: opts.stringEncoding ?? 'utf8',
      memory: m === undefined || m instanceof MemInst ? m : new MemInst(m),
      realloc: opts.realloc,
    };
    this.inst = inst;
    this.borrowScope = borrowScope;
  }

  /** The memory, or a typed error when the `memory` option is missing. */
  get memory(): MemInst {
    const m = this.opts.memory;
    if (m === undefined) throw new CanonOptionError('memory-required', 'this value type needs the canonical option `memory`');
    return m;
  }

  /** The handle table interface, or a typed error when the instance has none. */
  get handles(): HandleOps {
    const h = this.inst.handles;
    if (h === undefined) throw new CanonOptionError('handles-required', 'this value type holds handles, but the context has no handle table');
    return h;
  }

  /** The pointer type of the memory (i32 when there is no memory: only pointer-free types then). */
  ptrType(): PtrType {
    return this.opts.memory?.addrtype ?? 'i32';
  }

  /**
   * definitions.py `LiftLowerContext.reallocate`: calls the guest's
   * `realloc` with `may_leave` cleared, and returns the pointer as an
   * unsigned number.
   */
  reallocate(old: number, oldByteLength: number, alignment: number, newByteLength: number): number {
    const realloc = this.opts.realloc;
    if (realloc === undefined) throw new CanonOptionError('realloc-required', 'lowering this value into the guest needs the canonical option `realloc`');
    const inst = this.inst;
    const had = inst.mayLeave;
    if (had !== undefined) inst.mayLeave = false;
    let r: number | bigint;
    try {
      r = realloc(old, oldByteLength, alignment, newByteLength);
    } finally {
      if (had !== undefined) inst.mayLeave = had;
    }
    if (typeof r === 'bigint') return Number(BigInt.asUintN(64, r));
    return this.ptrType() === 'i32' ? r >>> 0 : r;
  }

  /** definitions.py `LiftLowerContext.allocate`. */
  allocate(alignment: number, byteLength: number): number {
    return this.reallocate(0, 0, alignment, byteLength);
  }
}

/** Why a JS value cannot be lowered into a component-model type. */
export type LowerRule =
  | 'wrong-js-type'
  | 'integer-out-of-range'
  | 'not-an-integer'
  | 'invalid-char'
  | 'unpaired-surrogate'
  | 'unknown-case'
  | 'missing-payload'
  | 'unknown-label'
  | 'unknown-flag'
  | 'wrong-length'
  | 'other-store'
  | 'end-taken'
  | 'resource-dropped';

const LOWER_RULES: Record<LowerRule, string> = {
  'wrong-js-type': 'the JS value must have the JS type this component-model type maps to',
  'integer-out-of-range': 'an integer must lie in the range of its component-model type',
  'not-an-integer': 'an integer type needs an integral JS number (or a bigint for s64/u64)',
  'invalid-char': 'a char is one Unicode scalar value: a one-code-point string, not a surrogate',
  'unpaired-surrogate': 'a string must be well-formed UTF-16 (no unpaired surrogate) to be a sequence of Unicode scalar values',
  'unknown-case': 'a variant (or result, or nested option) value is `{ tag, val }` with `tag` one of its case names',
  'missing-payload': 'a variant case with a payload needs `val`',
  'unknown-label': 'an enum value must be one of its labels',
  'unknown-flag': 'a flags value is an object whose keys are the (camelCase) flag names and whose values are booleans',
  'wrong-length': 'a tuple or fixed-length list must have exactly its number of elements',
  'other-store': 'a stream or future end belongs to the store it was made in: only instances of that store can take it',
  'end-taken': 'a future end JS got from a component can be passed on once, and only before JS awaits it',
  'resource-dropped': 'a resource dropped with [Symbol.dispose], or passed to a component as an own, has no handle left for JS to pass',
};

/**
 * A JS value that does not fit its component-model type, found while
 * lowering. `path` names where (`param 'x'.field 'y'[3]`), `rule` the rule broken.
 */
export class LowerError extends TypeError {
  readonly code: LowerRule;
  readonly rule: string;
  readonly detail: string;
  /** Where, outermost first: `param 'x'`, `.field 'y'`, `[3]`. */
  readonly segments: string[] = [];
  constructor(code: LowerRule, detail: string) {
    super('');
    this.name = 'LowerError';
    this.code = code;
    this.rule = LOWER_RULES[code];
    this.detail = detail;
    this.refresh();
  }

  /** The path of the offending value, e.g. `param 'x'.field 'y'[3]`. */
  get path(): string {
    return this.segments.join('');
  }

  /** Called by each enclosing value on the way out: adds its segment in front. */
  within(segment: string): this {
    this.segments.unshift(segment);
    this.refresh();
    return this;
  }

  private refresh(): void {
    this.message = `[${this.code}] ${this.path || 'value'}: ${this.detail} (${this.rule})`;
  }
}
