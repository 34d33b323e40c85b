;; stream<u8> between two component instances, every export callback-lifted
;; (no stackful task), so that jco can run it as well as the embedded host
;; and Wasmtime (bench/run.mjs, part `transfer`; test/bench-components.test.ts).
;;
;; - $producer: `produce(n)` returns a stream<u8> and writes n bytes into it
;;   in writes of up to 64 KiB from one 64 KiB buffer; byte o of the stream is
;;   o & 0xff. One stream at a time per instance.
;; - $consumer: `consume(s)` reads s to its end in reads of up to 64 KiB and
;;   returns the byte count; it checks the first and last byte of every read
;;   against the pattern (a wrong byte traps: `unreachable`).
;; - $glue: `transfer(n)` calls the producer's `produce(n)` and hands the
;;   stream to the consumer's `consume`, both lowered async, waiting for each
;;   subtask through a waitable set; returns the consumer's count. The bytes
;;   go from the producer's memory to the consumer's.
;;
;; Exports: `transfer(n) -> u32`, and `produce(n) -> stream<u8>` of a second
;; producer instance (component -> host direction).
(component
  (component $producer
    (core module $libc (memory (export "mem") 2))
    (core instance $libc (instantiate $libc))
    (alias core export $libc "mem" (core memory $mem))
    (type $s (stream u8))
    (core func $write (canon stream.write $s async (memory $mem)))
    (core func $new (canon stream.new $s))
    (core func $drop-w (canon stream.drop-writable $s))
    (core func $ws-new (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $ret-s (canon task.return (result $s)))
    (core module $m
      (import "libc" "mem" (memory 2))
      (import "c" "write" (func $write (param i32 i32 i32) (result i32)))
      (import "c" "new" (func $new (result i64)))
      (import "c" "drop-w" (func $drop-w (param i32)))
      (import "c" "ws-new" (func $ws-new (result i32)))
      (import "c" "join" (func $join (param i32 i32)))
      (import "c" "ret-s" (func $ret-s (param i32)))
      (global $h (mut i32) (i32.const 0))
      (global $set (mut i32) (i32.const 0))
      (global $left (mut i32) (i32.const 0))
      (global $sent (mut i32) (i32.const 0))
      (global $filled (mut i32) (i32.const 0))
      ;; the 64 KiB buffer at 65536: byte i is i & 0xff
      (func $fill
        (local $i i32)
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $i) (i32.const 65536)))
          (i32.store8 (i32.add (i32.const 65536) (local.get $i)) (local.get $i))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (global.set $filled (i32.const 1)))
      ;; write until the stream blocks (WAIT on the set), ends or is dropped (EXIT)
      (func $push (result i32)
        (local $r i32) (local $off i32) (local $k i32)
        (loop $again
          (if (i32.eqz (global.get $left)) (then (call $drop-w (global.get $h)) (return (i32.const 0))))
          ;; continue from where the last (maybe partial) write ended in the buffer
          (local.set $off (i32.and (global.get $sent) (i32.const 0xffff)))
          (local.set $k (i32.sub (i32.const 65536) (local.get $off)))
          (if (i32.lt_u (global.get $left) (local.get $k)) (then (local.set $k (global.get $left))))
          (local.set $r (call $write (global.get $h) (i32.add (i32.const 65536) (local.get $off)) (local.get $k)))
          ;; BLOCKED: WAIT (2) on the set
          (if (i32.eq (local.get $r) (i32.const -1)) (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
          (if (call $wrote (local.get $r)) (then (call $drop-w (global.get $h)) (return (i32.const 0))))
          (br $again))
        (i32.const 0))
      ;; account a write result (count << 4 | result); 1 when the reader dropped its end
      (func $wrote (param $r i32) (result i32)
        (local $k i32)
        (local.set $k (i32.shr_u (local.get $r) (i32.const 4)))
        (global.set $left (i32.sub (global.get $left) (local.get $k)))
        (global.set $sent (i32.add (global.get $sent) (local.get $k)))
        (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1)))
      (func (export "produce") (param $n i32) (result i32)
        (local $pair i64)
        (if (i32.eqz (global.get $filled)) (then (call $fill)))
        (local.set $pair (call $new))
        (global.set $h (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
        (global.set $left (local.get $n))
        (global.set $sent (i32.const 0))
        (if (i32.eqz (global.get $set)) (then (global.set $set (call $ws-new))))
        (call $join (global.get $h) (global.get $set))
        (call $ret-s (i32.wrap_i64 (local.get $pair)))
        (call $push))
      ;; STREAM_WRITE event (3): payload = count << 4 | result
      (func (export "produce-cb") (param $ev i32) (param $i i32) (param $p i32) (result i32)
        (if (i32.ne (local.get $ev) (i32.const 3)) (then (unreachable)))
        (if (call $wrote (local.get $p)) (then (call $drop-w (global.get $h)) (return (i32.const 0))))
        (call $push)))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "c" (instance
        (export "write" (func $write)) (export "new" (func $new)) (export "drop-w" (func $drop-w))
        (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret-s" (func $ret-s))))))
    (func (export "produce") async (param "n" u32) (result $s)
      (canon lift (core func $i "produce") async (callback (core func $i "produce-cb")))))

  (component $consumer
    (core module $libc (memory (export "mem") 2))
    (core instance $libc (instantiate $libc))
    (alias core export $libc "mem" (core memory $mem))
    (type $s (stream u8))
    (core func $read (canon stream.read $s async (memory $mem)))
    (core func $drop-r (canon stream.drop-readable $s))
    (core func $ws-new (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "libc" "mem" (memory 2))
      (import "c" "read" (func $read (param i32 i32 i32) (result i32)))
      (import "c" "drop-r" (func $drop-r (param i32)))
      (import "c" "ws-new" (func $ws-new (result i32)))
      (import "c" "join" (func $join (param i32 i32)))
      (import "c" "ret" (func $ret (param i32)))
      (global $h (mut i32) (i32.const 0))
      (global $set (mut i32) (i32.const 0))
      (global $count (mut i32) (i32.const 0))
      ;; account a read result (count << 4 | result) of bytes at 65536; 1 when the writer dropped its end
      (func $got (param $r i32) (result i32)
        (local $k i32)
        (local.set $k (i32.shr_u (local.get $r) (i32.const 4)))
        (if (local.get $k)
          (then
            ;; the pattern: byte o of the stream is o & 0xff
            (if (i32.ne (i32.load8_u (i32.const 65536)) (i32.and (global.get $count) (i32.const 0xff))) (then (unreachable)))
            (if (i32.ne (i32.load8_u (i32.add (i32.const 65535) (local.get $k)))
                        (i32.and (i32.add (global.get $count) (i32.sub (local.get $k) (i32.const 1))) (i32.const 0xff)))
              (then (unreachable)))))
        (global.set $count (i32.add (global.get $count) (local.get $k)))
        (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1)))
      (func $finish (result i32)
        (call $drop-r (global.get $h))
        (call $ret (global.get $count))
        (i32.const 0))
      ;; read until a read blocks (WAIT on the set) or the writer drops its end (EXIT)
      (func $pull (result i32)
        (local $r i32)
        (loop $again
          (local.set $r (call $read (global.get $h) (i32.const 65536) (i32.const 65536)))
          (if (i32.eq (local.get $r) (i32.const -1)) (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
          (if (call $got (local.get $r)) (then (return (call $finish))))
          (br $again))
        (i32.const 0))
      (func (export "consume") (param $h i32) (result i32)
        (global.set $h (local.get $h))
        (global.set $count (i32.const 0))
        (if (i32.eqz (global.get $set)) (then (global.set $set (call $ws-new))))
        (call $join (local.get $h) (global.get $set))
        (call $pull))
      ;; STREAM_READ event (2): payload = count << 4 | result
      (func (export "consume-cb") (param $ev i32) (param $i i32) (param $p i32) (result i32)
        (if (i32.ne (local.get $ev) (i32.const 2)) (then (unreachable)))
        (if (call $got (local.get $p)) (then (return (call $finish))))
        (call $pull)))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "c" (instance
        (export "read" (func $read)) (export "drop-r" (func $drop-r))
        (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret" (func $ret))))))
    (func (export "consume") async (param "s" $s) (result u32)
      (canon lift (core func $i "consume") async (callback (core func $i "consume-cb")))))

  (component $glue
    (type $s (stream u8))
    (import "produce" (func $produce async (param "n" u32) (result $s)))
    (import "consume" (func $consume async (param "s" $s) (result u32)))
    (core module $libc (memory (export "mem") 1))
    (core instance $libc (instantiate $libc))
    (alias core export $libc "mem" (core memory $mem))
    (core func $produce-l (canon lower (func $produce) async (memory $mem)))
    (core func $consume-l (canon lower (func $consume) async (memory $mem)))
    (core func $ws-new (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $sub-drop (canon subtask.drop))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "c" "produce" (func $produce (param i32 i32) (result i32)))
      (import "c" "consume" (func $consume (param i32 i32) (result i32)))
      (import "c" "ws-new" (func $ws-new (result i32)))
      (import "c" "join" (func $join (param i32 i32)))
      (import "c" "sub-drop" (func $sub-drop (param i32)))
      (import "c" "ret" (func $ret (param i32)))
      ;; 1: waiting for produce's subtask, 2: for consume's
      (global $state (mut i32) (i32.const 0))
      (global $set (mut i32) (i32.const 0))
      (func $wait (result i32) (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
      ;; an async-lowered call's status: RETURNED (2), its results at its out
      ;; pointer; otherwise a subtask to wait for (state | handle << 4)
      (func $started (param $r i32) (param $state i32) (result i32)
        (if (i32.eq (local.get $r) (i32.const 2)) (then (return (i32.const 1))))
        (call $join (i32.shr_u (local.get $r) (i32.const 4)) (global.get $set))
        (global.set $state (local.get $state))
        (i32.const 0))
      ;; the stream handle is at 0, consume's count at 8
      (func $start-consume (result i32)
        (if (call $started (call $consume (i32.load (i32.const 0)) (i32.const 8)) (i32.const 2))
          (then (return (call $finish))))
        (call $wait))
      (func $finish (result i32)
        (call $ret (i32.load (i32.const 8)))
        (i32.const 0))
      (func (export "transfer") (param $n i32) (result i32)
        (if (i32.eqz (global.get $set)) (then (global.set $set (call $ws-new))))
        (if (call $started (call $produce (local.get $n) (i32.const 0)) (i32.const 1))
          (then (return (call $start-consume))))
        (call $wait))
      ;; SUBTASK event (1): payload = the subtask's state, RETURNED (2) once it returned
      (func (export "transfer-cb") (param $ev i32) (param $i i32) (param $p i32) (result i32)
        (if (i32.ne (local.get $ev) (i32.const 1)) (then (unreachable)))
        (if (i32.ne (local.get $p) (i32.const 2)) (then (return (call $wait))))
        (call $sub-drop (local.get $i))
        (if (i32.eq (global.get $state) (i32.const 1)) (then (return (call $start-consume))))
        (call $finish)))
    (core instance $i (instantiate $m (with "libc" (instance $libc))
      (with "c" (instance (export "produce" (func $produce-l)) (export "consume" (func $consume-l))
        (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "sub-drop" (func $sub-drop)) (export "ret" (func $ret))))))
    (func (export "transfer") async (param "n" u32) (result u32)
      (canon lift (core func $i "transfer") async (callback (core func $i "transfer-cb")))))

  (instance $producer (instantiate $producer))
  (instance $consumer (instantiate $consumer))
  (instance $glue (instantiate $glue
    (with "produce" (func $producer "produce"))
    (with "consume" (func $consumer "consume"))))
  (instance $to-host (instantiate $producer))
  (export "transfer" (func $glue "transfer"))
  (export "produce" (func $to-host "produce")))
