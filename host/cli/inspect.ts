/**
 * `wasip3-task inspect <component>`: a component's imports, exports and
 * nested structure (core modules with sizes, instances, aliases, types,
 * canon definitions), as text or `--json`, from the embedded decoder.
 */
import type { Command } from 'commander';
import { ComponentError } from '../component/binary/reader.js';
import { decodeComponent } from '../component/binary/decode.js';
import type { Canon, CanonOpts, Component, CoreValType, Definition, Sort } from '../component/binary/ast.js';
import { validateComponent, type ValidatedComponent } from '../component/validate.js';
import { showDefinedType, showExternType, showFuncType, showValType } from '../component/show.js';
import { loadWasm } from './input.js';

export interface InspectItem {
  /** The index space the definition extends (`core func`, `type`, ...) and its index, if any. */
  readonly sort?: Sort;
  readonly index?: number;
  /** Its name from the `component-name` section. */
  readonly name?: string;
  readonly offset: number;
  readonly what: string;
  readonly size?: number;
  readonly items?: readonly InspectItem[];
}

export interface InspectReport {
  readonly file: string;
  readonly size: number;
  readonly decodeMs: number;
  readonly imports: readonly { readonly name: string; readonly kind: string; readonly type: string }[];
  readonly exports: readonly { readonly name: string; readonly kind: string; readonly type: string }[];
  readonly counts: Readonly<Record<string, number>>;
  readonly structure: readonly InspectItem[];
}

/** Decode, validate and describe a component binary. Throws `ComponentError`. */
export function inspectComponent(bytes: Uint8Array, file = '<bytes>'): InspectReport {
  const t0 = performance.now();
  const c = decodeComponent(bytes);
  const v = validateComponent(c);
  const decodeMs = performance.now() - t0;
  const counts: Record<string, number> = {};
  const count = (comp: Component) => {
    for (const d of comp.definitions) {
      counts[d.tag] = (counts[d.tag] ?? 0) + 1;
      if (d.tag === 'component') count(d.component);
    }
  };
  count(c);
  return {
    file,
    size: bytes.length,
    decodeMs,
    imports: v.imports.map((i) => ({ name: i.name, kind: i.t.kind, type: showExternType(i.t) })),
    exports: v.exports.map((e) => ({ name: e.name, kind: e.t.kind, type: showExternType(e.t) })),
    counts,
    structure: describe(v),
  };
}

/** Nullable abstract reference types by their WAT shorthand (`(ref null func)` is `funcref`). */
const REF_SHORTHAND: Readonly<Record<string, string>> = {
  func: 'funcref', extern: 'externref', any: 'anyref', eq: 'eqref', i31: 'i31ref', struct: 'structref', array: 'arrayref',
  exn: 'exnref', none: 'nullref', noextern: 'nullexternref', nofunc: 'nullfuncref', noexn: 'nullexnref', cont: 'contref', nocont: 'nullcontref',
};

/** A core value type in WAT syntax: `i32`, `funcref`, `(ref extern)`, `(ref null 3)` (a core type index). */
export function coreValTypeText(t: CoreValType): string {
  if (typeof t === 'string') return t;
  if (t.nullable && typeof t.ref === 'string' && REF_SHORTHAND[t.ref] !== undefined) return REF_SHORTHAND[t.ref]!;
  return `(ref ${t.nullable ? 'null ' : ''}${t.ref})`;
}

function opts(o: CanonOpts): string {
  const parts: string[] = [];
  if (o.string_encoding) parts.push(`string-encoding=${o.string_encoding}`);
  if (o.memory !== undefined) parts.push(`(memory ${o.memory})`);
  if (o.realloc !== undefined) parts.push(`(realloc ${o.realloc})`);
  if (o.post_return !== undefined) parts.push(`(post-return ${o.post_return})`);
  if (o.async_) parts.push('async');
  if (o.callback !== undefined) parts.push(`(callback ${o.callback})`);
  return parts.length ? ' ' + parts.join(' ') : '';
}

function canonText(c: Canon, v: ValidatedComponent): string {
  switch (c.kind) {
    case 'lift': {
      const ft = v.types[c.type];
      return `canon lift (core func ${c.coreFunc})${opts(c.opts)} (type ${c.type}): ${ft.kind === 'func' ? showFuncType(ft) : ft.kind}`;
    }
    case 'lower': return `canon lower (func ${c.func})${opts(c.opts)}: ${showFuncType(v.funcs[c.func])}`;
    case 'task.return': return `canon task.return${c.result ? ' (result)' : ''}${opts(c.opts)}`;
    case 'context.get':
    case 'context.set': return `canon ${c.kind} ${coreValTypeText(c.t)} ${c.i}`;
    default: {
      const parts = [`canon ${c.kind}`];
      if ('type' in c) parts.push(`(type ${c.type}: ${showDefinedType(v.types[c.type])})`);
      if ('opts' in c) parts.push(opts(c.opts).trim());
      if ('async_' in c && c.async_) parts.push('async');
      if ('cancellable' in c && c.cancellable) parts.push('cancellable');
      if ('memory' in c) parts.push(`(memory ${c.memory})`);
      if ('coreType' in c) parts.push(`(core type ${c.coreType})`);
      if ('table' in c) parts.push(`(table ${c.table})`);
      if ('shared' in c && c.shared) parts.push('shared');
      return parts.filter(Boolean).join(' ');
    }
  }
}

