/**
 * `wasip3-task run`: host a core module on the embedded host (or hand a
 * component to a component host) and call one export.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from '@bytecodealliance/jco';
import { Store, Trap, type Limits } from '../canon/index.js';
import { Trace, type TraceEvent } from '../trace/trace.js';
import { guestPeerImports } from '../guest/guest.js';

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

/** A problem with the command's input (not a trap in the guest). */
export class RunError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunError';
  }
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
      throw new RunError('bad-input', `${file} is ${what}: run reads a regular file (a .wasm binary or .wat text)`);
    }
    if (st.size > max) throw new RunError('input-too-large', `${file} has ${st.size} bytes; run reads at most ${max}`);
    // The size can change between fstat and read: read at most max + 1 bytes and check again.
    const buf = Buffer.allocUnsafe(Math.min(st.size, max) + 1);
    let n = 0;
    for (;;) {
      const k = readSync(fd, buf, n, buf.length - n, null);
      if (k === 0) break;
      n += k;
      if (n === buf.length) {
        if (n > max) throw new RunError('input-too-large', `${file} has more than ${max} bytes; run reads at most ${max}`);
        throw new RunError('bad-input', `${file} grew while it was being read`);
      }
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Read a .wasm file, or a .wat file compiled with jco's `parse`. */
export async function loadWasm(file: string): Promise<Uint8Array> {
  const raw = readInput(file);
  const isText = file.endsWith('.wat') || (raw.length > 0 && raw[0] !== 0x00);
  if (!isText) return new Uint8Array(raw);
  try {
    return new Uint8Array(await parse(raw.toString('utf8')));
  } catch (e) {
    throw new RunError('bad-wat', `${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function parseArgs(json: string | undefined): number[] {
  if (json === undefined) return [];
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new RunError('bad-args', `--args is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new RunError('bad-args', '--args must be a JSON array of numbers (the flat core arguments), e.g. [1, 2]');
  }
  return v as number[];
}

export interface RunOutcome {
  result?: number[];
  trap?: { code: string; message: string; instance?: string; task?: string };
  events?: TraceEvent[];
  /** Events past the trace's cap (`Trace.maxEvents`): counted, not kept. */
  eventsDropped?: number;
}

/** Instantiate a core module on the embedded host and call `invoke` (callback-lifted when `[async-lift]invoke` exists). */
export async function runCoreModule(
  bytes: Uint8Array,
  opts: { name: string; invoke: string; args: number[]; trace: boolean; timeoutMs?: number; limits?: Partial<Limits> },
): Promise<RunOutcome> {
  const trace = new Trace(opts.trace);
  const store = new Store({ trace, timeoutMs: opts.timeoutMs, limits: opts.limits });
  const out: RunOutcome = {};
  try {
    const module = new WebAssembly.Module(bytes as unknown as BufferSource);
    const exportNames = WebAssembly.Module.exports(module).map((e) => e.name);
    if (!exportNames.includes(opts.invoke) && !exportNames.includes(`[async-lift]${opts.invoke}`)) {
      throw new RunError('no-such-export', `the module exports neither '${opts.invoke}' nor '[async-lift]${opts.invoke}' (it exports: ${exportNames.join(', ') || 'nothing'})`);
    }
    // A module that imports this project's trace or `launder` gets the same peers as the guest.
    const peer = guestPeerImports(store, opts.name);
    const inst = store.instantiate(module, { name: opts.name, ...peer.options });
    peer.bind(inst);
    out.result = await inst.callExport(opts.invoke, opts.args);
  } catch (e) {
    if (e instanceof Trap) out.trap = { code: e.code, message: e.message, instance: e.instance, task: e.task };
    else if (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError) throw new RunError('bad-module', e.message);
    else throw e;
  }
  if (opts.trace) out.events = trace.events;
  if (trace.dropped > 0) out.eventsDropped = trace.dropped;
  return out;
}

export const instanceName = (file: string): string => basename(file).replace(/\.(wasm|wat)$/, '');
