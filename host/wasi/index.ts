/**
 * WASI for the embedded component host:
 *
 *     const wasi = new WasiHost({ args: ['prog.wasm'], preopens: { '/data': './data' } });
 *     const inst = loadComponent(bytes).instantiate(wasi.imports, { store: wasi.store });
 *     const code = await wasi.run(inst);   // calls wasi:cli/run, resolves with the exit code
 *
 * Versions are matched as the ecosystem does: `wasi:<pkg>/<iface>@0.2.x` (any
 * patch version) gets the WASI 0.2 implementation (host/wasi/p2.ts), and
 * `@0.3.0` or a `0.3.0-*` pre-release gets WASI 0.3 (host/wasi/p3.ts, and
 * host/wasi/p3-fs.ts for the filesystem over 0.2's descriptors).
 * Other versions, and unversioned names, are not served (a link error).
 */
import type { Store } from '../canon/store.js';
import type { WasiOptions } from './common.js';
import { wasiP2 } from './p2.js';
import { p3Shims } from './p3-shims.js';
import { WasiHostBase } from './host.js';

export { WasiExit, WasiError, exitCodeOf, type WasiOptions, type Sink, type Source } from './common.js';
export { wasiVersionOf, wasiHostFor, type WasiHostBase } from './host.js';

/** One program's WASI: the store it runs in, its import object (0.2.x and 0.3.0 names), its exit code. */
export class WasiHost extends WasiHostBase {
  constructor(options: WasiOptions = {}) {
    super(options, wasiP2, p3Shims);
  }
}

/** The WASI import object for `loadComponent(...).instantiate(wasiImports(o), { store: o.store })`. */
export function wasiImports(options: WasiOptions & { store: Store }): Record<string, unknown> {
  return new WasiHost(options).imports;
}


