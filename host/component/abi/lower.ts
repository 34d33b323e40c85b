/**
 * Lowering: definitions.py's "Storing" and "Flat Lowering" sections and
 * `lower_flat_values`. JS values (jco's conventions, see `js.ts`) are
 * checked as they are lowered: a value that does not fit its type is a
 * `LowerError` naming the path and the rule. What the guest's `realloc`
 * returns is checked as the spec does (a trap when unaligned or out of
 * bounds), and the memory is re-read after every `realloc` (it may have grown).
 *
 * NaNs are stored as the canonical NaN: the spec's deterministic profile of
 * `maybe_scramble_nan32`/`64`.
 */
import { Trap } from '../../canon/errors.js';
import type { CaseType, CoreValType, FieldType, ResourceType, ValType } from '../types.js';
import { LowerError, type CanonString, type LiftLowerContext, type PtrType, type StringEncoding } from './context.js';
import {
  REALLOC_I32_MAX,
  alignTo,
  alignment,
  despecialize,
  discriminantType,
  elemSize,
  elemSizeFlags,
  flattenType,
  maxCaseAlignment,
} from './layout.js';
import { LITTLE_ENDIAN, describe, entriesOfMap, maybeNull, toLowerCamelCase, typedArrayFor } from './js.js';
import { CANONICAL_FLOAT32_NAN, CANONICAL_FLOAT64_NAN, checkRange, scratchF32, scratchF64, scratchU32, scratchU64, flatCount, mapEntryType, tupleOf, utf16Tag, utf8ByteLength, type FlatValue, type ValueIter } from './lift.js';


/** definitions.py `maybe_scramble_nan32`, deterministic profile: a NaN becomes the canonical NaN. */
export function maybeScrambleNan32(f: number): number {
  return Number.isNaN(f) ? NaN : f;
}

/** definitions.py `maybe_scramble_nan64`, deterministic profile. */
export function maybeScrambleNan64(f: number): number {
  return Number.isNaN(f) ? NaN : f;
}

/** definitions.py `core_i32_reinterpret_f32`. */
export function coreI32ReinterpretF32(f: number): number {
  scratchF32[0] = f;
  return scratchU32[0]!;
}

/** definitions.py `core_i64_reinterpret_f64`. */
export function coreI64ReinterpretF64(f: number): bigint {
  scratchF64[0] = f;
  return scratchU64[0]!;
}

/** definitions.py `encode_float_as_i32`: the f32's bits, a NaN as `CANONICAL_FLOAT32_NAN`. */
export function encodeFloatAsI32(f: number): number {
  if (Number.isNaN(f)) return CANONICAL_FLOAT32_NAN;
  return coreI32ReinterpretF32(maybeScrambleNan32(f));
}

/** definitions.py `encode_float_as_i64`: the f64's bits, a NaN as `CANONICAL_FLOAT64_NAN`. */
export function encodeFloatAsI64(f: number): bigint {
  if (Number.isNaN(f)) return CANONICAL_FLOAT64_NAN;
  return coreI64ReinterpretF64(maybeScrambleNan64(f));
}

// ---------------------------------------------------------------- checking JS values

function fail(code: ConstructorParameters<typeof LowerError>[0], detail: string): never {
  throw new LowerError(code, detail);
}

/** Adds `segment` to the path of a `LowerError` passing through. */
function within(e: unknown, segment: string): unknown {
  if (e instanceof LowerError) e.within(segment);
  return e;
}

const INT_RANGE: Record<string, [number, number]> = {
  u8: [0, 0xff],
  s8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
};

function checkInt(v: unknown, kind: string): number {
  if (typeof v !== 'number') fail('wrong-js-type', `a ${kind} is a JS number, not ${describe(v)}`);
  if (!Number.isInteger(v)) fail('not-an-integer', `${v} is not an integer (${kind})`);
  const [lo, hi] = INT_RANGE[kind]!;
  if (v < lo || v > hi) fail('integer-out-of-range', `${v} is outside ${kind} [${lo}, ${hi}]`);
  return v;
}

function checkInt64(v: unknown, kind: 's64' | 'u64'): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail('not-an-integer', `${v} is not a safe integer (${kind}: pass a bigint)`);
    b = BigInt(v);
  } else fail('wrong-js-type', `a ${kind} is a JS bigint, not ${describe(v)}`);
  const ok = kind === 'u64' ? b >= 0n && b < 1n << 64n : b >= -(1n << 63n) && b < 1n << 63n;
  if (!ok) fail('integer-out-of-range', `${b} is outside ${kind}`);
  return b;
}

function checkFloat(v: unknown, kind: string): number {
  if (typeof v !== 'number') fail('wrong-js-type', `a ${kind} is a JS number, not ${describe(v)}`);
  return v;
}

function checkBool(v: unknown): boolean {
  if (typeof v !== 'boolean') fail('wrong-js-type', `a bool is a JS boolean, not ${describe(v)}`);
  return v;
}

/** definitions.py `char_to_i32`, checking that `c` is one Unicode scalar value. */
export function charToI32(c: unknown): number {
  if (typeof c !== 'string') fail('wrong-js-type', `a char is a one-code-point JS string, not ${describe(c)}`);
  const i = c.codePointAt(0);
  if (i === undefined || c.length !== (i > 0xffff ? 2 : 1)) fail('invalid-char', `${describe(c)} is not exactly one code point`);
  if (i >= 0xd800 && i <= 0xdfff) fail('invalid-char', `U+${i.toString(16).toUpperCase()} is a surrogate`);
  return i;
}

function isCanonString(v: unknown): v is CanonString {
  return typeof v === 'object' && v !== null && typeof (v as CanonString).s === 'string' && typeof (v as CanonString).encoding === 'string';
}

// ---------------------------------------------------------------- storing

/**
 * definitions.py `store`: writes `v` of type `t` at `ptr`. The spec asserts
 * that `ptr` is aligned and in bounds (its callers trap first); as an entry
 * point (a stream or future copy lowering one element) this traps instead.
 */
export function store(cx: LiftLowerContext, v: unknown, t: ValType, ptr: number): void {
  const pt = cx.ptrType();
  checkRange(cx, ptr, alignment(t, pt), elemSize(t, pt), 'value');
  storeValid(cx, v, t, ptr);
}

