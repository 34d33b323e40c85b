#!/usr/bin/env node
// Builds the AssemblyScript guests (every asconfig.json target) and the
// TypeScript host. `--if-needed` skips the work when every output is newer
// than every input, which is what `npm start` and `npm test` use.
import { readdirSync, statSync, existsSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ifNeeded = process.argv.includes("--if-needed");
const config = JSON.parse(readFileSync(join(root, "asconfig.json"), "utf8"));

/**
 * The entry file of each asconfig.json target (asc takes entries per call,
 * not per target): the core-module guests, the component guests, others.
 */
function entryOf(target) {
  if (target === "v1" || target === "v2") return "assembly/index.ts";
  if (target.startsWith("component-")) return "assembly/component.ts";
  if (target === "laundry") return "assembly/laundry.ts";
  if (target.startsWith("bench")) return "assembly/bench/index.ts";
  if (target === "release") return "assembly/release.ts";
  if (target.startsWith("wasi-")) return `assembly/programs/${target.slice(5)}.ts`;
  throw new Error(`asconfig.json target '${target}' has no entry in scripts/build.mjs (entryOf)`);
}

function newest(dir, filter = () => true) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, filter));
    else if (filter(p)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

const guestInputs = Math.max(newest(join(root, "assembly")), mtime(join(root, "asconfig.json")), mtime(join(root, "scripts/asc-export-names.mjs")), mtime(join(root, "host/toolchain/export-names.ts")));
const hostInputs = Math.max(newest(join(root, "host")), newest(join(root, "bench")), mtime(join(root, "tsconfig.json")));

// The host first: the guests' asc transform (export names) and the examples'
// componentize are part of its toolchain (host/toolchain/).
const hostOut = join(root, "dist/host/index.js");
if (!ifNeeded || mtime(hostOut) === 0 || newest(join(root, "dist")) < hostInputs) {
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", root], { stdio: "inherit" });
  if (tsc.status !== 0) {
    console.error("host build (tsc) failed");
    process.exit(tsc.status ?? 1);
  }
  console.error("built dist/ (host)");
}

let failed = false;
for (const [target, opts] of Object.entries(config.targets)) {
  const out = join(root, opts.outFile);
  if (ifNeeded && mtime(out) > guestInputs) continue;
  const { default: asc } = await import("assemblyscript/asc");
  const { error, stderr } = await asc.main(
    [join(root, entryOf(target)), "--config", join(root, "asconfig.json"), "--target", target, "--transform", join(root, "scripts/asc-export-names.mjs")],
    {},
  );
  if (error) {
    process.stderr.write(stderr.toString());
    console.error(`guest build ${target} failed: ${error.message}`);
    failed = true;
  } else {
    console.error(`built ${opts.outFile}`);
  }
}
if (failed) process.exit(1);

// The components: the WIT embedded into the component targets' core
// modules (build/component-v1|v2.wasm, build/laundry.wasm) and the runner
// composed with the laundry peer (build/composed-v1|v2.wasm), with jco's JS API.
try {
  const { componentize } = await import("./componentize.mjs");
  await componentize({ ifNeeded });
} catch (e) {
  console.error(`component build failed: ${e?.message ?? e}`);
  process.exit(1);
}


// The examples (examples/<dir>/: wit/, the user's code and an entry that
// re-exports the glue), built with the public toolchain as a user would:
// `bindgen` generates each world's glue into examples/<dir>/<bindings>/
// (gitignored: the build makes it, so it is never committed), then
// `componentize` makes build/examples/<name>.wasm; the fan-out example is
// also composed with its backends as a component of their own
// (build/examples/fanout-composed.wasm, which imports nothing).
const EXAMPLES = [
  { name: "hello", dir: "hello", world: "hello" },
  { name: "cat", dir: "cat", world: "cat" },
  { name: "fanout", dir: "fanout", world: "fanout" },
  { name: "fanout-backends", dir: "fanout", entry: "backends.ts", world: "backends-impl", bindings: "backends-bindings", impl: "../backends-impl" },
  { name: "upper", dir: "upper", world: "upper" },
];
const EXAMPLES_COMPOSED = [{ name: "fanout-composed", runner: "fanout", peer: "fanout-backends", iface: "example:fanout/backends" }];
const exampleOut = (name) => join(root, "build/examples", `${name}.wasm`);
const exampleBindings = (e) => join(root, "examples", e.dir, e.bindings ?? "bindings");
// The generated glue is an output, not an input (its inputs, wit/ and the
// generator, are counted): else each build's bindgen would date the others.
const notGenerated = (p) => !/[\\/]([^\\/]*-)?bindings[\\/]/.test(p.slice(root.length));
const exampleInputs = Math.max(guestInputs, newest(join(root, "examples"), notGenerated), newest(join(root, "host/bindgen")), mtime(join(root, "host/toolchain/componentize.ts")), mtime(join(root, "scripts/componentize.mjs")));
const todoExamples = EXAMPLES.filter((e) => !ifNeeded || mtime(exampleOut(e.name)) <= exampleInputs || !existsSync(join(exampleBindings(e), "exports.ts")));
const todoComposedExamples = EXAMPLES_COMPOSED.filter((c) => todoExamples.length > 0 || !ifNeeded || mtime(exampleOut(c.name)) <= exampleInputs);
if (todoExamples.length > 0 || todoComposedExamples.length > 0) {
  const { componentize } = await import("../dist/host/toolchain/componentize.js");
  const { bindgen } = await import("../dist/host/bindgen/index.js");
  mkdirSync(join(root, "build/examples"), { recursive: true });
  try {
    for (const e of todoExamples) {
      const dir = join(root, "examples", e.dir);
      await bindgen(join(dir, "wit"), e.world, exampleBindings(e), e.impl ? { impl: e.impl } : {});
      const r = await componentize({ entry: join(dir, e.entry ?? `${e.dir}.ts`), wit: join(dir, "wit"), world: e.world });
      writeFileSync(exampleOut(e.name), r.component);
      console.error(`built build/examples/${e.name}.wasm (world ${e.world}, ${r.component.length} bytes)`);
    }
    const { compose } = await import("./componentize.mjs");
    const jco = await import("@bytecodealliance/jco");
    for (const c of todoComposedExamples) {
      const { bytes } = await compose(readFileSync(exampleOut(c.runner)), readFileSync(exampleOut(c.peer)), jco, c.iface);
      writeFileSync(exampleOut(c.name), bytes);
      console.error(`built build/examples/${c.name}.wasm (${c.runner} with ${c.peer} as its ${c.iface}, ${bytes.length} bytes)`);
    }
  } catch (err) {
    console.error(`example build failed: ${err?.message ?? err}`);
    process.exit(1);
  }
}
