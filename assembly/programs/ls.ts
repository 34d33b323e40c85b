// `ls [path [limit]]` (world `ls` of wit/programs.wit): lists a directory of
// the first preopen through the descriptor's `read-directory` (the preopen
// itself without <path>, else <path> opened in it), one "<type> <name>" line
// per entry in the order the stream gives them, each read's lines written
// to stdout as they come. With <limit> > 0 it drops
// the stream after that many entries and adds "stopped after <n>". Exit
// codes, as `files` uses them: 99 no preopen, 100 + the filesystem
// error-code's case index when `open-at` fails or when the listing's future
// says err (a file: not-directory, 123); 1 when stdout was closed.

export { cabi_realloc } from "../cm";
export { programAbort } from "./wasi";
import {
  BLOCKED, COPY_DROPPED, EVENT_FUTURE_READ, EVENT_STREAM_READ, CALLBACK_EXIT, Out,
  dir_future_drop, dir_future_read, dir_stream_drop, dir_stream_read, drop_descriptor, exit_with_code,
  get_directories, getArguments, open_at, read_directory, run_return, waitable_join, waitable_set_new, wait,
} from "./wasi";

// path-flags symlink-follow = 1; open-flags none (a file opens too, so that
// its listing fails as the host reports it); descriptor-flags read = 1
const SYMLINK_FOLLOW: u32 = 1;
const READ: u32 = 1;

// `directory-entry` in memory: `type` (descriptor-type: case u8 at 0, the
// `other` case's option<string> at 4: tag u8, then ptr 8, len 12), `name`
// (ptr 16, len 20); 24 bytes, align 4.
const ENTRY_SIZE: u32 = 24;
const CAPACITY: u32 = 16;
const TYPES: string[] = ["block-device", "character-device", "directory", "fifo", "symbolic-link", "regular-file", "socket", "other"];

let set: u32 = 0;
let dir: u32 = 0;
let opened = false;
let stream: u32 = 0;
let future: u32 = 0;
const entries: usize = heap.alloc(ENTRY_SIZE * CAPACITY);
/** The future's `result<_, error-code>`: byte 0 is 1 for err, byte 4 the error-code's case. */
const result: usize = heap.alloc(24);
let limit: u32 = 0;
let listed: u32 = 0;
let reading = false;
let ended = false;
let stopped = false;
let futurePending = false;
let settled = false;
let out: Out | null = null;
let ending = false;

/** A string the host lowered into memory (through cabi_realloc), freed once decoded. */
function take(ptr: usize, len: u32): string {
  const s = String.UTF8.decodeUnsafe(ptr, len);
  if (ptr != 0) heap.free(ptr);
  return s;
}

/** Takes the entries of a finished read (`r`: its count and copy result). */
function took(r: u32): void {
  const n = r >> 4;
  let text = "";
  for (let i: u32 = 0; i < n; i++) {
    const p = entries + <usize>(i * ENTRY_SIZE);
    const c = <i32>load<u8>(p);
    let type = c < TYPES.length ? TYPES[c] : "case-" + c.toString();
    if (c == 7 && load<u8>(p, 4) == 1) type = "other(" + take(load<usize>(p, 8), load<u32>(p, 12)) + ")";
    text += type + " " + take(load<usize>(p, 16), load<u32>(p, 20)) + "\n";
    listed++;
  }
  out!.print(text);
  if ((r & 0xf) == COPY_DROPPED) {
    ended = true;
    dir_stream_drop(stream);
  }
}

/** Reads entries until a read blocks or the stream ended (or the limit is reached); then reads the future. */
function list(): void {
  while (!ended && !reading) {
    if (limit > 0 && listed >= limit) {
      dir_stream_drop(stream);
      ended = true;
      stopped = true;
      break;
    }
    const n = limit > 0 && limit - listed < CAPACITY ? limit - listed : CAPACITY;
    const r = dir_stream_read(stream, entries, n);
    if (r == BLOCKED) reading = true;
    else took(r);
  }
  if (ended && !settled && !futurePending) {
    if (dir_future_read(future, result) == BLOCKED) futurePending = true;
    else settle();
  }
}

function settle(): void {
  settled = true;
  dir_future_drop(future);
}

function next(): u32 {
  list();
  if (!settled) return wait(set);
  if (!ending) {
    ending = true;
    if (opened) drop_descriptor(dir);
    if (stopped) out!.print("stopped after " + listed.toString() + "\n");
    out!.end();
  }
  if (!out!.done) return wait(set);
  if (load<u8>(result) != 0) exit_with_code(100 + <u32>load<u8>(result, 4));
  run_return(out!.failed ? 1 : 0);
  return CALLBACK_EXIT;
}

export function wasi_run_lift(): u32 {
  const args = getArguments();
  const dirs = heap.alloc(8);
  get_directories(dirs);
  if (load<u32>(dirs, 4) == 0) exit_with_code(99);
  dir = load<u32>(load<usize>(dirs));
  if (args.length > 1) {
    const bytes = String.UTF8.encode(args[1]);
    const r = heap.alloc(24);
    open_at(dir, SYMLINK_FOLLOW, changetype<usize>(bytes), <usize>bytes.byteLength, 0, READ, r);
    if (load<u8>(r) != 0) exit_with_code(100 + <u32>load<u8>(r, 4));
    dir = load<u32>(r, 4);
    opened = true;
  }
  if (args.length > 2) limit = <u32>I32.parseInt(args[2]);
  const ends = heap.alloc(8);
  read_directory(dir, ends);
  stream = load<u32>(ends);
  future = load<u32>(ends, 4);
  set = waitable_set_new();
  out = Out.stdout(set);
  waitable_join(stream, set);
  waitable_join(future, set);
  return next();
}

export function wasi_run_callback(event: u32, waitable: u32, payload: u32): u32 {
  if (event == EVENT_STREAM_READ && waitable == stream) {
    reading = false;
    took(payload);
  } else if (event == EVENT_FUTURE_READ && waitable == future && futurePending) {
    futurePending = false;
    settle();
  } else {
    out!.onEvent(event, waitable, payload);
  }
  return next();
}
