;; stream<rec> with 12-byte, 4-aligned, non-numeric elements between two
;; instances of this module: the producer writes, the host moves the
;; readable end to the consumer (spec lift_stream / lower_stream).
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "[export]$root" "[task-return]produce" (func $ret_produce))
  (import "[export]$root" "[task-return]consume" (func $ret_consume (param i32)))
  (import "$root" "[stream-new-0]rec" (func $new (result i64)))
  (import "$root" "[async-lower][stream-read-0]rec" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]rec" (func $write (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]rec" (func $drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]rec" (func $drop_w (param i32)))
  (import "test" "give" (func $give (param i32)))
  (import "test" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00\06\00\00\00")
  (global $h (mut i32) (i32.const 0))
  (global $set (mut i32) (i32.const 0))

  (func (export "[async-lift]produce") (result i32) (local $s i64)
    (local.set $s (call $new))
    (global.set $h (i32.wrap_i64 (i64.shr_u (local.get $s) (i64.const 32))))
    (call $give (i32.wrap_i64 (local.get $s)))
    (call $log (i32.const 100) (call $write (global.get $h) (i32.const 64) (i32.const 2)) (global.get $h)) ;; BLOCKED
    (global.set $set (call $set_new))
    (call $join (global.get $h) (global.get $set))
    (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
  (func (export "[callback][async-lift]produce") (param $ev i32) (param $hh i32) (param $p i32) (result i32)
    (call $log (local.get $ev) (local.get $hh) (local.get $p))  ;; STREAM_WRITE w COMPLETED|2
    (call $join (global.get $h) (i32.const 0))
    (call $drop_w (global.get $h))
    (call $set_drop (global.get $set))
    (call $ret_produce)
    (i32.const 0))

  (func (export "[async-lift]consume") (param $r i32) (result i32)
    (global.set $h (local.get $r))
    (call $log (i32.const 200) (call $read (local.get $r) (i32.const 256) (i32.const 3)) (local.get $r)) ;; COMPLETED|2
    (call $log (i32.const 201) (call $read (local.get $r) (i32.const 292) (i32.const 1)) (i32.const 0)) ;; BLOCKED
    (global.set $set (call $set_new))
    (call $join (local.get $r) (global.get $set))
    (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
  (func (export "[callback][async-lift]consume") (param $ev i32) (param $hh i32) (param $p i32) (result i32)
    (call $log (local.get $ev) (local.get $hh) (local.get $p))  ;; STREAM_READ r DROPPED|0
    (call $join (global.get $h) (i32.const 0))
    (call $drop_r (global.get $h))
    (call $set_drop (global.get $set))
    (call $ret_consume (i32.load (i32.const 276)))
    (i32.const 0))
)
