// The entry of the hello example: the export glue `wasip3-task bindgen`
// generated for world `hello` (into bindings/, at build time); the program
// itself is impl.ts.
export * from "./bindings/exports";