function storeValid(cx: LiftLowerContext, v: unknown, t: ValType, ptr: number): void {
  switch (t.kind) {
    case 'bool':
      cx.memory.view.setUint8(ptr, checkBool(v) ? 1 : 0);
      return;
    case 'u8':
      cx.memory.view.setUint8(ptr, checkInt(v, 'u8'));
      return;
    case 'u16':
      cx.memory.view.setUint16(ptr, checkInt(v, 'u16'), true);
      return;
    case 'u32':
      cx.memory.view.setUint32(ptr, checkInt(v, 'u32'), true);
      return;
    case 'u64':
      cx.memory.view.setBigUint64(ptr, checkInt64(v, 'u64'), true);
      return;
    case 's8':
      cx.memory.view.setInt8(ptr, checkInt(v, 's8'));
      return;
    case 's16':
      cx.memory.view.setInt16(ptr, checkInt(v, 's16'), true);
      return;
    case 's32':
      cx.memory.view.setInt32(ptr, checkInt(v, 's32'), true);
      return;
    case 's64':
      cx.memory.view.setBigInt64(ptr, checkInt64(v, 's64'), true);
      return;
    case 'f32':
      cx.memory.view.setUint32(ptr, encodeFloatAsI32(checkFloat(v, 'f32')), true);
      return;
    case 'f64':
      cx.memory.view.setBigUint64(ptr, encodeFloatAsI64(checkFloat(v, 'f64')), true);
      return;
    case 'char':
      cx.memory.view.setUint32(ptr, charToI32(v), true);
      return;
    case 'string':
      storeString(cx, v, ptr);
      return;
    case 'error-context':
      storeU32(cx, lowerErrorContext(cx, v), ptr);
      return;
    case 'list':
      storeList(cx, v, ptr, t.t, t.l);
      return;
    case 'map':
      storeList(cx, mapToEntries(v), ptr, mapEntryType(t), undefined);
      return;
    case 'record':
      storeRecord(cx, v, ptr, t.fields);
      return;
    case 'tuple':
      storeTuple(cx, v, ptr, t.ts);
      return;
    case 'variant':
    case 'enum':
    case 'option':
    case 'result':
      storeVariant(cx, v, ptr, t);
      return;
    case 'flags':
      storeFlags(cx, v, ptr, t.labels);
      return;
    case 'own':
      storeU32(cx, lowerOwn(cx, v, t), ptr);
      return;
    case 'borrow':
      storeU32(cx, lowerBorrow(cx, v, t), ptr);
      return;
    case 'stream':
      storeU32(cx, lowerStream(cx, v, t.t), ptr);
      return;
    case 'future':
      storeU32(cx, lowerFuture(cx, v, t.t), ptr);
      return;
  }
}

function storeU32(cx: LiftLowerContext, i: number, ptr: number): void {
  cx.memory.view.setUint32(ptr, i, true);
}

/** definitions.py `store_int` of a pointer-sized integer (numbers; a tagged i64 length may be a bigint). */
function storePtr(cx: LiftLowerContext, v: number | bigint, ptr: number): void {
  const m = cx.memory;
  if (m.addrtype === 'i32') m.view.setUint32(ptr, Number(v), true);
  else m.view.setBigUint64(ptr, BigInt(v), true);
}

function mapToEntries(v: unknown): unknown[][] {
  if (!(v instanceof Map)) fail('wrong-js-type', `a map is a JS Map, not ${describe(v)}`);
  return entriesOfMap(v);
}

/** definitions.py `store_string`. */
export function storeString(cx: LiftLowerContext, v: unknown, ptr: number): void {
  const [begin, taggedCodeUnits] = storeStringIntoRange(cx, v);
  const ps = cx.memory.ptrSize();
  storePtr(cx, begin, ptr);
  storePtr(cx, taggedCodeUnits, ptr + ps);
}

type SimpleEncoding = 'utf8' | 'utf16' | 'latin1';

/**
 * definitions.py `store_string_into_range`: picks the transcoding path from
 * the source encoding and the context's `string_encoding`. A JS string is a
 * `utf16` source of `s.length` code units; a `CanonString` carries its own.
 * Returns `[ptr, tagged_code_units]`.
 */
export function storeStringIntoRange(cx: LiftLowerContext, v: unknown): [number, number | bigint] {
  let src: string;
  let srcEncoding: StringEncoding;
  let srcTaggedCodeUnits: number;
  if (typeof v === 'string') {
    src = v;
    srcEncoding = 'utf16';
    srcTaggedCodeUnits = v.length;
  } else if (isCanonString(v)) {
    src = v.s;
    srcEncoding = v.encoding;
    srcTaggedCodeUnits = v.taggedCodeUnits;
  } else {
    fail('wrong-js-type', `a string is a JS string, not ${describe(v)}`);
  }
  if (!isWellFormed(src)) fail('unpaired-surrogate', `the string has an unpaired surrogate at ${firstLoneSurrogate(src)}`);
  const tag = 2 ** 31; // a CanonString's tagged length is a number: i32-style tag
  let srcSimpleEncoding: SimpleEncoding;
  let srcCodeUnits: number;
  if (srcEncoding === 'latin1+utf16') {
    if (srcTaggedCodeUnits >= tag) {
      srcSimpleEncoding = 'utf16';
      srcCodeUnits = srcTaggedCodeUnits - tag;
    } else {
      srcSimpleEncoding = 'latin1';
      srcCodeUnits = srcTaggedCodeUnits;
    }
  } else {
    srcSimpleEncoding = srcEncoding;
    srcCodeUnits = srcTaggedCodeUnits;
  }
  if (typeof v !== 'string') checkCanonLength(src, srcSimpleEncoding, srcCodeUnits);

  switch (cx.opts.stringEncoding) {
    case 'utf8':
      switch (srcSimpleEncoding) {
        case 'utf8':
          return storeStringCopy(cx, src, srcCodeUnits, 1, 1, 'utf-8');
        case 'utf16':
          return storeUtf16ToUtf8(cx, src, srcCodeUnits);
        case 'latin1':
          return storeLatin1ToUtf8(cx, src, srcCodeUnits);
      }
    // eslint-disable-next-line no-fallthrough
    case 'utf16':
      switch (srcSimpleEncoding) {
        case 'utf8':
          return storeUtf8ToUtf16(cx, src, srcCodeUnits);
        case 'utf16':
        case 'latin1':
          return storeStringCopy(cx, src, srcCodeUnits, 2, 2, 'utf-16-le');
      }
    // eslint-disable-next-line no-fallthrough
    case 'latin1+utf16':
      if (srcEncoding === 'utf8' || srcEncoding === 'utf16') return storeStringToLatin1OrUtf16(cx, src, srcCodeUnits);
      if (srcSimpleEncoding === 'latin1') return storeStringCopy(cx, src, srcCodeUnits, 1, 2, 'latin-1');
      return storeProbablyUtf16ToLatin1OrUtf16(cx, src, srcCodeUnits);
  }
}

const nativeIsWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
function isWellFormed(s: string): boolean {
  return nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(s) : firstLoneSurrogate(s) < 0;
}

function firstLoneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    else if (c >= 0xd800 && c <= 0xdfff) return i;
  }
  return -1;
}

const encoder = new TextEncoder();

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** A `CanonString`'s length must be its string's length in its encoding (the spec's String invariant). */
function checkCanonLength(s: string, enc: SimpleEncoding, units: number): void {
  const actual = enc === 'utf8' ? utf8Length(s) : s.length;
  if (actual !== units) fail('wrong-length', `the string has ${actual} ${enc} code units, not the ${units} its CanonString claims`);
  if (enc === 'latin1' && /[^\x00-\xff]/.test(s)) fail('wrong-js-type', 'a latin1 CanonString holds only U+0000..U+00FF');
}

function checkAllocated(cx: LiftLowerContext, ptr: number, align: number, byteLength: number): void {
  if (ptr !== alignTo(ptr, align)) {
    throw new Trap('unaligned-pointer', { detail: `realloc returned ${ptr}, which is not ${align}-byte aligned` });
  }
  checkAllocatedBounds(cx, ptr, byteLength);
}

function checkAllocatedBounds(cx: LiftLowerContext, ptr: number, byteLength: number): void {
  if (ptr + byteLength > cx.memory.length) {
    throw new Trap('out-of-bounds', { detail: `realloc returned [${ptr}, ${ptr + byteLength}), outside linear memory of ${cx.memory.length} bytes` });
  }
}

/** Writes the UTF-16LE code units of `s` from index `from` at `ptr + 2*from`. */
function writeUtf16(cx: LiftLowerContext, s: string, ptr: number, from = 0): void {
  const bytes = cx.memory.bytes;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    bytes[ptr + 2 * i] = c & 0xff;
    bytes[ptr + 2 * i + 1] = c >>> 8;
  }
}

/** definitions.py `store_string_copy`: the destination encoding has the source's code units. */
export function storeStringCopy(
  cx: LiftLowerContext,
  src: string,
  srcCodeUnits: number,
  dstCodeUnitSize: number,
  dstAlignment: number,
  dstEncoding: 'utf-8' | 'utf-16-le' | 'latin-1',
): [number, number] {
  const dstByteLength = dstCodeUnitSize * srcCodeUnits;
  if (dstByteLength > REALLOC_I32_MAX) fail('wrong-length', `a string of ${dstByteLength} bytes does not fit a 32-bit realloc`);
  const ptr = cx.allocate(dstAlignment, dstByteLength);
  checkAllocated(cx, ptr, dstAlignment, dstByteLength);
  const bytes = cx.memory.bytes;
  if (dstEncoding === 'utf-8') {
    encoder.encodeInto(src, bytes.subarray(ptr, ptr + dstByteLength));
  } else if (dstEncoding === 'utf-16-le') {
    writeUtf16(cx, src, ptr);
  } else {
    for (let i = 0; i < src.length; i++) bytes[ptr + i] = src.charCodeAt(i);
  }
  return [ptr, srcCodeUnits];
}

/** definitions.py `store_utf16_to_utf8`. */
export function storeUtf16ToUtf8(cx: LiftLowerContext, src: string, srcCodeUnits: number): [number, number] {
  return storeStringToUtf8(cx, src, srcCodeUnits, srcCodeUnits * 3);
}

