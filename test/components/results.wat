;; Host imports returning typed values, relayed back by exports: a
;; result<u32, string> (jco's and the embedded host's convention for an
;; import: return the ok value, throw {payload} for err) and a u64 (a BigInt
;; in JS). For the import specs of test/wat-differential.test.ts.
(component
  (import "host" (instance $host
    (export "check" (func (param "n" u32) (result (result u32 (error string)))))
    (export "big" (func (result u64)))))
  (core module $libc (memory (export "mem") 1)
    (global $top (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $top))
      (global.set $top (i32.add (global.get $top) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (alias export $host "check" (func $check))
  (alias export $host "big" (func $big))
  (core func $check-l (canon lower (func $check) (memory $mem) (realloc $realloc)))
  (core func $big-l (canon lower (func $big)))
  (core module $m
    (import "libc" "mem" (memory 1))
    (import "host" "check" (func $check (param i32 i32)))
    (import "host" "big" (func $big (result i64)))
    ;; relay(n): the host's result, lowered at 16 (discriminant, payload at 20), lifted from there
    (func (export "relay") (param $n i32) (result i32)
      (call $check (local.get $n) (i32.const 16))
      (i32.const 16))
    (func (export "relay-big") (result i64) (call $big)))
  (core instance $i (instantiate $m (with "libc" (instance $libc))
    (with "host" (instance (export "check" (func $check-l)) (export "big" (func $big-l))))))
  (func $relay (param "n" u32) (result (result u32 (error string))) (canon lift (core func $i "relay") (memory $mem)))
  (func $relay-big (result u64) (canon lift (core func $i "relay-big")))
  (export "relay" (func $relay))
  (export "relay-big" (func $relay-big)))