function defText(d: Definition, v: ValidatedComponent): string {
  switch (d.tag) {
    case 'core module': {
      const mt = v.coreModules[d.index];
      return `${d.size} bytes, ${mt.imports.length} import(s), ${mt.exports.length} export(s)`;
    }
    case 'core instance':
      return d.expr.kind === 'instantiate'
        ? `instantiate core module ${d.expr.module}${d.expr.args.map((a) => ` (with "${a.name}" core instance ${a.instance})`).join('')}`
        : `exports ${d.expr.exports.map((e) => `"${e.name}" (${e.sort} ${e.idx})`).join(', ') || '(none)'}`;
    case 'core type':
      if (d.type.kind === 'func') return `func (${d.type.params.map(coreValTypeText).join(' ')}) -> (${d.type.results.map(coreValTypeText).join(' ')})`;
      if (d.type.kind === 'rec') return `GC rec group (${d.type.types.map((t) => `${t.final ? '' : 'non-final '}${t.comp.kind}`).join(', ') || 'empty'})`;
      return `module type (${d.type.decls.length} declarations)`;
    case 'component': return `component (${d.component.size} bytes)`;
    case 'instance':
      return d.expr.kind === 'instantiate'
        ? `instantiate component ${d.expr.component}${d.expr.args.map((a) => ` (with "${a.name}" ${a.sort} ${a.idx})`).join('')}`
        : `exports ${d.expr.exports.map((e) => `"${e.name.name}" (${e.sort} ${e.idx})`).join(', ') || '(none)'}`;
    case 'alias': {
      const a = d.alias;
      if (a.kind === 'export') return `alias export instance ${a.instance} "${a.name}"`;
      if (a.kind === 'core export') return `alias core export core instance ${a.instance} "${a.name}"`;
      return `alias outer ${a.count} ${a.idx}`;
    }
    case 'type': return showDefinedType(v.types[d.index]);
    case 'canon': return canonText(d.canon, v);
    case 'start': return `start func ${d.func} (${d.args.length} argument(s), ${d.results} result(s))`;
    case 'import': return `import "${d.name.name}": ${showExternType(v.imports.find((i) => i.name === d.name.name)!.t)}`;
    case 'export': return `export "${d.name.name}" (${d.target.sort} ${d.target.idx})${d.type ? ' with a type ascription' : ''}`;
    case 'value': return `value ${showValType(v.values[d.index])} (${d.bytes.length} bytes)`;
  }
}

function describe(v: ValidatedComponent): InspectItem[] {
  const c = v.component;
  return c.definitions.map((d) => {
    const name = d.space ? c.names?.sorts.get(d.space)?.get(d.index) : undefined;
    const base = { sort: d.space, index: d.space ? d.index : undefined, name, offset: d.offset, what: defText(d, v) };
    if (d.tag === 'core module') return { ...base, size: d.size };
    if (d.tag === 'component') {
      const nested = v.nested[d.index];
      return { ...base, size: d.component.size, items: nested ? describe(nested) : [] };
    }
    return base;
  });
}

function textLines(items: readonly InspectItem[], indent: string, out: string[]): void {
  for (const it of items) {
    const head = it.sort ? `${it.sort} ${it.index}${it.name ? ` $${it.name}` : ''}` : '-';
    out.push(`${indent}${head}: ${it.what}`);
    if (it.items) textLines(it.items, indent + '  ', out);
  }
}

export function formatInspect(r: InspectReport): string {
  const out: string[] = [];
  out.push(`component ${r.file}: ${r.size} bytes, decoded and validated in ${r.decodeMs.toFixed(1)} ms`);
  out.push(`  ${Object.entries(r.counts).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  out.push('imports:');
  for (const i of r.imports) out.push(`  ${i.name}: ${i.type}`);
  if (!r.imports.length) out.push('  (none)');
  out.push('exports:');
  for (const e of r.exports) out.push(`  ${e.name}: ${e.type}`);
  if (!r.exports.length) out.push('  (none)');
  out.push('structure:');
  textLines(r.structure, '  ', out);
  return out.join('\n');
}

/** Register `inspect` on the CLI program. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('decode and validate a component on the embedded loader; print its imports, exports and nested structure (exit 0 when valid, 1 when malformed)')
    .argument('<component>', 'a component binary (.wasm) or component text (.wat)')
    .option('--json', 'print one JSON object (imports, exports, counts, structure), or {error} when malformed')
    .action(async (file: string, o: { json?: boolean }) => {
      const bytes = await loadWasm(file);
      let report: InspectReport;
      try {
        report = inspectComponent(bytes, file);
      } catch (e) {
        if (!(e instanceof ComponentError)) throw e;
        if (o.json) console.log(JSON.stringify({ file, error: { rule: e.rule, offset: e.offset, section: e.section, message: e.detail } }, null, 2));
        else console.error(`wasip3-task inspect: ${file}: ${e.message}`);
        process.exitCode = 1;
        return;
      }
      if (o.json) console.log(JSON.stringify(report, null, 2));
      else console.log(formatInspect(report));
      process.exitCode = 0;
    });
}
