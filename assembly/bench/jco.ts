// The benchmark guest as a component for jco (world `bench` of bench/jco/bench.wit):
// only `spin` and `produce`, plus memory and cabi_realloc. Built by bench/jco/component.mjs.

export * from "./calls";
export { lift__produce, callback__produce } from "./streams";
export { cabi_realloc } from "../cm"; // and guestAbort, the target of --use abort=…
