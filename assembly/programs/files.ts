// `files <from> <to>` (world `files` of wit/programs.wit): copies file
// <from> of the first preopen to <to> (created or truncated) through the
// descriptors' `read-via-stream` and `write-via-stream`, then prints
// "copied <n> bytes". Exit codes, as the WAT programs of test/wasi/ use:
// 99 no preopen, 98 missing arguments, 100 + the filesystem error-code's
// case index when an `open-at` fails (no-entry 119, not-permitted 130),
// 1 when a stream's end says err.

export { cabi_realloc } from "../cm";
export { programAbort } from "./wasi";
import { In, fileIn, Out, drop_descriptor, exit_with_code, get_directories, getArguments, open_at, run_return, waitable_set_new, wait, CALLBACK_EXIT } from "./wasi";

// flags bits (wit/programs.wit): path-flags symlink-follow = 1 (symlinks
// are followed, as a program opening a path expects; one leading out of the
// preopen is refused by the host);
// open-flags create = 1, truncate = 8; descriptor-flags read = 1, write = 2
const SYMLINK_FOLLOW: u32 = 1;
const CREATE_TRUNCATE: u32 = 1 | 8;
const READ: u32 = 1;
const WRITE: u32 = 2;

let set: u32 = 0;
let input: In | null = null;
let copy: Out | null = null;
let out: Out | null = null;
let src: u32 = 0;
let dst: u32 = 0;
let reported = false;

/** Opens `path` in `dir`; exits 100 + the error code's index on failure. */
function open(dir: u32, path: string, openFlags: u32, flags: u32): u32 {
  const bytes = String.UTF8.encode(path);
  const r = heap.alloc(24);
  open_at(dir, SYMLINK_FOLLOW, changetype<usize>(bytes), <usize>bytes.byteLength, openFlags, flags, r);
  if (load<u8>(r) != 0) exit_with_code(100 + <u32>load<u8>(r, 4));
  return load<u32>(r, 4);
}

function next(): u32 {
  const i = input!;
  const c = copy!;
  for (;;) {
    if (i.hasChunk) c.write(i.chunk());
    if (i.ended || !c.idle || c.dropped) break;
    if (!i.read()) break;
  }
  if (i.ended && i.settled) c.end();
  if (!c.done) return wait(set);
  if (!reported) {
    reported = true;
    drop_descriptor(src);
    drop_descriptor(dst);
    out = Out.stdout(set);
    out!.print("copied " + c.written.toString() + " bytes\n");
    out!.end();
  }
  if (!out!.done) return wait(set);
  run_return(c.failed || i.failed || out!.failed ? 1 : 0);
  return CALLBACK_EXIT;
}

export function wasi_run_lift(): u32 {
  const args = getArguments();
  if (args.length < 3) exit_with_code(98);
  const dirs = heap.alloc(8);
  get_directories(dirs);
  if (load<u32>(dirs, 4) == 0) exit_with_code(99);
  const pre = load<u32>(load<usize>(dirs));
  src = open(pre, args[1], 0, READ);
  dst = open(pre, args[2], CREATE_TRUNCATE, WRITE);
  set = waitable_set_new();
  input = fileIn(set, src);
  copy = Out.file(set, dst);
  return next();
}

export function wasi_run_callback(event: u32, waitable: u32, payload: u32): u32 {
  if (!input!.onEvent(event, waitable, payload) && !copy!.onEvent(event, waitable, payload) && out != null) {
    out!.onEvent(event, waitable, payload);
  }
  return next();
}
