// A component of three components, for a stream<u8> between two component
// instances: two instances of test/components/streams.wat (`repeat(n)`
// writes n bytes into a stream it returns, in 1000-byte writes; `count(s)`
// reads a stream to its end in 3000-byte reads) and a glue component whose
// export `pump(n)` (async, stackful) calls the first's `repeat` and passes the
// stream to the second's `count`, returning the byte count. The stream's
// bytes go from one instance's memory to the other's. Used by the bench
// (`component_pump_mb_per_s`, `…_wasmtime`) and by test/wat-differential.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The WAT text; streams.wat is inlined, so there is one copy of it. */
export function pumpWat(root) {
  const streams = readFileSync(join(root, 'test/components/streams.wat'), 'utf8');
  const body = streams.slice(streams.indexOf('(component') + '(component'.length, streams.lastIndexOf(')'));
  return `(component
  (component $streams ${body})
  (component $glue
    (type $s (stream u8))
    (import "repeat" (func $repeat async (param "n" u32) (result $s)))
    (import "count" (func $count async (param "s" $s) (result (tuple u32 u32))))
    (core module $libc (memory (export "mem") 1))
    (core instance $libc (instantiate $libc))
    (alias core export $libc "mem" (core memory $mem))
    (core func $repeat-l (canon lower (func $repeat)))
    (core func $count-l (canon lower (func $count) (memory $mem)))
    (core func $ret (canon task.return (result u32)))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "c" "repeat" (func $repeat (param i32) (result i32)))
      (import "c" "count" (func $count (param i32 i32)))
      (import "c" "ret" (func $ret (param i32)))
      ;; stackful: the two sync-lowered calls block this task, not the caller
      (func (export "pump") (param $n i32)
        (call $count (call $repeat (local.get $n)) (i32.const 16))
        (call $ret (i32.load (i32.const 16)))))
    (core instance $i (instantiate $m (with "libc" (instance $libc))
      (with "c" (instance (export "repeat" (func $repeat-l)) (export "count" (func $count-l)) (export "ret" (func $ret))))))
    (func (export "pump") async (param "n" u32) (result u32) (canon lift (core func $i "pump") async)))
  (instance $producer (instantiate $streams))
  (instance $consumer (instantiate $streams))
  (alias export $producer "repeat" (func $repeat))
  (alias export $consumer "count" (func $count))
  (instance $glue (instantiate $glue (with "repeat" (func $repeat)) (with "count" (func $count))))
  (alias export $glue "pump" (func $pump))
  (export "pump" (func $pump)))
`;
}

/** The component's bytes (jco's WAT parser). */
export async function pumpComponent(root) {
  const { parse } = await import('@bytecodealliance/jco');
  return new Uint8Array(await parse(pumpWat(root)));
}
