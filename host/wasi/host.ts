/**
 * The WASI host without a static dependency on the WASI 0.2 implementation
 * nor on 0.3's clocks and random (host/wasi/index.ts's `WasiHost` always has
 * both): `wasip3-task run` uses this one, loading host/wasi/p2.ts and
 * host/wasi/p3-shims.ts only for a program that needs them (`wasiNeeds`), so
 * a 0.3 program starts without preview2-shim (whose I/O module starts a
 * worker thread on import) and, unless it uses clocks or random, without
 * preview3-shim.
 */
import { Store } from '../canon/store.js';
import { Trap } from '../canon/errors.js';
import { ComponentResultError, type ComponentInstanceApi } from '../component/api.js';
import { WasiEnv, exitCodeOf, type WasiOptions } from './common.js';
import type { wasiP2 } from './p2.js';
import { wasiP3, type P3Shims } from './p3.js';
import { wasiP3Filesystem } from './p3-fs.js';

/** host/wasi/p2.ts's `wasiP2`. */
export type WasiP2Factory = typeof wasiP2;

/** Which WASI implementation serves `name`: `0.2`, `0.3`, or undefined. */
export function wasiVersionOf(name: string): '0.2' | '0.3' | undefined {
  const m = /^wasi:[a-z0-9-]+\/[a-z0-9-]+@(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/.exec(name);
  if (m === null) return undefined;
  const [major, minor, patch, pre] = [m[1], m[2], m[3], m[4]];
  if (major === '0' && minor === '2' && pre === undefined) return '0.2';
  if (major === '0' && minor === '3' && patch === '0') return '0.3';
  return undefined;
}

/** The import object over two implementations, answering any matching versioned name. */
function versionedImports(p2: Record<string, unknown>, p3: Record<string, unknown>): Record<string, unknown> {
  const pick = (name: string): unknown => {
    const v = wasiVersionOf(name);
    if (v === undefined) return undefined;
    const base = name.slice(0, name.indexOf('@'));
    return (v === '0.2' ? p2 : p3)[base];
  };
  const keys = [...Object.keys(p2).map((k) => `${k}@0.2.6`), ...Object.keys(p3).map((k) => `${k}@0.3.0`)];
  return new Proxy({} as Record<string, unknown>, {
    has: (_t, k) => typeof k === 'string' && pick(k) !== undefined,
    get: (_t, k) => (typeof k === 'string' ? pick(k) : undefined),
    ownKeys: () => keys,
    getOwnPropertyDescriptor: (_t, k) => {
      const v = typeof k === 'string' ? pick(k) : undefined;
      return v === undefined ? undefined : { value: v, enumerable: true, configurable: true, writable: false };
    },
  });
}

/** One program's WASI: the store it runs in, its import object, its exit code. */
export class WasiHostBase {
  readonly store: Store;
  readonly env: WasiEnv;
  /** The WASI imports (any 0.2.x or 0.3.0 name). */
  readonly imports: Record<string, unknown>;
  /** Set once the program called `wasi:cli/exit`. */
  exitCode: number | undefined;

  /**
   * `p2Factory`: the WASI 0.2 implementation (host/wasi/p2.ts's `wasiP2`),
   * or undefined to serve 0.3 only, without the 0.2 filesystem under 0.3's
   * (no preopens then). `p3Shims`: host/wasi/p3-shims.ts's, or undefined
   * for 0.3 without clocks and random.
   */
  constructor(options: WasiOptions = {}, p2Factory?: WasiP2Factory, p3Shims?: P3Shims) {
    this.store = options.store ?? new Store();
    this.env = new WasiEnv(options);
    const onExit = (code: number): void => void (this.exitCode ??= code);
    const p2 = p2Factory === undefined ? {} : p2Factory(this.env, onExit);
    const preopens = p2Factory === undefined ? { getDirectories: () => [] } : p2['wasi:filesystem/preopens'];
    const p3 = { ...wasiP3(this.env, this.store, onExit, p3Shims), ...wasiP3Filesystem({ preopens: preopens as never }, this.store, { deterministic: this.env.clock !== undefined }) };
    this.imports = versionedImports(p2, p3);
  }

  /** Waits for the writes handed to async stdout/stderr sinks (the output written before an exit or a trap is all there then). */
  async flush(): Promise<void> {
    await Promise.all([this.env.stdout.flush(), this.env.stderr.flush()]);
  }

  /** The WASI imports together with the embedder's own (which win over WASI names). */
  with(extra: Record<string, unknown>): Record<string, unknown> {
    const base = this.imports;
    return new Proxy(extra, {
      has: (t, k) => k in t || k in base,
      get: (t, k) => (k in t ? t[k as string] : base[k as string]),
    });
  }

  /**
   * Calls the instance's `wasi:cli/run` export (0.2.x or 0.3.0) and resolves
   * with the exit code: 0 for `ok`, 1 for `err`, the code given to
   * `wasi:cli/exit`. A trap rejects (the output written so far stays written).
   * Either way only once async sinks have settled the writes they were given.
   */
  async run(inst: ComponentInstanceApi): Promise<number> {
    const name = Object.keys(inst.exports).find((k) => /^wasi:cli\/run@0\.(2\.\d+|3\.0(-.*)?)$/.test(k));
    if (name === undefined) throw new Trap('host-error', { builtin: 'wasi:cli/run', detail: 'the component exports no wasi:cli/run@0.2.x or @0.3.0' });
    const run = (inst.exports[name] as Record<string, () => Promise<unknown>>)['run']!;
    try {
      await run();
      await this.flush();
      return this.exitCode ?? 0;
    } catch (e) {
      await this.flush();
      const code = exitCodeOf(e) ?? this.exitCode;
      if (code !== undefined) return code;
      if (e instanceof ComponentResultError) return 1;
      throw e;
    }
  }
}

/**
 * What a program with these imports and preopens needs. The WASI 0.2
 * implementation: for any import that is not a WASI 0.3 one (0.2 names,
 * other versions, non-WASI names: with everything loaded, a link error reads
 * as with `WasiHost`) or any preopen (0.3's filesystem is built over 0.2's
 * descriptors; without preopens there is no descriptor to reach, and
 * `get-directories` is the same empty list). 0.3's clocks and random
 * (host/wasi/p3-shims.ts): for those interfaces, or whenever 0.2 is loaded.
 */
export function wasiNeeds(imports: readonly string[], preopens: Readonly<Record<string, string>> = {}): { p2: boolean; p3Shims: boolean } {
  const p2 = Object.keys(preopens).length > 0 || imports.some((n) => wasiVersionOf(n) !== '0.3');
  return { p2, p3Shims: p2 || imports.some((n) => n.startsWith('wasi:clocks/') || n.startsWith('wasi:random/')) };
}

/**
 * A WASI host for a component with these imports, loading only what they
 * need (`wasiNeeds`): WASI 0.2 (preview2-shim, whose I/O module starts a
 * worker thread on import) and 0.3's clocks and random are imported on the
 * first call that needs them. It serves every import the component has as
 * `WasiHost` does; `wasip3-task run` starts programs with it.
 *
 *     const c = loadComponent(bytes);
 *     const wasi = await wasiHostFor(c, { args: ['prog.wasm'] });
 *     const code = await wasi.run(c.instantiate(wasi.imports, { store: wasi.store }));
 */
export async function wasiHostFor(component: { readonly imports: readonly { readonly name: string }[] }, options: WasiOptions = {}): Promise<WasiHostBase> {
  const need = wasiNeeds(component.imports.map((i) => i.name), options.preopens);
  const [p2, p3]: [WasiP2Factory | undefined, P3Shims | undefined] = await Promise.all([
    need.p2 ? import('./p2.js').then((m) => m.wasiP2) : undefined,
    need.p3Shims ? import('./p3-shims.js').then((m) => m.p3Shims) : undefined,
  ]);
  return new WasiHostBase(options, p2, p3);
}

