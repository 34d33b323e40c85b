/**
 * The decoded form of a component binary: one `Definition` per item, in
 * binary order, with the index space each one extends, so that a later pass
 * (validation, instantiation) can walk the definitions in order and resolve
 * every index of every sort.
 *
 * Indices stay indices here: the decoder checks that each one is in range
 * of its index space at the point of use, and `validate.ts` resolves type
 * indices into the shared `types.ts` representation.
 */

/** `core:sort`. */
export type CoreSort = 'func' | 'table' | 'memory' | 'global' | 'tag' | 'type' | 'module' | 'instance';

/**
 * `sort`, flattened: the core sorts carry a `core ` prefix, as in the text
 * format. Each sort has its own index space per component.
 */
export type Sort =
  | 'core func'
  | 'core table'
  | 'core memory'
  | 'core global'
  | 'core tag'
  | 'core type'
  | 'core module'
  | 'core instance'
  | 'func'
  | 'value'
  | 'type'
  | 'component'
  | 'instance';

export const SORTS: readonly Sort[] = [
  'core func', 'core table', 'core memory', 'core global', 'core tag', 'core type', 'core module', 'core instance',
  'func', 'value', 'type', 'component', 'instance',
];

export interface SortIdx {
  readonly sort: Sort;
  readonly idx: number;
}

// ---------------------------------------------------------------- core types

/** Core value types (numeric, vector and reference types). */
export type CoreValType =
  | 'i32' | 'i64' | 'f32' | 'f64' | 'v128'
  | { readonly ref: CoreHeapType; readonly nullable: boolean };

/** An abstract heap type by name, or a core type index. */
export type CoreHeapType = string | number;

export interface CoreFuncType {
  readonly kind: 'func';
  readonly params: readonly CoreValType[];
  readonly results: readonly CoreValType[];
}

export interface CoreLimits {
  readonly min: bigint;
  readonly max: bigint | undefined;
  readonly shared: boolean;
  readonly memory64: boolean;
}

/** `core:externtype`. */
export type CoreExternType =
  | { readonly kind: 'func'; readonly type: number }
  | { readonly kind: 'table'; readonly element: CoreValType; readonly limits: CoreLimits }
  | { readonly kind: 'memory'; readonly limits: CoreLimits }
  | { readonly kind: 'global'; readonly type: CoreValType; readonly mutable: boolean }
  | { readonly kind: 'tag'; readonly type: number };

/** `core:moduledecl`. */
export type CoreModuleDecl =
  | { readonly kind: 'import'; readonly module: string; readonly name: string; readonly type: CoreExternType }
  | { readonly kind: 'type'; readonly type: CoreDefType }
  | { readonly kind: 'alias'; readonly count: number; readonly idx: number }
  | { readonly kind: 'export'; readonly name: string; readonly type: CoreExternType };

export interface CoreModuleType {
  readonly kind: 'module';
  readonly decls: readonly CoreModuleDecl[];
}

/** `core:fieldtype`: a value type or a packed `i8`/`i16`, and whether it is mutable. */
export interface CoreFieldType {
  readonly storage: CoreValType | 'i8' | 'i16';
  readonly mutable: boolean;
}

/** `core:comptype` (WebAssembly 3.0). */
export type CoreCompType =
  | CoreFuncType
  | { readonly kind: 'struct'; readonly fields: readonly CoreFieldType[] }
  | { readonly kind: 'array'; readonly field: CoreFieldType };

/** `core:subtype`: a composite type, its finality and its declared supertypes (core type indices). */
export interface CoreSubType {
  readonly final: boolean;
  readonly supertypes: readonly number[];
  readonly comp: CoreCompType;
}

/**
 * `core:rectype` in any of its GC forms: an explicit `rec` group, or one
 * `sub` (the `0x00 0x50` non-final form in a component), final `sub`,
 * `struct` or `array` (a group of one). A group of n types takes n core type
 * indices. A bare `func` stays a `CoreFuncType`.
 */
export interface CoreRecType {
  readonly kind: 'rec';
  readonly types: readonly CoreSubType[];
}

/** `core:deftype`. */
export type CoreDefType = CoreFuncType | CoreModuleType | CoreRecType;

/** How many core type indices a `core:deftype` takes. */
export function coreTypeCount(t: CoreDefType): number {
  return t.kind === 'rec' ? t.types.length : 1;
}

// ---------------------------------------------------------------- component types

/** `valtype`: a primitive, or an index into the type index space. */
export type ValTypeRef =
  | { readonly kind: 'prim'; readonly prim: PrimName }
  | { readonly kind: 'idx'; readonly idx: number };

export type PrimName =
  | 'bool' | 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 's64' | 'u64'
  | 'f32' | 'f64' | 'char' | 'string' | 'error-context';