/** definitions.py `store_latin1_to_utf8`. */
export function storeLatin1ToUtf8(cx: LiftLowerContext, src: string, srcCodeUnits: number): [number, number] {
  return storeStringToUtf8(cx, src, srcCodeUnits, srcCodeUnits * 2);
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * definitions.py `store_string_to_utf8`: allocates one byte per code unit
 * and copies the ASCII prefix; at the first non-ASCII code point it
 * reallocates to the worst case, writes the rest, and shrinks to the
 * encoded length.
 */
export function storeStringToUtf8(cx: LiftLowerContext, src: string, srcCodeUnits: number, worstCaseSize: number): [number, number] {
  if (srcCodeUnits > REALLOC_I32_MAX) fail('wrong-length', `a string of ${srcCodeUnits} code units does not fit a 32-bit realloc`);
  let ptr = cx.allocate(1, srcCodeUnits);
  checkAllocatedBounds(cx, ptr, srcCodeUnits);
  // All ASCII exactly when the UTF-8 length is the code-unit count (any other code unit takes 2 or more bytes).
  const i = utf8ByteLength !== undefined && utf8ByteLength(src) === srcCodeUnits ? -1 : src.search(NON_ASCII); // the first code point >= 2**7 (its index: all before it are one unit each)
  if (i < 0) {
    encoder.encodeInto(src, cx.memory.bytes.subarray(ptr, ptr + srcCodeUnits));
    return [ptr, srcCodeUnits];
  }
  if (i > 0) encoder.encodeInto(src.slice(0, i), cx.memory.bytes.subarray(ptr, ptr + i));
  if (worstCaseSize > REALLOC_I32_MAX) fail('wrong-length', `a string of worst case ${worstCaseSize} bytes does not fit a 32-bit realloc`);
  ptr = cx.reallocate(ptr, srcCodeUnits, 1, worstCaseSize);
  checkAllocatedBounds(cx, ptr, worstCaseSize);
  const { written } = encoder.encodeInto(src.slice(i), cx.memory.bytes.subarray(ptr + i, ptr + worstCaseSize));
  const encodedLength = i + written;
  if (worstCaseSize > encodedLength) {
    ptr = cx.reallocate(ptr, worstCaseSize, 1, encodedLength);
    checkAllocatedBounds(cx, ptr, encodedLength);
  }
  return [ptr, encodedLength];
}

/** definitions.py `store_utf8_to_utf16`. */
export function storeUtf8ToUtf16(cx: LiftLowerContext, src: string, srcCodeUnits: number): [number, number] {
  const worstCaseSize = 2 * srcCodeUnits;
  if (worstCaseSize > REALLOC_I32_MAX) fail('wrong-length', `a string of worst case ${worstCaseSize} bytes does not fit a 32-bit realloc`);
  let ptr = cx.allocate(2, worstCaseSize);
  checkAllocated(cx, ptr, 2, worstCaseSize);
  writeUtf16(cx, src, ptr);
  const encodedLength = 2 * src.length;
  if (encodedLength < worstCaseSize) {
    ptr = cx.reallocate(ptr, worstCaseSize, 2, encodedLength);
    checkAllocated(cx, ptr, 2, encodedLength);
  }
  return [ptr, encodedLength / 2];
}

/**
 * definitions.py `store_string_to_latin1_or_utf16`: optimistically Latin-1;
 * at the first code point >= 2**8 it reallocates to UTF-16, inflates the
 * bytes written so far in place, and writes the rest (tagging the length).
 */
export function storeStringToLatin1OrUtf16(cx: LiftLowerContext, src: string, srcCodeUnits: number): [number, number | bigint] {
  if (srcCodeUnits > REALLOC_I32_MAX) fail('wrong-length', `a string of ${srcCodeUnits} code units does not fit a 32-bit realloc`);
  let ptr = cx.allocate(2, srcCodeUnits);
  checkAllocated(cx, ptr, 2, srcCodeUnits);
  let dstByteLength = 0;
  let bytes = cx.memory.bytes;
  for (let k = 0; k < src.length; k++) {
    const c = src.charCodeAt(k); // a unit < 2**8 is a whole code point; a surrogate is >= 2**8
    if (c < 1 << 8) {
      bytes[ptr + dstByteLength] = c;
      dstByteLength += 1;
      continue;
    }
    const worstCaseSize = 2 * srcCodeUnits;
    if (worstCaseSize > REALLOC_I32_MAX) fail('wrong-length', `a string of worst case ${worstCaseSize} bytes does not fit a 32-bit realloc`);
    ptr = cx.reallocate(ptr, srcCodeUnits, 2, worstCaseSize);
    checkAllocated(cx, ptr, 2, worstCaseSize);
    bytes = cx.memory.bytes;
    for (let j = dstByteLength - 1; j >= 0; j--) {
      bytes[ptr + 2 * j] = bytes[ptr + j]!;
      bytes[ptr + 2 * j + 1] = 0;
    }
    writeUtf16(cx, src, ptr, dstByteLength);
    const encodedLength = 2 * src.length;
    if (worstCaseSize > encodedLength) {
      ptr = cx.reallocate(ptr, worstCaseSize, 2, encodedLength);
      checkAllocated(cx, ptr, 2, encodedLength);
    }
    return [ptr, tagged(cx, encodedLength / 2)];
  }
  if (dstByteLength < srcCodeUnits) {
    ptr = cx.reallocate(ptr, srcCodeUnits, 2, dstByteLength);
    checkAllocated(cx, ptr, 2, dstByteLength);
  }
  return [ptr, dstByteLength];
}

function tagged(cx: LiftLowerContext, codeUnits: number): number | bigint {
  const tag = utf16Tag(cx.ptrType());
  return typeof tag === 'bigint' ? BigInt(codeUnits) | tag : codeUnits + tag;
}

/**
 * definitions.py `store_probably_utf16_to_latin1_or_utf16`: copies as UTF-16;
 * if every code point is below 2**8 it compacts to Latin-1 and shrinks.
 */
export function storeProbablyUtf16ToLatin1OrUtf16(cx: LiftLowerContext, src: string, srcCodeUnits: number): [number, number | bigint] {
  const srcByteLength = 2 * srcCodeUnits;
  if (srcByteLength > REALLOC_I32_MAX) fail('wrong-length', `a string of ${srcByteLength} bytes does not fit a 32-bit realloc`);
  let ptr = cx.allocate(2, srcByteLength);
  checkAllocated(cx, ptr, 2, srcByteLength);
  writeUtf16(cx, src, ptr);
  if (/[^\x00-\xff]/.test(src)) return [ptr, tagged(cx, src.length)];
  const latin1Size = src.length;
  const bytes = cx.memory.bytes;
  for (let i = 0; i < latin1Size; i++) bytes[ptr + i] = bytes[ptr + 2 * i]!;
  ptr = cx.reallocate(ptr, srcByteLength, 1, latin1Size);
  checkAllocatedBounds(cx, ptr, latin1Size);
  return [ptr, latin1Size];
}

/** definitions.py `lower_error_context`: the handle table adds the entry. */
export function lowerErrorContext(cx: LiftLowerContext, v: unknown): number {
  return cx.handles.lowerErrorContext(v, cx);
}

/** The elements of a JS list value: an array, or (for a list of numbers) its typed array. */
function listElements(v: unknown, elemType: ValType): ArrayLike<unknown> {
  if (Array.isArray(v)) return v;
  const Ctor = typedArrayFor(elemType);
  if (Ctor !== undefined && v instanceof (Ctor as unknown as typeof Uint8Array)) return v as ArrayLike<unknown>;
  if (elemType.kind === 'u8' && v instanceof ArrayBuffer) return new Uint8Array(v);
  fail('wrong-js-type', `a list<${elemType.kind}> is a JS array${Ctor ? ` or ${Ctor.name}` : ''}, not ${describe(v)}`);
}

/** definitions.py `store_list`. */
export function storeList(cx: LiftLowerContext, v: unknown, ptr: number, elemType: ValType, maybeLength: number | undefined): void {
  if (maybeLength !== undefined) {
    const a = listElements(v, elemType);
    if (a.length !== maybeLength) fail('wrong-length', `a list<${elemType.kind}, ${maybeLength}> has ${maybeLength} elements, not ${a.length}`);
    storeListIntoValidRange(cx, a, ptr, elemType);
    return;
  }
  const [begin, length] = storeListIntoRange(cx, v, elemType);
  const ps = cx.memory.ptrSize();
  storePtr(cx, begin, ptr);
  storePtr(cx, length, ptr + ps);
}

/** definitions.py `store_list_into_range`: allocates, checks what realloc returned, stores. Returns `[ptr, length]`. */
export function storeListIntoRange(cx: LiftLowerContext, v: unknown, elemType: ValType): [number, number] {
  const a = listElements(v, elemType);
  const pt = cx.ptrType();
  const byteLength = a.length * elemSize(elemType, pt);
  if (byteLength > REALLOC_I32_MAX) fail('wrong-length', `a list of ${byteLength} bytes does not fit a 32-bit realloc`);
  const align = alignment(elemType, pt);
  const ptr = cx.allocate(align, byteLength);
  checkAllocated(cx, ptr, align, byteLength);
  storeListIntoValidRange(cx, a, ptr, elemType);
  return [ptr, a.length];
}

/** definitions.py `store_list_into_valid_range`; a typed array of the element type is copied as bytes. */
export function storeListIntoValidRange(cx: LiftLowerContext, v: ArrayLike<unknown>, ptr: number, elemType: ValType): void {
  if (ArrayBuffer.isView(v) && LITTLE_ENDIAN) {
    const src = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    cx.memory.bytes.set(src, ptr);
    if (elemType.kind === 'f32' || elemType.kind === 'f64') canonicalizeStoredNans(cx, ptr, (v as Float32Array).length, elemType.kind);
    return;
  }
  if (LITTLE_ENDIAN && Array.isArray(v) && storeNumbers(cx, v, ptr, elemType)) return;
  const size = elemSize(elemType, cx.ptrType());
  let i = 0;
  try {
    for (; i < v.length; i++) storeValid(cx, v[i], elemType, ptr + i * size);
  } catch (e) {
    throw within(e, `[${i}]`);
  }
}

/**
 * `store_list_into_valid_range` of a JS array of a fixed-size numeric
 * element type: every element checked as `storeValid` checks it (a bad one
 * is the same `LowerError`, at `[i]`) and written through one typed view of
 * the range (the memory cannot grow meanwhile: nothing of the guest runs).
 * False when the element type has no such path (or the range is not
 * aligned for a view), and the caller stores element by element.
 */
function storeNumbers(cx: LiftLowerContext, a: readonly unknown[], ptr: number, elemType: ValType): boolean {
  const kind = elemType.kind;
  const Ctor = typedArrayFor(elemType);
  if (Ctor === undefined && kind !== 'bool') return false;
  const bytes = cx.memory.bytes;
  const n = a.length;
  const size = Ctor === undefined ? 1 : Ctor.BYTES_PER_ELEMENT;
  const at = bytes.byteOffset + ptr;
  if (at % size !== 0) return false;
  let i = 0;
  try {
    switch (kind) {
      case 'bool': {
        const out = new Uint8Array(bytes.buffer, at, n);
        for (; i < n; i++) out[i] = checkBool(a[i]) ? 1 : 0;
        return true;
      }
      // u32 and s32 by one integer operation each (x >>> 0, x | 0 give x back exactly when x is such an integer; -0 counts as 0, as Number.isInteger has it)
      case 'u32': {
        const out = new Uint32Array(bytes.buffer, at, n);
        for (; i < n; i++) {
          const x = a[i];
          if (typeof x !== 'number' || x >>> 0 !== x) checkInt(x, kind);
          out[i] = x as number;
        }
        return true;
      }
      case 's32': {
        const out = new Int32Array(bytes.buffer, at, n);
        for (; i < n; i++) {
          const x = a[i];
          if (typeof x !== 'number' || (x | 0) !== x) checkInt(x, kind);
          out[i] = x as number;
        }
        return true;
      }
      case 'u8':
      case 's8':
      case 'u16':
      case 's16': {
        const out = new (Ctor as unknown as Int32ArrayConstructor)(bytes.buffer, at, n);
        const [lo, hi] = INT_RANGE[kind]!;
        for (; i < n; i++) {
          const x = a[i];
          if (typeof x !== 'number' || !(x >= lo && x <= hi) || !Number.isInteger(x)) checkInt(x, kind);
          out[i] = x as number;
        }
        return true;
      }
      case 'u64':
      case 's64': {
        const out = new (Ctor as unknown as BigInt64ArrayConstructor)(bytes.buffer, at, n);
        for (; i < n; i++) out[i] = checkInt64(a[i], kind);
        return true;
      }
      case 'f32': {
        const out = new Float32Array(bytes.buffer, at, n);
        const bits = new Uint32Array(bytes.buffer, at, n);
        for (; i < n; i++) {
          const x = a[i];
          if (typeof x !== 'number') checkFloat(x, 'f32');
          if (x !== x) bits[i] = CANONICAL_FLOAT32_NAN;
          else out[i] = x as number;
        }
        return true;
      }
      case 'f64': {
        const out = new Float64Array(bytes.buffer, at, n);
        const bits = new BigUint64Array(bytes.buffer, at, n);
        for (; i < n; i++) {
          const x = a[i];
          if (typeof x !== 'number') checkFloat(x, 'f64');
          if (x !== x) bits[i] = CANONICAL_FLOAT64_NAN;
          else out[i] = x as number;
        }
        return true;
      }
      default:
        return false;
    }
  } catch (e) {
    throw within(e, `[${i}]`);
  }
}

function canonicalizeStoredNans(cx: LiftLowerContext, ptr: number, n: number, kind: 'f32' | 'f64'): void {
  const view = cx.memory.view;
  if (kind === 'f32') {
    for (let i = 0; i < n; i++) {
      const x = view.getUint32(ptr + 4 * i, true);
      if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) view.setUint32(ptr + 4 * i, CANONICAL_FLOAT32_NAN, true);
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(view.getFloat64(ptr + 8 * i, true))) view.setBigUint64(ptr + 8 * i, CANONICAL_FLOAT64_NAN, true);
    }
  }
}

function checkObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('wrong-js-type', `a ${what} is a JS object, not ${describe(v)}`);
  return v as Record<string, unknown>;
}

/** definitions.py `store_record`: fields read from the object's camelCase keys. */
export function storeRecord(cx: LiftLowerContext, v: unknown, ptr: number, fields: readonly FieldType[]): void {
  const o = checkObject(v, 'record');
  const pt = cx.ptrType();
  for (const f of fields) {
    ptr = alignTo(ptr, alignment(f.t, pt));
    const key = toLowerCamelCase(f.label);
    try {
      storeValid(cx, o[key], f.t, ptr);
    } catch (e) {
      throw within(e, `.field '${key}'`);
    }
    ptr += elemSize(f.t, pt);
  }
}

function checkTuple(v: unknown, n: number): readonly unknown[] {
  if (!Array.isArray(v)) fail('wrong-js-type', `a tuple is a JS array, not ${describe(v)}`);
  if (v.length !== n) fail('wrong-length', `a tuple of ${n} has ${n} elements, not ${v.length}`);
  return v;
}

/** `store_record` of a despecialized tuple: from a JS array of exactly its length. */
export function storeTuple(cx: LiftLowerContext, v: unknown, ptr: number, ts: readonly ValType[]): void {
  const a = checkTuple(v, ts.length);
  const pt = cx.ptrType();
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    ptr = alignTo(ptr, alignment(t, pt));
    try {
      storeValid(cx, a[i], t, ptr);
    } catch (e) {
      throw within(e, `[${i}]`);
    }
    ptr += elemSize(t, pt);
  }
}

/** The despecialized cases of a variant-like type. */
function casesOf(t: ValType): readonly CaseType[] {
  return (despecialize(t) as { cases: readonly CaseType[] }).cases;
}

