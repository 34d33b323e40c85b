;; One instance reading and writing its own stream<u8> (allowed: u8 is a number type).
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-set-poll]" (func $poll (param i32 i32) (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "[export]$root" "[task-return]rendezvous" (func $ret (param i32)))
  (import "$root" "[stream-new-0]rendezvous" (func $stream_new (result i64)))
  (import "$root" "[async-lower][stream-read-0]rendezvous" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]rendezvous" (func $write (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-cancel-write-0]rendezvous" (func $cancel_write (param i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]rendezvous" (func $drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]rendezvous" (func $drop_w (param i32)))
  (import "test" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "\01\02\03\04")
  (global $r (mut i32) (i32.const 0))
  (global $w (mut i32) (i32.const 0))
  (global $set (mut i32) (i32.const 0))
  (global $step (mut i32) (i32.const 0))

  (func (export "[async-lift]rendezvous") (result i32)
    (local $s i64)
    (local.set $s (call $stream_new))
    (global.set $r (i32.wrap_i64 (local.get $s)))
    (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $s) (i64.const 32))))
    (call $log (i32.const 99) (global.get $r) (global.get $w))
    (global.set $set (call $set_new))
    ;; nobody reads yet: BLOCKED
    (call $log (i32.const 100) (call $write (global.get $w) (i32.const 100) (i32.const 4)) (i32.const 0))
    (call $join (global.get $w) (global.get $set))
    ;; nothing to deliver yet
    (call $log (i32.const 101) (call $poll (global.get $set) (i32.const 8)) (i32.load (i32.const 8)))
    ;; the writer is pending: 2 of its 4 bytes now
    (call $log (i32.const 102) (call $read (global.get $r) (i32.const 200) (i32.const 2)) (i32.const 0))
    (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))

  (func (export "[callback][async-lift]rendezvous") (param $ev i32) (param $h i32) (param $p i32) (result i32)
    (call $log (local.get $ev) (local.get $h) (local.get $p))
    (global.set $step (i32.add (global.get $step) (i32.const 1)))
    (if (i32.eq (global.get $step) (i32.const 1))
      (then
        ;; write again (2 bytes), then read 3: only 2 are offered
        (call $log (i32.const 103) (call $write (global.get $w) (i32.const 102) (i32.const 2)) (i32.const 0))
        (call $log (i32.const 104) (call $read (global.get $r) (i32.const 202) (i32.const 3)) (i32.const 0))
        (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
    ;; step 2: a write nobody reads, then cancel it: CANCELLED with 0 copied
    (call $log (i32.const 105) (call $write (global.get $w) (i32.const 100) (i32.const 1)) (i32.const 0))
    (call $join (global.get $w) (i32.const 0))
    (call $log (i32.const 106) (call $cancel_write (global.get $w)) (i32.const 0))
    ;; drop the reader: the next write reports DROPPED at once
    (call $drop_r (global.get $r))
    (call $log (i32.const 107) (call $write (global.get $w) (i32.const 100) (i32.const 1)) (i32.const 0))
    (call $drop_w (global.get $w))
    (call $set_drop (global.get $set))
    (call $ret (i32.load (i32.const 200)))
    (i32.const 0))
)
