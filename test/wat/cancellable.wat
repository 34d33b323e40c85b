;; Cancellable blocking built-ins inside an export: mode 0 waits on an empty
;; set, mode 1 yields until cancelled, mode 2 polls until cancelled.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[cancellable][waitable-set-wait]" (func $wait (param i32 i32) (result i32)))
  (import "$root" "[cancellable][waitable-set-poll]" (func $poll (param i32 i32) (result i32)))
  (import "$root" "[cancellable][thread-yield]" (func $yield_c (result i32)))
  (import "$root" "[thread-yield]" (func $yield (result i32)))
  (import "[export]$root" "[task-cancel]" (func $task_cancel))
  (import "[export]$root" "[task-return]g" (func $ret (param i32)))
  (import "test" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "[async-lift]g") (param $mode i32) (result i32)
    (local $n i32) (local $r i32)
    (if (i32.eqz (local.get $mode))
      (then (call $log (i32.const 300) (call $wait (call $set_new) (i32.const 8)) (i32.const 0))))
    (if (i32.eq (local.get $mode) (i32.const 1))
      (then
        (loop $l
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br_if $l (i32.eqz (call $yield_c))))
        (call $log (i32.const 301) (local.get $n) (i32.const 0))))
    (if (i32.eq (local.get $mode) (i32.const 2))
      (then
        (local.set $r (call $set_new))
        (loop $l
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (drop (call $yield))
          (br_if $l (i32.eqz (call $poll (local.get $r) (i32.const 8)))))
        (call $log (i32.const 302) (local.get $n) (i32.const 0))))
    (call $task_cancel)
    (i32.const 0))
  (func (export "[callback][async-lift]g") (param i32 i32 i32) (result i32) unreachable)
)