function checkTagged(v: unknown, labels: readonly string[], what: string): [number, unknown] {
  if (typeof v !== 'object' || v === null) fail('wrong-js-type', `a ${what} is a JS object { tag, val }, not ${describe(v)}`);
  const tag = (v as { tag?: unknown }).tag;
  const index = typeof tag === 'string' ? labels.indexOf(tag) : -1;
  if (index < 0) fail('unknown-case', `tag ${describe(tag)} is not one of ${labels.map((l) => `'${l}'`).join(', ')}`);
  return [index, (v as { val?: unknown }).val];
}

const RESULT_TAGS = ['ok', 'err'];
const OPTION_TAGS = ['none', 'some'];

/**
 * definitions.py `match_case`: the case index and payload of the JS value `v`
 * of the variant, enum, option or result type `t`.
 */
export function matchCase(v: unknown, t: ValType): [number, unknown] {
  switch (t.kind) {
    case 'enum': {
      if (typeof v !== 'string') fail('wrong-js-type', `an enum value is a JS string, not ${describe(v)}`);
      const i = t.labels.indexOf(v);
      if (i < 0) fail('unknown-label', `'${v}' is not one of ${t.labels.map((l) => `'${l}'`).join(', ')}`);
      return [i, undefined];
    }
    case 'option':
      if (maybeNull(t.t)) return checkTagged(v, OPTION_TAGS, 'option of an option');
      return v === undefined || v === null ? [0, undefined] : [1, v];
    case 'result':
      return checkTagged(v, RESULT_TAGS, 'result');
    case 'variant': {
      const [i, val] = checkTagged(
        v,
        t.cases.map((c) => c.label),
        'variant',
      );
      const pt = t.cases[i]!.t;
      if (pt !== undefined && val === undefined && !(pt.kind === 'option' && maybeNull(pt))) {
        fail('missing-payload', `case '${t.cases[i]!.label}' needs a val`);
      }
      return [i, val];
    }
    default:
      throw new TypeError(`not a variant-like type: ${t.kind}`);
  }
}

function caseSegment(t: ValType, index: number): string {
  switch (t.kind) {
    case 'option':
      return '?';
    case 'result':
      return `.${RESULT_TAGS[index]}`;
    case 'variant':
      return `.case '${t.cases[index]!.label}'`;
    default:
      return '';
  }
}

/** definitions.py `store_variant`. */
export function storeVariant(cx: LiftLowerContext, v: unknown, ptr: number, t: ValType): void {
  const cases = casesOf(t);
  const [caseIndex, caseValue] = matchCase(v, t);
  const pt = cx.ptrType();
  const discSize = elemSize(discriminantType(cases), pt);
  const view = cx.memory.view;
  if (discSize === 1) view.setUint8(ptr, caseIndex);
  else if (discSize === 2) view.setUint16(ptr, caseIndex, true);
  else view.setUint32(ptr, caseIndex, true);
  ptr += discSize;
  ptr = alignTo(ptr, maxCaseAlignment(cases, pt));
  const c = cases[caseIndex]!;
  if (c.t !== undefined) {
    try {
      storeValid(cx, caseValue, c.t, ptr);
    } catch (e) {
      throw within(e, caseSegment(t, caseIndex));
    }
  }
}

/** definitions.py `store_flags`. */
export function storeFlags(cx: LiftLowerContext, v: unknown, ptr: number, labels: readonly string[]): void {
  const i = packFlagsIntoInt(v, labels);
  const n = elemSizeFlags(labels);
  const view = cx.memory.view;
  if (n === 1) view.setUint8(ptr, i);
  else if (n === 2) view.setUint16(ptr, i, true);
  else view.setUint32(ptr, i, true);
}

/**
 * definitions.py `pack_flags_into_int`: from an object of booleans keyed by
 * the camelCase flag names (a missing key is false, and `undefined` or
 * `null` is no flag set, as in jco; an unknown key or a non-boolean value is
 * an error).
 */
export function packFlagsIntoInt(v: unknown, labels: readonly string[]): number {
  if (v === undefined || v === null) return 0; // as in jco: no object, no flags set
  const o = checkObject(v, 'flags value');
  const keys = labels.map(toLowerCamelCase);
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) fail('unknown-flag', `'${k}' is not one of the flags ${keys.map((l) => `'${l}'`).join(', ')}`);
  }
  let i = 0;
  let shift = 0;
  for (const k of keys) {
    const b = o[k];
    if (b !== undefined && typeof b !== 'boolean') fail('unknown-flag', `flag '${k}' is ${describe(b)}, not a boolean`);
    if (b === true) i |= 1 << shift;
    shift += 1;
  }
  return i >>> 0;
}

/** definitions.py `lower_own`: the handle table adds an owning handle for `v`. */
export function lowerOwn(cx: LiftLowerContext, v: unknown, t: { kind: 'own'; rt: ResourceType }): number {
  return cx.handles.lowerOwn(t.rt, v, cx);
}

/** definitions.py `lower_borrow`. */
export function lowerBorrow(cx: LiftLowerContext, v: unknown, t: { kind: 'borrow'; rt: ResourceType }): number {
  return cx.handles.lowerBorrow(t.rt, v, cx);
}

/** definitions.py `lower_stream`: `t` is the element type. */
export function lowerStream(cx: LiftLowerContext, v: unknown, t: ValType | undefined): number {
  return cx.handles.lowerStream(t, v, cx);
}

/** definitions.py `lower_future`. */
export function lowerFuture(cx: LiftLowerContext, v: unknown, t: ValType | undefined): number {
  return cx.handles.lowerFuture(t, v, cx);
}

// ---------------------------------------------------------------- flat lowering

/** definitions.py `lower_flat`: the flat core values of `v` (i32 unsigned numbers, i64 unsigned bigints). */
export function lowerFlat(cx: LiftLowerContext, v: unknown, t: ValType): FlatValue[] {
  switch (t.kind) {
    case 'bool':
      return [checkBool(v) ? 1 : 0];
    case 'u8':
    case 'u16':
    case 'u32':
      return [checkInt(v, t.kind)];
    case 'u64':
      return [checkInt64(v, 'u64')];
    case 's8':
    case 's16':
    case 's32':
      return lowerFlatSigned(checkInt(v, t.kind), 32);
    case 's64':
      return lowerFlatSigned(checkInt64(v, 's64'), 64);
    case 'f32':
      return [Math.fround(maybeScrambleNan32(checkFloat(v, 'f32')))];
    case 'f64':
      return [maybeScrambleNan64(checkFloat(v, 'f64'))];
    case 'char':
      return [charToI32(v)];
    case 'string':
      return lowerFlatString(cx, v);
    case 'error-context':
      return [lowerErrorContext(cx, v)];
    case 'list':
      return lowerFlatList(cx, v, t.t, t.l);
    case 'map': {
      const [ptr, length] = storeListIntoRange(cx, mapToEntries(v), mapEntryType(t));
      return [flatPtr(cx, ptr), flatPtr(cx, length)];
    }
    case 'record':
      return lowerFlatRecord(cx, v, t.fields);
    case 'tuple': {
      const a = checkTuple(v, t.ts.length);
      const flat: FlatValue[] = [];
      for (let i = 0; i < t.ts.length; i++) {
        try {
          flat.push(...lowerFlat(cx, a[i], t.ts[i]!));
        } catch (e) {
          throw within(e, `[${i}]`);
        }
      }
      return flat;
    }
    case 'variant':
    case 'enum':
    case 'option':
    case 'result':
      return lowerFlatVariant(cx, v, t);
    case 'flags':
      return lowerFlatFlags(v, t.labels);
    case 'own':
      return [lowerOwn(cx, v, t)];
    case 'borrow':
      return [lowerBorrow(cx, v, t)];
    case 'stream':
      return [lowerStream(cx, v, t.t)];
    case 'future':
      return [lowerFuture(cx, v, t.t)];
  }
}

