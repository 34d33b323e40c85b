;; NONE and TASK_CANCELLED payloads (both words 0), and what thread.yield
;; and the cancellable waits return while a cancellation is pending.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-set-poll]" (func $poll (param i32 i32) (result i32)))
  (import "$root" "[cancellable][waitable-set-wait]" (func $wait_c (param i32 i32) (result i32)))
  (import "$root" "[cancellable][waitable-set-poll]" (func $poll_c (param i32 i32) (result i32)))
  (import "$root" "[thread-yield]" (func $yield (result i32)))
  (import "$root" "[cancellable][thread-yield]" (func $yield_c (result i32)))
  (import "[export]$root" "[task-cancel]" (func $task_cancel))
  (import "[export]$root" "[task-return]yielder" (func $ret_yielder (param i32)))
  (import "test" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $set (mut i32) (i32.const 0))

  ;; junk in the event slot, so a test sees that both words are written
  (func $junk (i64.store (i32.const 8) (i64.const -1)))
  (func $event (param $code i32) (call $log (local.get $code) (i32.load (i32.const 8)) (i32.load (i32.const 12))))

  ;; callback-lifted, WAITs on an empty set: cancellation reaches the callback as (TASK_CANCELLED, 0, 0)
  (func (export "[async-lift]parked") (result i32)
    (global.set $set (call $set_new))
    (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
  (func (export "[callback][async-lift]parked") (param $ev i32) (param $h i32) (param $p i32) (result i32)
    (call $log (local.get $ev) (local.get $h) (local.get $p))
    (call $task_cancel)
    (i32.const 0))

  ;; callback-lifted, YIELDs: the callback gets (NONE, 0, 0)
  (func (export "[async-lift]yielder") (result i32) (i32.const 1))
  (func (export "[callback][async-lift]yielder") (param $ev i32) (param $h i32) (param $p i32) (result i32)
    (call $log (local.get $ev) (local.get $h) (local.get $p))
    (call $ret_yielder (i32.const 7))
    (i32.const 0))

  ;; stackful: the host requests cancellation during the first thread.yield
  (func (export "[async-lift]pending") (local $set i32)
    (local.set $set (call $set_new))
    (call $log (i32.const 1) (call $yield) (i32.const 0))   ;; 0: the request arrives, stays pending
    (call $junk)
    (call $event (call $poll (local.get $set) (i32.const 8)))    ;; NONE 0 0: not cancellable
    (call $log (i32.const 2) (call $yield) (i32.const 0))   ;; 0: not cancellable
    (call $junk)
    (call $event (call $wait_c (local.get $set) (i32.const 8)))  ;; TASK_CANCELLED 0 0 (without blocking)
    (call $log (i32.const 3) (call $yield_c) (i32.const 0)) ;; 0: delivered only once
    (call $junk)
    (call $event (call $poll_c (local.get $set) (i32.const 8)))  ;; NONE 0 0
    (call $task_cancel))

  ;; stackful: the cancellable yield is the one that reports it
  (func (export "[async-lift]pending-yield")
    (call $log (i32.const 1) (call $yield) (i32.const 0))   ;; 0
    (call $log (i32.const 2) (call $yield_c) (i32.const 0)) ;; 1
    (call $task_cancel))

  (func (export "ok") (result i32) (i32.const 42))
)
