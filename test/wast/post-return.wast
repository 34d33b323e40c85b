;; may_leave in post-return: canon_lift clears inst.may_leave around the call
;; of a sync lift's post-return function (definitions.py canon_lift, the
;; `opts.post_return` branch). The built-ins without trap_if(not
;; inst.may_leave) still work there: resource.rep, context.{get,set} and
;; backpressure.{inc,dec}; every other built-in, and canon_lower (an import
;; call), traps may-not-leave. "f" returns 5; its post-return calls the
;; built-in picked by "pick"; "seen" reports what the post-return saw.
;; The built-ins' arguments are dummies: the may_leave check comes first.
(component definition $P
  (component $Leaf
    (core module $N (func (export "nop")))
    (core instance $n (instantiate $N))
    (func (export "nop") (canon lift (core func $n "nop"))))
  (instance $leaf (instantiate $Leaf))
  (core module $Mem (memory (export "mem") 1))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "mem" (core memory $memory))
  (type $R (resource (rep i32)))
  (type $S (stream u8))
  (type $F (future u8))
  (core func $nop (canon lower (func $leaf "nop")))
  (core func $resource.new (canon resource.new $R))
  (core func $resource.rep (canon resource.rep $R))
  (core func $resource.drop (canon resource.drop $R))
  (core func $task.cancel (canon task.cancel))
  (core func $waitable-set.new (canon waitable-set.new))
  (core func $waitable.join (canon waitable.join))
  (core func $subtask.drop (canon subtask.drop))
  (core func $stream.new (canon stream.new $S))
  (core func $stream.read (canon stream.read $S async (memory $memory)))
  (core func $future.new (canon future.new $F))
  (core func $future.drop-readable (canon future.drop-readable $F))
  (core func $thread.yield (canon thread.yield))
  (core func $ec.new (canon error-context.new (memory $memory)))
  (core func $ec.drop (canon error-context.drop))
  (core func $bp.inc (canon backpressure.inc))
  (core func $bp.dec (canon backpressure.dec))
  (core func $context.set (canon context.set i32 0))
  (core func $context.get (canon context.get i32 0))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "nop" (func $nop))
    (import "" "resource.new" (func $resource.new (param i32) (result i32)))
    (import "" "resource.rep" (func $resource.rep (param i32) (result i32)))
    (import "" "resource.drop" (func $resource.drop (param i32)))
    (import "" "task.cancel" (func $task.cancel))
    (import "" "waitable-set.new" (func $waitable-set.new (result i32)))
    (import "" "waitable.join" (func $waitable.join (param i32 i32)))
    (import "" "subtask.drop" (func $subtask.drop (param i32)))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "future.new" (func $future.new (result i64)))
    (import "" "future.drop-readable" (func $future.drop-readable (param i32)))
    (import "" "thread.yield" (func $thread.yield (result i32)))
    (import "" "ec.new" (func $ec.new (param i32 i32) (result i32)))
    (import "" "ec.drop" (func $ec.drop (param i32)))
    (import "" "bp.inc" (func $bp.inc))
    (import "" "bp.dec" (func $bp.dec))
    (import "" "context.set" (func $context.set (param i32)))
    (import "" "context.get" (func $context.get (result i32)))
    (global $which (mut i32) (i32.const -1))
    (global $handle (mut i32) (i32.const 0))
    (global $seen (mut i32) (i32.const 0))
    (func (export "pick") (param i32) (global.set $which (local.get 0)))
    (func (export "seen") (result i32) (global.get $seen))
    ;; a resource made outside post-return, for resource.rep/drop inside it
    (func (export "make") (param i32) (global.set $handle (call $resource.new (local.get 0))))
    (func (export "f") (result i32) (i32.const 5))
    (func (export "f-pr") (param i32)
      (if (i32.eq (global.get $which) (i32.const 0)) (then (global.set $seen (call $resource.rep (global.get $handle))))) ;; resource.rep
      (if (i32.eq (global.get $which) (i32.const 1)) (then (call $context.set (i32.const 77)) (global.set $seen (call $context.get)))) ;; context.set, context.get
      (if (i32.eq (global.get $which) (i32.const 2)) (then (call $bp.inc) (call $bp.dec) (global.set $seen (local.get 0)))) ;; backpressure.inc, .dec
      (if (i32.eq (global.get $which) (i32.const 3)) (then (call $nop))) ;; canon lower
      (if (i32.eq (global.get $which) (i32.const 4)) (then (drop (call $resource.new (i32.const 1))))) ;; resource.new
      (if (i32.eq (global.get $which) (i32.const 5)) (then (call $resource.drop (global.get $handle)))) ;; resource.drop
      (if (i32.eq (global.get $which) (i32.const 6)) (then (call $task.cancel))) ;; task.cancel
      (if (i32.eq (global.get $which) (i32.const 7)) (then (drop (call $waitable-set.new)))) ;; waitable-set.new
      (if (i32.eq (global.get $which) (i32.const 8)) (then (call $waitable.join (i32.const 1) (i32.const 0)))) ;; waitable.join
      (if (i32.eq (global.get $which) (i32.const 9)) (then (call $subtask.drop (i32.const 1)))) ;; subtask.drop
      (if (i32.eq (global.get $which) (i32.const 10)) (then (drop (call $stream.new)))) ;; stream.new
      (if (i32.eq (global.get $which) (i32.const 11)) (then (drop (call $stream.read (i32.const 1) (i32.const 0) (i32.const 1))))) ;; stream.read
      (if (i32.eq (global.get $which) (i32.const 12)) (then (drop (call $future.new)))) ;; future.new
      (if (i32.eq (global.get $which) (i32.const 13)) (then (call $future.drop-readable (i32.const 1)))) ;; future.drop-readable
      (if (i32.eq (global.get $which) (i32.const 14)) (then (drop (call $thread.yield)))) ;; thread.yield
      (if (i32.eq (global.get $which) (i32.const 15)) (then (drop (call $ec.new (i32.const 0) (i32.const 0))))) ;; error-context.new
      (if (i32.eq (global.get $which) (i32.const 16)) (then (call $ec.drop (i32.const 1)))))) ;; error-context.drop
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory))
    (export "nop" (func $nop))
    (export "resource.new" (func $resource.new))
    (export "resource.rep" (func $resource.rep))
    (export "resource.drop" (func $resource.drop))
    (export "task.cancel" (func $task.cancel))
    (export "waitable-set.new" (func $waitable-set.new))
    (export "waitable.join" (func $waitable.join))
    (export "subtask.drop" (func $subtask.drop))
    (export "stream.new" (func $stream.new))
    (export "stream.read" (func $stream.read))
    (export "future.new" (func $future.new))
    (export "future.drop-readable" (func $future.drop-readable))
    (export "thread.yield" (func $thread.yield))
    (export "ec.new" (func $ec.new))
    (export "ec.drop" (func $ec.drop))
    (export "bp.inc" (func $bp.inc))
    (export "bp.dec" (func $bp.dec))
    (export "context.set" (func $context.set))
    (export "context.get" (func $context.get))
  ))))
  (func (export "pick") (param "n" u32) (canon lift (core func $m "pick")))
  (func (export "seen") (result u32) (canon lift (core func $m "seen")))
  (func (export "make") (param "rep" u32) (canon lift (core func $m "make")))
  (func (export "f") (result u32) (canon lift (core func $m "f") (post-return (core func $m "f-pr"))))
)
;; no may_leave check: resource.rep sees the rep; may_leave is set again after
;; post-return, so the next call (and the next built-in) works
(component instance $rep $P)
(assert_return (invoke "make" (u32.const 4321)))
(assert_return (invoke "pick" (u32.const 0)))
(assert_return (invoke "f") (u32.const 5))
(assert_return (invoke "seen") (u32.const 4321))
(assert_return (invoke "make" (u32.const 99)))
(assert_return (invoke "f") (u32.const 5))
(assert_return (invoke "seen") (u32.const 99))
;; no may_leave check: context.set then .get, backpressure.inc then .dec
(component instance $free $P)
(assert_return (invoke "pick" (u32.const 1)))
(assert_return (invoke "f") (u32.const 5))
(assert_return (invoke "seen") (u32.const 77))
(assert_return (invoke "pick" (u32.const 2)))
(assert_return (invoke "f") (u32.const 5))
(assert_return (invoke "seen") (u32.const 5))
;; canon lower
(component instance $p3 $P)
(assert_return (invoke "pick" (u32.const 3)))
(assert_trap (invoke "f") "cannot leave component instance")
;; resource.new
(component instance $p4 $P)
(assert_return (invoke "pick" (u32.const 4)))
(assert_trap (invoke "f") "may-not-leave")
;; resource.drop of a live own handle
(component instance $p5 $P)
(assert_return (invoke "make" (u32.const 1)))
(assert_return (invoke "pick" (u32.const 5)))
(assert_trap (invoke "f") "may-not-leave")
;; task.cancel
(component instance $p6 $P)
(assert_return (invoke "pick" (u32.const 6)))
(assert_trap (invoke "f") "may-not-leave")
;; waitable-set.new
(component instance $p7 $P)
(assert_return (invoke "pick" (u32.const 7)))
(assert_trap (invoke "f") "may-not-leave")
;; waitable.join
(component instance $p8 $P)
(assert_return (invoke "pick" (u32.const 8)))
(assert_trap (invoke "f") "may-not-leave")
;; subtask.drop
(component instance $p9 $P)
(assert_return (invoke "pick" (u32.const 9)))
(assert_trap (invoke "f") "may-not-leave")
;; stream.new
(component instance $p10 $P)
(assert_return (invoke "pick" (u32.const 10)))
(assert_trap (invoke "f") "may-not-leave")
;; stream.read
(component instance $p11 $P)
(assert_return (invoke "pick" (u32.const 11)))
(assert_trap (invoke "f") "may-not-leave")
;; future.new
(component instance $p12 $P)
(assert_return (invoke "pick" (u32.const 12)))
(assert_trap (invoke "f") "may-not-leave")
;; future.drop-readable
(component instance $p13 $P)
(assert_return (invoke "pick" (u32.const 13)))
(assert_trap (invoke "f") "may-not-leave")
;; thread.yield
(component instance $p14 $P)
(assert_return (invoke "pick" (u32.const 14)))
(assert_trap (invoke "f") "may-not-leave")
;; error-context.new
(component instance $p15 $P)
(assert_return (invoke "pick" (u32.const 15)))
(assert_trap (invoke "f") "may-not-leave")
;; error-context.drop
(component instance $p16 $P)
(assert_return (invoke "pick" (u32.const 16)))
(assert_trap (invoke "f") "may-not-leave")