/** A pointer (or length) as a flat value of the memory's pointer type. */
function flatPtr(cx: LiftLowerContext, p: number | bigint): FlatValue {
  return cx.ptrType() === 'i32' ? Number(p) : BigInt(p);
}

/** definitions.py `lower_flat_signed`: two's complement, as an unsigned core value. */
export function lowerFlatSigned(i: number | bigint, coreBits: 32 | 64): FlatValue[] {
  if (coreBits === 64) return [BigInt.asUintN(64, BigInt(i))];
  return [(i as number) < 0 ? (i as number) + 2 ** 32 : (i as number)];
}

/** definitions.py `lower_flat_string`. */
export function lowerFlatString(cx: LiftLowerContext, v: unknown): FlatValue[] {
  const [ptr, packedLength] = storeStringIntoRange(cx, v);
  return [flatPtr(cx, ptr), flatPtr(cx, packedLength)];
}

/** definitions.py `lower_flat_list`. */
export function lowerFlatList(cx: LiftLowerContext, v: unknown, elemType: ValType, maybeLength: number | undefined): FlatValue[] {
  if (maybeLength !== undefined) {
    const a = listElements(v, elemType);
    if (a.length !== maybeLength) fail('wrong-length', `a list<${elemType.kind}, ${maybeLength}> has ${maybeLength} elements, not ${a.length}`);
    const flat: FlatValue[] = [];
    for (let i = 0; i < a.length; i++) {
      try {
        flat.push(...lowerFlat(cx, a[i], elemType));
      } catch (e) {
        throw within(e, `[${i}]`);
      }
    }
    return flat;
  }
  const [ptr, length] = storeListIntoRange(cx, v, elemType);
  return [flatPtr(cx, ptr), flatPtr(cx, length)];
}

/** definitions.py `lower_flat_record`. */
export function lowerFlatRecord(cx: LiftLowerContext, v: unknown, fields: readonly FieldType[]): FlatValue[] {
  const o = checkObject(v, 'record');
  const flat: FlatValue[] = [];
  for (const f of fields) {
    const key = toLowerCamelCase(f.label);
    try {
      flat.push(...lowerFlat(cx, o[key], f.t));
    } catch (e) {
      throw within(e, `.field '${key}'`);
    }
  }
  return flat;
}

function zeroOf(t: CoreValType): FlatValue {
  return t === 'i64' ? 0n : 0;
}

/**
 * definitions.py `lower_flat_variant`: the case index, the payload coerced
 * into the joined flat types, then zeros for the unused slots.
 */
export function lowerFlatVariant(cx: LiftLowerContext, v: unknown, t: ValType): FlatValue[] {
  const cases = casesOf(t);
  const [caseIndex, caseValue] = matchCase(v, t);
  const pt = cx.ptrType();
  const flatTypes = flattenType(despecialize(t), pt);
  let k = 1; // flat_types.pop(0) == 'i32'
  const c = cases[caseIndex]!;
  let payload: FlatValue[];
  if (c.t === undefined) {
    payload = [];
  } else {
    try {
      payload = lowerFlat(cx, caseValue, c.t);
    } catch (e) {
      throw within(e, caseSegment(t, caseIndex));
    }
    const have = flattenType(c.t, pt);
    for (let i = 0; i < payload.length; i++) {
      const h = have[i]!;
      const want = flatTypes[k++]!;
      const fv = payload[i]!;
      if (h === 'f32' && want === 'i32') payload[i] = encodeFloatAsI32(fv as number);
      else if (h === 'i32' && want === 'i64') payload[i] = BigInt(fv);
      else if (h === 'f32' && want === 'i64') payload[i] = BigInt(encodeFloatAsI32(fv as number));
      else if (h === 'f64' && want === 'i64') payload[i] = encodeFloatAsI64(fv as number);
    }
  }
  for (; k < flatTypes.length; k++) payload.push(zeroOf(flatTypes[k]!));
  return [caseIndex, ...payload];
}

/** definitions.py `lower_flat_flags`. */
export function lowerFlatFlags(v: unknown, labels: readonly string[]): FlatValue[] {
  return [packFlagsIntoInt(v, labels)];
}

// ---------------------------------------------------------------- values

/**
 * definitions.py `lower_flat_values`: the flat values of `vs` (types `ts`),
 * or, when they flatten to more than `max_flat`, the values stored as a
 * tuple in memory: allocated with `realloc` (and the pointer returned as the
 * only flat value), or at the pointer taken from `out_param` (the return
 * pointer of a lowered call; nothing returned). Traps if that pointer is
 * unaligned or out of bounds. `names` (an extension) names the values in
 * errors: `param 'x'`.
 */
export function lowerFlatValues(
  cx: LiftLowerContext,
  maxFlat: number,
  vs: readonly unknown[],
  ts: readonly ValType[],
  outParam?: ValueIter,
  names?: readonly string[],
): FlatValue[] {
  if (vs.length !== ts.length) throw new LowerError('wrong-length', `${ts.length} values expected, ${vs.length} given`);
  const segment = (i: number): string => (names?.[i] !== undefined ? `param '${names[i]}'` : `value ${i}`);
  const pt = cx.ptrType();
  if (flatCount(ts, pt) > maxFlat) {
    const tupleType = tupleOf(ts);
    let ptr: number;
    let flatVals: FlatValue[];
    const align = alignment(tupleType, pt);
    const size = elemSize(tupleType, pt);
    if (outParam === undefined) {
      ptr = cx.allocate(align, size);
      flatVals = [flatPtr(cx, ptr)];
    } else {
      ptr = Number(outParam.next(pt));
      flatVals = [];
    }
    checkRange(cx, ptr, align, size, outParam === undefined ? 'realloc result for spilled values' : 'return pointer');
    // store(cx, tuple_value, tuple_type, ptr), field by field so errors can name each value
    let p = ptr;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      p = alignTo(p, alignment(t, pt));
      try {
        storeValid(cx, vs[i], t, p);
      } catch (e) {
        throw within(e, segment(i));
      }
      p += elemSize(t, pt);
    }
    return flatVals;
  }
  const flat: FlatValue[] = [];
  for (let i = 0; i < vs.length; i++) {
    try {
      flat.push(...lowerFlat(cx, vs[i], ts[i]!));
    } catch (e) {
      throw within(e, segment(i));
    }
  }
  return flat;
}

