// Turns the AssemblyScript core modules of the component targets into WASIp3
// components with jco's JavaScript API (not the `jco` command, whose `embed`
// fails here: README, "Hosts"),
// and composes the runner with the laundry peer:
//
//   build/component-v1.core.wasm + wit/ (world runner) -> build/component-v1.wasm
//   build/component-v2.core.wasm + wit/ (world runner) -> build/component-v2.wasm
//   build/laundry.core.wasm      + wit/ (world test)   -> build/laundry.wasm
//   component-vN.wasm + laundry.wasm                   -> build/composed-vN.wasm
//
// `componentEmbed` puts the WIT into the core module, `componentNew` makes the
// component (wit-component reads the async export/import names; no options
// are needed for callback-lifted exports). The composed component nests both
// components, instantiates laundry, and feeds its `shim:scenarios/laundry`
// export to the runner's import; only WASI stays imported. jco has no
// `compose`, so it is written as WAT around the printed components and parsed
// back with jco's `parse`.
//
// It has no command line of its own: `npm run build` (scripts/build.mjs) is the
// one build path and calls componentize() after the asc targets; the jco tests
// call it with `ifNeeded` to make sure the components are there.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import binaryen from "assemblyscript/binaryen";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = (f) => join(root, "build", f);
const WIT = join(root, "wit/scenarios.wit");
const LAUNDRY = "shim:scenarios/laundry";

/** What each component is made of. */
export const COMPONENTS = [
  { core: "component-v1.core.wasm", world: "runner", out: "component-v1.wasm" },
  { core: "component-v2.core.wasm", world: "runner", out: "component-v2.wasm" },
  {
    core: "laundry.core.wasm",
    world: "test",
    out: "laundry.wasm",
    // AssemblyScript cannot export these names (assembly/laundry.ts).
    renames: {
      launder_lift: `[async-lift]${LAUNDRY}#launder`,
      launder_callback: `[callback][async-lift]${LAUNDRY}#launder`,
    },
  },
];
// The project's own WASI programs (assembly/programs/, worlds of wit/programs.wit).
for (const world of ["hello", "big", "echo", "sleep", "random", "files", "ls", "exit"]) {
  COMPONENTS.push({
    core: `wasi-${world}.core.wasm`,
    world,
    out: `wasi-${world}.wasm`,
    wit: "wit/programs.wit",
    renames: {
      wasi_run_lift: "[async-lift]wasi:cli/run@0.3.0#run",
      wasi_run_callback: "[callback][async-lift]wasi:cli/run@0.3.0#run",
    },
  });
}
export const COMPOSED = [
  { runner: "component-v1.wasm", peer: "laundry.wasm", out: "composed-v1.wasm" },
  { runner: "component-v2.wasm", peer: "laundry.wasm", out: "composed-v2.wasm" },
];

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/**
 * Rename exports of a core module (binaryen round trip); the other exports
 * stay as they are. binaryen's debug-info flag and optimize/shrink levels are
 * process-wide, asc leaves those of the last target it built behind, and
 * emitBinary uses them (the levels decide how it optimizes the stack IR it
 * writes from), so they are set here for the call and restored after: the
 * bytes never depend on what ran before in the process. Debug info stays on,
 * as in the asconfig targets the core modules come from, so their name
 * section survives into the component; levels 0 make the round trip a plain
 * rewrite of code asc has optimized already.
 */
export function renameExports(bytes, renames) {
  const saved = [binaryen.getDebugInfo(), binaryen.getOptimizeLevel(), binaryen.getShrinkLevel()];
  binaryen.setDebugInfo(true);
  binaryen.setOptimizeLevel(0);
  binaryen.setShrinkLevel(0);
  const module = binaryen.readBinary(bytes);
  try {
    const exports = [];
    for (let i = 0; i < module.getNumExports(); i++) exports.push(binaryen.getExportInfo(module.getExportByIndex(i)));
    for (const e of exports) {
      if (!(e.name in renames)) continue;
      module.removeExport(e.name);
      module.addFunctionExport(e.value, renames[e.name]);
    }
    for (const name of Object.keys(renames)) {
      if (!exports.some((e) => e.name === name)) throw new Error(`core module has no export '${name}' to rename`);
    }
    return module.emitBinary();
  } finally {
    module.dispose();
    binaryen.setDebugInfo(saved[0]);
    binaryen.setOptimizeLevel(saved[1]);
    binaryen.setShrinkLevel(saved[2]);
  }
}

/** The top-level forms of a printed component, split at two-space indentation. */
function topLevelForms(wat) {
  const lines = wat.split("\n");
  if (!lines[0].startsWith("(component")) throw new Error("printed component does not start with (component");
  const forms = [];
  for (const line of lines.slice(1)) {
    if (/^  \(/.test(line)) forms.push([line]);
    else if (forms.length && line !== ")") forms[forms.length - 1].push(line);
  }
  return forms.map((f) => f.join("\n"));
}

const importName = (form) => /^  \(import "([^"]+)"/.exec(form)?.[1];

