/**
 * `componentize`: an AssemblyScript entry file and a WIT world in, a WASIp3
 * component out, in one step:
 *
 *   1. asc (its JS API) compiles the entry with the SDK's component entry
 *      (`cabi_realloc`, the abort handler), the task-ABI build constants
 *      (`ABI_VERSION`, `TRACE=0`) and the export-name transform
 *      (`@exportName`, `lift__`/`callback__`: ./export-names.ts);
 *   2. jco's `componentEmbed` embeds the WIT world into the core module;
 *   3. jco's `componentNew` makes the component, and `componentWit` reads it
 *      back as a check.
 *
 * `wasip3-task-shim/assembly/...` imports resolve to this package's own
 * `assembly/` (the copy that matches this toolchain), wherever the project
 * is and whether or not the package is in its node_modules.
 *
 * Every bad input is a `ComponentizeError` with a code: `no-entry`,
 * `compile-error` (each asc diagnostic as `file:line:col: message`),
 * `no-wit`, `wit-error`, `no-world`, `embed-error`, `component-error`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportNames, ExportNameError } from './export-names.js';

/** Bad input to `componentize` (exit code 2 on the command line). */
export class ComponentizeError extends Error {
  constructor(
    readonly code: 'no-entry' | 'compile-error' | 'no-wit' | 'wit-error' | 'no-world' | 'embed-error' | 'component-error' | 'bad-option',
    message: string,
    /** asc's diagnostics, `file:line:col: message`, for `compile-error`. */
    readonly diagnostics: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ComponentizeError';
  }
}

export interface ComponentizeOptions {
  /** The AssemblyScript entry file. */
  readonly entry: string;
  /** A `.wit` file or a WIT directory (its `.wit` files and `deps/`). */
  readonly wit: string;
  /** The world to target. */
  readonly world: string;
  /** The task ABI the runtime publishes: 2 (default) or 1 (V1, for compatibility testing). */
  readonly abi?: 1 | 2;
  /** asc's levels; default 3 and 2 (fast and small). */
  readonly optimizeLevel?: number;
  readonly shrinkLevel?: number;
  /** Keep assertions (`assert`, bounds checks); default false. */
  readonly assertions?: boolean;
  /** Keep the name section (function names in traps); default false. */
  readonly debug?: boolean;
  /** Extra asc arguments, appended as they are. */
  readonly ascArgs?: readonly string[];
}

export interface ComponentizeResult {
  /** The component's bytes. */
  readonly component: Uint8Array;
  /** The core module before the WIT was embedded. */
  readonly core: Uint8Array;
  /** The world's WIT as jco reads it back from the component. */
  readonly wit: string;
  /** Exports renamed by the transform: [from, to]. */
  readonly renamed: readonly [string, string][];
}

/** This package's root (above `dist/host/toolchain` or `host/toolchain`). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p) && existsSync(join(dir, 'assembly', 'sdk', 'index.ts'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('componentize: cannot find the wasip3-task-shim package root (with assembly/sdk/)');
}

/** A package header: `package ns:name@version;` (doc comments and blank lines may come first). */
const PACKAGE_HEADER = /^\s*package\s+([a-z0-9:/@.\-]+)\s*;/m;

/**
 * The WIT source of a file or directory, as one text jco's `componentEmbed`
 * takes (its `witPath` cannot read the filesystem here): the root
 * package's files joined under its one `package` header, each package of
 * `deps/` (a directory or a single file) nested as `package x { ... }`.
 * Files that already nest packages are kept as they are.
 */
