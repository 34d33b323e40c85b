;; UTF-8 to Latin-1 for the canonical ABI's string lifting (host/component/abi/lift.ts).
;; The input is valid UTF-8 (the caller has validated it); every code point
;; must be U+0000..U+00FF, so each non-ASCII character is a lead byte 0xc2 or
;; 0xc3 and one continuation byte. Returns the Latin-1 length, or -1 at the
;; first byte above 0xc3 (a code point above U+00FF: the caller decodes the
;; string another way).
;;
;; Memory: [0, 2048) is the compaction table the caller writes: entry m (8
;; bytes at 8*m) lists the positions of the set bits of m, lowest first. The
;; output may be overwritten up to 16 bytes past its end.
(module
  (memory (export "memory") 1)
  (func (export "latin1") (param $in i32) (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $end i32) (local $j i32) (local $b i32) (local $keep i32) (local $m i32)
    (local $v v128) (local $pv v128) (local $r v128)
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $n)))
    (local.set $j (local.get $out))
    ;; 16 bytes at a time
    (block $simd_done
      (loop $blocks
        (br_if $simd_done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load align=1 (local.get $i)))
        (if (i32.eqz (i8x16.bitmask (local.get $v)))
          (then
            ;; all ASCII: the same bytes
            (v128.store align=1 (local.get $j) (local.get $v))
            (local.set $pv (local.get $v))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $blocks)))
        (if (v128.any_true (i8x16.gt_u (local.get $v) (v128.const i8x16 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3 0xc3)))
          (then (return (i32.const -1))))
        ;; a continuation byte becomes the character: (lead << 6) | (byte & 0x3f), in 8 bits
        (local.set $r
          (v128.bitselect
            (v128.or
              (i8x16.shl (i8x16.shuffle 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 (local.get $pv) (local.get $v)) (i32.const 6))
              (v128.and (local.get $v) (v128.const i8x16 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f)))
            (local.get $v)
            (i8x16.eq (v128.and (local.get $v) (v128.const i8x16 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0)) (v128.const i8x16 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80))))
        ;; lead bytes are dropped: each half is compacted through the table
        (local.set $keep (i32.xor (i8x16.bitmask (i8x16.ge_u (local.get $v) (v128.const i8x16 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0))) (i32.const 0xffff)))
        (local.set $m (i32.and (local.get $keep) (i32.const 0xff)))
        (v128.store64_lane align=1 0 (local.get $j)
          (i8x16.swizzle (local.get $r) (v128.load64_zero align=1 (i32.shl (local.get $m) (i32.const 3)))))
        (local.set $j (i32.add (local.get $j) (i32.popcnt (local.get $m))))
        (local.set $m (i32.shr_u (local.get $keep) (i32.const 8)))
        (v128.store64_lane align=1 0 (local.get $j)
          (i8x16.swizzle (local.get $r)
            (i8x16.add (v128.load64_zero align=1 (i32.shl (local.get $m) (i32.const 3))) (v128.const i8x16 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8 0x8))))
        (local.set $j (i32.add (local.get $j) (i32.popcnt (local.get $m))))
        (local.set $pv (local.get $v))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $blocks)))
    ;; the last bytes one at a time (a continuation's lead is the byte before it)
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $i)))
        (if (i32.lt_u (local.get $b) (i32.const 0x80))
          (then
            (i32.store8 (local.get $j) (local.get $b))
            (local.set $j (i32.add (local.get $j) (i32.const 1))))
          (else
            (if (i32.gt_u (local.get $b) (i32.const 0xc3))
              (then (return (i32.const -1))))
            (if (i32.lt_u (local.get $b) (i32.const 0xc0))
              (then
                (i32.store8 (local.get $j)
                  (i32.or
                    (i32.shl (i32.load8_u (i32.sub (local.get $i) (i32.const 1))) (i32.const 6))
                    (i32.and (local.get $b) (i32.const 0x3f))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (i32.sub (local.get $j) (local.get $out))))
