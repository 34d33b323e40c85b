;; A user's core module for `wasip3-task run`: an async export that keeps its
;; argument in context slot 0, yields once, then returns it doubled; an async
;; export that traps after its first turn; a plain export.
(module
  (import "$root" "[context-get-0]" (func $ctx_get (result i32)))
  (import "$root" "[context-set-0]" (func $ctx_set (param i32)))
  (import "[export]$root" "[task-return]double" (func $ret_double (param i32)))
  (memory (export "memory") 1)
  (func (export "[async-lift]double") (param $x i32) (result i32)
    (call $ctx_set (local.get $x))
    (i32.const 1))                       ;; YIELD
  (func (export "[callback][async-lift]double") (param $ev i32) (param $h i32) (param $p i32) (result i32)
    (call $ret_double (i32.mul (call $ctx_get) (i32.const 2)))
    (i32.const 0))                       ;; EXIT
  (func (export "[async-lift]explode") (result i32) (i32.const 1))
  (func (export "[callback][async-lift]explode") (param i32 i32 i32) (result i32) unreachable)
  (func (export "answer") (result i32) (i32.const 42)))