/** One .wit file's text; a directory, a device or an unreadable file named `*.wit` is `no-wit`. */
function readWitFile(file: string): string {
  let st;
  try {
    st = statSync(file);
    if (st.isFile()) return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ComponentizeError('no-wit', `cannot read the WIT file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  throw new ComponentizeError('no-wit', `the WIT file ${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`);
}

export function readWitSource(path: string): string {
  if (!existsSync(path)) throw new ComponentizeError('no-wit', `WIT path ${path} does not exist`);
  const top = statSync(path);
  if (top.isFile()) return readWitFile(path);
  if (!top.isDirectory()) throw new ComponentizeError('no-wit', `WIT path ${path} is neither a .wit file nor a directory of them`);
  const files = (dir: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.wit'))
      .sort()
      .map((f) => ({ file: join(dir, f), text: readWitFile(join(dir, f)) }));
  const root = files(path);
  if (root.length === 0) throw new ComponentizeError('no-wit', `WIT directory ${path} has no .wit files`);
  const out: string[] = [];
  let header: string | undefined;
  const bodies: string[] = [];
  for (const { file, text } of root) {
    const m = PACKAGE_HEADER.exec(text);
    if (m) {
      if (header && header !== m[1]) throw new ComponentizeError('wit-error', `${file}: package ${m[1]}, but another file of ${path} says package ${header}`);
      header = m[1];
      bodies.push(text.replace(PACKAGE_HEADER, `// (package ${m[1]}, from ${relative(path, file)})`));
    } else bodies.push(text);
  }
  if (header === undefined) throw new ComponentizeError('wit-error', `no file of ${path} declares its package (\`package ns:name;\`)`);
  out.push(`package ${header};`, ...bodies);
  const deps = join(path, 'deps');
  if (existsSync(deps)) {
    for (const d of readdirSync(deps).sort()) {
      const p = join(deps, d);
      const texts = statSync(p).isDirectory() ? files(p) : d.endsWith('.wit') ? [{ file: p, text: readWitFile(p) }] : [];
      let pkg: string | undefined;
      const parts: string[] = [];
      for (const { file, text } of texts) {
        const m = PACKAGE_HEADER.exec(text);
        if (!m) {
          // Already nested (`package x { ... }`) or headerless: kept as it is.
          parts.push(text);
          continue;
        }
        if (pkg && pkg !== m[1]) throw new ComponentizeError('wit-error', `${file}: package ${m[1]}, but another file of ${p} says package ${pkg}`);
        pkg = m[1];
        parts.push(text.replace(PACKAGE_HEADER, ''));
      }
      if (pkg !== undefined) out.push(`package ${pkg} {`, ...parts.filter((t) => !/^\s*package\s+[^;{]+\{/m.test(t)), '}', ...parts.filter((t) => /^\s*package\s+[^;{]+\{/m.test(t)));
      else out.push(...parts);
    }
  }
  return out.join('\n');
}

/** asc's file reader, with `wasip3-task-shim/...` pointed at this package. */
function ascReadFile(pkgRoot: string) {
  const marker = `${sep}node_modules${sep}wasip3-task-shim${sep}`;
  return async (name: string, baseDir: string): Promise<string | null> => {
    const full = resolve(baseDir, name);
    const at = full.lastIndexOf(marker);
    const path = at >= 0 ? join(pkgRoot, full.slice(at + marker.length)) : full;
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  };
}

interface Diagnostic {
  message: string;
  code: number;
  category: number;
  range: { start: number; end: number; source: { normalizedPath: string } | null } | null;
}

/** `file:line:col: message` for an asc diagnostic (1-based, from the source text). */
function formatDiagnostic(d: Diagnostic, readSource: (normalizedPath: string) => string | null): string {
  const r = d.range;
  if (!r || !r.source) return `AS${d.code}: ${d.message}`;
  const text = readSource(r.source.normalizedPath);
  let line = 1;
  let col = 1;
  if (text !== null) {
    for (let i = 0; i < r.start && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
  }
  return `${r.source.normalizedPath}:${line}:${col}: AS${d.code}: ${d.message}`;
}

/** The core module of `entry`, compiled with asc and the export-name transform. */
export async function compileEntry(options: ComponentizeOptions): Promise<{ core: Uint8Array; renamed: [string, string][] }> {
  const entry = resolve(options.entry);
  if (!existsSync(entry)) throw new ComponentizeError('no-entry', `entry file ${options.entry} does not exist`);
  if (!statSync(entry).isFile()) throw new ComponentizeError('no-entry', `entry file ${options.entry} is not a regular file`);
  const abi = options.abi ?? 2;
  if (abi !== 1 && abi !== 2) throw new ComponentizeError('bad-option', `the task ABI version must be 1 or 2, not ${String(abi)}`);
  const pkgRoot = packageRoot();
  const baseDir = dirname(entry);
  // Named as if installed, so its internal path is the same wherever the
  // package is (ascReadFile serves it from pkgRoot).
  const sdkEntry = 'node_modules/wasip3-task-shim/assembly/sdk/component';
  const transform = exportNames();
  const outputs = new Map<string, Uint8Array>();
  const diagnostics: Diagnostic[] = [];
  const read = ascReadFile(pkgRoot);
  // @ts-ignore: asc's JS API ships without types for this import path
  const { default: asc } = (await import('assemblyscript/asc')) as { default: any };
  const args = [
    relative(baseDir, entry),
    `${sdkEntry}.ts`,
    '--baseDir', baseDir,
    '--config', join(pkgRoot, 'assembly', 'sdk', 'asconfig.none.json'),
    '--runtime', 'minimal',
    '--use', `ABI_VERSION=${abi}`,
    '--use', 'TRACE=0',
    '--use', 'abort=node_modules/wasip3-task-shim/assembly/sdk/abort/sdkAbort',
    '--optimizeLevel', String(options.optimizeLevel ?? 3),
    '--shrinkLevel', String(options.shrinkLevel ?? 2),
    '--outFile', 'out.wasm',
    '--noColors',
    ...(options.assertions ? [] : ['--noAssert']),
    ...(options.debug ? ['--debug'] : []),
    ...(options.ascArgs ?? []),
  ];
  const stderr: string[] = [];
  let result: { error: Error | null };
  try {
    result = await asc.main(args, {
      readFile: read,
      writeFile: (name: string, contents: Uint8Array) => {
        outputs.set(name, contents);
      },
      listFiles: () => [],
      stdout: { write: () => {} },
      stderr: { write: (s: string | Uint8Array) => void stderr.push(typeof s === 'string' ? s : Buffer.from(s).toString()) },
      reportDiagnostic: (d: Diagnostic) => void diagnostics.push(d),
      transforms: [transform],
    });
  } catch (e) {
    if (e instanceof ExportNameError) throw new ComponentizeError('compile-error', e.message, [e.message]);
    throw e;
  }
  if (result.error) {
    if (result.error instanceof ExportNameError) throw new ComponentizeError('compile-error', result.error.message, [result.error.message]);
    const sources = new Map<string, string | null>();
    const readSource = (p: string) => {
      if (!sources.has(p)) {
        const file = p.startsWith('~lib/wasip3-task-shim/') ? join(pkgRoot, p.slice('~lib/wasip3-task-shim/'.length)) : resolve(baseDir, p);
        sources.set(p, existsSync(file) ? readFileSync(file, 'utf8') : null);
      }
      return sources.get(p)!;
    };
    // Errors (category 2) first, as asc counts them; warnings only when there is no error.
    const errors = diagnostics.filter((d) => d.category === 2);
    const shown = (errors.length ? errors : diagnostics).map((d) => formatDiagnostic(d, readSource));
    const lines = shown.length ? shown : [stderr.join('').trim() || result.error.message];
    throw new ComponentizeError('compile-error', `asc could not compile ${options.entry}:\n${lines.join('\n')}`, lines);
  }
  const core = outputs.get('out.wasm');
  if (!core) throw new Error('componentize: asc wrote no module');
  return { core, renamed: transform.renamed };
}

/**
 * Check that `witSource` resolves and has `world` (jco's `componentEmbed`
 * with a dummy module). Throws `wit-error` or `no-world`.
 */
export async function checkWit(witSource: string, world: string, where: string): Promise<void> {
  const jco = await import('@bytecodealliance/jco');
  try {
    await jco.componentEmbed({ dummy: true, witSource, world } as never);
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).trim();
    if (/world `[^`]*` not found|no world named|failed to find world/i.test(msg)) {
      throw new ComponentizeError('no-world', `the WIT at ${where} has no world '${world}': ${firstLine(msg)}`);
    }
    throw new ComponentizeError('wit-error', `the WIT at ${where} does not resolve: ${msg}`);
  }
}

/** Compile `entry` and make the component of `world` in `wit`. */
export async function componentize(options: ComponentizeOptions): Promise<ComponentizeResult> {
  const witSource = readWitSource(resolve(options.wit));
  await checkWit(witSource, options.world, options.wit);
  const { core, renamed } = await compileEntry(options);
  const jco = await import('@bytecodealliance/jco');
  let embedded: Uint8Array;
  try {
    embedded = await jco.componentEmbed({ binary: core, witSource, world: options.world, stringEncoding: 'utf8' } as never);
  } catch (e) {
    throw new ComponentizeError('embed-error', `embedding world '${options.world}' failed: ${String((e as Error)?.message ?? e).trim()}`);
  }
  let component: Uint8Array;
  let wit: string;
  try {
    component = await jco.componentNew(embedded, undefined as never);
    wit = await jco.componentWit(component);
  } catch (e) {
    throw new ComponentizeError('component-error', `the core module does not fit world '${options.world}': ${String((e as Error)?.message ?? e).trim()}`);
  }
  return { component, core, wit, renamed };
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
