// asc transform: AssemblyScript cannot export a function under a bracketed
// name, so the guest exports `lift__<name>` and `callback__<name>` and this
// renames them, after compilation, to the names wit-component expects:
//   lift__block_on_stale     -> [async-lift]block-on-stale
//   callback__block_on_stale -> [callback][async-lift]block-on-stale
import { Transform } from "assemblyscript/transform";
import binaryen from "assemblyscript/binaryen";

const RULES = [
  [/^lift__(.+)$/, (n) => `[async-lift]${n}`],
  [/^callback__(.+)$/, (n) => `[callback][async-lift]${n}`],
];

export default class ExportNames extends Transform {
  afterCompile(module) {
    // `module` is a binaryen.js Module.
    const renames = [];
    for (let i = 0, n = module.getNumExports(); i < n; i++) {
      const info = binaryen.getExportInfo(module.getExportByIndex(i));
      if (info.kind !== binaryen.ExternalFunction) continue;
      for (const [re, to] of RULES) {
        const m = re.exec(info.name);
        if (m) renames.push([info.name, info.value, to(m[1].replace(/_/g, "-"))]);
      }
    }
    for (const [from, internal, to] of renames) {
      module.removeExport(from);
      module.addFunctionExport(internal, to);
    }
  }
}
