/**
 * A bounds-checked byte reader for the component binary format: LEB128
 * integers, names (length-prefixed UTF-8), vectors and sub-ranges. Every
 * failure is a `ComponentError` naming the section being read, the byte
 * offset (from the start of the outermost binary) and the rule broken.
 */

/** The rules a binary can break; each `ComponentError` carries one. */
export type ComponentRule =
  // preamble and framing
  | 'magic' // the first 4 bytes are not \0asm
  | 'version' // the version is not 0x0d 0x00
  | 'layer' // the layer is not 0x01 0x00
  | 'core-module-not-component' // the bytes are a core module (layer 0)
  | 'unexpected-end' // a read ran past the end of the binary or its section
  | 'section-id' // an unknown section id
  | 'section-size' // a section's size runs past the end of the binary
  | 'section-trailing-bytes' // a section's content ends before its declared size
  | 'trailing-bytes' // bytes left over where a production should have ended
  // integers and names
  | 'leb-too-long' // a LEB128 uses more bytes than its width allows
  | 'leb-overflow' // a LEB128's last byte sets bits beyond its width
  | 'utf8' // a name is not valid UTF-8
  | 'vec-too-long' // a vector length cannot fit in the remaining bytes
  | 'empty-label' // a label is empty
  | 'bad-label' // a label is not a kebab-case word sequence
  // opcodes
  | 'bad-opcode' // an unknown discriminant byte for the production being read
  | 'bad-sort' // an unknown sort byte
  | 'bad-option-flag' // a `T?` presence byte that is neither 0x00 nor 0x01
  | 'unsupported' // a form this decoder does not implement (named in the message)
  // index spaces
  | 'index-out-of-range' // an index past the end of its index space
  | 'wrong-sort' // a definition used in a place that needs another sort
  | 'outer-alias-depth' // an outer alias counts more enclosing scopes than exist
  | 'canonopt-duplicate' // a canonical option given twice or conflicting
  | 'empty-type' // a record/variant/tuple/flags/enum with no members, a fixed list of length 0
  | 'too-many-flags' // flags with more than 32 labels
  // validation (host/component/validate.ts)
  | 'type-not-defvaltype' // a valtype index that is not a defined value type
  | 'type-not-resource' // own/borrow of a type that is not a resource
  | 'resource-not-local' // resource.new/rep of a resource the component did not define
  | 'type-not-func' // a func type index that names another kind of type
  | 'type-mismatch' // an externtype constructor that does not match its sort, or a value of the wrong type
  | 'borrow-in-result' // a borrow transitively inside a function result
  | 'borrow-in-stream' // a borrow transitively inside a stream/future element type
  | 'stream-char' // `stream<char>` (rejected by the spec for now)
  | 'resource-in-type-decl' // a resource type defined inside a component or instance type
  | 'duplicate-name' // two labels or extern names that are not strongly unique
  | 'bad-extern-name' // an import/export name that is not a valid externname
  | 'bad-annotation' // a [constructor]/[method]/[static] name whose item does not fit it
  | 'bad-implements' // an `implements` attribute that is not an interface name, or not on a plain-named instance
  | 'bad-version-suffix' // a `versionsuffix` attribute without a canonical interface version, or not making a semver
  | 'core-limits' // a table/memory type in a core module type whose limits break WebAssembly's bounds
  | 'core-subtype' // a GC sub type with several supertypes, a later or final supertype, or one it does not match
  | 'async-option-sync-type' // the `async` option with a non-async function type
  | 'callback-without-async' // `callback` without `async`
  | 'post-return-with-async' // `post-return` together with `async`
  | 'async-without-callback' // `async` lift without `callback` (stackful; not supported by this host)
  | 'option-not-allowed' // an option that the canon form does not accept
  | 'missing-memory' // a canon form that needs `memory` but has none
  | 'missing-realloc' // a canon form that needs `realloc` but has none
  | 'realloc-type' // realloc's core type is not (i32 i32 i32 i32) -> i32
  | 'callback-type' // callback's core type is not (i32 i32 i32) -> i32
  | 'post-return-type' // post-return's core type does not take the lifted function's results
  | 'dtor-type' // a resource destructor is not (i32) -> ()
  | 'memory-type' // `memory` is not a core memory
  | 'core-func-type' // a lifted core function's type is not the flattened function type
  | 'core-module-invalid' // a core module that WebAssembly.Module rejects
  | 'missing-export' // an (core) export alias of a name the instance does not export
  | 'missing-arg' // an instantiation lacks an import the (core) module/component needs
  | 'element-size' // a value type whose elem_size(t, 'i64') is not below 2^28
  | 'type-too-large' // a type whose expanded size passes 1,000,000 nodes
  | 'type-not-named' // an import/export whose type uses a record/variant/enum/flags/resource no import or export names
  | 'not-subtype' // an import/export type that does not match what is required
  | 'bad-value'; // a value definition whose bytes are not one value of its type (Binary.md `val(t)`)

