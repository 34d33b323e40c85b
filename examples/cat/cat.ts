// The entry of the cat example: the export glue `wasip3-task bindgen`
// generated for world `cat` (into bindings/, at build time); the program
// itself is impl.ts.
export * from "./bindings/exports";
