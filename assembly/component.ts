// The component build's entry (world `runner` of wit/): the four scenario
// exports, memory and `cabi_realloc`. Unlike the core-module build
// (assembly/index.ts) it exports nothing for the host's eyes (no slot, no
// driver, no layout globals, no table), has no trace import (TRACE=0), and
// routes abort to wasi:cli/stderr (assembly/cm.ts).

export * from "./exports";
export { cabi_realloc } from "./cm"; // and guestAbort, the target of --use abort=…