/** `defvaltype`, with its type references unresolved. */
export type DefValType =
  | { readonly kind: 'prim'; readonly prim: PrimName }
  | { readonly kind: 'record'; readonly fields: readonly { readonly label: string; readonly t: ValTypeRef }[] }
  | { readonly kind: 'variant'; readonly cases: readonly { readonly label: string; readonly t: ValTypeRef | undefined }[] }
  | { readonly kind: 'list'; readonly t: ValTypeRef; readonly l?: number }
  | { readonly kind: 'tuple'; readonly ts: readonly ValTypeRef[] }
  | { readonly kind: 'flags'; readonly labels: readonly string[] }
  | { readonly kind: 'enum'; readonly labels: readonly string[] }
  | { readonly kind: 'option'; readonly t: ValTypeRef }
  | { readonly kind: 'result'; readonly ok: ValTypeRef | undefined; readonly error: ValTypeRef | undefined }
  | { readonly kind: 'own'; readonly idx: number }
  | { readonly kind: 'borrow'; readonly idx: number }
  | { readonly kind: 'stream'; readonly t: ValTypeRef | undefined }
  | { readonly kind: 'future'; readonly t: ValTypeRef | undefined }
  | { readonly kind: 'map'; readonly k: ValTypeRef; readonly v: ValTypeRef };

export interface FuncTypeDef {
  readonly kind: 'func';
  readonly async: boolean;
  readonly params: readonly { readonly label: string; readonly t: ValTypeRef }[];
  readonly result: ValTypeRef | undefined;
}

export interface ResourceTypeDef {
  readonly kind: 'resource';
  readonly rep: CoreValType;
  /** Core func index of the destructor. */
  readonly dtor: number | undefined;
}

/** `typebound`. */
export type TypeBound = { readonly kind: 'eq'; readonly idx: number } | { readonly kind: 'sub-resource' };

/** `externtype`. */
export type ExternTypeRef =
  | { readonly kind: 'core module'; readonly idx: number }
  | { readonly kind: 'func'; readonly idx: number }
  | { readonly kind: 'value'; readonly bound: { readonly kind: 'eq'; readonly idx: number } | { readonly kind: 'type'; readonly t: ValTypeRef } }
  | { readonly kind: 'type'; readonly bound: TypeBound }
  | { readonly kind: 'component'; readonly idx: number }
  | { readonly kind: 'instance'; readonly idx: number };

/** `nameattributes`: the name and, when given, its attributes. */
export interface ExternName {
  readonly name: string;
  /** 0x00/0x01 (plain) or 0x02 (with attributes). */
  readonly implements?: string;
  readonly versionSuffix?: string;
  readonly externalId?: string;
}

/** An item of a component type or instance type body (`componentdecl` / `instancedecl`). */
export type TypeDecl =
  | { readonly kind: 'core type'; readonly offset: number; readonly type: CoreDefType }
  | { readonly kind: 'type'; readonly offset: number; readonly type: DefType }
  | { readonly kind: 'alias'; readonly offset: number; readonly alias: Alias }
  | { readonly kind: 'import'; readonly offset: number; readonly name: ExternName; readonly type: ExternTypeRef }
  | { readonly kind: 'export'; readonly offset: number; readonly name: ExternName; readonly type: ExternTypeRef };

export interface ComponentTypeDef {
  readonly kind: 'component';
  readonly decls: readonly TypeDecl[];
}

export interface InstanceTypeDef {
  readonly kind: 'instance';
  readonly decls: readonly TypeDecl[];
}

/** `deftype`. */
export type DefType =
  | { readonly kind: 'defval'; readonly t: DefValType }
  | FuncTypeDef
  | ComponentTypeDef
  | InstanceTypeDef
  | ResourceTypeDef;

// ---------------------------------------------------------------- instances, aliases

export type CoreInstanceExpr =
  | { readonly kind: 'instantiate'; readonly module: number; readonly args: readonly { readonly name: string; readonly instance: number }[] }
  | { readonly kind: 'exports'; readonly exports: readonly { readonly name: string; readonly sort: Sort; readonly idx: number }[] };

export type InstanceExpr =
  | { readonly kind: 'instantiate'; readonly component: number; readonly args: readonly { readonly name: string; readonly sort: Sort; readonly idx: number }[] }
  | { readonly kind: 'exports'; readonly exports: readonly { readonly name: ExternName; readonly sort: Sort; readonly idx: number }[] };

export type Alias =
  | { readonly kind: 'export'; readonly sort: Sort; readonly instance: number; readonly name: string }
  | { readonly kind: 'core export'; readonly sort: Sort; readonly instance: number; readonly name: string }
  | { readonly kind: 'outer'; readonly sort: Sort; readonly count: number; readonly idx: number };

// ---------------------------------------------------------------- canon

export type StringEncoding = 'utf8' | 'utf16' | 'latin1+utf16';

/**
 * Canonical options, named as in definitions.py's `CanonicalOptions`
 * (indices instead of instances). `string_encoding` is undefined when not
 * given (the default is utf8).
 */
export interface CanonOpts {
  readonly string_encoding: StringEncoding | undefined;
  readonly memory: number | undefined;
  readonly realloc: number | undefined;
  readonly post_return: number | undefined;
  readonly async_: boolean;
  readonly callback: number | undefined;
  /** The option bytes as given, for diagnostics (`memory`, `async`, ...). */
  readonly given: readonly string[];
}

