/**
 * Component-model types, as the canonical ABI's `definitions.py` names them
 * (`BoolType`, `ListType`, `RecordType`, ...), written as a discriminated
 * union on `kind` so that the decoder, the validator, the canonical ABI and
 * the typed JS API all share one representation.
 *
 * Value types are structural: two `{ kind: 'list', t: U32 }` objects are the
 * same type. Resource types are nominal: `own`/`borrow` point at one
 * `ResourceType` object, compared by identity.
 */

/** `PrimValType` subclasses of definitions.py. */
export type PrimValType =
  | { readonly kind: 'bool' }
  | { readonly kind: 's8' }
  | { readonly kind: 'u8' }
  | { readonly kind: 's16' }
  | { readonly kind: 'u16' }
  | { readonly kind: 's32' }
  | { readonly kind: 'u32' }
  | { readonly kind: 's64' }
  | { readonly kind: 'u64' }
  | { readonly kind: 'f32' }
  | { readonly kind: 'f64' }
  | { readonly kind: 'char' }
  | { readonly kind: 'string' };

export type PrimKind = PrimValType['kind'];

/** `FieldType`. */
export interface FieldType {
  readonly label: string;
  readonly t: ValType;
}

/** `CaseType`: a variant case, with or without a payload. */
export interface CaseType {
  readonly label: string;
  readonly t: ValType | undefined;
}

/**
 * A resource type (`ResourceType`): nominal. `impl` is the component instance
 * that defined it (undefined for host-defined resources until bound), `dtor`
 * the core function called by `resource.drop` of an owned handle.
 */
export interface ResourceType {
  readonly kind: 'resource';
  /** A name for diagnostics (`local:demo/api#file`, or `resource N`). */
  readonly name: string;
  /** `rep` is always i32 in the current component model. */
  readonly rep: 'i32';
  impl?: unknown;
  dtor?: ((rep: number) => unknown) | undefined;
}

export type ValType =
  | PrimValType
  | { readonly kind: 'error-context' }
  | { readonly kind: 'list'; readonly t: ValType; readonly l?: number | undefined }
  | { readonly kind: 'record'; readonly fields: readonly FieldType[] }
  | { readonly kind: 'tuple'; readonly ts: readonly ValType[] }
  | { readonly kind: 'variant'; readonly cases: readonly CaseType[] }
  | { readonly kind: 'enum'; readonly labels: readonly string[] }
  | { readonly kind: 'option'; readonly t: ValType }
  | { readonly kind: 'result'; readonly ok: ValType | undefined; readonly error: ValType | undefined }
  | { readonly kind: 'flags'; readonly labels: readonly string[] }
  | { readonly kind: 'map'; readonly k: ValType; readonly v: ValType }
  | { readonly kind: 'own'; readonly rt: ResourceType }
  | { readonly kind: 'borrow'; readonly rt: ResourceType }
  | { readonly kind: 'stream'; readonly t: ValType | undefined }
  | { readonly kind: 'future'; readonly t: ValType | undefined };

export type ValKind = ValType['kind'];

/** `FuncType`: named parameters, an optional result, and whether it is `async`. */
export interface FuncType {
  readonly kind: 'func';
  readonly params: readonly (readonly [string, ValType])[];
  readonly result: ValType | undefined;
  readonly async: boolean;
}

/** The canonical ABI's core value types. */
export type CoreValType = 'i32' | 'i64' | 'f32' | 'f64';

/** `CoreFuncType`. */
export interface CoreFuncType {
  readonly params: readonly CoreValType[];
  readonly results: readonly CoreValType[];
}

/**
 * A WebAssembly 3.0 (GC) core type defined in a component: a `struct`, an
 * `array`, or a `func` declared through `sub`/`rec`. Validated (supertypes,
 * finality, subtype matching); a component uses core types only in core
 * module types, and the core modules themselves (GC or not) are compiled
 * and linked by WebAssembly.
 */
