;; Entering component instances, after definitions.py's
;; ComponentInstance.entering_set / may_enter_from and Store.lift: entering an
;; instance also enters its ancestors, and a call from one component to
;; another leaves out the instances the caller is already inside (itself and
;; its ancestors). So a child may call back into its parent ("donut
;; wrapping") and an instance may call itself, but re-entering a child that is
;; on the stack, or entering an instance whose child is running, traps
;; `may-not-enter`.

;; host -> P (core $M1) -> child C -> P (core $M2): allowed (P is C's parent).
;; From $M2 on, calling C again re-enters C, which is on the stack: trap.
(component definition $Donut
  (core module $Tbl (table (export "t") 1 funcref))
  (core instance $tbl (instantiate $Tbl))
  (core module $M2
    (import "" "t" (table 1 funcref))
    (type $ft (func (param i32) (result i32)))
    (func (export "g") (param i32) (result i32) (i32.add (local.get 0) (i32.const 100)))
    ;; calls C's "leaf" through the table (filled once C exists)
    (func (export "g-back") (param i32) (result i32)
      (call_indirect (type $ft) (local.get 0) (i32.const 0))))
  (core instance $m2 (instantiate $M2 (with "" (instance (export "t" (table $tbl "t"))))))
  (func $g (param "x" u32) (result u32) (canon lift (core func $m2 "g")))
  (func $g-back (param "x" u32) (result u32) (canon lift (core func $m2 "g-back")))
  (component $C
    (import "g" (func $g (param "x" u32) (result u32)))
    (import "g-back" (func $g-back (param "x" u32) (result u32)))
    (core func $g' (canon lower (func $g)))
    (core func $gb' (canon lower (func $g-back)))
    (core module $CM
      (import "" "g" (func $g (param i32) (result i32)))
      (import "" "gb" (func $gb (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) (i32.add (call $g (local.get 0)) (i32.const 1)))
      (func (export "f-back") (param i32) (result i32) (call $gb (local.get 0)))
      (func (export "leaf") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))
    (core instance $cm (instantiate $CM (with "" (instance (export "g" (func $g')) (export "gb" (func $gb'))))))
    (func (export "f") (param "x" u32) (result u32) (canon lift (core func $cm "f")))
    (func (export "f-back") (param "x" u32) (result u32) (canon lift (core func $cm "f-back")))
    (func (export "leaf") (param "x" u32) (result u32) (canon lift (core func $cm "leaf")))
  )
  (instance $c (instantiate $C (with "g" (func $g)) (with "g-back" (func $g-back))))
  (core func $leaf (canon lower (func $c "leaf")))
  (core func $f (canon lower (func $c "f")))
  (core func $f-back (canon lower (func $c "f-back")))
  (core module $Fill
    (import "" "t" (table 1 funcref))
    (import "" "leaf" (func $leaf (param i32) (result i32)))
    (elem (table 0) (i32.const 0) func $leaf))
  (core instance (instantiate $Fill (with "" (instance (export "t" (table $tbl "t")) (export "leaf" (func $leaf))))))
  (core module $M1
    (import "" "f" (func $f (param i32) (result i32)))
    (import "" "f-back" (func $fb (param i32) (result i32)))
    (func (export "run") (param i32) (result i32) (call $f (local.get 0)))
    (func (export "run-back") (param i32) (result i32) (call $fb (local.get 0))))
  (core instance $m1 (instantiate $M1 (with "" (instance (export "f" (func $f)) (export "f-back" (func $f-back))))))
  (func (export "run") (param "x" u32) (result u32) (canon lift (core func $m1 "run")))
  (func (export "run-back") (param "x" u32) (result u32) (canon lift (core func $m1 "run-back")))
  (export "g-back" (func $g-back))
  (export "c-f" (func $c "f"))
)
(component instance $d1 $Donut)
;; P -> C -> P: 5 + 100 + 1
(assert_return (invoke "run" (u32.const 5)) (u32.const 106))
(assert_return (invoke "run" (u32.const 0)) (u32.const 101))
;; host -> C (entering C and its parent P) -> P: still nothing new is entered
(assert_return (invoke "c-f" (u32.const 7)) (u32.const 108))
;; host -> P's $M2 -> C's leaf: C is not on the stack
(assert_return (invoke "g-back" (u32.const 5)) (u32.const 10))
;; P -> C -> P's $M2 -> C: C is on the stack
(assert_trap (invoke "run-back" (u32.const 5)) "cannot enter component instance")
(component instance $d2 $Donut)
(assert_trap (invoke "run-back" (u32.const 1)) "may-not-enter")

;; Entering a child enters its parent too: host -> C (in P) -> S (P's sibling)
;; -> R (the root, S's parent: nothing new) -> P traps, since P was entered
;; with C. Straight from the host, S -> R -> P is fine.
(component definition $Siblings
  (core module $Tbl (table (export "t") 1 funcref))
  (core instance $tbl (instantiate $Tbl))
  (core module $RM
    (import "" "t" (table 1 funcref))
    (type $ft (func (param i32) (result i32)))
    (func (export "late") (param i32) (result i32)
      (call_indirect (type $ft) (local.get 0) (i32.const 0))))
  (core instance $rm (instantiate $RM (with "" (instance (export "t" (table $tbl "t"))))))
  (func $late (param "x" u32) (result u32) (canon lift (core func $rm "late")))
  (component $S
    (import "late" (func $late (param "x" u32) (result u32)))
    (core func $late' (canon lower (func $late)))
    (core module $SM
      (import "" "late" (func $late (param i32) (result i32)))
      (func (export "h") (param i32) (result i32) (i32.add (call $late (local.get 0)) (i32.const 10))))
    (core instance $sm (instantiate $SM (with "" (instance (export "late" (func $late'))))))
    (func (export "h") (param "x" u32) (result u32) (canon lift (core func $sm "h"))))
  (instance $s (instantiate $S (with "late" (func $late))))
  (component $P
    (import "h" (func $h (param "x" u32) (result u32)))
    (core module $PM (func (export "pf") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000))))
    (core instance $pm (instantiate $PM))
    (func (export "pf") (param "x" u32) (result u32) (canon lift (core func $pm "pf")))
    (component $C
      (import "h" (func $h (param "x" u32) (result u32)))
      (core func $h' (canon lower (func $h)))
      (core module $CM
        (import "" "h" (func $h (param i32) (result i32)))
        (func (export "cf") (param i32) (result i32) (call $h (local.get 0))))
      (core instance $cm (instantiate $CM (with "" (instance (export "h" (func $h'))))))
      (func (export "cf") (param "x" u32) (result u32) (canon lift (core func $cm "cf"))))
    (instance $c (instantiate $C (with "h" (func $h))))
    (export "cf" (func $c "cf"))
  )
  (instance $p (instantiate $P (with "h" (func $s "h"))))
  (core func $pf (canon lower (func $p "pf")))
  (core module $Fill
    (import "" "t" (table 1 funcref))
    (import "" "pf" (func $pf (param i32) (result i32)))
    (elem (table 0) (i32.const 0) func $pf))
  (core instance (instantiate $Fill (with "" (instance (export "t" (table $tbl "t")) (export "pf" (func $pf))))))
  (export "h" (func $s "h"))
  (export "cf" (func $p "cf"))
  (export "pf" (func $p "pf"))
)
(component instance $s1 $Siblings)
(assert_return (invoke "pf" (u32.const 1)) (u32.const 1001))
;; host -> S -> R -> P: 3 + 1000 + 10
(assert_return (invoke "h" (u32.const 3)) (u32.const 1013))
;; host -> C (enters C, P, R) -> S -> R -> P: P is entered already
(assert_trap (invoke "cf" (u32.const 3)) "may-not-enter")

;; An instance calling its own lifted function enters nothing new (the
;; entering set of an instance from itself is empty).
(component definition $Self
  (core module $A (func (export "twice") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1))))
  (core instance $a (instantiate $A))
  (func $twice (param "x" u32) (result u32) (canon lift (core func $a "twice")))
  (core func $twice' (canon lower (func $twice)))
  (core module $B
    (import "" "twice" (func $twice (param i32) (result i32)))
    (func (export "quad") (param i32) (result i32) (call $twice (call $twice (local.get 0)))))
  (core instance $b (instantiate $B (with "" (instance (export "twice" (func $twice'))))))
  (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $b "quad")))
)
(component instance $self $Self)
(assert_return (invoke "quad" (u32.const 3)) (u32.const 12))
(assert_return (invoke "quad" (u32.const 0x40000000)) (u32.const 0))
