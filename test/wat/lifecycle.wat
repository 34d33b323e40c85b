;; Task lifecycle: task.return, callback codes, context slots, yield, aborts.
(module
  (import "$root" "[context-get-0]" (func $get0 (result i32)))
  (import "$root" "[context-set-0]" (func $set0 (param i32)))
  (import "$root" "[context-get-1]" (func $get1 (result i32)))
  (import "$root" "[context-set-1]" (func $set1 (param i32)))
  (import "$root" "[thread-yield]" (func $yield (result i32)))
  (import "[export]$root" "[task-return]ctx" (func $ret_ctx (param i32)))
  (import "[export]$root" "[task-return]twice" (func $ret_twice (param i32)))
  (import "[export]$root" "[task-return]wide" (func $ret_wide (param i32 i64 i32)))
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "test" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  ;; AssemblyScript strings: u32 byte length at ptr-4, UTF-16LE at ptr
  (data (i32.const 0x100) "\0e\00\00\00o\00o\00p\00s\00 \00\e9\00!\00")
  (data (i32.const 0x120) "\0c\00\00\00a\00/\00x\00.\00t\00s\00")

  ;; context slots are per task; YIELD lets the other task run in between
  (func (export "[async-lift]ctx") (param $x i32) (result i32)
    (call $log (i32.const 100) (call $get0) (call $get1))
    (call $set0 (local.get $x))
    (call $set1 (i32.mul (local.get $x) (i32.const 10)))
    (i32.const 1))
  (func (export "[callback][async-lift]ctx") (param $ev i32) (param $h i32) (param $p i32) (result i32)
    (call $log (local.get $ev) (call $get0) (call $get1))
    (call $log (i32.const 101) (call $yield) (i32.const 0))
    (call $ret_ctx (i32.add (call $get0) (call $get1)))
    (i32.const 0))

  ;; flattened results of several core types
  (func (export "[async-lift]wide") (result i32)
    (call $ret_wide (i32.const -1) (i64.const 0x1_0000_0002) (i32.const 7))
    (i32.const 0))
  (func (export "[callback][async-lift]wide") (param i32 i32 i32) (result i32) unreachable)

  (func (export "[async-lift]badcode") (result i32) (i32.const 3))
  (func (export "[callback][async-lift]badcode") (param i32 i32 i32) (result i32) unreachable)

  (func (export "[async-lift]noreturn") (result i32) (i32.const 0))
  (func (export "[callback][async-lift]noreturn") (param i32 i32 i32) (result i32) unreachable)

  (func (export "[async-lift]twice") (result i32)
    (call $ret_twice (i32.const 1))
    (call $ret_twice (i32.const 2))
    (i32.const 0))
  (func (export "[callback][async-lift]twice") (param i32 i32 i32) (result i32) unreachable)

  (func (export "boom") (result i32)
    (call $abort (i32.const 0x104) (i32.const 0x124) (i32.const 12) (i32.const 5))
    (i32.const 0))
  (func (export "unreach") (unreachable))
  (func (export "ok") (result i32) (i32.const 42))
)
