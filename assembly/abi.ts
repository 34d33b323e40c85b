// The wasip3 task ABI in linear memory (docs/task-abi.md, "Layouts") and the
// async canonical ABI numbers (docs/task-abi.md, "Canonical ABI numbers"). Every offset is defined here, once, by the
// field order of an @unmanaged class; nothing else in the guest spells one out.

/** `wasip3_task.version` values. Readers compare with `>=`; 0 is invalid. */
export const WASIP3_TASK_V1: u32 = 1;
export const WASIP3_TASK_V2: u32 = 2;

/**
 * `wasip3_task` (V1), 16 bytes, align 4. Function pointers are indices into
 * the module's indirect function table.
 */
@unmanaged
export class Wasip3Task {
  /** 1 = V1, 2 = V2; the only version marker of the ABI. */
  version: u32;
  /** Private to the executor: the first argument of every callback. */
  ptr: usize;
  /** fn(ptr, waitable u32, callback fn(cb_ptr, code u32), cb_ptr) -> prev cb_ptr */
  waitable_register: u32;
  /** fn(ptr, waitable u32) -> prev cb_ptr */
  waitable_unregister: u32;
}

/** `wasip3_task_v2`, 20 bytes: the V1 struct, then the vtable pointer. */
@unmanaged
export class Wasip3TaskV2 extends Wasip3Task {
  /** Always valid, usually static. The merged ABI has no version field in the vtable. */
  vtable: usize;
}

/** `wasip3_task_vtable`, 16 bytes. */
@unmanaged
export class Wasip3TaskVtable {
  waitable_register: u32;
  waitable_unregister: u32;
  /** fn(ptr) -> a new, separately owned reference to the same task */
  clone: u32;
  /** fn(ptr): releases one reference made by `clone` */
  drop: u32;
}

// Layout facts exported for the host's byte-for-byte agreement test.
export const WASIP3_TASK_SIZE: u32 = offsetof<Wasip3Task>();
export const WASIP3_TASK_V2_SIZE: u32 = offsetof<Wasip3TaskV2>();
export const WASIP3_TASK_VTABLE_SIZE: u32 = offsetof<Wasip3TaskVtable>();
export const OFFSET_VERSION: u32 = offsetof<Wasip3Task>("version");
export const OFFSET_PTR: u32 = offsetof<Wasip3Task>("ptr");
export const OFFSET_WAITABLE_REGISTER: u32 = offsetof<Wasip3Task>("waitable_register");
export const OFFSET_WAITABLE_UNREGISTER: u32 = offsetof<Wasip3Task>("waitable_unregister");
export const OFFSET_VTABLE: u32 = offsetof<Wasip3TaskV2>("vtable");
export const VTABLE_OFFSET_WAITABLE_REGISTER: u32 = offsetof<Wasip3TaskVtable>("waitable_register");
export const VTABLE_OFFSET_WAITABLE_UNREGISTER: u32 = offsetof<Wasip3TaskVtable>("waitable_unregister");
export const VTABLE_OFFSET_CLONE: u32 = offsetof<Wasip3TaskVtable>("clone");
export const VTABLE_OFFSET_DROP: u32 = offsetof<Wasip3TaskVtable>("drop");

/**
 * What waitable-set.wait/poll store at their `out` pointer (spec
 * `unpack_event`): the waitable's handle, then the event's payload. 8 bytes,
 * align 4.
 */
@unmanaged
export class EventOut {
  waitable: u32;
  payload: u32;
}

// Event codes: first result of waitable-set.wait/poll, first callback argument.
export const EVENT_NONE: u32 = 0;
export const EVENT_SUBTASK: u32 = 1;
export const EVENT_STREAM_READ: u32 = 2;
export const EVENT_STREAM_WRITE: u32 = 3;
export const EVENT_FUTURE_READ: u32 = 4;
export const EVENT_FUTURE_WRITE: u32 = 5;
export const EVENT_TASK_CANCELLED: u32 = 6;

// Callback results, packed as `code | (set << 4)`.
export const CALLBACK_CODE_EXIT: u32 = 0;
export const CALLBACK_CODE_YIELD: u32 = 1;
export const CALLBACK_CODE_WAIT: u32 = 2;

// Copy results of stream/future read/write/cancel.
export const BLOCKED: u32 = 0xffff_ffff;
export const COPY_COMPLETED: u32 = 0;
export const COPY_DROPPED: u32 = 1;
export const COPY_CANCELLED: u32 = 2;

/** The low nibble of a copy result. */
// @ts-ignore: decorator
@inline export function copyResultKind(code: u32): u32 {
  return code & 0xf;
}
/** The element count of a stream copy result. */
// @ts-ignore: decorator
@inline export function copyResultCount(code: u32): u32 {
  return code >> 4;
}