/** The malformed-input error of the component loader. */
export class ComponentError extends Error {
  constructor(
    /** The rule broken (one word, stable: tests and tools match on it). */
    readonly rule: ComponentRule,
    /** The byte offset in the outermost binary, or -1 when not tied to bytes. */
    readonly offset: number,
    /** The section (or validation step) being read: `type`, `canon`, `preamble`, ... */
    readonly section: string,
    /** What was found, in words. */
    readonly detail: string,
  ) {
    super(`${section} section at byte ${offset}: ${detail} [${rule}]`);
    this.name = 'ComponentError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A cursor over `bytes[pos, end)`. `base` is the offset of `bytes[0]` in the
 * outermost binary, so that errors in nested components report absolute
 * offsets.
 */
export class Reader {
  pos: number;
  /** The section being read, for errors. */
  section = 'preamble';

  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
    public end = bytes.length,
    readonly base = 0,
  ) {
    this.pos = pos;
  }

  /** The absolute offset of the cursor. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(rule: ComponentRule, detail: string, at = this.offset): never {
    throw new ComponentError(rule, at, this.section, detail);
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      this.fail('unexpected-end', `${what}: needs ${n} byte(s), ${this.end - this.pos} left`);
    }
  }

  byte(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  peek(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos];
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** An unsigned LEB128 of at most `bits` bits (u32 by default), as a number. */
  u32(what = 'a u32', bits = 32): number {
    const start = this.offset;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (i >= maxBytes) this.fail('leb-too-long', `${what}: a u${bits} LEB128 longer than ${maxBytes} bytes`, start);
      const b = this.byte(what);
      if (i === maxBytes - 1) {
        const usable = bits - 7 * i;
        if (b & 0x80) this.fail('leb-too-long', `${what}: a u${bits} LEB128 longer than ${maxBytes} bytes`, start);
        if (b >> usable) this.fail('leb-overflow', `${what}: a u${bits} LEB128 whose value does not fit in ${bits} bits`, start);
      }
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return result;
    }
  }

  /** A signed LEB128 of at most `bits` bits (≤ 53 is exact), as a number. */
  s(bits: number, what: string): number {
    const start = this.offset;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (i >= maxBytes) this.fail('leb-too-long', `${what}: an s${bits} LEB128 longer than ${maxBytes} bytes`, start);
      const b = this.byte(what);
      if (i === maxBytes - 1) {
        if (b & 0x80) this.fail('leb-too-long', `${what}: an s${bits} LEB128 longer than ${maxBytes} bytes`, start);
        // The unused high bits of the last byte must all equal the sign bit.
        const usable = bits - 7 * i;
        const rest = (b & 0x7f) >> (usable - 1);
        if (rest !== 0 && rest !== (0x7f >> (usable - 1))) {
          this.fail('leb-overflow', `${what}: an s${bits} LEB128 whose value does not fit in ${bits} bits`, start);
        }
      }
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) {
        if (b & 0x40) result -= 2 ** shift;
        return result;
      }
    }
  }

  /** A u64 LEB128 as a bigint. */
  u64(what: string): bigint {
    const start = this.offset;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (i >= 10) this.fail('leb-too-long', `${what}: a u64 LEB128 longer than 10 bytes`, start);
      const b = this.byte(what);
      if (i === 9 && b > 1) this.fail('leb-overflow', `${what}: a u64 LEB128 whose value does not fit in 64 bits`, start);
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return result;
    }
  }

  /** `core:name`: a u32 length and that many bytes of UTF-8. */
  name(what = 'a name'): string {
    const len = this.u32(`${what} (length)`);
    const start = this.offset;
    const bytes = this.take(len, what);
    try {
      return utf8.decode(bytes);
    } catch {
      this.fail('utf8', `${what} is not valid UTF-8`, start);
    }
  }

  /** A vector length, checked against the bytes left (each element takes at least `minSize` bytes). */
  vecLen(what: string, minSize = 1): number {
    const at = this.offset;
    const n = this.u32(`${what} (count)`);
    if (n * minSize > this.remaining) {
      this.fail('vec-too-long', `${what}: ${n} element(s) cannot fit in the ${this.remaining} byte(s) left`, at);
    }
    return n;
  }

  vec<T>(what: string, item: (r: this, i: number) => T, minSize = 1): T[] {
    const n = this.vecLen(what, minSize);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this, i));
    return out;
  }

  /** `T?`: 0x00 (absent) or 0x01 followed by `T`. */
  optional<T>(what: string, item: () => T): T | undefined {
    const at = this.offset;
    const flag = this.byte(what);
    if (flag === 0) return undefined;
    if (flag === 1) return item();
    this.fail('bad-option-flag', `${what}: presence byte 0x${hex(flag)} (expected 0x00 or 0x01)`, at);
  }

  /** A sub-reader over the next `len` bytes (the parent skips past them). */
  sub(len: number, what: string): Reader {
    const at = this.pos;
    this.need(len, what);
    this.pos += len;
    const r = new Reader(this.bytes, at, at + len, this.base);
    r.section = this.section;
    return r;
  }

  /** Fail unless every byte has been consumed. */
  expectEnd(rule: ComponentRule, what: string): void {
    if (this.pos !== this.end) this.fail(rule, `${what}: ${this.end - this.pos} byte(s) left over`);
  }
}

export function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
