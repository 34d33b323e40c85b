// The entry of the stream transformer example: the export glue
// `wasip3-task bindgen` generated for world `upper` (into bindings/, at
// build time); the transformer itself is impl.ts.
export * from "./bindings/exports";