// ---------------------------------------------------------------- checking without lowering

/**
 * The checks `lower_flat_values` makes of JS values, with no memory and no
 * handle table: throws the `LowerError` (rule and path) that lowering `vs`
 * would throw, or returns. A host checks its arguments with it before a
 * call, since a lowering that fails half-way has already called the
 * guest's `realloc`. Handle-typed values (own, borrow, stream, future,
 * error-context) are not checked: the handle table checks them when they are
 * lowered. `pt` is the pointer type of the memory (for the `realloc` size
 * bound of lists).
 */
export function checkFlatValues(vs: readonly unknown[], ts: readonly ValType[], names?: readonly string[], pt: PtrType = 'i32'): void {
  if (vs.length !== ts.length) throw new LowerError('wrong-length', `${ts.length} values expected, ${vs.length} given`);
  for (let i = 0; i < ts.length; i++) {
    try {
      checkValue(vs[i], ts[i]!, pt);
    } catch (e) {
      throw within(e, names?.[i] !== undefined ? `param '${names[i]}'` : `value ${i}`);
    }
  }
}

/** The checks of `store`/`lower_flat` of `v` as a `t`, in the same order. */
export function checkValue(v: unknown, t: ValType, pt: PtrType = 'i32'): void {
  switch (t.kind) {
    case 'bool':
      checkBool(v);
      return;
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32':
      checkInt(v, t.kind);
      return;
    case 'u64':
    case 's64':
      checkInt64(v, t.kind);
      return;
    case 'f32':
    case 'f64':
      checkFloat(v, t.kind);
      return;
    case 'char':
      charToI32(v);
      return;
    case 'string':
      checkString(v);
      return;
    case 'list':
      checkList(v, t.t, t.l, pt);
      return;
    case 'map':
      checkList(mapToEntries(v), mapEntryType(t), undefined, pt);
      return;
    case 'record': {
      const o = checkObject(v, 'record');
      for (const f of t.fields) {
        const key = toLowerCamelCase(f.label);
        try {
          checkValue(o[key], f.t, pt);
        } catch (e) {
          throw within(e, `.field '${key}'`);
        }
      }
      return;
    }
    case 'tuple': {
      const a = checkTuple(v, t.ts.length);
      for (let i = 0; i < t.ts.length; i++) {
        try {
          checkValue(a[i], t.ts[i]!, pt);
        } catch (e) {
          throw within(e, `[${i}]`);
        }
      }
      return;
    }
    case 'variant':
    case 'enum':
    case 'option':
    case 'result': {
      const [caseIndex, caseValue] = matchCase(v, t);
      const c = casesOf(t)[caseIndex]!;
      if (c.t === undefined) return;
      try {
        checkValue(caseValue, c.t, pt);
      } catch (e) {
        throw within(e, caseSegment(t, caseIndex));
      }
      return;
    }
    case 'flags':
      packFlagsIntoInt(v, t.labels);
      return;
    case 'own':
    case 'borrow':
    case 'stream':
    case 'future':
    case 'error-context':
      return;
  }
}

/** The checks of `store_string_into_range` before it allocates. */
function checkString(v: unknown): void {
  if (typeof v === 'string') {
    if (!isWellFormed(v)) fail('unpaired-surrogate', `the string has an unpaired surrogate at ${firstLoneSurrogate(v)}`);
    return;
  }
  if (!isCanonString(v)) fail('wrong-js-type', `a string is a JS string, not ${describe(v)}`);
  if (!isWellFormed(v.s)) fail('unpaired-surrogate', `the string has an unpaired surrogate at ${firstLoneSurrogate(v.s)}`);
  const tag = 2 ** 31;
  if (v.encoding === 'latin1+utf16') {
    if (v.taggedCodeUnits >= tag) checkCanonLength(v.s, 'utf16', v.taggedCodeUnits - tag);
    else checkCanonLength(v.s, 'latin1', v.taggedCodeUnits);
  } else checkCanonLength(v.s, v.encoding, v.taggedCodeUnits);
}

/** The checks of `store_list`/`lower_flat_list`: the JS value, the length, each element. */
function checkList(v: unknown, elemType: ValType, maybeLength: number | undefined, pt: PtrType): void {
  const a = listElements(v, elemType);
  if (maybeLength !== undefined) {
    if (a.length !== maybeLength) fail('wrong-length', `a list<${elemType.kind}, ${maybeLength}> has ${maybeLength} elements, not ${a.length}`);
  } else {
    const byteLength = a.length * elemSize(elemType, pt);
    if (byteLength > REALLOC_I32_MAX) fail('wrong-length', `a list of ${byteLength} bytes does not fit a 32-bit realloc`);
  }
  if (ArrayBuffer.isView(a)) return; // a typed array of the element type: every element fits
  const kind = elemType.kind;
  const range = INT_RANGE[kind];
  let i = 0;
  try {
    if (kind === 'u32') {
      for (; i < a.length; i++) {
        const x = a[i];
        if (typeof x !== 'number' || x >>> 0 !== x) checkInt(x, kind);
      }
    } else if (kind === 's32') {
      for (; i < a.length; i++) {
        const x = a[i];
        if (typeof x !== 'number' || (x | 0) !== x) checkInt(x, kind);
      }
    } else if (range !== undefined) {
      const [lo, hi] = range;
      for (; i < a.length; i++) {
        const x = a[i];
        if (typeof x !== 'number' || !(x >= lo && x <= hi) || !Number.isInteger(x)) checkInt(x, kind);
      }
    } else if (kind === 'f32' || kind === 'f64') {
      for (; i < a.length; i++) if (typeof a[i] !== 'number') checkFloat(a[i], kind);
    } else {
      for (; i < a.length; i++) checkValue(a[i], elemType, pt);
    }
  } catch (e) {
    throw within(e, `[${i}]`);
  }
}
