/**
 * # host/canon: the canonical async runtime for core wasm modules
 *
 * A deterministic, single-threaded implementation of the component-model
 * async canonical ABI (names from `design/mvp/canonical-abi/definitions.py`)
 * for *core* modules that import the built-ins by their wit-component names.
 * No JSPI, no timers: a guest's blocking `waitable-set.wait` is served inside
 * the import call by running other instances and host peers from the run queue.
 *
 * ## Built-ins supported (import names; N = type index, func = function name)
 * - `$root`: `[waitable-set-new]`, `[waitable-set-wait]`, `[waitable-set-poll]`,
 *   `[cancellable][waitable-set-wait]`, `[cancellable][waitable-set-poll]`,
 *   `[waitable-set-drop]`, `[waitable-join]`, `[context-get-0]`, `[context-set-0]`,
 *   `[context-get-1]`, `[context-set-1]`, `[thread-yield]`, `[cancellable][thread-yield]`,
 *   `[subtask-drop]`, `[subtask-cancel]`, `[async-lower][subtask-cancel]`,
 *   `[backpressure-inc]`, `[backpressure-dec]`.
 * - `[export]<iface>`: `[task-return]func` (flattened results), `[task-cancel]`.
 * - any module: `[stream-new-N]func`, `[stream-read-N]func`, `[async-lower][stream-read-N]func`,
 *   `[stream-write-N]func`, `[async-lower][stream-write-N]func`, `[stream-cancel-read-N]func`,
 *   `[async-lower][stream-cancel-read-N]func`, `[stream-cancel-write-N]func`,
 *   `[async-lower][stream-cancel-write-N]func`, `[stream-drop-readable-N]func`,
 *   `[stream-drop-writable-N]func`, and the same seven for `future`.
 * - `[async-lower]func`: an async-lowered import backed by a host function
 *   (sync result, Promise, or `call.return()` later) or another instance's export.
 * - `env.abort` (AssemblyScript): a `GuestAbort` with message, file, line, column.
 * - exports: `[async-lift]f` + `[callback][async-lift]f` (callback driver),
 *   `[async-lift]f` alone (stackful: must task.return before returning), or plain `f`.
 *
 * ## Trap codes (`Trap.code`; the sentences live in `TRAP_RULES`, errors.ts)
 * unknown-handle, wrong-handle-type, table-full, waitable-set-not-empty,
 * waitable-set-waited-on, waitable-has-sync-waiter, copy-in-progress, end-done,
 * not-copying, end-busy, end-in-set, type-mismatch, same-instance-copy,
 * copy-state, future-write-not-done, out-of-bounds, unaligned-pointer,
 * buffer-too-long, no-memory, no-current-task, bad-callback-code,
 * exit-without-return, task-return-twice, task-return-mismatch, task-not-async,
 * task-cancel-not-delivered, may-not-block, may-not-enter, backpressure-overflow,
 * backpressure-underflow, subtask-not-resolved, subtask-resolved,
 * subtask-cancel-twice, async-call-shape, deadlock, unknown-builtin,
 * unresolved-import, bad-signature, no-such-export, guest-abort, wasm-trap,
 * host-error, instance-poisoned, and the host's own limits: timeout,
 * limit-exceeded (limits.ts).
 *
 * ## Differences from the spec
 * docs/deviations.md is the one list of every place this host does something
 * other than definitions.py, each with its reason (flat untyped values, no
 * realloc or post-return, no may_leave, no sync lower, the stricter
 * may-not-block, nested waits, the deterministic order, per-instance traps,
 * the table numbering, what is not implemented).
 */
export { BLOCKED, CallbackCode, Cancelled, CopyResult, CopyResultKind, type HostCopyResult, CopyState, EventCode, SubtaskState, TaskState, packCopyResult } from './constants.js';
export { DeadlockError, GuestAbort, GUEST_TEXT_MAX, LimitExceeded, printableGuestText, TimeoutTrap, Trap, TRAP_RULES, type TrapCode, type TrapSite } from './errors.js';
export { checkTimeout, DEFAULT_LIMITS, LIMIT_FLAGS, LimitOptionError, resolveLimits, type Limits } from './limits.js';
export { U8, sameElemType, type ElemType } from './buffer.js';
export { Builtins } from './builtins.js';
export { ReadableFutureEnd, SharedFuture, WritableFutureEnd } from './future.js';
export { HostInstance, type HostSubtask } from './host-instance.js';
export { ComponentInstance, type CallOptions } from './instance.js';
export { parseBuiltinName, readAsString, readGuestString, type InstanceOptions } from './linker.js';
export type { AsyncCallee, ExportCallee, HostAsyncFunction, HostCall } from './lower.js';
export { Scheduler, type Enterable, type Runnable } from './scheduler.js';
export { Store, type StoreOptions } from './store.js';
export { ReadableStreamEnd, SharedStream, WritableStreamEnd, type CanonOwner } from './stream.js';
export { Subtask } from './subtask.js';
export { Table } from './table.js';
export { Task, type FlatValue, type LiftKind } from './task.js';
export { Waitable, type EventTuple } from './waitable.js';
export { WaitableSet } from './waitable-set.js';
export { compileModule, formatFuncType, moduleTypes, readModuleTypes, WasmFormatError, type FuncType, type ModuleTypes, type ValType } from './wasm-types.js';
