;; A core module that writes one line to wasi:cli/stdout and one to
;; wasi:cli/stderr, then returns n + 1: made a component with test/wat/hello.wit
;; (jco's componentEmbed + componentNew) to check that the component hosts
;; pass the guest's output through.
(module
  (import "wasi:cli/stdout@0.2.6" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:cli/stderr@0.2.6" "get-stderr" (func $get_stderr (result i32)))
  (import "wasi:io/streams@0.2.6" "[method]output-stream.blocking-write-and-flush" (func $write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.6" "[resource-drop]output-stream" (func $drop (param i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "out: hello\n")
  (data (i32.const 32) "err: hello\n")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  ;; Writes len bytes at ptr to the stream, then drops its handle; the result<_, stream-error> goes to 64.
  (func $say (param $stream i32) (param $ptr i32) (param $len i32)
    (call $write (local.get $stream) (local.get $ptr) (local.get $len) (i32.const 64))
    (call $drop (local.get $stream)))
  (func (export "hello") (param i32) (result i32)
    (call $say (call $get_stdout) (i32.const 16) (i32.const 11))
    (call $say (call $get_stderr) (i32.const 32) (i32.const 11))
    (i32.add (local.get 0) (i32.const 1)))
)
