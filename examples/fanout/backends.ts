// The entry of the fan-out example's backends component: the export glue
// `wasip3-task bindgen` generated for world `backends-impl` (into
// backends-bindings/, at build time); the backends themselves are
// backends-impl.ts.
export * from "./backends-bindings/exports";
