// The second entry file of every component built with `wasip3-task
// componentize`: `cabi_realloc` (the canonical ABI's realloc, for the host
// lowering strings and lists into the instance), and the abort handler
// (./abort.ts, imported here so asc parses it; not exported).
import "./abort";

export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (old == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}
