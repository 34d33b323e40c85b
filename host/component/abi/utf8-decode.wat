;; UTF-8 decoding and UTF-16 checking for the canonical ABI's string lifting
;; (host/component/abi/lift.ts, through utf8-decode.ts). UTF-8 input is
;; always valid (the caller has validated it): `latin1` and `utf16` never
;; check it; `utf16_valid` is the one check made here.
;;
;; `latin1`: for strings whose code points are all U+0000..U+00FF (each
;; non-ASCII character a lead byte 0xc2 or 0xc3 and one continuation byte):
;; writes the Latin-1 bytes and returns their count, or -1 at the first byte
;; above 0xc3 (a code point above U+00FF).
;; `utf16`: any string: writes the UTF-16LE code units and returns their
;; count. Blocks of 16 bytes with only one- and two-byte characters are done
;; with SIMD; a block with a longer character one character at a time.
;;
;; `utf16_valid`: whether UTF-16LE code units have no unpaired surrogate.
;;
;; Memory: [0, 2048) is the caller's compaction table for bytes (entry m, 8
;; bytes at 8*m: the positions of the set bits of m, lowest first) and
;; [2048, 6144) the one for 16-bit units (entry m, 16 bytes: the byte pairs
;; 2k, 2k+1 of each set bit k). The output may be overwritten up to 32 bytes
;; past its end.
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
    (i32.sub (local.get $j) (local.get $out)))
  (func (export "utf16") (param $in i32) (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $end i32) (local $j i32) (local $b i32) (local $c i32) (local $keep i32) (local $m i32) (local $stop i32)
    (local $v v128) (local $pv v128) (local $v16 v128) (local $p16 v128) (local $prev v128)
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $n)))
    (local.set $j (local.get $out))
    (block $all_done
      (loop $blocks
        ;; the last bytes (fewer than 16) one character at a time
        (local.set $stop (local.get $end))
        (if (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $end))
          (then
            (local.set $v (v128.load align=1 (local.get $i)))
            (if (i32.eqz (i8x16.bitmask (local.get $v)))
              (then
                ;; all ASCII: each byte widened to a unit
                (v128.store align=1 (local.get $j) (i16x8.extend_low_i8x16_u (local.get $v)))
                (v128.store offset=16 align=1 (local.get $j) (i16x8.extend_high_i8x16_u (local.get $v)))
                (local.set $pv (local.get $v))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (local.set $j (i32.add (local.get $j) (i32.const 32)))
                (br $blocks)))
            (if (i32.eqz (v128.any_true (i8x16.ge_u (local.get $v) (v128.const i8x16 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0 0xe0))))
              (then
                ;; one- and two-byte characters: a continuation byte becomes
                ;; ((lead & 0x1f) << 6) | (byte & 0x3f), lead bytes are dropped
                (local.set $prev (i8x16.shuffle 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 (local.get $pv) (local.get $v)))
                (local.set $keep (i32.xor (i8x16.bitmask (i8x16.ge_u (local.get $v) (v128.const i8x16 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0))) (i32.const 0xffff)))
                ;; lanes 0..7
                (local.set $v16 (i16x8.extend_low_i8x16_u (local.get $v)))
                (local.set $p16 (i16x8.extend_low_i8x16_u (local.get $prev)))
                (local.set $m (i32.and (local.get $keep) (i32.const 0xff)))
                (v128.store align=1 (local.get $j)
                  (i8x16.swizzle
                    (v128.bitselect
                      (v128.or
                        (i16x8.shl (v128.and (local.get $p16) (v128.const i16x8 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f)) (i32.const 6))
                        (v128.and (local.get $v16) (v128.const i16x8 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f)))
                      (local.get $v16)
                      (i16x8.eq (v128.and (local.get $v16) (v128.const i16x8 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0)) (v128.const i16x8 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80)))
                    (v128.load offset=2048 align=1 (i32.shl (local.get $m) (i32.const 4)))))
                (local.set $j (i32.add (local.get $j) (i32.shl (i32.popcnt (local.get $m)) (i32.const 1))))
                ;; lanes 8..15
                (local.set $v16 (i16x8.extend_high_i8x16_u (local.get $v)))
                (local.set $p16 (i16x8.extend_high_i8x16_u (local.get $prev)))
                (local.set $m (i32.shr_u (local.get $keep) (i32.const 8)))
                (v128.store align=1 (local.get $j)
                  (i8x16.swizzle
                    (v128.bitselect
                      (v128.or
                        (i16x8.shl (v128.and (local.get $p16) (v128.const i16x8 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f)) (i32.const 6))
                        (v128.and (local.get $v16) (v128.const i16x8 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f)))
                      (local.get $v16)
                      (i16x8.eq (v128.and (local.get $v16) (v128.const i16x8 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0 0xc0)) (v128.const i16x8 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80)))
                    (v128.load offset=2048 align=1 (i32.shl (local.get $m) (i32.const 4)))))
                (local.set $j (i32.add (local.get $j) (i32.shl (i32.popcnt (local.get $m)) (i32.const 1))))
                (local.set $pv (local.get $v))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $blocks)))
            ;; a three- or four-byte character in this block: characters one
            ;; at a time to the first character boundary at or past its end
            (local.set $stop (i32.add (local.get $i) (i32.const 16)))))
        (br_if $all_done (i32.ge_u (local.get $i) (local.get $end)))
        (loop $chars
          (local.set $b (i32.load8_u (local.get $i)))
          (if (i32.lt_u (local.get $b) (i32.const 0x80))
            (then
              (local.set $c (local.get $b))
              (local.set $i (i32.add (local.get $i) (i32.const 1))))
            (else
              (if (i32.lt_u (local.get $b) (i32.const 0xc0))
                (then
                  ;; the continuation of a two-byte character whose lead ended the block before
                  (local.set $c
                    (i32.or
                      (i32.shl (i32.and (i32.load8_u (i32.sub (local.get $i) (i32.const 1))) (i32.const 0x1f)) (i32.const 6))
                      (i32.and (local.get $b) (i32.const 0x3f))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1))))
                (else
                  (if (i32.lt_u (local.get $b) (i32.const 0xe0))
                    (then
                      (local.set $c
                        (i32.or
                          (i32.shl (i32.and (local.get $b) (i32.const 0x1f)) (i32.const 6))
                          (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f))))
                      (local.set $i (i32.add (local.get $i) (i32.const 2))))
                    (else
                      (if (i32.lt_u (local.get $b) (i32.const 0xf0))
                        (then
                          (local.set $c
                            (i32.or
                              (i32.or
                                (i32.shl (i32.and (local.get $b) (i32.const 0x0f)) (i32.const 12))
                                (i32.shl (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f)) (i32.const 6)))
                              (i32.and (i32.load8_u offset=2 (local.get $i)) (i32.const 0x3f))))
                          (local.set $i (i32.add (local.get $i) (i32.const 3))))
                        (else
                          ;; four bytes: a surrogate pair
                          (local.set $c
                            (i32.sub
                              (i32.or
                                (i32.or
                                  (i32.shl (i32.and (local.get $b) (i32.const 0x07)) (i32.const 18))
                                  (i32.shl (i32.and (i32.load8_u offset=1 (local.get $i)) (i32.const 0x3f)) (i32.const 12)))
                                (i32.or
                                  (i32.shl (i32.and (i32.load8_u offset=2 (local.get $i)) (i32.const 0x3f)) (i32.const 6))
                                  (i32.and (i32.load8_u offset=3 (local.get $i)) (i32.const 0x3f))))
                              (i32.const 0x10000)))
                          (i32.store16 (local.get $j) (i32.or (i32.const 0xd800) (i32.shr_u (local.get $c) (i32.const 10))))
                          (local.set $j (i32.add (local.get $j) (i32.const 2)))
                          (local.set $c (i32.or (i32.const 0xdc00) (i32.and (local.get $c) (i32.const 0x3ff))))
                          (local.set $i (i32.add (local.get $i) (i32.const 4)))))))))))
          (i32.store16 (local.get $j) (local.get $c))
          (local.set $j (i32.add (local.get $j) (i32.const 2)))
          (br_if $chars (i32.lt_u (local.get $i) (local.get $stop))))
        ;; at a character boundary: the next block starts no continuation, so $pv is not read
        (br $blocks)))
    (i32.shr_u (i32.sub (local.get $j) (local.get $out)) (i32.const 1)))

  ;; UTF-16LE at [in, in + 2*units): 1 when every surrogate is paired (a high
  ;; one followed by a low one), else 0. Blocks of 8 units without a
  ;; surrogate are skipped with SIMD; a block with one is checked unit by unit.
  (func (export "utf16_valid") (param $in i32) (param $units i32) (result i32)
    (local $i i32) (local $end i32) (local $stop i32) (local $c i32)
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (i32.shl (local.get $units) (i32.const 1))))
    (block $done
      (loop $blocks
        (local.set $stop (local.get $end))
        (if (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $end))
          (then
            (if (i32.eqz (v128.any_true
                  (i16x8.eq (v128.and (v128.load align=1 (local.get $i)) (v128.const i16x8 0xf800 0xf800 0xf800 0xf800 0xf800 0xf800 0xf800 0xf800)) (v128.const i16x8 0xd800 0xd800 0xd800 0xd800 0xd800 0xd800 0xd800 0xd800))))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $blocks)))
            (local.set $stop (i32.add (local.get $i) (i32.const 16)))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        ;; unit by unit to the end of this block (a pair may cross it)
        (loop $units
          (local.set $c (i32.load16_u (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 2)))
          (if (i32.eq (i32.and (local.get $c) (i32.const 0xf800)) (i32.const 0xd800))
            (then
              ;; a low surrogate first, or a high one not followed by a low one
              (if (i32.ge_u (local.get $c) (i32.const 0xdc00)) (then (return (i32.const 0))))
              (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const 0))))
              (if (i32.ne (i32.and (i32.load16_u (local.get $i)) (i32.const 0xfc00)) (i32.const 0xdc00))
                (then (return (i32.const 0))))
              (local.set $i (i32.add (local.get $i) (i32.const 2)))))
          (br_if $units (i32.lt_u (local.get $i) (local.get $stop))))
        (br $blocks)))
    (i32.const 1))
)
