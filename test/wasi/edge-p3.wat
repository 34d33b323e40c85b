;; WASI 0.3 edge cases of stdout's write-via-stream, one per argv[1]:
;;   D  the stdout stream dropped early: "early\n" is written, the writable
;;      end dropped, and run returns ok at once, without waiting for the
;;      write-via-stream call (its subtask is left to finish on its own).
;;   A  a write after the call resolved: "line\n" is written (the host takes
;;      it), then the program waits, its stream end idle, for the
;;      write-via-stream call to return: on a closed stdout it returns err
;;      pipe and the host drops its end. Then one more write is made on the
;;      stream, and the program exits (exit-with-code) with 40 + that write's
;;      status: 41 is DROPPED, what a write to a stream whose reader is gone
;;      gets. (When stdout stays open, a 1 s wait-for ends the wait: the
;;      stream is dropped and run returns ok, exit 0.)
;;   T  a trap mid-write: 64 KiB chunks, byte i = i % 251, until the host
;;      took 196608 bytes (three chunks), then `unreachable`; everything the
;;      host took before the trap is kept.
(component
  (import "wasi:cli/types@0.3.0" (instance $types
    (type $ec (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type (eq $ec)))))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:cli/stdout@0.3.0" (instance $stdout
    (alias outer 1 $error-code (type $ec0))
    (export "error-code" (type $ec (eq $ec0)))
    (export "write-via-stream" (func async (param "data" (stream u8)) (result (result (error $ec)))))))
  (import "wasi:cli/environment@0.3.0" (instance $environment
    (export "get-arguments" (func (result (list string))))))
  (import "wasi:cli/exit@0.3.0" (instance $exit
    (export "exit-with-code" (func (param "status-code" u8)))))
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $clock
    (export "wait-for" (func async (param "how-long" u64)))))
  (core module $libc
    (memory (export "mem") 4)
    (global $top (mut i32) (i32.const 8192))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (type $s (stream u8))
  (core func $wvs (canon lower (func $stdout "write-via-stream") async (memory $mem)))
  (core func $args (canon lower (func $environment "get-arguments") (memory $mem) (realloc $realloc)))
  (core func $exit (canon lower (func $exit "exit-with-code")))
  (core func $wait-for (canon lower (func $clock "wait-for") async))
  (core func $snew (canon stream.new $s))
  (core func $swrite (canon stream.write $s async (memory $mem)))
  (core func $drop-w (canon stream.drop-writable $s))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $sub-drop (canon subtask.drop))
  (core func $ret (canon task.return (result (result))))
  (core module $m
    (import "libc" "mem" (memory 4))
    (import "c" "wvs" (func $wvs (param i32 i32) (result i32)))
    (import "c" "args" (func $args (param i32)))
    (import "c" "exit" (func $exit (param i32)))
    (import "c" "wait-for" (func $wait-for (param i64) (result i32)))
    (import "c" "snew" (func $snew (result i64)))
    (import "c" "swrite" (func $swrite (param i32 i32 i32) (result i32)))
    (import "c" "drop-w" (func $drop-w (param i32)))
    (import "c" "ws-new" (func $ws-new (result i32)))
    (import "c" "join" (func $join (param i32 i32)))
    (import "c" "sub-drop" (func $sub-drop (param i32)))
    (import "c" "ret" (func $ret (param i32)))
    (data (i32.const 1024) "early\n")   ;; 6
    (data (i32.const 1040) "line\n")    ;; 5
    (global $set (mut i32) (i32.const 0))
    (global $mode (mut i32) (i32.const 0))
    (global $w (mut i32) (i32.const 0))
    (global $sub (mut i32) (i32.const 0))
    (global $returned (mut i32) (i32.const 0))
    (global $busy (mut i32) (i32.const 0))
    (global $timer (mut i32) (i32.const 0))
    (global $ended (mut i32) (i32.const 0))
    (global $pos (mut i32) (i32.const 0))
    (global $ptr (mut i32) (i32.const 0))
    (global $left (mut i32) (i32.const 0))
    (func $wait (result i32) (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
    (func $fill
      (local $i i32)
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (i32.const 65536)))
        (i32.store8 (i32.add (i32.const 131072) (local.get $i)) (i32.rem_u (i32.add (global.get $pos) (local.get $i)) (i32.const 251)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))
    ;; T: writes chunks until 196608 bytes were taken, then traps
    (func $chunks (result i32)
      (local $r i32) (local $n i32)
      (loop $l
        (if (i32.ge_u (global.get $pos) (i32.const 196608)) (then unreachable))
        (if (i32.eqz (global.get $left)) (then
          (call $fill) (global.set $left (i32.const 65536)) (global.set $ptr (i32.const 131072))))
        (local.set $r (call $swrite (global.get $w) (global.get $ptr) (global.get $left)))
        (if (i32.eq (local.get $r) (i32.const -1)) (then (return (call $wait))))
        (call $took (local.get $r))
        (br $l))
      (unreachable))
    (func $took (param $r i32)
      (local $n i32)
      (local.set $n (i32.shr_u (local.get $r) (i32.const 4)))
      (global.set $pos (i32.add (global.get $pos) (local.get $n)))
      (global.set $ptr (i32.add (global.get $ptr) (local.get $n)))
      (global.set $left (i32.sub (global.get $left) (local.get $n)))
      (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1)) (then (call $exit (i32.const 42)))))
    ;; A: once the call returned, one more write; its status is the exit code
    (func $after (result i32)
      (local $r i32)
      (if (i32.eqz (global.get $returned)) (then (return (call $wait))))
      (local.set $r (call $swrite (global.get $w) (i32.const 1040) (i32.const 5)))
      (call $exit (i32.add (i32.const 40)
        (select (i32.const 15) (i32.and (local.get $r) (i32.const 0xf)) (i32.eq (local.get $r) (i32.const -1)))))
      (unreachable))
    (func $step (result i32)
      (if (i32.eq (global.get $mode) (i32.const 84)) (then (return (call $chunks))))   ;; T
      (call $after))
    (func (export "run") (result i32)
      (local $pair i64) (local $r i32)
      (global.set $set (call $ws-new))
      (call $args (i32.const 32))
      (if (i32.ge_u (i32.load (i32.const 36)) (i32.const 2))
        (then (global.set $mode (i32.load8_u (i32.load offset=8 (i32.load (i32.const 32)))))))
      (local.set $pair (call $snew))
      (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
      (call $join (global.get $w) (global.get $set))
      (local.set $r (call $wvs (i32.wrap_i64 (local.get $pair)) (i32.const 16)))
      (global.set $sub (i32.shr_u (local.get $r) (i32.const 4)))
      (call $join (global.get $sub) (global.get $set))
      (if (i32.eq (global.get $mode) (i32.const 68)) (then   ;; D
        (local.set $r (call $swrite (global.get $w) (i32.const 1024) (i32.const 6)))
        (if (i32.eq (local.get $r) (i32.const -1)) (then (return (call $wait))))
        (call $drop-w (global.get $w))
        (call $ret (i32.const 0))
        (return (i32.const 0))))
      (if (i32.eq (global.get $mode) (i32.const 65)) (then   ;; A
        (local.set $r (call $wait-for (i64.const 1000000000)))
        (global.set $timer (i32.shr_u (local.get $r) (i32.const 4)))
        (call $join (global.get $timer) (global.get $set))
        (local.set $r (call $swrite (global.get $w) (i32.const 1040) (i32.const 5)))
        (if (i32.eq (local.get $r) (i32.const -1)) (then (global.set $busy (i32.const 1)) (return (call $wait))))))
      (call $step))
    (func (export "run-cb") (param $ev i32) (param $h i32) (param $p i32) (result i32)
      (if (i32.eq (local.get $ev) (i32.const 1)) (then      ;; SUBTASK
        (if (i32.ne (local.get $p) (i32.const 2)) (then (return (call $wait))))
        (call $sub-drop (local.get $h))
        (if (i32.eq (local.get $h) (global.get $sub)) (then (global.set $returned (i32.const 1))))
        (if (i32.and (i32.eq (local.get $h) (global.get $timer)) (i32.eqz (global.get $returned))) (then
          ;; stdout stayed open: end normally
          (call $drop-w (global.get $w)) (global.set $ended (i32.const 1)) (return (call $wait))))
        (if (i32.and (global.get $ended) (global.get $returned)) (then (call $ret (i32.const 0)) (return (i32.const 0))))
        (if (global.get $busy) (then (return (call $wait))))
        (return (call $step))))
      (if (i32.eq (local.get $ev) (i32.const 3)) (then      ;; STREAM_WRITE
        (if (i32.eq (global.get $mode) (i32.const 68)) (then
          (call $drop-w (global.get $w)) (call $ret (i32.const 0)) (return (i32.const 0))))
        (if (i32.eq (global.get $mode) (i32.const 84)) (then (call $took (local.get $p)) (return (call $chunks))))
        (global.set $busy (i32.const 0))
        (if (i32.eq (i32.and (local.get $p) (i32.const 0xf)) (i32.const 1)) (then (call $exit (i32.const 42))))
        (return (call $step))))
      (call $wait)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "c" (instance
      (export "wvs" (func $wvs)) (export "args" (func $args)) (export "exit" (func $exit)) (export "wait-for" (func $wait-for))
      (export "snew" (func $snew)) (export "swrite" (func $swrite)) (export "drop-w" (func $drop-w))
      (export "ws-new" (func $ws-new)) (export "join" (func $join))
      (export "sub-drop" (func $sub-drop)) (export "ret" (func $ret))))))
  (func $run async (result (result))
    (canon lift (core func $i "run") async (callback (core func $i "run-cb"))))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-inst))
)
