/**
 * The fast path of lifting a non-ASCII UTF-8 string whose characters are all
 * U+0000..U+00FF (most Western European text): a small SIMD wasm module
 * (utf8-latin1.wat) turns the UTF-8 into Latin-1, 16 bytes at a time, and the
 * string is made from the Latin-1 bytes (one byte per character). Node 20's
 * UTF-8 decoder does the same job about five times slower.
 *
 * The input must already be valid UTF-8 (the caller validates it first and
 * traps otherwise): this module never decides whether a string is valid. A
 * string with a character above U+00FF is not its job: `utf8ToLatin1`
 * returns undefined and the caller decodes it as before.
 */
import { UTF8_LATIN1_WASM } from './utf8-latin1-wasm.js';

/** Below this many bytes the general decoder is as fast (no copy into the module's memory). */
export const UTF8_LATIN1_MIN_BYTES = 128;
/** The compaction table at the start of the module's memory: 256 entries of 8 bytes. */
const TABLE_BYTES = 2048;
/** A module whose memory grew beyond this is dropped after the call, so a huge string does not keep its copy alive. */
const KEEP_MEMORY_BYTES = 8 << 20;
const PAGE = 65536;

interface Latin1Module {
  memory: WebAssembly.Memory;
  /** The memory's bytes (re-made after it grows). */
  view: Uint8Array;
  latin1: (input: number, n: number, out: number) => number;
}

let compiled: WebAssembly.Module | null | undefined;
let current: Latin1Module | undefined;

function base64Bytes(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The module, instantiated on first use; undefined where wasm SIMD is unavailable. */
function instance(): Latin1Module | undefined {
  if (current !== undefined) return current;
  if (compiled === undefined) {
    try {
      const bytes = base64Bytes(UTF8_LATIN1_WASM);
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return undefined;
  const ex = new WebAssembly.Instance(compiled).exports as unknown as Latin1Module;
  const table = new Uint8Array(ex.memory.buffer, 0, TABLE_BYTES);
  for (let m = 0; m < 256; m++) {
    let k = 0;
    for (let bit = 0; bit < 8; bit++) if (m & (1 << bit)) table[m * 8 + k++] = bit;
  }
  current = { memory: ex.memory, view: new Uint8Array(ex.memory.buffer), latin1: ex.latin1 };
  return current;
}

/**
 * `len` bytes of valid UTF-8 at `ptr` of `bytes` as Latin-1 bytes, handed to
 * `decode` (which makes the string); undefined when a character is above
 * U+00FF or the fast path is unavailable.
 */
export function utf8ToLatin1<T>(bytes: Uint8Array, ptr: number, len: number, decode: (latin1: Uint8Array, ptr: number, len: number) => T): T | undefined {
  const m = instance();
  if (m === undefined) return undefined;
  const input = TABLE_BYTES;
  const out = (input + len + 15) & ~15;
  const need = out + len + 16;
  const have = m.view.byteLength;
  if (need > have) {
    try {
      m.memory.grow(Math.ceil((need - have) / PAGE));
    } catch {
      return undefined; // no memory for the copy: the general decoder needs none
    }
    m.view = new Uint8Array(m.memory.buffer);
  }
  m.view.set(bytes.subarray(ptr, ptr + len), input);
  const n = m.latin1(input, len, out);
  const s = n < 0 ? undefined : decode(m.view, out, n);
  if (m.view.byteLength > KEEP_MEMORY_BYTES) current = undefined;
  return s;
}