/**
 * Compose `runner` (imports interface `iface`, by default
 * shim:scenarios/laundry) with `peer` (exports it) into one component whose
 * only imports are the runner's other (WASI) imports.
 */
export async function compose(runnerBytes, peerBytes, { print, parse }, iface = LAUNDRY) {
  const LAUNDRY_ = iface;
  const runnerWat = await print(runnerBytes);
  const peerWat = await print(peerBytes);
  const runnerForms = topLevelForms(runnerWat);
  const peerForms = topLevelForms(peerWat);
  // The outer component re-declares the runner's WASI imports: every form
  // before its first core module, except the laundry interface's type+import.
  const header = [];
  for (const f of runnerForms) {
    if (/^  \(core /.test(f) || /^  \(component/.test(f)) break;
    if (f.includes(`$ty-${LAUNDRY_}`) || importName(f) === LAUNDRY_) continue;
    header.push(f);
  }
  const runnerWasi = runnerForms.map(importName).filter((n) => n && n !== LAUNDRY_);
  const peerWasi = peerForms.map(importName).filter(Boolean);
  for (const n of peerWasi) {
    if (!runnerWasi.includes(n)) throw new Error(`the peer imports ${n}, which the runner does not: extend compose()`);
  }
  if (!runnerForms.some((f) => importName(f) === LAUNDRY_)) throw new Error(`the runner does not import ${LAUNDRY_}`);
  // e.g. `  (export $"#func4 control" (@name "control") (;4;) "control" (func $control))`
  const exportsOfRunner = runnerForms.map((f) => /^  \(export .*?"([^"]+)" \(func [^()]*\)\)$/.exec(f)?.[1]).filter(Boolean);
  if (exportsOfRunner.length === 0) throw new Error("found no function exports in the printed runner");
  const withWasi = (names) => names.map((n) => `(with "${n}" (instance $${n}))`).join(" ");
  const nest = (wat, id) => wat.replace(/^\(component/, `(component ${id}`);
  const outer = [
    "(component",
    ...header,
    nest(runnerWat.trimEnd(), "$runner"),
    nest(peerWat.trimEnd(), "$peer"),
    `  (instance $p (instantiate $peer ${withWasi(peerWasi)}))`,
    `  (alias export $p "${LAUNDRY_}" (instance $laundry))`,
    `  (instance $r (instantiate $runner (with "${LAUNDRY_}" (instance $laundry)) ${withWasi(runnerWasi)}))`,
    ...exportsOfRunner.map((e, i) => `  (alias export $r "${e}" (func $e${i}))\n  (export "${e}" (func $e${i}))`),
    ")",
  ].join("\n");
  return { bytes: await parse(outer), wat: outer };
}

/**
 * The component bytes of one entry of COMPONENTS, from its core module in
 * build/ (nothing is written).
 */
export async function componentOf(c, { jco, witSource } = {}) {
  jco ??= await import("@bytecodealliance/jco");
  witSource ??= readFileSync(WIT, "utf8");
  if (!existsSync(build(c.core))) throw new Error(`missing ${build(c.core)}: build the asconfig target first`);
  if (c.wit) witSource = readFileSync(join(root, c.wit), "utf8");
  let core = readFileSync(build(c.core));
  if (c.renames) core = renameExports(core, c.renames);
  try {
    const embedded = await jco.componentEmbed({ binary: core, witSource, world: c.world, stringEncoding: "utf8" });
    const component = await jco.componentNew(embedded);
    await jco.componentWit(component); // reads back, or throws
    return component;
  } catch (e) {
    throw new Error(`componentize ${c.core} (world ${c.world}): ${e?.message ?? e}`);
  }
}

export async function componentize({ ifNeeded = false, quiet = false } = {}) {
  const log = quiet ? () => {} : (m) => console.error(m);
  const witTime = Math.max(mtime(WIT), mtime(join(root, "wit/programs.wit")), mtime(fileURLToPath(import.meta.url)));
  const stale = (out, inputs) => !ifNeeded || mtime(build(out)) <= Math.max(witTime, ...inputs.map((i) => mtime(build(i))));
  const todo = COMPONENTS.filter((c) => stale(c.out, [c.core]));
  const todoComposed = COMPOSED.filter((c) => stale(c.out, [c.runner, c.peer]) || todo.length > 0);
  if (todo.length === 0 && todoComposed.length === 0) return;
  const jco = await import("@bytecodealliance/jco");
  const witSource = readFileSync(WIT, "utf8");
  for (const c of todo) {
    const component = await componentOf(c, { jco, witSource });
    writeFileSync(build(c.out), component);
    log(`built build/${c.out} (world ${c.world}, ${component.length} bytes)`);
  }
  for (const c of todoComposed) {
    const { bytes, wat } = await compose(readFileSync(build(c.runner)), readFileSync(build(c.peer)), jco);
    writeFileSync(build(c.out), bytes);
    writeFileSync(build(c.out.replace(/\.wasm$/, ".wat")), wat);
    log(`built build/${c.out} (${c.runner} with ${c.peer} as its laundry, ${bytes.length} bytes)`);
  }
}
