/**
 * One instance of the AssemblyScript guest on the embedded host: its task-ABI
 * trace wired into the store's Trace, the `launder` peer wired in as another
 * instance, and the guest's own layout facts and pool statistics.
 */
import type { ComponentInstance, InstanceOptions, Store } from '../canon/index.js';
import { GuestTraceKind, TaskAbiKind, taskAbiKindName, type Trace } from '../trace/trace.js';
import { abiName, guestModule, type AbiVersion } from './builds.js';
import { launderImport, LAUNDRY } from './launder.js';

/** The task-ABI layout as the guest build defines it (exported globals). */
export interface GuestLayout {
  taskSize: number;
  taskV2Size: number;
  vtableSize: number;
  version: number;
  ptr: number;
  waitableRegister: number;
  waitableUnregister: number;
  vtable: number;
  vtableWaitableRegister: number;
  vtableWaitableUnregister: number;
  vtableClone: number;
  vtableDrop: number;
}

export interface GuestOptions {
  /** Instance name used in traces and errors; default `guest-v1` / `guest-v2`. */
  name?: string;
  /** Text for a scenario step marker; default `step N`. */
  stepText?: (step: number) => string;
}

export class Guest {
  readonly instance: ComponentInstance;
  readonly layout: GuestLayout;
  readonly name: string;

  private constructor(
    readonly store: Store,
    readonly abi: AbiVersion,
    opts: GuestOptions,
  ) {
    this.name = opts.name ?? `guest-${abiName(abi)}`;
    const peer = guestPeerImports(store, this.name, opts.stepText);
    this.instance = store.instantiate(guestModule(abi), { name: this.name, ...peer.options });
    peer.bind(this.instance);
    this.layout = readLayout(this.instance.exports);
  }

  static instantiate(store: Store, abi: AbiVersion, opts: GuestOptions = {}): Guest {
    return new Guest(store, abi, opts);
  }

  private get exports(): Record<string, unknown> {
    return this.instance.exports as Record<string, unknown>;
  }

  /** The ABI version the build says it is (its `ABI` global). */
  get builtAbi(): number {
    return (this.exports.ABI as WebAssembly.Global).value as number;
  }

  /** `wasip3_task_set(task)`: the guest's slot, swap semantics. */
  slotSet(task: number): number {
    return (this.exports.wasip3_task_set as (t: number) => number)(task) >>> 0;
  }

  liveOperations(): number {
    return (this.exports.live_operations as () => number)();
  }
  liveSharedStates(): number {
    return (this.exports.live_shared_states as () => number)();
  }
  liveEntries(): number {
    return (this.exports.live_entries as () => number)();
  }
  /** How many freed blocks stay poisoned before reuse (0: reuse at once). */
  setQuarantine(limit: number): void {
    (this.exports.set_quarantine as (n: number) => void)(limit);
  }

  /** Call an export (callback-lifted when `[async-lift]name` exists). */
  call(name: string, args: number[] = []): Promise<number[]> {
    return this.instance.callExport(name, args);
  }
}

/**
 * What a guest of this project imports beyond the canonical built-ins: the
 * task-ABI trace (`wasip3-task-shim` `trace`, into the store's Trace) and the
 * `launder` peer instance (`shim:scenarios/laundry` `[async-lower]launder`).
 * Call `bind` with the instance once it exists.
 */
export function guestPeerImports(store: Store, name: string, stepText: (n: number) => string = (n) => `step ${n}`) {
  const trace = store.trace;
  let self: ComponentInstance | undefined;
  const laundry = store.hostInstance(`${name}.launder-peer`);
  const options: Pick<InstanceOptions, 'imports' | 'asyncImports'> = {
    imports: {
      'wasip3-task-shim': { trace: (kind: number, task: number, w: number, ptr: number, extra: number) => recordGuestEvent(trace, name, stepText, kind, task, w, ptr, extra) },
    },
    asyncImports: {
      [LAUNDRY]: {
        // async-lowered: returns at once (RETURNED), the new end as its one result.
        launder: (args) => {
          if (!self) throw new Error('launder called before the guest was instantiated');
          return [launderImport(self, laundry, Number(args[0]))];
        },
      },
    },
  };
  return { options, bind: (inst: ComponentInstance) => void (self = inst) };
}

function readLayout(exports: WebAssembly.Exports): GuestLayout {
  const g = (n: string): number => {
    const v = exports[n];
    if (!(v instanceof WebAssembly.Global)) throw new Error(`guest does not export the layout global ${n}`);
    return v.value as number;
  };
  return {
    taskSize: g('WASIP3_TASK_SIZE'),
    taskV2Size: g('WASIP3_TASK_V2_SIZE'),
    vtableSize: g('WASIP3_TASK_VTABLE_SIZE'),
    version: g('OFFSET_VERSION'),
    ptr: g('OFFSET_PTR'),
    waitableRegister: g('OFFSET_WAITABLE_REGISTER'),
    waitableUnregister: g('OFFSET_WAITABLE_UNREGISTER'),
    vtable: g('OFFSET_VTABLE'),
    vtableWaitableRegister: g('VTABLE_OFFSET_WAITABLE_REGISTER'),
    vtableWaitableUnregister: g('VTABLE_OFFSET_WAITABLE_UNREGISTER'),
    vtableClone: g('VTABLE_OFFSET_CLONE'),
    vtableDrop: g('VTABLE_OFFSET_DROP'),
  };
}

function recordGuestEvent(
  trace: Trace,
  instance: string,
  stepText: (n: number) => string,
  kind: number,
  task: number,
  waitable: number,
  ptr: number,
  extra: number,
): void {
  if (kind === GuestTraceKind.STEP) {
    trace.note(instance, stepText(extra >>> 0));
    return;
  }
  const name = taskAbiKindName(kind);
  if (!name) throw new Error(`guest ${instance} traced an unknown event kind ${kind}`);
  trace.push({ kind: name, instance, actor: 'guest', task: task >>> 0, waitable: waitable >>> 0, ptr: ptr >>> 0, extra: extra >>> 0 });
}

export { TaskAbiKind };
