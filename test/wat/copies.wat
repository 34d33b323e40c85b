;; Stream and future copies within one instance (element types are plain
;; numbers, so the same-instance rule allows it): zero-length reads and
;; writes, partial copies, cancel-read / cancel-write (sync and async),
;; DROPPED when the other end goes, and 8-byte elements copied by byte range.
;; Every export is stackful ([async-lift] without a callback) and logs
;; (tag, result, 0) triples; `$poll_log` logs (event, handle, payload) after
;; filling the event slot with junk, so the payload words are really written.
(module
  (import "$root" "[waitable-set-new]" (func $set_new (result i32)))
  (import "$root" "[waitable-set-poll]" (func $poll (param i32 i32) (result i32)))
  (import "$root" "[waitable-set-drop]" (func $set_drop (param i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))
  (import "[export]$root" "[task-return]zero" (func $ret_zero (param i32)))
  (import "[export]$root" "[task-return]cancel" (func $ret_cancel (param i32)))
  (import "[export]$root" "[task-return]dropped" (func $ret_dropped (param i32)))
  (import "[export]$root" "[task-return]wide" (func $ret_wide))
  (import "[export]$root" "[task-return]future" (func $ret_future (param i32)))
  ;; stream<u8>
  (import "$root" "[stream-new-0]u8" (func $s_new (result i64)))
  (import "$root" "[async-lower][stream-read-0]u8" (func $s_read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]u8" (func $s_write (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-cancel-read-0]u8" (func $s_cancel_read (param i32) (result i32)))
  (import "$root" "[stream-cancel-write-0]u8" (func $s_cancel_write (param i32) (result i32)))
  (import "$root" "[async-lower][stream-cancel-read-0]u8" (func $s_cancel_read_async (param i32) (result i32)))
  (import "$root" "[async-lower][stream-cancel-write-0]u8" (func $s_cancel_write_async (param i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]u8" (func $s_drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]u8" (func $s_drop_w (param i32)))
  ;; stream<u64>: 8-byte, 8-aligned elements
  (import "$root" "[stream-new-0]u64" (func $q_new (result i64)))
  (import "$root" "[async-lower][stream-read-0]u64" (func $q_read (param i32 i32 i32) (result i32)))
  (import "$root" "[async-lower][stream-write-0]u64" (func $q_write (param i32 i32 i32) (result i32)))
  (import "$root" "[stream-cancel-read-0]u64" (func $q_cancel_read (param i32) (result i32)))
  (import "$root" "[stream-drop-readable-0]u64" (func $q_drop_r (param i32)))
  (import "$root" "[stream-drop-writable-0]u64" (func $q_drop_w (param i32)))
  ;; future<u32>
  (import "$root" "[future-new-0]u32" (func $f_new (result i64)))
  (import "$root" "[async-lower][future-read-0]u32" (func $f_read (param i32 i32) (result i32)))
  (import "$root" "[async-lower][future-write-0]u32" (func $f_write (param i32 i32) (result i32)))
  (import "$root" "[future-cancel-read-0]u32" (func $f_cancel_read (param i32) (result i32)))
  (import "$root" "[future-cancel-write-0]u32" (func $f_cancel_write (param i32) (result i32)))
  (import "$root" "[async-lower][future-cancel-write-0]u32" (func $f_cancel_write_async (param i32) (result i32)))
  (import "$root" "[future-drop-readable-0]u32" (func $f_drop_r (param i32)))
  (import "$root" "[future-drop-writable-0]u32" (func $f_drop_w (param i32)))
  (import "test" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "\01\02\03\04")
  (data (i32.const 120) "\ef\be\ad\de")
  ;; three u64 elements
  (data (i32.const 1024) "\11\12\13\14\15\16\17\18\21\22\23\24\25\26\27\28\31\32\33\34\35\36\37\38")
  ;; sentinel after the second read's one element
  (data (i32.const 4104) "\aa\aa\aa\aa\aa\aa\aa\aa")

  (global $r (mut i32) (i32.const 0))
  (global $w (mut i32) (i32.const 0))

  (func $split (param $s i64)
    (global.set $r (i32.wrap_i64 (local.get $s)))
    (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $s) (i64.const 32))))
    (call $log (i32.const 99) (global.get $r) (global.get $w)))

  (func $poll_log (param $set i32)
    (i64.store (i32.const 8) (i64.const -1))
    (call $log (call $poll (local.get $set) (i32.const 8)) (i32.load (i32.const 8)) (i32.load (i32.const 12))))

  (func $t (param $tag i32) (param $v i32) (call $log (local.get $tag) (local.get $v) (i32.const 0)))

  ;; zero-length reads and writes (spec SharedStreamImpl.read/write)
  (func (export "[async-lift]zero") (local $set i32)
    (call $split (call $s_new))
    (local.set $set (call $set_new))
    (call $join (global.get $r) (local.get $set))
    (call $join (global.get $w) (local.get $set))
    (call $t (i32.const 1) (call $s_write (global.get $w) (i32.const 100) (i32.const 0))) ;; BLOCKED: nobody reads
    (call $t (i32.const 2) (call $s_read (global.get $r) (i32.const 200) (i32.const 0)))  ;; BLOCKED: completes the zero-length write, then waits
    (call $poll_log (local.get $set))                                                      ;; STREAM_WRITE w COMPLETED|0
    (call $t (i32.const 3) (call $s_write (global.get $w) (i32.const 100) (i32.const 2))) ;; BLOCKED: completes the zero-length read, then waits
    (call $poll_log (local.get $set))                                                      ;; STREAM_READ r COMPLETED|0
    (call $t (i32.const 4) (call $s_read (global.get $r) (i32.const 200) (i32.const 0)))  ;; COMPLETED|0 at once; the writer keeps waiting
    (call $poll_log (local.get $set))                                                      ;; NONE 0 0: the writer got nothing
    (call $t (i32.const 5) (call $s_read (global.get $r) (i32.const 200) (i32.const 4)))  ;; COMPLETED|2
    (call $poll_log (local.get $set))                                                      ;; STREAM_WRITE w COMPLETED|2
    (call $t (i32.const 6) (call $s_read (global.get $r) (i32.const 210) (i32.const 0)))  ;; BLOCKED
    (call $t (i32.const 7) (call $s_write (global.get $w) (i32.const 100) (i32.const 0))) ;; both zero-length: the write completes, the read still waits
    (call $t (i32.const 8) (call $s_cancel_read_async (global.get $r)))                   ;; CANCELLED|0
    (call $poll_log (local.get $set))                                                      ;; NONE
    (call $join (global.get $r) (i32.const 0))
    (call $join (global.get $w) (i32.const 0))
    (call $s_drop_r (global.get $r))
    (call $s_drop_w (global.get $w))
    (call $set_drop (local.get $set))
    (call $ret_zero (i32.load16_u (i32.const 200))))

  ;; cancel-read / cancel-write: CANCELLED with the count so far (0), or the
  ;; COMPLETED event that a partial copy already left pending
  (func (export "[async-lift]cancel") (local $set i32)
    (call $split (call $s_new))
    (local.set $set (call $set_new))
    (call $t (i32.const 1) (call $s_read (global.get $r) (i32.const 200) (i32.const 4)))  ;; BLOCKED
    (call $t (i32.const 2) (call $s_write (global.get $w) (i32.const 100) (i32.const 1))) ;; COMPLETED|1
    (call $t (i32.const 3) (call $s_cancel_read (global.get $r)))                         ;; COMPLETED|1: the pending event wins
    (call $t (i32.const 4) (call $s_read (global.get $r) (i32.const 201) (i32.const 4)))  ;; BLOCKED
    (call $t (i32.const 5) (call $s_cancel_read (global.get $r)))                         ;; CANCELLED|0
    (call $t (i32.const 6) (call $s_write (global.get $w) (i32.const 101) (i32.const 3))) ;; BLOCKED
    (call $t (i32.const 7) (call $s_cancel_write (global.get $w)))                        ;; CANCELLED|0
    (call $t (i32.const 8) (call $s_write (global.get $w) (i32.const 101) (i32.const 3))) ;; BLOCKED
    (call $t (i32.const 9) (call $s_read (global.get $r) (i32.const 201) (i32.const 2)))  ;; COMPLETED|2
    (call $t (i32.const 10) (call $s_cancel_write (global.get $w)))                       ;; COMPLETED|2: 2 of 3 taken
    (call $t (i32.const 11) (call $s_read (global.get $r) (i32.const 203) (i32.const 1))) ;; BLOCKED: the cancelled write is gone
    (call $t (i32.const 12) (call $s_write (global.get $w) (i32.const 103) (i32.const 1)));; COMPLETED|1
    (call $join (global.get $r) (local.get $set))
    (call $poll_log (local.get $set))                                                      ;; STREAM_READ r COMPLETED|1
    ;; the async variants may cancel an end that is in a waitable set
    (call $t (i32.const 13) (call $s_read (global.get $r) (i32.const 204) (i32.const 1))) ;; BLOCKED
    (call $t (i32.const 14) (call $s_cancel_read_async (global.get $r)))                  ;; CANCELLED|0
    (call $join (global.get $w) (local.get $set))
    (call $t (i32.const 15) (call $s_write (global.get $w) (i32.const 100) (i32.const 2)));; BLOCKED
    (call $t (i32.const 16) (call $s_cancel_write_async (global.get $w)))                 ;; CANCELLED|0
    (call $poll_log (local.get $set))                                                      ;; NONE: cancels deliver their own events
    (call $join (global.get $r) (i32.const 0))
    (call $join (global.get $w) (i32.const 0))
    (call $s_drop_r (global.get $r))
    (call $s_drop_w (global.get $w))
    (call $set_drop (local.get $set))
    (call $ret_cancel (i32.load (i32.const 200))))

  ;; DROPPED when the other end goes, pending or not, with the count copied
  (func (export "[async-lift]dropped") (local $set i32)
    (local.set $set (call $set_new))
    ;; a read pending with 2 of 4 bytes; the writer goes: DROPPED|2
    (call $split (call $s_new))
    (call $join (global.get $r) (local.get $set))
    (call $t (i32.const 1) (call $s_read (global.get $r) (i32.const 200) (i32.const 4)))  ;; BLOCKED
    (call $t (i32.const 2) (call $s_write (global.get $w) (i32.const 100) (i32.const 2))) ;; COMPLETED|2
    (call $s_drop_w (global.get $w))
    (call $poll_log (local.get $set))                                                      ;; STREAM_READ r DROPPED|2
    (call $join (global.get $r) (i32.const 0))
    (call $s_drop_r (global.get $r))
    ;; a write pending; the reader goes: DROPPED|0
    (call $split (call $s_new))
    (call $join (global.get $w) (local.get $set))
    (call $t (i32.const 3) (call $s_write (global.get $w) (i32.const 100) (i32.const 3))) ;; BLOCKED
    (call $s_drop_r (global.get $r))
    (call $poll_log (local.get $set))                                                      ;; STREAM_WRITE w DROPPED|0
    (call $join (global.get $w) (i32.const 0))
    (call $s_drop_w (global.get $w))
    ;; the writer gone before the read: DROPPED at once
    (call $split (call $s_new))
    (call $s_drop_w (global.get $w))
    (call $t (i32.const 4) (call $s_read (global.get $r) (i32.const 210) (i32.const 1)))  ;; DROPPED|0
    (call $s_drop_r (global.get $r))
    ;; the reader gone before the write: DROPPED at once
    (call $split (call $s_new))
    (call $s_drop_r (global.get $r))
    (call $t (i32.const 5) (call $s_write (global.get $w) (i32.const 100) (i32.const 1))) ;; DROPPED|0
    (call $s_drop_w (global.get $w))
    (call $set_drop (local.get $set))
    (call $ret_dropped (i32.load16_u (i32.const 200))))

  ;; stream<u64>: copies by byte ranges; zero-length buffers are not checked
  (func (export "[async-lift]wide") (local $set i32)
    (local.set $set (call $set_new))
    (call $split (call $q_new))
    (call $t (i32.const 1) (call $q_read (global.get $r) (i32.const 65540) (i32.const 0))) ;; BLOCKED: unaligned, out of bounds, but empty
    (call $t (i32.const 2) (call $q_cancel_read (global.get $r)))                          ;; CANCELLED|0
    (call $join (global.get $w) (local.get $set))
    (call $t (i32.const 3) (call $q_write (global.get $w) (i32.const 1024) (i32.const 3))) ;; BLOCKED
    (call $t (i32.const 4) (call $q_read (global.get $r) (i32.const 2048) (i32.const 2)))  ;; COMPLETED|2
    (call $t (i32.const 5) (call $q_read (global.get $r) (i32.const 4096) (i32.const 2)))  ;; COMPLETED|1: one left in the pending write
    (call $poll_log (local.get $set))                                                       ;; STREAM_WRITE w COMPLETED|3
    (call $t (i32.const 6) (call $q_read (global.get $r) (i32.const 65520) (i32.const 2))) ;; BLOCKED: ends exactly at the end of memory
    (call $t (i32.const 7) (call $q_cancel_read (global.get $r)))                          ;; CANCELLED|0
    (call $join (global.get $w) (i32.const 0))
    (call $q_drop_r (global.get $r))
    (call $q_drop_w (global.get $w))
    (call $set_drop (local.get $set))
    (call $ret_wide))

  ;; future<u32>: cancel-write (sync and async), cancels after the value
  ;; moved, and the writer's drop rule
  (func (export "[async-lift]future") (local $set i32)
    (local.set $set (call $set_new))
    ;; A: a write cancelled, written again, read: the writer may drop only after its event
    (call $split (call $f_new))
    (call $t (i32.const 1) (call $f_write (global.get $w) (i32.const 120)))  ;; BLOCKED
    (call $t (i32.const 2) (call $f_cancel_write (global.get $w)))           ;; CANCELLED
    (call $join (global.get $w) (local.get $set))
    (call $t (i32.const 3) (call $f_write (global.get $w) (i32.const 120)))  ;; BLOCKED
    (call $t (i32.const 4) (call $f_read (global.get $r) (i32.const 200)))   ;; COMPLETED
    (call $poll_log (local.get $set))                                        ;; FUTURE_WRITE w COMPLETED
    (call $join (global.get $w) (i32.const 0))
    (call $f_drop_w (global.get $w))
    (call $f_drop_r (global.get $r))
    ;; B: cancel-write after the reader took the value: COMPLETED
    (call $split (call $f_new))
    (call $t (i32.const 5) (call $f_write (global.get $w) (i32.const 120)))  ;; BLOCKED
    (call $t (i32.const 6) (call $f_read (global.get $r) (i32.const 204)))   ;; COMPLETED
    (call $t (i32.const 7) (call $f_cancel_write (global.get $w)))           ;; COMPLETED
    (call $f_drop_w (global.get $w))
    (call $f_drop_r (global.get $r))
    ;; C: cancel-read after the value arrived: COMPLETED
    (call $split (call $f_new))
    (call $t (i32.const 8) (call $f_read (global.get $r) (i32.const 208)))   ;; BLOCKED
    (call $t (i32.const 9) (call $f_write (global.get $w) (i32.const 120)))  ;; COMPLETED
    (call $t (i32.const 10) (call $f_cancel_read (global.get $r)))           ;; COMPLETED
    (call $f_drop_r (global.get $r))
    (call $f_drop_w (global.get $w))
    ;; D: async cancel-write of an end in a set; the reader goes; the next
    ;; write reports DROPPED at once, after which the writer may drop
    (call $split (call $f_new))
    (call $join (global.get $w) (local.get $set))
    (call $t (i32.const 11) (call $f_write (global.get $w) (i32.const 120))) ;; BLOCKED
    (call $t (i32.const 12) (call $f_cancel_write_async (global.get $w)))    ;; CANCELLED
    (call $poll_log (local.get $set))                                        ;; NONE
    (call $f_drop_r (global.get $r))
    (call $t (i32.const 13) (call $f_write (global.get $w) (i32.const 120))) ;; DROPPED
    (call $join (global.get $w) (i32.const 0))
    (call $f_drop_w (global.get $w))
    (call $set_drop (local.get $set))
    (call $ret_future (i32.xor (i32.load (i32.const 200)) (i32.xor (i32.load (i32.const 204)) (i32.load (i32.const 208))))))

  (func (export "ok") (result i32) (i32.const 42))
)