export interface CoreGcType {
  readonly kind: 'gc';
  readonly comp: 'func' | 'struct' | 'array';
  readonly final: boolean;
  /** For a `func` composite type: its parameters and results as a CoreFuncType (reference types as i32). */
  readonly func: CoreFuncType | undefined;
}

/** What the core type index space holds. */
export type CoreTypeEntry = CoreFuncType | ModuleType | CoreGcType;

/** Constructors for the primitive types (one shared object each). */
export const Prim = {
  bool: { kind: 'bool' },
  s8: { kind: 's8' },
  u8: { kind: 'u8' },
  s16: { kind: 's16' },
  u16: { kind: 'u16' },
  s32: { kind: 's32' },
  u32: { kind: 'u32' },
  s64: { kind: 's64' },
  u64: { kind: 'u64' },
  f32: { kind: 'f32' },
  f64: { kind: 'f64' },
  char: { kind: 'char' },
  string: { kind: 'string' },
} as const satisfies Record<PrimKind, PrimValType>;

export const ErrorContext: ValType = { kind: 'error-context' };

/**
 * Extern types (definitions.py's `ExternType` subclasses), as the decoder's
 * validation resolves them. `type` externs carry the type they name: a
 * value type, a function/component/instance type, or a resource type (a fresh
 * abstract one for a `(sub resource)` bound).
 */
export type ExternType =
  | { readonly kind: 'core module'; readonly type: ModuleType }
  | { readonly kind: 'func'; readonly type: FuncType }
  | { readonly kind: 'value'; readonly type: ValType }
  | { readonly kind: 'type'; readonly type: DefinedType }
  | { readonly kind: 'component'; readonly type: ComponentType }
  | { readonly kind: 'instance'; readonly type: InstanceType };

/** `ExternDecl`: a named import or export. */
export interface ExternDecl {
  readonly name: string;
  readonly t: ExternType;
}

/** `ComponentType`. */
export interface ComponentType {
  readonly kind: 'component';
  readonly imports: readonly ExternDecl[];
  readonly exports: readonly ExternDecl[];
}

/** `InstanceType`. */
export interface InstanceType {
  readonly kind: 'instance';
  readonly exports: readonly ExternDecl[];
}

/** A core extern kind as WebAssembly reports it. */
export type CoreExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';

/** Table and memory limits (WebAssembly 3.0): sizes in elements or pages. */
export interface CoreLimitsDesc {
  readonly min: bigint;
  readonly max: bigint | undefined;
  readonly shared: boolean;
  /** An i64 address type (memory64 / table64). */
  readonly is64: boolean;
}

/**
 * The type of a core table, memory or global, for import/export matching.
 * Value types are written as the text format does (`i32`, `funcref`,
 * `(ref extern)`); undefined for one with a concrete heap type (not compared).
 */
export type CoreExternDesc =
  | { readonly kind: 'table'; readonly elem: string | undefined; readonly limits: CoreLimitsDesc }
  | { readonly kind: 'memory'; readonly limits: CoreLimitsDesc }
  | { readonly kind: 'global'; readonly t: string | undefined; readonly mutable: boolean };

/** `CoreImportDecl` / `CoreExportDecl`, with the core type when it is known. */
export interface CoreImportDecl {
  readonly module: string;
  readonly field: string;
  readonly kind: CoreExternKind;
  readonly t?: CoreFuncType | undefined;
  /** A table, memory or global's type, when known. */
  readonly desc?: CoreExternDesc | undefined;
}

export interface CoreExportDecl {
  readonly name: string;
  readonly kind: CoreExternKind;
  readonly t?: CoreFuncType | undefined;
  /** A table, memory or global's type, when known. */
  readonly desc?: CoreExternDesc | undefined;
}

/** `ModuleType`. */
export interface ModuleType {
  readonly kind: 'module';
  readonly imports: readonly CoreImportDecl[];
  readonly exports: readonly CoreExportDecl[];
  /** For a core module (not a module type): how many memories it imports and defines. */
  readonly memories?: number;
}

/** Anything the type index space can hold. */
export type DefinedType = ValType | FuncType | ComponentType | InstanceType | ResourceType;
