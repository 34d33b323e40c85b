// What every component build of this project needs and a core module does
// not (the runner, the laundry, the jco benchmark guest):
//
// - `guestAbort`: AssemblyScript's `env.abort` import is not valid in a
//   component, so component targets route abort here
//   (`--use abort=assembly/cm/guestAbort`): the message goes to
//   wasi:cli/stderr (WASIp2 0.2.6, served by preview2-shim under jco), then
//   the guest traps.
// - `cabi_realloc`: the canonical ABI's realloc, for lowering lists into the
//   instance (the abort's own `list<u8>` argument, for one).

@external("wasi:cli/stderr@0.2.6", "get-stderr")
declare function getStderr(): i32;
@external("wasi:io/streams@0.2.6", "[method]output-stream.blocking-write-and-flush")
declare function blockingWriteAndFlush(stream: i32, ptr: usize, len: usize, resultPtr: usize): void;
@external("wasi:io/streams@0.2.6", "[resource-drop]output-stream")
declare function dropOutputStream(stream: i32): void;

const RESULT_AREA: usize = memory.data(16);

export function guestAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "abort: " + (message !== null ? message : "(no message)");
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  const bytes = String.UTF8.encode(text + "\n");
  const stderr = getStderr();
  blockingWriteAndFlush(stderr, changetype<usize>(bytes), <usize>bytes.byteLength, RESULT_AREA);
  dropOutputStream(stderr);
  unreachable();
}

export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (old == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}
