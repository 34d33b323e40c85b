;; Blocking waits inside a callback-lifted export (what block_on does).
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-set-wait]" (func $wait (param i32 i32) (result i32)))
  (import "$root" "[waitable-set-poll]" (func $poll (param i32 i32) (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "[export]$root" "[task-return]pull" (func $ret_pull (param i32)))
  (import "$root" "[async-lower][stream-read-0]pull" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]pull" (func $drop_r (param i32)))
  (import "test" "reader" (func $reader (result i32)))
  (import "test" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)

  (func (export "[async-lift]pull") (result i32)
    (local $r i32) (local $set i32) (local $ev i32)
    (local.set $r (call $reader))
    (local.set $set (call $set_new))
    (call $log (i32.const 100) (call $read (local.get $r) (i32.const 300) (i32.const 8)) (i32.const 0))
    (call $join (local.get $r) (local.get $set))
    (call $log (i32.const 101) (call $poll (local.get $set) (i32.const 16)) (i32.const 0))
    ;; block inside the export: the host peer is run meanwhile
    (local.set $ev (call $wait (local.get $set) (i32.const 16)))
    (call $log (local.get $ev) (i32.load (i32.const 16)) (i32.load (i32.const 20)))
    (call $join (local.get $r) (i32.const 0))
    (call $drop_r (local.get $r))
    (call $set_drop (local.get $set))
    (call $ret_pull (i32.load (i32.const 300)))
    (i32.const 0))
  (func (export "[callback][async-lift]pull") (param i32 i32 i32) (result i32) unreachable)

  ;; a blocking wait on an empty set: nothing can ever deliver
  (func (export "[async-lift]stuck") (result i32)
    (drop (call $wait (call $set_new) (i32.const 16)))
    (i32.const 0))
  (func (export "[callback][async-lift]stuck") (param i32 i32 i32) (result i32) unreachable)

  ;; WAIT on an empty set from the callback loop
  (func (export "[async-lift]stuck-wait") (result i32)
    (i32.or (i32.const 2) (i32.shl (call $set_new) (i32.const 4))))
  (func (export "[callback][async-lift]stuck-wait") (param i32 i32 i32) (result i32) unreachable)

  ;; a plain (non-async) export may not block
  (func (export "sync-wait") (result i32)
    (call $wait (call $set_new) (i32.const 16)))

  (func (export "ok") (result i32) (i32.const 42))
)
