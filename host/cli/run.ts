/**
 * `wasip3-task run`: host a core module on the embedded host (or hand a
 * component to a component host) and call one export.
 */
import { basename } from 'node:path';
import { compileModule, formatFuncType, readModuleTypes, Store, Trap, type FlatValue, type FuncType, type Limits, type ModuleTypes, type ValType } from '../canon/index.js';
import { Trace, type TraceEvent } from '../trace/trace.js';
import { InvariantChecker } from '../trace/invariants.js';
import type { Violation } from '../trace/violation.js';
import { guestPeerImports } from '../guest/guest.js';
import { RunError } from './errors.js';
import { coreArgs } from './values.js';

export { RunError } from './errors.js';

export { wasmKind, MAX_INPUT_BYTES, readInput, loadWasm, type WasmKind } from './input.js';

/** The `trap` of a run's output: the code once, the message without the code repeated. */
export interface TrapOutput {
  code: string;
  message: string;
  instance?: string;
  task?: string;
}

/** A trap's message without its leading `[code]` (the code is printed on its own). */
export const trapMessage = (code: string, message: string): string =>
  message.startsWith(`[${code}] `) ? message.slice(code.length + 3) : message;

export function trapOutput(e: Trap): TrapOutput {
  return { code: e.code, message: trapMessage(e.code, e.message), instance: e.instance, task: e.task };
}

export interface RunOutcome {
  result?: FlatValue[];
  /** The core types of `result` (the export's results, or the `task.return` parameters), when known. */
  resultTypes?: ValType[];
  trap?: TrapOutput;
  /** Task-ABI invariant violations found in the trace (a module that reports task-ABI events). */
  violations: Violation[];
  events?: TraceEvent[];
  /** Events past the trace's cap (`Trace.maxEvents`): counted, not kept. */
  eventsDropped?: number;
  /** `${instance}:${ptr}` -> E1, B1, … (the names the violations use). */
  taskNames: ReadonlyMap<string, string>;
}

/** The function export `name` is called as, and the types that shape its call and result. */
interface Callable {
  params?: FuncType;
  results?: ValType[];
}

/** Checks that `invoke` names a function export; returns its parameter and result types. */
function findCallable(module: WebAssembly.Module, types: ModuleTypes | undefined, invoke: string): Callable {
  const fns = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
  const lifted = fns.includes(`[async-lift]${invoke}`);
  if (!lifted && !fns.includes(invoke)) {
    const other = WebAssembly.Module.exports(module).find((e) => e.name === invoke);
    const what = other ? `'${invoke}' is a ${other.kind}, not a function; ` : '';
    const callable = fns.filter((n) => !n.startsWith('[callback]')).map((n) => n.replace(/^\[async-lift\]/, ''));
    throw new RunError(
      'no-such-export',
      `${what}the module exports no function '${invoke}' nor '[async-lift]${invoke}' (functions: ${callable.join(', ') || 'none'})`,
    );
  }
  if (!types) return {};
  const fnType = (n: string) => types.exports.find((e) => e.name === n && e.kind === 'function')?.type;
  if (!lifted) {
    const t = fnType(invoke);
    return { params: t, results: t?.results };
  }
  // An async export's results are what it passes to task.return: the parameters of its `[task-return]` import.
  const hash = invoke.lastIndexOf('#');
  const [iface, func] = hash < 0 ? ['$root', invoke] : [invoke.slice(0, hash), invoke.slice(hash + 1)];
  const ret = types.imports.find((i) => i.kind === 'function' && i.module === `[export]${iface}` && i.name === `[task-return]${func}`);
  return { params: fnType(`[async-lift]${invoke}`), results: ret?.type?.params ?? [] };
}

/**
 * Instantiate a core module on the embedded host and call `invoke`
 * (callback-lifted when `[async-lift]invoke` exists). `args` is the `--args`
 * JSON text, checked against the export's core type.
 */
