// asc transform for the project's own guest builds (scripts/build.mjs): the
// export-name transform of the public toolchain (host/toolchain/export-names.ts,
// built into dist/ before the guests): `@exportName("...")` on an exported
// function, and `lift__<name>` / `callback__<name>` ->
// `[async-lift]<name>` / `[callback][async-lift]<name>`.
export { default } from "../dist/host/toolchain/export-names.js";
