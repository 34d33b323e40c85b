// The asc transform that gives a core module the export names wit-component
// expects. AssemblyScript cannot export a function under a bracketed name
// (`[async-lift]wasi:cli/run@0.3.0#run`), so the source says which name it
// wants and this renames the export after compilation:
//
// - a decorator on an exported function:
//     // @ts-ignore: decorator
//     @exportName("[async-lift]wasi:cli/run@0.3.0#run")
//     export function run_lift(): u32 { ... }
// - the older convention for root-level functions: `lift__<name>` becomes
//   `[async-lift]<name>` and `callback__<name>` `[callback][async-lift]<name>`
//   (underscores in `<name>` become hyphens).
//
// A decorated function must be exported from an entry file under its own
// name; one that is not, and two functions asking for the same name, are
// `ExportNameError`s.

// @ts-ignore: binaryen.js has no types of its own here
import binaryen from 'assemblyscript/binaryen';

/** A rule of the export names broken by the source. */
export class ExportNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportNameError';
  }
}

const LEGACY: [RegExp, (n: string) => string][] = [
  [/^lift__(.+)$/, (n) => `[async-lift]${n}`],
  [/^callback__(.+)$/, (n) => `[callback][async-lift]${n}`],
];

/** The decorator's name. */
export const EXPORT_NAME_DECORATOR = 'exportName';

interface Decorated {
  fn: string;
  name: string;
  where: string;
}

/** Decorated functions of every parsed source. */
function collect(parser: any): Decorated[] {
  const found: Decorated[] = [];
  for (const source of parser.sources as any[]) {
    for (const stmt of source.statements as any[]) {
      const decorators = stmt?.decorators as any[] | null | undefined;
      if (!decorators || !stmt.signature || !stmt.name) continue;
      for (const d of decorators) {
        if (d?.name?.text !== EXPORT_NAME_DECORATOR) continue;
        const arg = d.args?.[0];
        const where = `${source.normalizedPath}: function ${stmt.name.text}`;
        if (!arg || typeof arg.value !== 'string' || d.args.length !== 1) {
          throw new ExportNameError(`${where}: @${EXPORT_NAME_DECORATOR} takes one string literal, the export's name`);
        }
        found.push({ fn: stmt.name.text, name: arg.value, where });
      }
    }
  }
  return found;
}

/** Renames of one compiled module: [export name, internal function, new name]. */
export function planRenames(module: any, decorated: Decorated[]): [string, string, string][] {
  const exports: { name: string; value: string; kind: number }[] = [];
  for (let i = 0, n = module.getNumExports(); i < n; i++) exports.push(binaryen.getExportInfo(module.getExportByIndex(i)));
  const plan: [string, string, string][] = [];
  const byFn = new Map<string, Decorated>();
  const targets = new Map<string, string>();
  for (const d of decorated) {
    const other = byFn.get(d.fn);
    if (other && other.name !== d.name) throw new ExportNameError(`${d.where} and ${other.where} are both exported as '${d.fn}': give one another name`);
    const taken = targets.get(d.name);
    if (taken && taken !== d.fn) throw new ExportNameError(`${d.where}: the export name '${d.name}' is also asked for by function ${taken}`);
    byFn.set(d.fn, d);
    targets.set(d.name, d.fn);
  }
  for (const e of exports) {
    if (e.kind !== binaryen.ExternalFunction) continue;
    const d = byFn.get(e.name);
    if (d) {
      plan.push([e.name, e.value, d.name]);
      continue;
    }
    for (const [re, to] of LEGACY) {
      const m = re.exec(e.name);
      if (m) plan.push([e.name, e.value, to(m[1].replace(/_/g, '-'))]);
    }
  }
  for (const d of byFn.values()) {
    if (!plan.some(([from]) => from === d.fn)) {
      throw new ExportNameError(`${d.where} has @${EXPORT_NAME_DECORATOR}("${d.name}") but is not exported from an entry file under the name '${d.fn}'`);
    }
  }
  const names = new Set(exports.map((e) => e.name));
  for (const [from, , to] of plan) {
    if (names.has(to) && !plan.some(([f]) => f === to)) throw new ExportNameError(`export '${from}' cannot be renamed to '${to}': the module already exports that name`);
  }
  return plan;
}

/**
 * A transform object for asc's JS API (`asc.main(argv, { transforms: [exportNames()] })`)
 * or, as the default export of a module, for `--transform`.
 */
export function exportNames(): { afterParse(parser: any): void; afterCompile(module: any): void; renamed: [string, string][] } {
  let decorated: Decorated[] = [];
  const renamed: [string, string][] = [];
  return {
    renamed,
    afterParse(parser: any) {
      decorated = collect(parser);
    },
    afterCompile(module: any) {
      const plan = planRenames(module, decorated);
      for (const [from, internal, to] of plan) {
        module.removeExport(from);
        module.addFunctionExport(internal, to);
        renamed.push([from, to]);
      }
    },
  };
}

/** For `asc --transform`: a class asc instantiates. */
export default class ExportNames {
  private inner = exportNames();
  afterParse(parser: any): void {
    this.inner.afterParse(parser);
  }
  afterCompile(module: any): void {
    this.inner.afterCompile(module);
  }
}
