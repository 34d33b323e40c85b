// The component build's entry (world `runner` of wit/): the four scenario
// exports, memory and `cabi_realloc`. Unlike the core-module build
// (assembly/index.ts) it exports nothing for the host's eyes (no slot, no
// driver, no layout globals, no table), has no trace import (TRACE=0), and
// routes abort to wasi:cli/stderr (assembly/cm-abort.ts).

export * from "./exports";
import "./cm-abort"; // the abort target named by --use abort=…

/** The canonical ABI's realloc, for lowering lists into this instance. */
export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (old == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}
