;; may_leave: while an instance's realloc runs for a lift or lower, it may
;; not leave (definitions.py LiftLowerContext with inst.may_leave cleared):
;; every built-in that starts with trap_if(not inst.may_leave) traps
;; may-not-leave, and so does canon_lower (an import call). The realloc below
;; calls the built-in picked by "pick" while "take" lowers its string
;; argument. backpressure.{inc,dec}, context.{get,set} and resource.rep (last
;; component) have no such check. The arguments are dummies: may_leave is first.
(component definition $L
  (component $Leaf
    (core module $N (func (export "nop")))
    (core instance $n (instantiate $N))
    (func (export "nop") (canon lift (core func $n "nop"))))
  (instance $leaf (instantiate $Leaf))
  (core module $Mem
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "bump") (param i32 i32 i32 i32) (result i32)
      (global.get $next)
      (global.set $next (i32.add (global.get $next) (local.get 3)))))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "mem" (core memory $memory))
  (type $S (stream u8))
  (type $F (future u8))
  (core func $nop (canon lower (func $leaf "nop")))
  (core func $task.return (canon task.return))
  (core func $task.cancel (canon task.cancel))
  (core func $waitable-set.new (canon waitable-set.new))
  (core func $waitable-set.wait (canon waitable-set.wait (memory $memory)))
  (core func $waitable-set.poll (canon waitable-set.poll (memory $memory)))
  (core func $waitable-set.drop (canon waitable-set.drop))
  (core func $waitable.join (canon waitable.join))
  (core func $subtask.cancel (canon subtask.cancel))
  (core func $subtask.drop (canon subtask.drop))
  (core func $stream.new (canon stream.new $S))
  (core func $stream.read (canon stream.read $S async (memory $memory)))
  (core func $stream.write (canon stream.write $S async (memory $memory)))
  (core func $stream.cancel-read (canon stream.cancel-read $S))
  (core func $stream.cancel-write (canon stream.cancel-write $S))
  (core func $stream.drop-readable (canon stream.drop-readable $S))
  (core func $stream.drop-writable (canon stream.drop-writable $S))
  (core func $future.new (canon future.new $F))
  (core func $future.read (canon future.read $F async (memory $memory)))
  (core func $future.write (canon future.write $F async (memory $memory)))
  (core func $future.cancel-read (canon future.cancel-read $F))
  (core func $future.cancel-write (canon future.cancel-write $F))
  (core func $future.drop-readable (canon future.drop-readable $F))
  (core func $future.drop-writable (canon future.drop-writable $F))
  (core func $thread.yield (canon thread.yield))
  (core func $ec.new (canon error-context.new (memory $memory)))
  (core func $ec.msg (canon error-context.debug-message (memory $memory) (realloc (core func $mem "bump"))))
  (core func $ec.drop (canon error-context.drop))
  (core func $bp.inc (canon backpressure.inc))
  (core func $bp.dec (canon backpressure.dec))
  (core func $context.set (canon context.set i32 0))
  (core func $context.get (canon context.get i32 0))
  (core module $R
    (import "" "mem" (memory 1))
    (import "" "nop" (func $nop))
    (import "" "task.return" (func $task.return))
    (import "" "task.cancel" (func $task.cancel))
    (import "" "waitable-set.new" (func $waitable-set.new (result i32)))
    (import "" "waitable-set.wait" (func $waitable-set.wait (param i32 i32) (result i32)))
    (import "" "waitable-set.poll" (func $waitable-set.poll (param i32 i32) (result i32)))
    (import "" "waitable-set.drop" (func $waitable-set.drop (param i32)))
    (import "" "waitable.join" (func $waitable.join (param i32 i32)))
    (import "" "subtask.cancel" (func $subtask.cancel (param i32) (result i32)))
    (import "" "subtask.drop" (func $subtask.drop (param i32)))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.cancel-read" (func $stream.cancel-read (param i32) (result i32)))
    (import "" "stream.cancel-write" (func $stream.cancel-write (param i32) (result i32)))
    (import "" "stream.drop-readable" (func $stream.drop-readable (param i32)))
    (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
    (import "" "future.new" (func $future.new (result i64)))
    (import "" "future.read" (func $future.read (param i32 i32) (result i32)))
    (import "" "future.write" (func $future.write (param i32 i32) (result i32)))
    (import "" "future.cancel-read" (func $future.cancel-read (param i32) (result i32)))
    (import "" "future.cancel-write" (func $future.cancel-write (param i32) (result i32)))
    (import "" "future.drop-readable" (func $future.drop-readable (param i32)))
    (import "" "future.drop-writable" (func $future.drop-writable (param i32)))
    (import "" "thread.yield" (func $thread.yield (result i32)))
    (import "" "ec.new" (func $ec.new (param i32 i32) (result i32)))
    (import "" "ec.msg" (func $ec.msg (param i32 i32)))
    (import "" "ec.drop" (func $ec.drop (param i32)))
    (import "" "bp.inc" (func $bp.inc))
    (import "" "bp.dec" (func $bp.dec))
    (import "" "context.set" (func $context.set (param i32)))
    (import "" "context.get" (func $context.get (result i32)))
    (global $which (mut i32) (i32.const -1))
    (global $seen (mut i32) (i32.const 0))
    (global $next (mut i32) (i32.const 2048))
    (func (export "pick") (param i32) (global.set $which (local.get 0)))
    (func (export "seen") (result i32) (global.get $seen))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (if (i32.eq (global.get $which) (i32.const 0)) (then (call $nop))) ;; canon lower
      (if (i32.eq (global.get $which) (i32.const 1)) (then (call $task.return))) ;; task.return
      (if (i32.eq (global.get $which) (i32.const 2)) (then (call $task.cancel))) ;; task.cancel
      (if (i32.eq (global.get $which) (i32.const 3)) (then (drop (call $waitable-set.new)))) ;; waitable-set.new
      (if (i32.eq (global.get $which) (i32.const 4)) (then (drop (call $waitable-set.wait (i32.const 1) (i32.const 0))))) ;; waitable-set.wait
      (if (i32.eq (global.get $which) (i32.const 5)) (then (drop (call $waitable-set.poll (i32.const 1) (i32.const 0))))) ;; waitable-set.poll
      (if (i32.eq (global.get $which) (i32.const 6)) (then (call $waitable-set.drop (i32.const 1)))) ;; waitable-set.drop
      (if (i32.eq (global.get $which) (i32.const 7)) (then (call $waitable.join (i32.const 1) (i32.const 0)))) ;; waitable.join
      (if (i32.eq (global.get $which) (i32.const 8)) (then (drop (call $subtask.cancel (i32.const 1))))) ;; subtask.cancel
      (if (i32.eq (global.get $which) (i32.const 9)) (then (call $subtask.drop (i32.const 1)))) ;; subtask.drop
      (if (i32.eq (global.get $which) (i32.const 10)) (then (drop (call $stream.new)))) ;; stream.new
      (if (i32.eq (global.get $which) (i32.const 11)) (then (drop (call $stream.read (i32.const 1) (i32.const 0) (i32.const 1))))) ;; stream.read
      (if (i32.eq (global.get $which) (i32.const 12)) (then (drop (call $stream.write (i32.const 1) (i32.const 0) (i32.const 1))))) ;; stream.write
      (if (i32.eq (global.get $which) (i32.const 13)) (then (drop (call $stream.cancel-read (i32.const 1))))) ;; stream.cancel-read
      (if (i32.eq (global.get $which) (i32.const 14)) (then (drop (call $stream.cancel-write (i32.const 1))))) ;; stream.cancel-write
      (if (i32.eq (global.get $which) (i32.const 15)) (then (call $stream.drop-readable (i32.const 1)))) ;; stream.drop-readable
      (if (i32.eq (global.get $which) (i32.const 16)) (then (call $stream.drop-writable (i32.const 1)))) ;; stream.drop-writable
      (if (i32.eq (global.get $which) (i32.const 17)) (then (drop (call $future.new)))) ;; future.new
      (if (i32.eq (global.get $which) (i32.const 18)) (then (drop (call $future.read (i32.const 1) (i32.const 0))))) ;; future.read
      (if (i32.eq (global.get $which) (i32.const 19)) (then (drop (call $future.write (i32.const 1) (i32.const 0))))) ;; future.write
      (if (i32.eq (global.get $which) (i32.const 20)) (then (drop (call $future.cancel-read (i32.const 1))))) ;; future.cancel-read
      (if (i32.eq (global.get $which) (i32.const 21)) (then (drop (call $future.cancel-write (i32.const 1))))) ;; future.cancel-write
      (if (i32.eq (global.get $which) (i32.const 22)) (then (call $future.drop-readable (i32.const 1)))) ;; future.drop-readable
      (if (i32.eq (global.get $which) (i32.const 23)) (then (call $future.drop-writable (i32.const 1)))) ;; future.drop-writable
      (if (i32.eq (global.get $which) (i32.const 24)) (then (drop (call $thread.yield)))) ;; thread.yield
      (if (i32.eq (global.get $which) (i32.const 25)) (then (drop (call $ec.new (i32.const 0) (i32.const 0))))) ;; error-context.new
      (if (i32.eq (global.get $which) (i32.const 26)) (then (call $ec.msg (i32.const 1) (i32.const 0)))) ;; error-context.debug-message
      (if (i32.eq (global.get $which) (i32.const 27)) (then (call $ec.drop (i32.const 1)))) ;; error-context.drop
      (if (i32.eq (global.get $which) (i32.const 28)) (then (call $bp.inc))) ;; backpressure.inc
      (if (i32.eq (global.get $which) (i32.const 29)) (then (call $bp.dec))) ;; backpressure.dec
      (if (i32.eq (global.get $which) (i32.const 30)) (then (call $context.set (i32.const 9)))) ;; context.set
      (if (i32.eq (global.get $which) (i32.const 31)) (then (call $context.set (i32.const 9)) (global.set $seen (call $context.get)))) ;; context.set, context.get
      (global.get $next)
      (global.set $next (i32.add (global.get $next) (local.get 3))))
    (func (export "take") (param i32 i32) (result i32) (local.get 1)))
  (core instance $r (instantiate $R (with "" (instance
    (export "mem" (memory $memory))
    (export "nop" (func $nop))
    (export "task.return" (func $task.return))
    (export "task.cancel" (func $task.cancel))
    (export "waitable-set.new" (func $waitable-set.new))
    (export "waitable-set.wait" (func $waitable-set.wait))
    (export "waitable-set.poll" (func $waitable-set.poll))
    (export "waitable-set.drop" (func $waitable-set.drop))
    (export "waitable.join" (func $waitable.join))
    (export "subtask.cancel" (func $subtask.cancel))
    (export "subtask.drop" (func $subtask.drop))
    (export "stream.new" (func $stream.new))
    (export "stream.read" (func $stream.read))
    (export "stream.write" (func $stream.write))
    (export "stream.cancel-read" (func $stream.cancel-read))
    (export "stream.cancel-write" (func $stream.cancel-write))
    (export "stream.drop-readable" (func $stream.drop-readable))
    (export "stream.drop-writable" (func $stream.drop-writable))
    (export "future.new" (func $future.new))
    (export "future.read" (func $future.read))
    (export "future.write" (func $future.write))
    (export "future.cancel-read" (func $future.cancel-read))
    (export "future.cancel-write" (func $future.cancel-write))
    (export "future.drop-readable" (func $future.drop-readable))
    (export "future.drop-writable" (func $future.drop-writable))
    (export "thread.yield" (func $thread.yield))
    (export "ec.new" (func $ec.new))
    (export "ec.msg" (func $ec.msg))
    (export "ec.drop" (func $ec.drop))
    (export "bp.inc" (func $bp.inc))
    (export "bp.dec" (func $bp.dec))
    (export "context.set" (func $context.set))
    (export "context.get" (func $context.get))
  ))))
  (func (export "pick") (param "n" u32) (canon lift (core func $r "pick")))
  (func (export "seen") (result u32) (canon lift (core func $r "seen")))
  (func (export "take") (param "s" string) (result u32)
    (canon lift (core func $r "take") (memory $memory) (realloc (core func $r "realloc"))))
)
;; no built-in: the string is lowered and its length returned
(component instance $ok $L)
(assert_return (invoke "take" (str.const "hello")) (u32.const 5))
;; canon lower
(component instance $l0 $L)
(assert_return (invoke "pick" (u32.const 0)))
(assert_trap (invoke "take" (str.const "x")) "cannot leave component instance")
;; task.return
(component instance $l1 $L)
(assert_return (invoke "pick" (u32.const 1)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; task.cancel
(component instance $l2 $L)
(assert_return (invoke "pick" (u32.const 2)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; waitable-set.new
(component instance $l3 $L)
(assert_return (invoke "pick" (u32.const 3)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; waitable-set.wait
(component instance $l4 $L)
(assert_return (invoke "pick" (u32.const 4)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; waitable-set.poll
(component instance $l5 $L)
(assert_return (invoke "pick" (u32.const 5)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; waitable-set.drop
(component instance $l6 $L)
(assert_return (invoke "pick" (u32.const 6)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; waitable.join
(component instance $l7 $L)
(assert_return (invoke "pick" (u32.const 7)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; subtask.cancel
(component instance $l8 $L)
(assert_return (invoke "pick" (u32.const 8)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; subtask.drop
(component instance $l9 $L)
(assert_return (invoke "pick" (u32.const 9)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; stream.new
(component instance $l10 $L)
(assert_return (invoke "pick" (u32.const 10)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; stream.read
(component instance $l11 $L)
(assert_return (invoke "pick" (u32.const 11)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; stream.write
(component instance $l12 $L)
(assert_return (invoke "pick" (u32.const 12)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; stream.cancel-read
(component instance $l13 $L)
(assert_return (invoke "pick" (u32.const 13)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; stream.cancel-write
(component instance $l14 $L)
(assert_return (invoke "pick" (u32.const 14)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; stream.drop-readable
(component instance $l15 $L)
(assert_return (invoke "pick" (u32.const 15)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; stream.drop-writable
(component instance $l16 $L)
(assert_return (invoke "pick" (u32.const 16)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; future.new
(component instance $l17 $L)
(assert_return (invoke "pick" (u32.const 17)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; future.read
(component instance $l18 $L)
(assert_return (invoke "pick" (u32.const 18)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; future.write
(component instance $l19 $L)
(assert_return (invoke "pick" (u32.const 19)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; future.cancel-read
(component instance $l20 $L)
(assert_return (invoke "pick" (u32.const 20)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; future.cancel-write
(component instance $l21 $L)
(assert_return (invoke "pick" (u32.const 21)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; future.drop-readable
(component instance $l22 $L)
(assert_return (invoke "pick" (u32.const 22)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; future.drop-writable
(component instance $l23 $L)
(assert_return (invoke "pick" (u32.const 23)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; thread.yield
(component instance $l24 $L)
(assert_return (invoke "pick" (u32.const 24)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; error-context.new
(component instance $l25 $L)
(assert_return (invoke "pick" (u32.const 25)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; error-context.debug-message
(component instance $l26 $L)
(assert_return (invoke "pick" (u32.const 26)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; error-context.drop
(component instance $l27 $L)
(assert_return (invoke "pick" (u32.const 27)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; no may_leave check: backpressure.inc then .dec, context.set then .get, all inside realloc
(component instance $free $L)
(assert_return (invoke "pick" (u32.const 28)))
(assert_return (invoke "take" (str.const "abc")) (u32.const 3))
(assert_return (invoke "pick" (u32.const 29)))
(assert_return (invoke "take" (str.const "abc")) (u32.const 3))
(assert_return (invoke "pick" (u32.const 30)))
(assert_return (invoke "take" (str.const "abc")) (u32.const 3))
(assert_return (invoke "pick" (u32.const 31)))
(assert_return (invoke "take" (str.const "abc")) (u32.const 3))
(assert_return (invoke "seen") (u32.const 9))
;; the resource built-ins inside realloc: resource.rep has no may_leave check
;; (canon_resource_rep) and reads the rep; resource.new and resource.drop trap
(component definition $RL
  (core module $Mem (memory (export "mem") 1))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "mem" (core memory $memory))
  (type $R (resource (rep i32)))
  (core func $resource.new (canon resource.new $R))
  (core func $resource.rep (canon resource.rep $R))
  (core func $resource.drop (canon resource.drop $R))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "resource.new" (func $resource.new (param i32) (result i32)))
    (import "" "resource.rep" (func $resource.rep (param i32) (result i32)))
    (import "" "resource.drop" (func $resource.drop (param i32)))
    (global $which (mut i32) (i32.const -1))
    (global $handle (mut i32) (i32.const 0))
    (global $seen (mut i32) (i32.const 0))
    (global $next (mut i32) (i32.const 2048))
    (func (export "pick") (param i32) (global.set $which (local.get 0)))
    (func (export "seen") (result i32) (global.get $seen))
    (func (export "make") (param i32) (global.set $handle (call $resource.new (local.get 0))))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (if (i32.eq (global.get $which) (i32.const 0)) (then (global.set $seen (call $resource.rep (global.get $handle))))) ;; resource.rep
      (if (i32.eq (global.get $which) (i32.const 1)) (then (drop (call $resource.new (i32.const 1))))) ;; resource.new
      (if (i32.eq (global.get $which) (i32.const 2)) (then (call $resource.drop (global.get $handle)))) ;; resource.drop
      (global.get $next)
      (global.set $next (i32.add (global.get $next) (local.get 3))))
    (func (export "take") (param i32 i32) (result i32) (local.get 1)))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory))
    (export "resource.new" (func $resource.new))
    (export "resource.rep" (func $resource.rep))
    (export "resource.drop" (func $resource.drop))
  ))))
  (func (export "pick") (param "n" u32) (canon lift (core func $m "pick")))
  (func (export "seen") (result u32) (canon lift (core func $m "seen")))
  (func (export "make") (param "rep" u32) (canon lift (core func $m "make")))
  (func (export "take") (param "s" string) (result u32)
    (canon lift (core func $m "take") (memory $memory) (realloc (core func $m "realloc"))))
)
;; resource.rep
(component instance $rl0 $RL)
(assert_return (invoke "make" (u32.const 808)))
(assert_return (invoke "pick" (u32.const 0)))
(assert_return (invoke "take" (str.const "abcd")) (u32.const 4))
(assert_return (invoke "seen") (u32.const 808))
;; resource.new
(component instance $rl1 $RL)
(assert_return (invoke "pick" (u32.const 1)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
;; resource.drop
(component instance $rl2 $RL)
(assert_return (invoke "make" (u32.const 1)))
(assert_return (invoke "pick" (u32.const 2)))
(assert_trap (invoke "take" (str.const "x")) "may-not-leave")
