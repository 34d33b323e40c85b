/**
 * wasip3-task-shim: the public API.
 *
 * - `host/canon`: the JSPI-free canonical async runtime for core modules.
 * - `host/task-abi`: the task-ABI layouts, codec, and the host's own
 *   executor and importer (V1 or V2) acting inside a guest instance.
 * - `host/guest`: the AssemblyScript guest builds on the embedded host.
 * - scenarios, the compatibility matrix, traces and their invariants.
 */
export * from './canon/index.js';
export { Trace, TaskAbiKind, TaskLabel, taskAbiKindName, type TraceEvent, type TaskAbiEvent } from './trace/trace.js';
export { InvariantChecker, TaskNames } from './trace/invariants.js';
export type { Violation, ViolationKind } from './trace/violation.js';
export { renderSequenceDiagram, renderTimeline } from './trace/diagram.js';
export { WASIP3_TASK, WASIP3_TASK_V2, WASIP3_TASK_VTABLE, TaskAbiCodec, type TaskStruct, type VtableStruct } from './task-abi/layout.js';
export { TaskAbiEnv } from './task-abi/env.js';
export { HostExecutor } from './task-abi/executor.js';
export { HostImporter, HostOperation, TaskAbiViolationError, type ImporterMode } from './task-abi/importer.js';
export { Guest, type GuestLayout, type GuestOptions } from './guest/guest.js';
export { guestModule, guestWasmPath, parseAbi, type AbiVersion } from './guest/builds.js';
export { runGuestScenario, type ScenarioRun, type Outcome, type GuestScenario } from './scenarios/run.js';
export { guestScenarios } from './scenarios/index.js';
export { runMatrix, runCell, pairings, expectedOutcome, type Cell, type Pairing } from './matrix/run.js';
export { matrixScenarios, type MatrixScenario, type ScenarioContext } from './matrix/scenarios.js';
export * as cabi from './component/abi/index.js';
// The component loader (in progress): decoder, types and validation.
export { decodeComponent, sniffPreamble } from './component/binary/decode.js';
export { ComponentError, type ComponentRule } from './component/binary/reader.js';
export type { Component as DecodedComponent, Definition as ComponentDefinition, Sort as ComponentSort } from './component/binary/ast.js';
export { validateComponent, loadComponentBinary, subtypeError, type ValidatedComponent } from './component/validate.js';
// The component host: load, instantiate and call components (docs/component-host.md).
export { loadComponent, LoadedComponent, ComponentInstanceApi, ComponentResultError, ComponentCallError, type ComponentImports, type InstantiateOptions } from './component/api.js';
export { ComponentLinkError, InstanceValue } from './component/runtime/instantiate.js';
// WASI 0.2 and 0.3 for the component host (README, "Running WASI programs").
export { WasiHost, wasiHostFor, type WasiHostBase, wasiImports, wasiVersionOf, WasiExit, WasiError, type WasiOptions, type Sink, type Source } from './wasi/index.js';
// AssemblyScript bindings from WIT (docs/bindgen.md).
export { bindgen, generateBindings, resolveWorld, readWitSource, BindgenError, type GeneratedBindings, type GenerateOptions, type ResolvedWorld } from './bindgen/index.js';
