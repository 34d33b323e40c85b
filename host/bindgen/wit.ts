/**
 * Reading a WIT world for the binding generator, without a WIT parser of our
 * own: jco's `componentEmbed` (wit-component) resolves the WIT and makes a
 * dummy core module for the world, `componentNew` turns it into a component,
 * and the project's own decoder and validator (host/component) give the
 * world's imports and exports as resolved component-model types. Type names
 * come from the `(export "name" (type (eq N)))` declarators of the instance
 * types: the validator resolves each to the same type object the functions
 * use, so names are found by identity.
 */
import { loadComponentBinary } from '../component/validate.js';
import type { ExternDecl, FuncType, ResourceType, ValType } from '../component/types.js';

/** A typed error of the binding generator: `rule` names what was wrong. */
export class BindgenError extends Error {
  constructor(
    readonly rule: 'wit-not-found' | 'wit-invalid' | 'world-not-found' | 'unsupported-type' | 'unsupported-item' | 'name-clash' | 'unwritable',
    message: string,
  ) {
    super(message);
    this.name = 'BindgenError';
  }
}

/** A function of the world: a world-level one (`iface` undefined) or one of an interface. */
export interface WorldFunc {
  /** The WIT name (`echo`, `[method]blob.size`). */
  readonly name: string;
  readonly ft: FuncType;
}

/** An interface imported or exported by the world (or the world's own functions, `name` undefined). */
export interface WorldInterface {
  /** The full interface name (`local:demo/api@1.0.0`), undefined for the world's own functions. */
  readonly name: string | undefined;
  readonly funcs: WorldFunc[];
  /** Named types declared by (or used into) the interface, in declaration order. */
  readonly types: { readonly name: string; readonly t: ValType | ResourceType }[];
}

export interface ResolvedWorld {
  readonly world: string;
  readonly imports: WorldInterface[];
  readonly exports: WorldInterface[];
}

/**
 * The WIT source of a file or directory (the root package's files and
 * `deps/`), read as the SDK toolchain reads it for `componentize`, so that
 * both see the same WIT.
 */
export async function readWitSource(path: string): Promise<string> {
  // Loaded on use: the toolchain pulls in asc's binaryen (over a second to load).
  const { ComponentizeError, readWitSource: readToolchainWit } = await import('../toolchain/componentize.js');
  try {
    return readToolchainWit(path);
  } catch (e) {
    if (e instanceof ComponentizeError) throw new BindgenError(e.code === 'no-wit' ? 'wit-not-found' : 'wit-invalid', e.message);
    throw e;
  }
}

interface Jco {
  componentEmbed(o: { dummy?: boolean; witSource?: string; world?: string; binary?: Uint8Array }): Promise<Uint8Array> | Uint8Array;
  componentNew(b: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

/** Resolves world `world` of the WIT source: its imports and exports with their types. */
export async function resolveWorld(witSource: string, world: string): Promise<ResolvedWorld> {
  const jco = (await import('@bytecodealliance/jco')) as unknown as Jco;
  let component: Uint8Array;
  try {
    const core = await jco.componentEmbed({ dummy: true, witSource, world });
    component = await jco.componentNew(core);
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    if (/world/i.test(msg) && /not found|no world|failed to find/i.test(msg)) throw new BindgenError('world-not-found', `world '${world}': ${msg}`);
    throw new BindgenError('wit-invalid', `the WIT does not resolve (world '${world}'): ${msg}`);
  }
  const v = loadComponentBinary(component);
  return { world, imports: v.imports.map(itemOf).filter((x): x is WorldInterface => x !== undefined).reduce(mergeRoot, []), exports: v.exports.map(itemOf).filter((x): x is WorldInterface => x !== undefined).reduce(mergeRoot, []) };
}

/** World-level functions (and types) gather into one `name: undefined` entry. */
function mergeRoot(acc: WorldInterface[], w: WorldInterface): WorldInterface[] {
  if (w.name !== undefined) return [...acc, w];
  const root = acc.find((x) => x.name === undefined);
  if (root === undefined) return [...acc, w];
  root.funcs.push(...w.funcs);
  root.types.push(...w.types);
  return acc;
}

function itemOf(d: ExternDecl): WorldInterface | undefined {
  switch (d.t.kind) {
    case 'func':
      return { name: undefined, funcs: [{ name: d.name, ft: d.t.type }], types: [] };
    case 'type': {
      const t = d.t.type;
      if (t.kind === 'func' || t.kind === 'component' || t.kind === 'instance') return undefined;
      return { name: undefined, funcs: [], types: [{ name: d.name, t }] };
    }
    case 'instance': {
      const funcs: WorldFunc[] = [];
      const types: { name: string; t: ValType | ResourceType }[] = [];
      for (const e of d.t.type.exports) {
        if (e.t.kind === 'func') funcs.push({ name: e.name, ft: e.t.type });
        else if (e.t.kind === 'type') {
          const t = e.t.type;
          if (t.kind !== 'func' && t.kind !== 'component' && t.kind !== 'instance') types.push({ name: e.name, t });
        } else throw new BindgenError('unsupported-item', `${d.name} exports ${e.name}, a ${e.t.kind}: only functions and types are supported`);
      }
      return { name: d.name, funcs, types };
    }
    default:
      throw new BindgenError('unsupported-item', `the world's ${d.name} is a ${d.t.kind}: only interfaces, functions and types are supported`);
  }
}
