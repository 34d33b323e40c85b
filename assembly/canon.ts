// The canonical built-ins this runtime imports, by the names wit-component
// expects (ABI.md section 6). Stream built-ins belong to the function whose
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

// `launder` (interface shim:scenarios/laundry): the peer instance takes a readable
// end and hands back a new one that it forwards into, on demand.
@external("shim:scenarios/laundry", "launder")
export declare function launder(readable: u32): u32;
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