export async function runCoreModule(
  bytes: Uint8Array,
  opts: { name: string; invoke: string; args?: string; trace: boolean; timeoutMs?: number; limits?: Partial<Limits> },
): Promise<RunOutcome> {
  let module: WebAssembly.Module;
  try {
    module = compileModule(bytes as unknown as BufferSource);
  } catch (e) {
    throw new RunError('bad-module', `the module does not validate: ${e instanceof Error ? e.message : String(e)}`);
  }
  let types: ModuleTypes | undefined;
  try {
    types = readModuleTypes(bytes);
  } catch {
    // A binary V8 accepts but this reader cannot follow: run it unchecked.
    types = undefined;
  }
  const callable = findCallable(module, types, opts.invoke);
  const odd = [...(callable.params?.params ?? []), ...(callable.results ?? [])].filter((t) => !['i32', 'i64', 'f32', 'f64'].includes(t));
  if (odd.length > 0) {
    throw new RunError('unsupported', `export '${opts.invoke}' has type ${formatFuncType(callable.params!)}: the CLI passes and prints only i32, i64, f32 and f64 values (not ${[...new Set(odd)].join(', ')})`);
  }
  const args = coreArgs(opts.args, callable.params, opts.invoke);
  const trace = new Trace(opts.trace);
  const store = new Store({ trace, timeoutMs: opts.timeoutMs, limits: opts.limits });
  const out: Omit<RunOutcome, 'violations' | 'taskNames'> = {};
  try {
    // A module that imports this project's trace or `launder` gets the same peers as the guest.
    const peer = guestPeerImports(store, opts.name);
    const inst = store.instantiate(module, { name: opts.name, ...peer.options });
    peer.bind(inst);
    out.result = await inst.callExportFlat(opts.invoke, args);
    if (callable.results && callable.results.length === out.result.length) out.resultTypes = callable.results;
  } catch (e) {
    if (e instanceof Trap) out.trap = trapOutput(e);
    else if (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError) throw new RunError('bad-module', e.message);
    else throw e;
  }
  const checker = InvariantChecker.check(trace.events);
  return {
    ...out,
    violations: checker.violations,
    taskNames: checker.names.asMap(),
    ...(opts.trace ? { events: typedEvents(trace.events, opts.invoke, callable) } : {}),
    ...(trace.dropped > 0 ? { eventsDropped: trace.dropped } : {}),
  };
}

/** An integer core value as the CLI prints it: unsigned (see values.ts). */
function unsignedAs(v: FlatValue, t: ValType | undefined): FlatValue {
  if (t === 'i32' && typeof v === 'number') return v >>> 0;
  if (t === 'i64' && typeof v === 'bigint') return BigInt.asUintN(64, v);
  return v;
}

/**
 * The trace with the invoked function's own values (its arguments, its
 * `task.return` values, a plain export's result) shown by the printing rule,
 * as the built-ins' handles and pointers already are: integers unsigned.
 */
function typedEvents(events: readonly TraceEvent[], invoke: string, c: Callable): TraceEvent[] {
  const func = invoke.includes('#') ? invoke.slice(invoke.lastIndexOf('#') + 1) : invoke;
  const params = c.params?.params;
  return events.map((e) => {
    if (e.kind !== 'canon') return e;
    if (e.builtin === `task.return ${invoke}` || e.builtin === `task.return ${func}`) {
      return { ...e, args: e.args.map((v, i) => unsignedAs(v, c.results?.[i])) };
    }
    if (e.builtin === `[async-lift]${invoke}` || e.builtin === invoke) {
      const result = e.builtin === invoke && e.result !== undefined ? unsignedAs(e.result, c.results?.[0]) : e.result;
      return { ...e, args: e.args.map((v, i) => unsignedAs(v, params?.[i])), result };
    }
    return e;
  });
}

export const instanceName = (file: string): string => basename(file).replace(/\.(wasm|wat)$/, '');
