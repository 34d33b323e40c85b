;; Export calls that lift values, for the benchmarks (bench/run.mjs, part
;; `calls-values`; test/bench-components.test.ts): echo(string) and
;; sum(list<u32>) -> u64, each lifted sync and async (callback).
;;
;; Unlike test/components/basics.wat, whose bump realloc never frees (so a
;; long run of calls measures the memory growing), the bump pointer here goes
;; back to its base once a call is done with its arguments: in post-return
;; (sync lifts) or right after task.return (async lifts). Every export
;; finishes in its first activation (the async ones call task.return and
;; EXIT at once), so at most one call's arguments are live in the instance at
;; a time and resetting the pointer frees exactly them; the memory stays at
;; the high-water mark of one call. `heap-top()` returns the bump pointer
;; (4096 between calls).
(component
  (core module $libc
    (memory (export "mem") 1)
    (global $top (export "top") (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      ;; shrinking (or same size) keeps the block in place
      (if (i32.and (i32.ne (local.get 0) (i32.const 0)) (i32.le_u (local.get 3) (local.get 1)))
        (then (return (local.get 0))))
      (local.set $p (i32.and
        (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      ;; grow the memory to hold the block
      (if (i32.gt_u (global.get $top) (i32.shl (memory.size) (i32.const 16)))
        (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $top) (i32.shl (memory.size) (i32.const 16))) (i32.const 16)) (i32.const 1))) (i32.const -1))
          (then (unreachable)))))
      ;; growing copies the old contents
      (if (i32.ne (local.get 0) (i32.const 0))
        (then (memory.copy (local.get $p) (local.get 0) (local.get 1))))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (core func $ret-str (canon task.return (result string) (memory $mem)))
  (core func $ret-u64 (canon task.return (result u64)))
  (core module $m
    (import "libc" "mem" (memory 1))
    (import "libc" "top" (global $top (mut i32)))
    (import "c" "ret-str" (func $ret-str (param i32 i32)))
    (import "c" "ret-u64" (func $ret-u64 (param i64)))
    ;; the arguments' blocks are free again
    (func $free-args (global.set $top (i32.const 4096)))
    (func $sum (param $p i32) (param $n i32) (result i64)
      (local $acc i64)
      (block $done (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.load (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
      (local.get $acc))
    ;; echo: the result is the argument's own bytes, lifted after the return
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))
    (func (export "post-echo") (param i32) (call $free-args))
    (func (export "sum") (param i32 i32) (result i64) (call $sum (local.get 0) (local.get 1)))
    (func (export "post-sum") (param i64) (call $free-args))
    ;; the async lifts: task.return lifts the result at once, then EXIT (0)
    (func (export "echo-async") (param i32 i32) (result i32)
      (call $ret-str (local.get 0) (local.get 1))
      (call $free-args)
      (i32.const 0))
    (func (export "sum-async") (param i32 i32) (result i32)
      (call $ret-u64 (call $sum (local.get 0) (local.get 1)))
      (call $free-args)
      (i32.const 0))
    ;; the bump pointer: back at 4096 between calls
    (func (export "heap-top") (result i32) (global.get $top))
    ;; no export waits, so no callback is ever called
    (func (export "never") (param i32 i32 i32) (result i32) (unreachable)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "c" (instance (export "ret-str" (func $ret-str)) (export "ret-u64" (func $ret-u64))))))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) (post-return (core func $i "post-echo"))))
  (func (export "sum") (param "xs" (list u32)) (result u64)
    (canon lift (core func $i "sum") (memory $mem) (realloc $realloc) (post-return (core func $i "post-sum"))))
  (func (export "echo-async") async (param "s" string) (result string)
    (canon lift (core func $i "echo-async") async (memory $mem) (realloc $realloc) (callback (core func $i "never"))))
  (func (export "sum-async") async (param "xs" (list u32)) (result u64)
    (canon lift (core func $i "sum-async") async (memory $mem) (realloc $realloc) (callback (core func $i "never"))))
  (func (export "heap-top") (result u32) (canon lift (core func $i "heap-top")))
)
