// The benchmark guest as a component for jco (world `bench` of bench/jco/bench.wit):
// only `spin` and `produce`, plus memory and cabi_realloc. Built by bench/jco/build.mjs.

export * from "./calls";
export { lift__produce, callback__produce } from "./streams";
import "../cm-abort"; // the abort target named by --use abort=…

export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (old == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}
