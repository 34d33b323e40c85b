/**
 * The fast path of lifting a long non-ASCII UTF-8 string: a small SIMD wasm
 * module (utf8-decode.wat) decodes it 16 bytes at a time, and the JS string
 * is made from the result with one copy. Node 20's UTF-8 decoder does the
 * same job several times slower.
 *
 * - `latin1` first: when every character is U+0000..U+00FF (most Western
 *   European text) the string is made from Latin-1 bytes (one byte per
 *   character, as V8 stores such a string);
 * - else `utf16`: the UTF-16 code units (SIMD for blocks of one- and
 *   two-byte characters, one character at a time in a block with a longer
 *   one).
 *
 * The input must already be valid UTF-8: the caller validates it first and
 * traps otherwise; this module never decides whether a UTF-8 string is
 * valid. It also checks UTF-16 strings for unpaired surrogates
 * (`validUtf16`), so that those lift with one copy too.
 */
import { UTF8_DECODE_WASM } from './utf8-decode-wasm.js';

/** Below this many bytes the general decoder is as fast (no copy into the module's memory). */
export const UTF8_DECODE_MIN_BYTES = 128;
/** The two compaction tables at the start of the module's memory (see utf8-decode.wat). */
const TABLE8 = 0;
const TABLE16 = 2048;
const INPUT = 6144;
/** A module whose memory grew beyond this is dropped after the call, so a huge string does not keep its copy alive. */
const KEEP_MEMORY_BYTES = 16 << 20;
const PAGE = 65536;

interface DecodeModule {
  memory: WebAssembly.Memory;
  /** The memory's bytes (re-made after it grows). */
  view: Uint8Array;
  latin1: (input: number, n: number, out: number) => number;
  utf16: (input: number, n: number, out: number) => number;
  utf16_valid: (input: number, units: number) => number;
}

let compiled: WebAssembly.Module | null | undefined;
let current: DecodeModule | undefined;

function base64Bytes(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The module, instantiated on first use; undefined where wasm SIMD is unavailable. */
function instance(): DecodeModule | undefined {
  if (current !== undefined) return current;
  if (compiled === undefined) {
    try {
      const bytes = base64Bytes(UTF8_DECODE_WASM);
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return undefined;
  const ex = new WebAssembly.Instance(compiled).exports as unknown as DecodeModule;
  const view = new Uint8Array(ex.memory.buffer);
  for (let m = 0; m < 256; m++) {
    let k = 0;
    for (let bit = 0; bit < 8; bit++) {
      if ((m & (1 << bit)) === 0) continue;
      view[TABLE8 + m * 8 + k] = bit;
      view[TABLE16 + m * 16 + 2 * k] = 2 * bit;
      view[TABLE16 + m * 16 + 2 * k + 1] = 2 * bit + 1;
      k++;
    }
  }
  current = { memory: ex.memory, view, latin1: ex.latin1, utf16: ex.utf16, utf16_valid: ex.utf16_valid };
  return current;
}

/** The module with room for `need` bytes; undefined when unavailable or out of memory. */
function withRoom(need: number): DecodeModule | undefined {
  const m = instance();
  if (m === undefined) return undefined;
  const have = m.view.byteLength;
  if (need > have) {
    try {
      m.memory.grow(Math.ceil((need - have) / PAGE));
    } catch {
      return undefined; // no memory for the copy: the general decoder needs none
    }
    m.view = new Uint8Array(m.memory.buffer);
  }
  return m;
}

/** After a call: a module whose memory grew large is dropped. */
function release(m: DecodeModule): void {
  if (m.view.byteLength > KEEP_MEMORY_BYTES) current = undefined;
}

/**
 * Whether the `units` UTF-16LE code units at `ptr` of `bytes` have no
 * unpaired surrogate; undefined when the fast path is unavailable.
 */
export function validUtf16(bytes: Uint8Array, ptr: number, units: number): boolean | undefined {
  const m = withRoom(INPUT + 2 * units + 16);
  if (m === undefined) return undefined;
  m.view.set(bytes.subarray(ptr, ptr + 2 * units), INPUT);
  const ok = m.utf16_valid(INPUT, units) === 1;
  release(m);
  return ok;
}

/** How a decoded string is made from the module's memory. */
export interface StringMaker<T> {
  /** From `len` Latin-1 bytes at `ptr`. */
  latin1(bytes: Uint8Array, ptr: number, len: number): T;
  /** From `units` UTF-16LE code units at `ptr` (2-byte aligned). */
  utf16(bytes: Uint8Array, ptr: number, units: number): T;
}

/**
 * Decodes `len` bytes of valid UTF-8 at `ptr` of `bytes` and hands the
 * result to `make`; undefined when the fast path is unavailable (no wasm
 * SIMD, or no memory for the copy): the caller then decodes as before.
 * `latin1Only`: give up instead of decoding UTF-16 (for tests).
 */
export function decodeValidUtf8<T>(bytes: Uint8Array, ptr: number, len: number, make: StringMaker<T>, latin1Only = false): T | undefined {
  const out = (INPUT + len + 15) & ~15;
  const m = withRoom(out + 2 * len + 32);
  if (m === undefined) return undefined;
  m.view.set(bytes.subarray(ptr, ptr + len), INPUT);
  let s: T | undefined;
  const n = m.latin1(INPUT, len, out);
  if (n >= 0) s = make.latin1(m.view, out, n);
  else if (!latin1Only) s = make.utf16(m.view, out, m.utf16(INPUT, len, out));
  release(m);
  return s;
}
