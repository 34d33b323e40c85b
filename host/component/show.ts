/**
 * Readable text for component-model types (WIT-like), for diagnostics and
 * `wasip3-task inspect`.
 */
import type { DefinedType, ExternType, FuncType, ValType } from './types.js';

export function showValType(t: ValType | undefined): string {
  if (!t) return '_';
  switch (t.kind) {
    case 'list': return t.l === undefined ? `list<${showValType(t.t)}>` : `list<${showValType(t.t)}, ${t.l}>`;
    case 'option': return `option<${showValType(t.t)}>`;
    case 'result':
      if (!t.ok && !t.error) return 'result';
      if (!t.error) return `result<${showValType(t.ok)}>`;
      return `result<${showValType(t.ok)}, ${showValType(t.error)}>`;
    case 'tuple': return `tuple<${t.ts.map(showValType).join(', ')}>`;
    case 'record': return `record { ${t.fields.map((f) => `${f.label}: ${showValType(f.t)}`).join(', ')} }`;
    case 'variant': return `variant { ${t.cases.map((c) => (c.t ? `${c.label}(${showValType(c.t)})` : c.label)).join(', ')} }`;
    case 'enum': return `enum { ${t.labels.join(', ')} }`;
    case 'flags': return `flags { ${t.labels.join(', ')} }`;
    case 'map': return `map<${showValType(t.k)}, ${showValType(t.v)}>`;
    case 'own': return t.rt.name;
    case 'borrow': return `borrow<${t.rt.name}>`;
    case 'stream': return t.t ? `stream<${showValType(t.t)}>` : 'stream';
    case 'future': return t.t ? `future<${showValType(t.t)}>` : 'future';
    default: return t.kind;
  }
}

export function showFuncType(f: FuncType): string {
  const params = f.params.map(([n, t]) => `${n}: ${showValType(t)}`).join(', ');
  return `${f.async ? 'async ' : ''}func(${params})${f.result ? ` -> ${showValType(f.result)}` : ''}`;
}

export function showDefinedType(t: DefinedType): string {
  switch (t.kind) {
    case 'func': return showFuncType(t);
    case 'resource': return `resource ${t.name}`;
    case 'instance': return `instance { ${t.exports.map((e) => `${e.name}: ${showExternType(e.t)}`).join('; ')} }`;
    case 'component': return `component { ${[...t.imports.map((e) => `import ${e.name}: ${showExternType(e.t)}`), ...t.exports.map((e) => `export ${e.name}: ${showExternType(e.t)}`)].join('; ')} }`;
    default: return showValType(t);
  }
}

export function showExternType(e: ExternType): string {
  switch (e.kind) {
    case 'core module': return `core module (${e.type.imports.length} imports, ${e.type.exports.length} exports)`;
    case 'func': return showFuncType(e.type);
    case 'value': return `value ${showValType(e.type)}`;
    case 'type': return e.type.kind === 'resource' ? `resource` : `type ${showDefinedType(e.type)}`;
    case 'component':
    case 'instance': return showDefinedType(e.type);
  }
}
