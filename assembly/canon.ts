// The canonical built-ins this runtime imports, by the names wit-component
// expects (docs/task-abi.md, "Built-in names"). Stream built-ins belong to the function whose
// type mentions the stream: here `launder` of `shim:scenarios/laundry`.

@external("$root", "[waitable-set-new]")
export declare function waitable_set_new(): u32;
@external("$root", "[waitable-set-wait]")
export declare function waitable_set_wait(set: u32, out: usize): u32;
@external("$root", "[waitable-set-poll]")
export declare function waitable_set_poll(set: u32, out: usize): u32;
@external("$root", "[waitable-set-drop]")
export declare function waitable_set_drop(set: u32): void;
@external("$root", "[waitable-join]")
export declare function waitable_join(waitable: u32, set: u32): void;
@external("$root", "[context-get-0]")
export declare function context_get_0(): usize;
@external("$root", "[context-set-0]")
export declare function context_set_0(value: usize): void;
@external("$root", "[subtask-drop]")
export declare function subtask_drop(subtask: u32): void;
@external("$root", "[subtask-cancel]")
export declare function subtask_cancel(subtask: u32): u32;
// Confirms a delivered TASK_CANCELLED: the current export task resolves as cancelled.
@external("[export]$root", "[task-cancel]")
export declare function task_cancel(): void;

// `launder: async func(x: stream<u8>) -> stream<u8>` (interface
// shim:scenarios/laundry): another instance takes a readable end and hands
// back a new one that it forwards into, on demand. Async-lowered: returns
// `state | (subtask << 4)`; the new end is stored at `resultPtr`.
@external("shim:scenarios/laundry", "[async-lower]launder")
export declare function launder_async(readable: u32, resultPtr: usize): u32;
@external("shim:scenarios/laundry", "[stream-new-0]launder")
export declare function stream_new(): u64;
@external("shim:scenarios/laundry", "[async-lower][stream-read-0]launder")
export declare function stream_read(readable: u32, ptr: usize, n: u32): u32;
@external("shim:scenarios/laundry", "[async-lower][stream-write-0]launder")
export declare function stream_write(writable: u32, ptr: usize, n: u32): u32;
@external("shim:scenarios/laundry", "[stream-cancel-read-0]launder")
export declare function stream_cancel_read(readable: u32): u32;
@external("shim:scenarios/laundry", "[stream-cancel-write-0]launder")
export declare function stream_cancel_write(writable: u32): u32;
@external("shim:scenarios/laundry", "[stream-drop-readable-0]launder")
export declare function stream_drop_readable(readable: u32): void;
@external("shim:scenarios/laundry", "[stream-drop-writable-0]launder")
export declare function stream_drop_writable(writable: u32): void;
