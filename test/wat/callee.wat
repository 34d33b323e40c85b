;; An async export f(x): odd x waits forever (until cancelled), even x yields
;; once and returns x + 1. The argument lives in context slot 0 (per task).
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[context-get-0]" (func $get0 (result i32)))
  (import "$root" "[context-set-0]" (func $set0 (param i32)))
  (import "$root" "[backpressure-inc]" (func $bp_inc))
  (import "$root" "[backpressure-dec]" (func $bp_dec))
  (import "[export]$root" "[task-return]f" (func $ret (param i32)))
  (import "[export]$root" "[task-cancel]" (func $task_cancel))
  (import "test" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $idle (mut i32) (i32.const 0))

  (func (export "[async-lift]f") (param $x i32) (result i32)
    (call $set0 (local.get $x))
    (call $log (i32.const 200) (local.get $x) (i32.const 0))
    (if (result i32) (i32.and (local.get $x) (i32.const 1))
      (then
        (if (i32.eqz (global.get $idle)) (then (global.set $idle (call $set_new))))
        (i32.or (i32.const 2) (i32.shl (global.get $idle) (i32.const 4))))
      (else (i32.const 1))))
  (func (export "[callback][async-lift]f") (param $ev i32) (param $h i32) (param $p i32) (result i32)
    (call $log (i32.add (i32.const 200) (local.get $ev)) (call $get0) (i32.const 0))
    (if (i32.eq (local.get $ev) (i32.const 6))
      (then (call $task_cancel) (return (i32.const 0))))
    (call $ret (i32.add (call $get0) (i32.const 1)))
    (i32.const 0))

  (func (export "hold") (call $bp_inc))
  (func (export "release") (call $bp_dec))
)
