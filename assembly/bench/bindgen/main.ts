export * from "./bindings/exports";
