;; WASI 0.3: a wasi:cli/run@0.3.0 program (async, callback-lifted) that writes
;; to stdout through write-via-stream. argv[1]'s first letter picks what it does:
;;   h  "hello from wasi 0.3\n"           b  300000 bytes, byte i = i % 251
;;   B  64 MiB, byte i = i % 256 (one 64 KiB chunk filled once, for the bench)
;;   e  echo stdin to stdout             s  "before\n", wait-for 40 ms, "after\n"
;;   r  16 bytes of get-random-bytes     x  "bye\n", then exit-with-code 3
;;   t  "partial\n", then trap           d  drop the stdout stream unwritten
;;   w  two write-via-stream calls, one after the other returned: "one\n" "two\n"
;;   z  as s, but wait-for 2^64-1 ns (forever)
;;   f  argv[2], a file of the first preopen, to stdout (read-via-stream)
;;   c  stdin into a new file argv[2] of the first preopen (its write-via-stream)
;; A filesystem error-code e (its case index: no-entry 19, not-permitted 30)
;; exits with 100 + e; no preopen exits with 99, no argv[2] with 98.
;; run returns err when a write-via-stream returned err (a closed stdout).
(component
  (import "wasi:cli/types@0.3.0" (instance $types
    (type $ec (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type (eq $ec)))))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:cli/stdout@0.3.0" (instance $stdout
    (alias outer 1 $error-code (type $ec0))
    (export "error-code" (type $ec (eq $ec0)))
    (export "write-via-stream" (func async (param "data" (stream u8)) (result (result (error $ec)))))))
  (import "wasi:cli/stdin@0.3.0" (instance $stdin
    (alias outer 1 $error-code (type $ec0))
    (export "error-code" (type $ec (eq $ec0)))
    (export "read-via-stream" (func (result (tuple (stream u8) (future (result (error $ec)))))))))
  (import "wasi:cli/environment@0.3.0" (instance $environment
    (export "get-arguments" (func (result (list string))))))
  (import "wasi:cli/exit@0.3.0" (instance $exit
    (export "exit-with-code" (func (param "status-code" u8)))))
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $clock
    (export "wait-for" (func async (param "how-long" u64)))))
  (import "wasi:random/random@0.3.0" (instance $random
    (export "get-random-bytes" (func (param "max-len" u64) (result (list u8))))))
  (import "wasi:filesystem/types@0.3.0" (instance $fs
    (export "descriptor" (type $d (sub resource)))
    (type $ec0 (variant (case "access") (case "already") (case "bad-descriptor") (case "busy") (case "deadlock")
      (case "quota") (case "exist") (case "file-too-large") (case "illegal-byte-sequence") (case "in-progress")
      (case "interrupted") (case "invalid") (case "io") (case "is-directory") (case "loop") (case "too-many-links")
      (case "message-size") (case "name-too-long") (case "no-device") (case "no-entry") (case "no-lock")
      (case "insufficient-memory") (case "insufficient-space") (case "not-directory") (case "not-empty")
      (case "not-recoverable") (case "unsupported") (case "no-tty") (case "no-such-device") (case "overflow")
      (case "not-permitted") (case "pipe") (case "read-only") (case "invalid-seek") (case "text-file-busy")
      (case "cross-device") (case "other" (option string))))
    (export "error-code" (type $ec (eq $ec0)))
    (type $pf0 (flags "symlink-follow"))
    (export "path-flags" (type $pf (eq $pf0)))
    (type $of0 (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $of (eq $of0)))
    (type $df0 (flags "read" "write" "file-integrity-sync" "data-integrity-sync" "requested-write-sync" "mutate-directory"))
    (export "descriptor-flags" (type $df (eq $df0)))
    (type $bd (borrow $d))
    (type $od (own $d))
    (export "[method]descriptor.open-at" (func async (param "self" $bd) (param "path-flags" $pf) (param "path" string)
      (param "open-flags" $of) (param "flags" $df) (result (result $od (error $ec)))))
    (export "[method]descriptor.read-via-stream" (func (param "self" $bd) (param "offset" u64)
      (result (tuple (stream u8) (future (result (error $ec)))))))
    (export "[method]descriptor.write-via-stream" (func async (param "self" $bd) (param "data" (stream u8)) (param "offset" u64)
      (result (result (error $ec)))))))
  (alias export $fs "descriptor" (type $descriptor))
  (import "wasi:filesystem/preopens@0.3.0" (instance $preopens
    (alias outer 1 $descriptor (type $d0))
    (export "descriptor" (type $d (eq $d0)))
    (type $od (own $d))
    (export "get-directories" (func (result (list (tuple $od string)))))))
  (core module $libc
    (memory (export "mem") 4)
    (global $top (mut i32) (i32.const 8192))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      (if (i32.ne (local.get 0) (i32.const 0)) (then (memory.copy (local.get $p) (local.get 0) (local.get 1))))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (type $s (stream u8))
  (core func $wvs (canon lower (func $stdout "write-via-stream") async (memory $mem)))
  (core func $rvs (canon lower (func $stdin "read-via-stream") (memory $mem)))
  (core func $args (canon lower (func $environment "get-arguments") (memory $mem) (realloc $realloc)))
  (core func $exit (canon lower (func $exit "exit-with-code")))
  (core func $wait-for (canon lower (func $clock "wait-for") async (memory $mem)))
  (core func $random (canon lower (func $random "get-random-bytes") (memory $mem) (realloc $realloc)))
  (core func $dirs (canon lower (func $preopens "get-directories") (memory $mem) (realloc $realloc)))
  (core func $open (canon lower (func $fs "[method]descriptor.open-at") (memory $mem) (realloc $realloc)))
  (core func $frvs (canon lower (func $fs "[method]descriptor.read-via-stream") (memory $mem) (realloc $realloc)))
  (core func $fwvs (canon lower (func $fs "[method]descriptor.write-via-stream") async (memory $mem) (realloc $realloc)))
  (core func $snew (canon stream.new $s))
  (core func $swrite (canon stream.write $s async (memory $mem)))
  (core func $sread (canon stream.read $s async (memory $mem)))
  (core func $drop-w (canon stream.drop-writable $s))
  (core func $drop-r (canon stream.drop-readable $s))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $sub-drop (canon subtask.drop))
  (core func $ret (canon task.return (result (result))))
  (core module $m
    (import "libc" "mem" (memory 4))
    (import "c" "wvs" (func $wvs (param i32 i32) (result i32)))
    (import "c" "rvs" (func $rvs (param i32)))
    (import "c" "args" (func $args (param i32)))
    (import "c" "exit" (func $exit (param i32)))
    (import "c" "wait-for" (func $wait-for (param i64) (result i32)))
    (import "c" "random" (func $random (param i64 i32)))
    (import "c" "dirs" (func $dirs (param i32)))
    (import "c" "open" (func $open (param i32 i32 i32 i32 i32 i32 i32)))
    (import "c" "frvs" (func $frvs (param i32 i64 i32)))
    (import "c" "fwvs" (func $fwvs (param i32 i32 i64 i32) (result i32)))
    (import "c" "snew" (func $snew (result i64)))
    (import "c" "swrite" (func $swrite (param i32 i32 i32) (result i32)))
    (import "c" "sread" (func $sread (param i32 i32 i32) (result i32)))
    (import "c" "drop-w" (func $drop-w (param i32)))
    (import "c" "drop-r" (func $drop-r (param i32)))
    (import "c" "ws-new" (func $ws-new (result i32)))
    (import "c" "join" (func $join (param i32 i32)))
    (import "c" "sub-drop" (func $sub-drop (param i32)))
    (import "c" "ret" (func $ret (param i32)))
    (data (i32.const 1024) "hello from wasi 0.3\n")   ;; 20
    (data (i32.const 1056) "bye\n")                    ;; 4
    (data (i32.const 1064) "partial\n")                ;; 8
    (data (i32.const 1080) "before\n")                 ;; 7
    (data (i32.const 1088) "after\n")                  ;; 6
    (data (i32.const 1096) "one\n")                    ;; 4
    (data (i32.const 1104) "two\n")                    ;; 4
    (global $set (mut i32) (i32.const 0))
    (global $mode (mut i32) (i32.const 104))
    (global $ph (mut i32) (i32.const 0))
    (global $w (mut i32) (i32.const 0))
    (global $sub (mut i32) (i32.const 0))
    (global $pptr (mut i32) (i32.const 0))
    (global $plen (mut i32) (i32.const 0))
    (global $closed (mut i32) (i32.const 0))
    (global $dropped (mut i32) (i32.const 0))
    (global $left (mut i32) (i32.const 300000))
    (global $pos (mut i32) (i32.const 0))
    (global $sleep (mut i32) (i32.const 0))
    (global $slept (mut i32) (i32.const 0))
    (global $in (mut i32) (i32.const 0))
    (global $eof (mut i32) (i32.const 0))
    (global $round (mut i32) (i32.const 0))
    (global $fast (mut i32) (i32.const 0))
    (func $wait (result i32) (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))
    (func $pend (param $p i32) (param $n i32) (global.set $pptr (local.get $p)) (global.set $plen (local.get $n)))
    (global $argv (mut i32) (i32.const 0))
    (global $file (mut i32) (i32.const 0))
    (func $open-arg2 (param $pf i32) (param $of i32) (param $df i32)
      (if (i32.lt_u (i32.load (i32.const 36)) (i32.const 3)) (then (call $exit (i32.const 98))))
      (call $dirs (i32.const 200))
      (if (i32.eqz (i32.load (i32.const 204))) (then (call $exit (i32.const 99))))
      (call $open (i32.load (i32.load (i32.const 200))) (local.get $pf)
        (i32.load offset=16 (global.get $argv)) (i32.load offset=20 (global.get $argv))
        (local.get $of) (local.get $df) (i32.const 216))
      (if (i32.load8_u (i32.const 216)) (then (call $exit (i32.add (i32.const 100) (i32.load8_u (i32.const 220))))))
      (global.set $file (i32.load (i32.const 220))))
    (func $start-write
      (local $pair i64) (local $r i32)
      (local.set $pair (call $snew))
      (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
      (call $join (global.get $w) (global.get $set))
      (if (i32.eq (global.get $mode) (i32.const 99))
        (then (local.set $r (call $fwvs (global.get $file) (i32.wrap_i64 (local.get $pair)) (i64.const 0) (i32.const 16))))
        (else (local.set $r (call $wvs (i32.wrap_i64 (local.get $pair)) (i32.const 16)))))
      (global.set $sub (i32.shr_u (local.get $r) (i32.const 4)))
      (call $join (global.get $sub) (global.get $set)))
    (func $close
      (call $drop-w (global.get $w))
      (global.set $closed (i32.const 1)))
    ;; a stream.write result: advance the pending bytes; DROPPED means the reader is gone
    (func $wrote (param $r i32)
      (local $n i32)
      (local.set $n (i32.shr_u (local.get $r) (i32.const 4)))
      (global.set $pptr (i32.add (global.get $pptr) (local.get $n)))
      (global.set $plen (i32.sub (global.get $plen) (local.get $n)))
      (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1))
        (then (global.set $dropped (i32.const 1)) (global.set $plen (i32.const 0)))))
    ;; a stream.read result on stdin
    (func $got (param $r i32)
      (call $pend (i32.const 131072) (i32.shr_u (local.get $r) (i32.const 4)))
      (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1)) (then (global.set $eof (i32.const 1)))))
    (func $fill (param $n i32)
      (local $i i32)
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (i32.add (i32.const 131072) (local.get $i)) (i32.rem_u (i32.add (global.get $pos) (local.get $i)) (i32.const 251)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (global.set $pos (i32.add (global.get $pos) (local.get $n))))
    ;; makes the next piece of work; 1: progress, 0: wait for an event
    (func $produce (result i32)
      (local $m i32) (local $n i32) (local $r i32)
      (local.set $m (global.get $mode))
      (if (global.get $dropped) (then (call $close) (return (i32.const 1))))
      (if (i32.eq (local.get $m) (i32.const 104)) (then   ;; h
        (if (i32.eqz (global.get $ph)) (then (call $pend (i32.const 1024) (i32.const 20)) (global.set $ph (i32.const 1)) (return (i32.const 1))))
        (call $close) (return (i32.const 1))))
      (if (i32.eq (local.get $m) (i32.const 98)) (then    ;; b
        (if (global.get $left) (then
          (local.set $n (select (i32.const 65536) (global.get $left) (i32.gt_u (global.get $left) (i32.const 65536))))
          (if (i32.eqz (global.get $fast)) (then (call $fill (local.get $n))))
          (global.set $left (i32.sub (global.get $left) (local.get $n)))
          (call $pend (i32.const 131072) (local.get $n))
          (return (i32.const 1))))
        (call $close) (return (i32.const 1))))
      (if (i32.eq (local.get $m) (i32.const 120)) (then   ;; x
        (if (i32.eqz (global.get $ph)) (then (call $pend (i32.const 1056) (i32.const 4)) (global.set $ph (i32.const 1)) (return (i32.const 1))))
        (call $close) (return (i32.const 1))))
      (if (i32.eq (local.get $m) (i32.const 114)) (then   ;; r
        (if (i32.eqz (global.get $ph)) (then
          (call $random (i64.const 16) (i32.const 64))
          (call $pend (i32.load (i32.const 64)) (i32.load (i32.const 68)))
          (global.set $ph (i32.const 1)) (return (i32.const 1))))
        (call $close) (return (i32.const 1))))
      (if (i32.eq (local.get $m) (i32.const 116)) (then   ;; t
        (if (i32.eqz (global.get $ph)) (then (call $pend (i32.const 1064) (i32.const 8)) (global.set $ph (i32.const 1)) (return (i32.const 1))))
        unreachable))
      (if (i32.eq (local.get $m) (i32.const 100)) (then   ;; d
        (call $close) (return (i32.const 1))))
      (if (i32.eq (local.get $m) (i32.const 119)) (then   ;; w
        (if (i32.eqz (global.get $ph)) (then
          (if (global.get $round) (then (call $pend (i32.const 1104) (i32.const 4))) (else (call $pend (i32.const 1096) (i32.const 4))))
          (global.set $ph (i32.const 1)) (return (i32.const 1))))
        (call $close) (return (i32.const 1))))
      (if (i32.or (i32.eq (local.get $m) (i32.const 115)) (i32.eq (local.get $m) (i32.const 122))) (then   ;; s, z
        (if (i32.eqz (global.get $ph)) (then
          (local.set $r (call $wait-for (select (i64.const -1) (i64.const 40000000) (i32.eq (global.get $mode) (i32.const 122)))))
          (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 2))
            (then (global.set $slept (i32.const 1)))
            (else (global.set $sleep (i32.shr_u (local.get $r) (i32.const 4))) (call $join (global.get $sleep) (global.get $set))))
          (call $pend (i32.const 1080) (i32.const 7)) (global.set $ph (i32.const 1)) (return (i32.const 1))))
        (if (i32.eq (global.get $ph) (i32.const 1)) (then
          (if (i32.eqz (global.get $slept)) (then (return (i32.const 0))))
          (call $pend (i32.const 1088) (i32.const 6)) (global.set $ph (i32.const 2)) (return (i32.const 1))))
        (call $close) (return (i32.const 1))))
      (if (i32.or (i32.or (i32.eq (local.get $m) (i32.const 101)) (i32.eq (local.get $m) (i32.const 102))) (i32.eq (local.get $m) (i32.const 99))) (then   ;; e, f, c
        (if (i32.eqz (global.get $ph)) (then
          (if (i32.eq (local.get $m) (i32.const 102))
            (then (call $open-arg2 (i32.const 1) (i32.const 0) (i32.const 1)) (call $frvs (global.get $file) (i64.const 0) (i32.const 48)))
            (else (call $rvs (i32.const 48))))
          (global.set $in (i32.load (i32.const 48)))
          (call $join (global.get $in) (global.get $set))
          (global.set $ph (i32.const 1)) (return (i32.const 1))))
        (if (i32.eq (global.get $ph) (i32.const 2)) (then (return (i32.const 0))))
        (if (global.get $eof) (then (call $drop-r (global.get $in)) (call $close) (return (i32.const 1))))
        (local.set $r (call $sread (global.get $in) (i32.const 131072) (i32.const 65536)))
        (if (i32.eq (local.get $r) (i32.const -1)) (then (global.set $ph (i32.const 2)) (return (i32.const 0))))
        (call $got (local.get $r))
        (return (i32.const 1))))
      unreachable)
    (func $step (result i32)
      (local $r i32)
      (loop $again
        (if (global.get $plen) (then
          (local.set $r (call $swrite (global.get $w) (global.get $pptr) (global.get $plen)))
          (if (i32.eq (local.get $r) (i32.const -1)) (then (return (call $wait))))
          (call $wrote (local.get $r))
          (br $again)))
        (if (global.get $closed) (then (return (call $wait))))
        (if (call $produce) (then (br $again))))
      (call $wait))
    ;; the stdout write-via-stream call returned
    (func $returned (result i32)
      (call $sub-drop (global.get $sub))
      (if (i32.and (i32.eq (global.get $mode) (i32.const 119)) (i32.eqz (global.get $round))) (then
        (global.set $round (i32.const 1)) (global.set $ph (i32.const 0)) (global.set $closed (i32.const 0))
        (call $start-write)
        (return (call $step))))
      (if (i32.eq (global.get $mode) (i32.const 120)) (then (call $exit (i32.const 3))))
      (call $ret (i32.load8_u (i32.const 16)))
      (i32.const 0))
    (func (export "run") (result i32)
      (local $i i32)
      (global.set $set (call $ws-new))
      (call $args (i32.const 32))
      (global.set $argv (i32.load (i32.const 32)))
      (if (i32.ge_u (i32.load (i32.const 36)) (i32.const 2))
        (then (global.set $mode (i32.load8_u (i32.load offset=8 (i32.load (i32.const 32)))))))
      ;; B: b with 64 MiB
      (if (i32.eq (global.get $mode) (i32.const 66)) (then
        (global.set $mode (i32.const 98)) (global.set $left (i32.const 67108864)) (global.set $fast (i32.const 1))
        (local.set $i (i32.const 0))
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $i) (i32.const 65536)))
          (i32.store8 (i32.add (i32.const 131072) (local.get $i)) (local.get $i))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))))
      ;; c: create argv[2] ({create, truncate}, {write}) before the write starts
      (if (i32.eq (global.get $mode) (i32.const 99)) (then (call $open-arg2 (i32.const 0) (i32.const 9) (i32.const 2))))
      (call $start-write)
      (call $step))
    (func (export "run-cb") (param $ev i32) (param $h i32) (param $p i32) (result i32)
      (if (i32.eq (local.get $ev) (i32.const 1)) (then      ;; SUBTASK
        (if (i32.ne (local.get $p) (i32.const 2)) (then (return (call $wait))))
        (if (i32.eq (local.get $h) (global.get $sub)) (then (return (call $returned))))
        (if (i32.eq (local.get $h) (global.get $sleep)) (then
          (call $sub-drop (local.get $h)) (global.set $slept (i32.const 1)) (return (call $step))))
        (return (call $wait))))
      (if (i32.eq (local.get $ev) (i32.const 3)) (then      ;; STREAM_WRITE
        (call $wrote (local.get $p)) (return (call $step))))
      (if (i32.eq (local.get $ev) (i32.const 2)) (then      ;; STREAM_READ
        (global.set $ph (i32.const 1)) (call $got (local.get $p)) (return (call $step))))
      (call $wait)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "c" (instance
      (export "wvs" (func $wvs)) (export "rvs" (func $rvs)) (export "args" (func $args))
      (export "exit" (func $exit)) (export "wait-for" (func $wait-for)) (export "random" (func $random))
      (export "dirs" (func $dirs)) (export "open" (func $open)) (export "frvs" (func $frvs)) (export "fwvs" (func $fwvs))
      (export "snew" (func $snew)) (export "swrite" (func $swrite)) (export "sread" (func $sread))
      (export "drop-w" (func $drop-w)) (export "drop-r" (func $drop-r))
      (export "ws-new" (func $ws-new)) (export "join" (func $join))
      (export "sub-drop" (func $sub-drop)) (export "ret" (func $ret))))))
  (func $run async (result (result))
    (canon lift (core func $i "run") async (callback (core func $i "run-cb"))))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-inst))
)
