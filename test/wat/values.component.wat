;; A component whose exports take and return typed values (scalars, strings,
;; lists, records, enums, options, results): the JSON value form of the
;; component hosts (jco and the Wasmtime adapter), checked against each other.
;; Call them as shim:values/api#<name>.
(component
  ;; The functions live in an inner component, exported by the outer one as
  ;; the instance `shim:values/api` (jco reads no type exports at the root).
  (component $api
    (core module $m
      (memory (export "mem") 1)
      (global $heap (mut i32) (i32.const 1024))
      ;; cabi_realloc: a bump allocator (a reallocation copies); `reset` (the post-return of sum) starts it over.
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p
          (i32.and
            (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
            (i32.sub (i32.const 0) (local.get 2))))
        (global.set $heap (i32.add (local.get $p) (local.get 3)))
        ;; A reallocation keeps the old contents (the canonical ABI may grow a string's buffer).
        (memory.copy (local.get $p) (local.get 0)
          (select (local.get 1) (local.get 3) (i32.lt_u (local.get 1) (local.get 3))))
        (local.get $p))
      (func (export "reset") (param i32)
        (global.set $heap (i32.const 1024)))
      (func (export "add") (param i32 i32) (result i32)
        (i32.add (local.get 0) (local.get 1)))
      (func (export "negate") (param i64) (result i64)
        (i64.sub (i64.const 0) (local.get 0)))
      (func (export "not") (param i32) (result i32)
        (i32.eqz (local.get 0)))
      (func (export "half") (param f64) (result f64)
        (f64.mul (local.get 0) (f64.const 0.5)))
      (func (export "next-char") (param i32) (result i32)
        (i32.add (local.get 0) (i32.const 1)))
      ;; echo: the string comes back as it went in, through the return area at 8.
      (func (export "echo") (param i32 i32) (result i32)
        (i32.store (i32.const 8) (local.get 0))
        (i32.store (i32.const 12) (local.get 1))
        (i32.const 8))
      ;; shout: the same string with its first byte upper-cased (ASCII a-z).
      (func (export "shout") (param i32 i32) (result i32)
        (local $c i32)
        (if (local.get 1)
          (then
            (local.set $c (i32.load8_u (local.get 0)))
            (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
              (then (i32.store8 (local.get 0) (i32.sub (local.get $c) (i32.const 32)))))))
        (i32.store (i32.const 8) (local.get 0))
        (i32.store (i32.const 12) (local.get 1))
        (i32.const 8))
      ;; sum: list<u32>.
      (func (export "sum") (param $p i32) (param $n i32) (result i32)
        (local $s i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        (local.get $s))
      ;; swap: record {x: s32, y-pos: s32} -> the fields exchanged, via the return area at 16.
      (func (export "swap") (param i32 i32) (result i32)
        (i32.store (i32.const 16) (local.get 1))
        (i32.store (i32.const 20) (local.get 0))
        (i32.const 16))
      ;; next-color: enum red, green, blue -> the next one.
      (func (export "next-color") (param i32) (result i32)
        (i32.rem_u (i32.add (local.get 0) (i32.const 1)) (i32.const 3)))
      ;; bump: option<u32> -> some(v + 1), or none for none; return area at 24.
      (func (export "bump") (param i32 i32) (result i32)
        (i32.store (i32.const 24) (local.get 0))
        (i32.store (i32.const 28) (i32.add (local.get 1) (i32.const 1)))
        (i32.const 24))
      ;; checked: u32 -> result<u32, string>: ok(v) for v < 100, else err("too big").
      (data (i32.const 64) "too big")
      (func (export "checked") (param i32) (result i32)
        (if (i32.lt_u (local.get 0) (i32.const 100))
          (then
            (i32.store (i32.const 32) (i32.const 0))
            (i32.store (i32.const 36) (local.get 0)))
          (else
            (i32.store (i32.const 32) (i32.const 1))
            (i32.store (i32.const 36) (i32.const 64))
            (i32.store (i32.const 40) (i32.const 7))))
        (i32.const 32))
      ;; toggle: flags {read, write, exec} -> every flag inverted.
      (func (export "toggle") (param i32) (result i32)
        (i32.xor (local.get 0) (i32.const 7)))
      ;; boom: a trap with no guest text.
      (func (export "boom") (result i32)
        unreachable)
    )
    (core instance $i (instantiate $m))
    (type $point' (record (field "x" s32) (field "y-pos" s32)))
    (export $point "point" (type $point'))
    (type $color' (enum "red" "green" "blue"))
    (export $color "color" (type $color'))
    (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
    (func (export "negate") (param "x" s64) (result s64) (canon lift (core func $i "negate")))
    (func (export "not") (param "b" bool) (result bool) (canon lift (core func $i "not")))
    (func (export "half") (param "x" f64) (result f64) (canon lift (core func $i "half")))
    (func (export "next-char") (param "c" char) (result char) (canon lift (core func $i "next-char")))
    (func (export "echo") (param "s" string) (result string)
      (canon lift (core func $i "echo") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
    (func (export "shout") (param "s" string) (result string)
      (canon lift (core func $i "shout") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
    (func (export "sum") (param "xs" (list u32)) (result u32)
      (canon lift (core func $i "sum") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))
        (post-return (core func $i "reset"))))
    (func (export "swap") (param "p" $point) (result $point)
      (canon lift (core func $i "swap") (memory (core memory $i "mem"))))
    (func (export "next-color") (param "c" $color) (result $color) (canon lift (core func $i "next-color")))
    (func (export "bump") (param "x" (option u32)) (result (option u32))
      (canon lift (core func $i "bump") (memory (core memory $i "mem"))))
    (func (export "checked") (param "x" u32) (result (result u32 (error string)))
      (canon lift (core func $i "checked") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
    (type $perms' (flags "read" "write" "exec"))
    (export $perms "perms" (type $perms'))
    (func (export "toggle") (param "p" $perms) (result $perms) (canon lift (core func $i "toggle")))
    (func (export "boom") (result u32) (canon lift (core func $i "boom")))

  )
  (instance $i (instantiate $api))
  (export "shim:values/api" (instance $i))
)
