// The entry of the fan-out example: the export glue `wasip3-task bindgen`
// generated for world `fanout` (into bindings/, at build time); `combine`
// itself is impl.ts.
export * from "./bindings/exports";
