// What every component built with `wasip3-task componentize` gets as a
// second entry file: `cabi_realloc` (the canonical ABI's realloc, for the
// host lowering strings and lists into the instance) and the abort handler
// (`--use abort=...`): a trap, with no import, so any world can use it.

export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (old == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}

/** The build's `abort`: the message is lost, the host reports the trap. */
export function sdkAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