/** Canonical definitions: `lift` defines a func, everything else a core func. */
export type Canon =
  | { readonly kind: 'lift'; readonly coreFunc: number; readonly opts: CanonOpts; readonly type: number }
  | { readonly kind: 'lower'; readonly func: number; readonly opts: CanonOpts }
  | { readonly kind: 'resource.new' | 'resource.drop' | 'resource.rep'; readonly type: number }
  | { readonly kind: 'backpressure.inc' | 'backpressure.dec' | 'task.cancel' | 'subtask.drop' | 'error-context.drop'
      | 'waitable-set.new' | 'waitable-set.drop' | 'waitable.join' | 'thread.index' | 'thread.resume-later' }
  | { readonly kind: 'task.return'; readonly result: ValTypeRef | undefined; readonly opts: CanonOpts }
  | { readonly kind: 'context.get' | 'context.set'; readonly t: CoreValType; readonly i: number }
  | { readonly kind: 'subtask.cancel'; readonly async_: boolean }
  | { readonly kind: 'stream.new' | 'stream.drop-readable' | 'stream.drop-writable' | 'future.new' | 'future.drop-readable' | 'future.drop-writable'; readonly type: number }
  | { readonly kind: 'stream.read' | 'stream.write' | 'future.read' | 'future.write'; readonly type: number; readonly opts: CanonOpts }
  | { readonly kind: 'stream.cancel-read' | 'stream.cancel-write' | 'future.cancel-read' | 'future.cancel-write'; readonly type: number; readonly async_: boolean }
  | { readonly kind: 'error-context.new' | 'error-context.debug-message'; readonly opts: CanonOpts }
  | { readonly kind: 'waitable-set.wait' | 'waitable-set.poll'; readonly cancellable: boolean; readonly memory: number }
  | { readonly kind: 'thread.yield' | 'thread.suspend' | 'thread.suspend-then-resume' | 'thread.yield-then-resume'
      | 'thread.suspend-then-promote' | 'thread.yield-then-promote'; readonly cancellable: boolean }
  | { readonly kind: 'thread.new-indirect'; readonly coreType: number; readonly table: number }
  | { readonly kind: 'thread.spawn-ref'; readonly shared: boolean; readonly coreType: number }
  | { readonly kind: 'thread.spawn-indirect'; readonly shared: boolean; readonly coreType: number; readonly table: number }
  | { readonly kind: 'thread.available-parallelism'; readonly shared: boolean };

export type CanonKind = Canon['kind'];

// ---------------------------------------------------------------- definitions

interface DefBase {
  /** Absolute byte offset of the definition's first byte. */
  readonly offset: number;
  /**
   * The index this definition takes in its index space (`space`), or
   * undefined for definitions that add no index (start without results,
   * custom sections).
   */
  readonly space: Sort | undefined;
  readonly index: number;
}

export type Definition =
  | (DefBase & { readonly tag: 'core module'; readonly bytes: Uint8Array; readonly size: number })
  | (DefBase & { readonly tag: 'core instance'; readonly expr: CoreInstanceExpr })
  | (DefBase & { readonly tag: 'core type'; readonly type: CoreDefType })
  | (DefBase & { readonly tag: 'component'; readonly component: Component })
  | (DefBase & { readonly tag: 'instance'; readonly expr: InstanceExpr })
  | (DefBase & { readonly tag: 'alias'; readonly alias: Alias })
  | (DefBase & { readonly tag: 'type'; readonly type: DefType })
  | (DefBase & { readonly tag: 'canon'; readonly canon: Canon })
  | (DefBase & { readonly tag: 'start'; readonly func: number; readonly args: readonly number[]; readonly results: number })
  | (DefBase & { readonly tag: 'import'; readonly name: ExternName; readonly type: ExternTypeRef })
  | (DefBase & { readonly tag: 'export'; readonly name: ExternName; readonly target: SortIdx; readonly type: ExternTypeRef | undefined })
  | (DefBase & { readonly tag: 'value'; readonly t: ValTypeRef; readonly bytes: Uint8Array });

export type DefinitionTag = Definition['tag'];

/** Where an index of a sort comes from: the definition (by position) that created it. */
export interface SpaceEntry {
  /** Position of the definition in `Component.definitions`. */
  readonly def: number;
  /** For a start with several results: which result. */
  readonly item?: number;
}

export type IndexSpaces = { readonly [S in Sort]: readonly SpaceEntry[] };

/** The `component-name` custom section: names for diagnostics. */
export interface ComponentNames {
  readonly component: string | undefined;
  /** Per sort, index -> name. */
  readonly sorts: ReadonlyMap<Sort, ReadonlyMap<number, string>>;
}

export interface CustomSection {
  readonly offset: number;
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface Component {
  /** Absolute offset of the preamble's first byte. */
  readonly offset: number;
  /** Total size in bytes, preamble included. */
  readonly size: number;
  readonly definitions: readonly Definition[];
  /** The index spaces, built in definition order. */
  readonly spaces: IndexSpaces;
  readonly customs: readonly CustomSection[];
  readonly names: ComponentNames | undefined;
}
