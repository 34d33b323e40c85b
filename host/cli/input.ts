/**
 * The input of `run`, `inspect` and `compare`: a regular file of bounded
 * size, a WebAssembly binary or WAT text, and which layer it is. Kept apart
 * from run.ts (the core-module host) so that starting a program loads only
 * what it uses.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { RunError } from './errors.js';
import { wasmFromFile } from './wat.js';

export type WasmKind = 'core' | 'component';

/** Core modules carry layer 0 (version 1) in their header; components carry layer 1 (version 0x0d). */
export function wasmKind(bytes: Uint8Array): WasmKind {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new RunError('not-wasm', 'the file is neither a WebAssembly binary (\\0asm) nor WAT text');
  }
  const layer = bytes[6] | (bytes[7] << 8);
  if (layer === 0) return 'core';
  if (layer === 1) return 'component';
  throw new RunError('not-wasm', `unknown WebAssembly layer ${layer} in the header`);
}

/** The largest input file `run` reads (binary or text). */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Reads `file` if it is a regular file of at most `max` bytes (a device, a
 * FIFO or a directory would read forever or not at all: RunError `bad-input`;
 * a larger file: RunError `input-too-large`). Never reads more than `max` + 1 bytes.
 */
export function readInput(file: string, max = MAX_INPUT_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new RunError('bad-input', `cannot open ${file}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const what = st.isDirectory() ? 'a directory' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw new RunError('bad-input', `${file} is ${what}, not a regular file: wasip3-task reads its inputs from regular files`);
    }
    if (st.size > max) throw new RunError('input-too-large', `${file} has ${st.size} bytes; wasip3-task reads at most ${max}`);
    // The size can change between fstat and read: read at most max + 1 bytes and check again.
    const buf = Buffer.allocUnsafe(Math.min(st.size, max) + 1);
    let n = 0;
    for (;;) {
      const k = readSync(fd, buf, n, buf.length - n, null);
      if (k === 0) break;
      n += k;
      if (n === buf.length) {
        if (n > max) throw new RunError('input-too-large', `${file} has more than ${max} bytes; wasip3-task reads at most ${max}`);
        throw new RunError('bad-input', `${file} grew while it was being read`);
      }
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Read a file: a WebAssembly binary (by its `\0asm` magic), else WAT text compiled with jco's `parse`. */
export async function loadWasm(file: string): Promise<Uint8Array> {
  return wasmFromFile(file, new Uint8Array(readInput(file)));
}
