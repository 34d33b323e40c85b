/**
 * Typed `stream<T>` / `future<T>` copies on the component host: elements
 * that are not plain numbers are lifted out of the writer's memory (its
 * options) and lowered into the reader's (its own options: memory, realloc,
 * string encoding, handle table), as definitions.py's `BufferGuestImpl`
 * does; element types are compared as types; host streams carry JS values
 * of the typed mapping; resource types are fresh per instantiation.
 *
 * The components are written here in WAT: a producer `give` that writes a
 * fixed run of elements (from a data segment) into a new stream and returns
 * its readable end, and a consumer `take(s)` that reads once and returns the
 * elements it got as a `list<T>`.
 */
import { describe, expect, it } from 'vitest';
import { Store, Trap } from '../host/canon/index.js';
import { loadComponent } from '../host/component/api.js';
import { LowerError } from '../host/component/abi/context.js';
import type { ValType } from '../host/component/types.js';
import { wat } from './component-bytes.js';

type Fn = (...a: unknown[]) => Promise<unknown>;
type Reader = AsyncIterable<unknown[]> & { read(n?: number): Promise<unknown[] | undefined> };

/** Little-endian u32s as a WAT data string. */
const words = (...ws: number[]): string =>
  ws.map((w) => [0, 8, 16, 24].map((s) => `\\${((w >>> s) & 0xff).toString(16).padStart(2, '0')}`).join('')).join('');
/** Bytes as a WAT data string. */
const hex = (bytes: number[]): string => bytes.map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');

const LIBC = `
  (core module $libc
    (memory (export "mem") 1)
    (global $top (mut i32) (i32.const 32768))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      ;; shrinking keeps the block; growing copies into a new one
      (if (i32.and (i32.ne (local.get 0) (i32.const 0)) (i32.le_u (local.get 3) (local.get 1))) (then (return (local.get 0))))
      (local.set $p (i32.and (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      (if (i32.ne (local.get 0) (i32.const 0)) (then (memory.copy (local.get $p) (local.get 0) (local.get 1))))
      (local.get $p))
    DATA)
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))`;

const libc = (data = ''): string => LIBC.replace('DATA', data);

/**
 * A producer: `give` makes a `stream<T>`, writes `n` elements at 256 (from
 * `data`) and returns the readable end; once the write reports, it drops the
 * writable end. `last` is the write's packed result.
 */
function producer(elem: string, n: number, data: string, extraTypes = ''): string {
  return `(component
  ${libc(data)}
  ${extraTypes}
  (type $t (stream ${elem}))
  (core func $new (canon stream.new $t))
  (core func $write (canon stream.write $t async (memory $mem)))
  (core func $drop-w (canon stream.drop-writable $t))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $ret (canon task.return (result $t)))
  (core module $m
    (import "c" "new" (func $new (result i64)))
    (import "c" "write" (func $write (param i32 i32 i32) (result i32)))
    (import "c" "drop-w" (func $drop-w (param i32)))
    (import "c" "ws-new" (func $ws-new (result i32)))
    (import "c" "join" (func $join (param i32 i32)))
    (import "c" "ret" (func $ret (param i32)))
    (global $ws (mut i32) (i32.const 0))
    (global $last (mut i32) (i32.const -2))
    (func (export "give") (result i32)
      (local $e i64) (local $set i32)
      (local.set $e (call $new))
      (global.set $ws (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 32))))
      (if (i32.ne (call $write (global.get $ws) (i32.const 256) (i32.const ${n})) (i32.const -1)) (then unreachable))
      (call $ret (i32.wrap_i64 (local.get $e)))
      (local.set $set (call $ws-new))
      (call $join (global.get $ws) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "cb") (param $ev i32) (param $i i32) (param $p i32) (result i32)
      (global.set $last (local.get $p))
      (call $join (global.get $ws) (i32.const 0))
      (call $drop-w (global.get $ws))
      (i32.const 0))
    (func (export "last") (result i32) (global.get $last)))
  (core instance $i (instantiate $m (with "c" (instance
    (export "new" (func $new)) (export "write" (func $write)) (export "drop-w" (func $drop-w))
    (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret" (func $ret))))))
  (func (export "give") async (result $t) (canon lift (core func $i "give") async (callback (core func $i "cb"))))
  (func (export "last") (result s32) (canon lift (core func $i "last"))))`;
}

/**
 * A consumer: `take(s)` reads up to 8 elements at 1024 (once; waiting when
 * nothing is there yet), drops the end, and returns what it read as a
 * `list<T>`, all with string encoding `enc`.
 */
function consumer(elem: string, enc = 'utf8', extraTypes = ''): string {
  const opts = `(memory $mem) (realloc $realloc) string-encoding=${enc}`;
  return `(component
  ${libc()}
  ${extraTypes}
  (type $t (stream ${elem}))
  (type $l (list ${elem}))
  (core func $read (canon stream.read $t async ${opts}))
  (core func $drop-r (canon stream.drop-readable $t))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $ret (canon task.return (result $l) (memory $mem) string-encoding=${enc}))
  (core module $m
    (import "c" "read" (func $read (param i32 i32 i32) (result i32)))
    (import "c" "drop-r" (func $drop-r (param i32)))
    (import "c" "ws-new" (func $ws-new (result i32)))
    (import "c" "join" (func $join (param i32 i32)))
    (import "c" "ret" (func $ret (param i32 i32)))
    (global $rs (mut i32) (i32.const 0))
    (func $done (param $p i32) (result i32)
      (call $drop-r (global.get $rs))
      (call $ret (i32.const 1024) (i32.shr_u (local.get $p) (i32.const 4)))
      (i32.const 0))
    (func (export "take") (param $rs i32) (result i32)
      (local $r i32) (local $set i32)
      (global.set $rs (local.get $rs))
      (local.set $r (call $read (local.get $rs) (i32.const 1024) (i32.const 8)))
      (if (i32.ne (local.get $r) (i32.const -1)) (then (return (call $done (local.get $r)))))
      (local.set $set (call $ws-new))
      (call $join (local.get $rs) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "cb") (param $ev i32) (param $i i32) (param $p i32) (result i32)
      (call $join (global.get $rs) (i32.const 0))
      (call $done (local.get $p))))
  (core instance $i (instantiate $m (with "c" (instance
    (export "read" (func $read)) (export "drop-r" (func $drop-r))
    (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret" (func $ret))))))
  (func (export "take") async (param "s" $t) (result $l) (canon lift (core func $i "take") async (callback (core func $i "cb")))))`;
}

const STRING: ValType = { kind: 'string' };
/** Three strings at 256 (ptr, len pairs) pointing at 512: "héllo" (6 bytes), "wörld ✓" (10), "". */
const STRINGS_DATA = `(data (i32.const 256) "${words(512, 6, 518, 10, 528, 0)}") (data (i32.const 512) "héllowörld ✓")`;

const REC = '(record (field "name" string) (field "vals" (list u32)))';
const REC_T: ValType = { kind: 'record', fields: [{ label: 'name', t: STRING }, { label: 'vals', t: { kind: 'list', t: { kind: 'u32' } } }] };
/** Two records at 256: { name: "abc", vals: [7, 8] }, { name: "", vals: [] }. */
const REC_DATA = `(data (i32.const 256) "${words(512, 3, 600, 2, 515, 0, 608, 0)}") (data (i32.const 512) "abc") (data (i32.const 600) "${words(7, 8)}")`;

describe('stream<string>', async () => {
  const P = loadComponent(await wat(producer('string', 3, STRINGS_DATA)));
  const C = loadComponent(await wat(consumer('string')));
  const C16 = loadComponent(await wat(consumer('string', 'utf16')));

  it('component to host: the strings arrive as JS strings, and the writer sees all three taken', async () => {
    const p = P.instantiate({});
    const r = (await (p.exports['give'] as Fn)()) as Reader;
    const got: unknown[] = [];
    for await (const chunk of r) got.push(...chunk);
    expect(got).toEqual(['héllo', 'wörld ✓', '']);
    expect(await (p.exports['last'] as Fn)()).toBe((3 << 4) | 0);
  });

  it('component to component: lifted from the writer\'s memory, lowered into the reader\'s with its realloc (utf8 and utf16 readers)', async () => {
    for (const c of [C, C16]) {
      const store = new Store();
      const p = P.instantiate({}, { store, name: 'producer' });
      const q = c.instantiate({}, { store, name: 'consumer' });
      const r = await (p.exports['give'] as Fn)();
      expect(await (q.exports['take'] as Fn)(r)).toEqual(['héllo', 'wörld ✓', '']);
      // The reader took all three and dropped its end before the writer's
      // event was delivered: DROPPED (1) with the count of 3.
      expect(await (p.exports['last'] as Fn)()).toBe((3 << 4) | 1);
    }
  });

  it('host to component: JS strings written into a host stream<string> reach the reader (it waits first)', async () => {
    const q = C16.instantiate({});
    const s = q.stream(STRING);
    const taken = (q.exports['take'] as Fn)(s);
    expect(await s.write(['a', '𝄞 ü', 'ccc'])).toBe(3);
    s.close();
    expect(await taken).toEqual(['a', '𝄞 ü', 'ccc']);
  });

  it('a long host write is taken in several reads of 3, in order', async () => {
    const D = loadComponent(await wat(`(component
      ${libc()}
      (type $t (stream string))
      (type $l (list string))
      (core func $read (canon stream.read $t async (memory $mem) (realloc $realloc)))
      (core func $drop-r (canon stream.drop-readable $t))
      (core func $ws-new (canon waitable-set.new))
      (core func $join (canon waitable.join))
      (core func $ret (canon task.return (result $l) (memory $mem)))
      (core module $m
        (import "c" "read" (func $read (param i32 i32 i32) (result i32)))
        (import "c" "drop-r" (func $drop-r (param i32)))
        (import "c" "ws-new" (func $ws-new (result i32)))
        (import "c" "join" (func $join (param i32 i32)))
        (import "c" "ret" (func $ret (param i32 i32)))
        (global $rs (mut i32) (i32.const 0))
        (global $set (mut i32) (i32.const 0))
        (global $total (mut i32) (i32.const 0))
        ;; account for a read result; DROPPED: return everything read
        (func $got (param $r i32) (result i32)
          (global.set $total (i32.add (global.get $total) (i32.shr_u (local.get $r) (i32.const 4))))
          (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1)) (then
            (call $join (global.get $rs) (i32.const 0))
            (call $drop-r (global.get $rs))
            (call $ret (i32.const 1024) (global.get $total))
            (return (i32.const 0))))
          (call $pump))
        (func $pump (result i32)
          (local $r i32)
          (local.set $r (call $read (global.get $rs) (i32.add (i32.const 1024) (i32.shl (global.get $total) (i32.const 3))) (i32.const 3)))
          (if (i32.eq (local.get $r) (i32.const -1)) (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
          (call $got (local.get $r)))
        (func (export "drain") (param $rs i32) (result i32)
          (global.set $rs (local.get $rs))
          (global.set $set (call $ws-new))
          (call $join (local.get $rs) (global.get $set))
          (call $pump))
        (func (export "cb") (param i32 i32 $p i32) (result i32) (call $got (local.get $p))))
      (core instance $i (instantiate $m (with "c" (instance
        (export "read" (func $read)) (export "drop-r" (func $drop-r))
        (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret" (func $ret))))))
      (func (export "drain") async (param "s" $t) (result $l) (canon lift (core func $i "drain") async (callback (core func $i "cb")))))`.replace('(param i32 i32 $p i32)', '(param i32) (param i32) (param $p i32)')));
    const q = D.instantiate({});
    const s = q.stream(STRING);
    const drained = (q.exports['drain'] as Fn)(s);
    const words20 = Array.from({ length: 20 }, (_, i) => `w${i}-${'é'.repeat(i)}`);
    expect(await s.write(words20)).toBe(20);
    expect(await s.write(['last'])).toBe(1);
    s.close();
    expect(await drained).toEqual([...words20, 'last']);
  });

  it('a value that is not a string is refused by the host stream before anything is written (LowerError)', async () => {
    const q = C.instantiate({});
    const s = q.stream(STRING);
    const taken = (q.exports['take'] as Fn)(s);
    const e = await s.write(['ok', 42]).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(LowerError);
    expect((e as LowerError).code).toBe('wrong-js-type');
    expect((e as LowerError).path).toBe('[1]');
    expect(await s.write(['fine'])).toBe(1);
    s.close();
    expect(await taken).toEqual(['fine']);
  });

  it('a string element with invalid UTF-8 traps invalid-string where it is lifted', async () => {
    const bad = loadComponent(await wat(producer('string', 2, `(data (i32.const 256) "${words(512, 2, 514, 1)}") (data (i32.const 512) "${hex([0xc3, 0x28, 0x41])}")`)));
    // To the host: the read rejects.
    const r = (await (bad.instantiate({}).exports['give'] as Fn)()) as Reader;
    const e = await r.read().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('invalid-string');
    // To another component: its read traps, and its call rejects with that
    // trap, which names the writer; both instances are poisoned.
    const store = new Store();
    const p2 = bad.instantiate({}, { store, name: 'writer' });
    const q = C.instantiate({}, { store, name: 'reader' });
    const e2 = await (q.exports['take'] as Fn)(await (p2.exports['give'] as Fn)()).catch((err: unknown) => err);
    expect(e2).toBeInstanceOf(Trap);
    expect((e2 as Trap).code).toBe('invalid-string');
    expect((e2 as Trap).instance).toBe('writer');
    await expect((p2.exports['last'] as Fn)()).rejects.toMatchObject({ code: 'instance-poisoned' });
    await expect((q.exports['take'] as Fn)(q.stream(STRING))).rejects.toMatchObject({ code: 'instance-poisoned' });
    // Another pair in the same store is unharmed.
    const p3 = P.instantiate({}, { store });
    const q3 = C.instantiate({}, { store });
    expect(await (q3.exports['take'] as Fn)(await (p3.exports['give'] as Fn)())).toEqual(['héllo', 'wörld ✓', '']);
  });
});

describe('stream<record { name: string, vals: list<u32> }>', async () => {
  // the record named by an export, as the exported functions' types require
  const named = `(type $rec-def ${REC}) (export $rec "rec" (type $rec-def))`;
  const P = loadComponent(await wat(producer('$rec', 2, REC_DATA, named)));
  const C = loadComponent(await wat(consumer('$rec', 'latin1+utf16', named)));

  it('component to host: records as objects, the list as a Uint32Array', async () => {
    const r = (await (P.instantiate({}).exports['give'] as Fn)()) as Reader;
    expect(await r.read()).toEqual([{ name: 'abc', vals: new Uint32Array([7, 8]) }, { name: '', vals: new Uint32Array([]) }]);
  });

  it('component to component: the string and the list are copied into the reader\'s memory', async () => {
    const store = new Store();
    const p = P.instantiate({}, { store });
    const q = C.instantiate({}, { store });
    const got = await (q.exports['take'] as Fn)(await (p.exports['give'] as Fn)());
    expect(got).toEqual([{ name: 'abc', vals: new Uint32Array([7, 8]) }, { name: '', vals: new Uint32Array([]) }]);
  });

  it('host to component: JS objects with arrays', async () => {
    const q = C.instantiate({});
    const s = q.stream(REC_T);
    const taken = (q.exports['take'] as Fn)(s);
    await s.write([{ name: 'ÿx', vals: [1, 2, 3] }]);
    s.close();
    expect(await taken).toEqual([{ name: 'ÿx', vals: new Uint32Array([1, 2, 3]) }]);
  });
});

describe('stream<stream<u8>>: a stream end is an element', async () => {
  const C = loadComponent(await wat(consumer('$in', 'utf8', '(type $in (stream u8))')));

  it('a host stream written as an element moves into the reader\'s table, and out again as a returned list', async () => {
    const q = C.instantiate({});
    const outer = q.stream({ kind: 'stream', t: { kind: 'u8' } });
    const inner = q.stream();
    const taken = (q.exports['take'] as Fn)(outer);
    expect(await outer.write([inner])).toBe(1);
    outer.close();
    const [r] = (await taken) as Reader[];
    // The element came back as a reader of the same stream: what the host writes into `inner` arrives.
    const wrote = inner.write(new Uint8Array([7, 8, 9]));
    expect(await r!.read()).toEqual(new Uint8Array([7, 8, 9]));
    expect(await wrote).toBe(3);
    inner.close();
    expect(await r!.read()).toBeUndefined();
  });

  it('an element that is not a stream is refused by the host stream (LowerError)', async () => {
    const q = C.instantiate({});
    const outer = q.stream({ kind: 'stream', t: { kind: 'u8' } });
    await expect(outer.write([new Uint8Array(1)])).rejects.toBeInstanceOf(LowerError);
  });
});

describe('stream<error-context>', async () => {
  const P = loadComponent(await wat(`(component
    ${libc('(data (i32.const 512) "it broke")')}
    (type $t (stream error-context))
    (core func $ec-new (canon error-context.new (memory $mem)))
    (core func $new (canon stream.new $t))
    (core func $write (canon stream.write $t async (memory $mem)))
    (core func $ret (canon task.return (result $t)))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "c" "ec-new" (func $ec-new (param i32 i32) (result i32)))
      (import "c" "new" (func $new (result i64)))
      (import "c" "write" (func $write (param i32 i32 i32) (result i32)))
      (import "c" "ret" (func $ret (param i32)))
      (func (export "give") (result i32)
        (local $e i64)
        (i32.store (i32.const 256) (call $ec-new (i32.const 512) (i32.const 8)))
        (local.set $e (call $new))
        (if (i32.ne (call $write (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 32))) (i32.const 256) (i32.const 1)) (i32.const -1)) (then unreachable))
        (call $ret (i32.wrap_i64 (local.get $e)))
        (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "libc" (instance $libc)) (with "c" (instance
      (export "ec-new" (func $ec-new)) (export "new" (func $new)) (export "write" (func $write)) (export "ret" (func $ret))))))
    (func (export "give") async (result $t) (canon lift (core func $i "give") async (callback (core func $i "cb")))))`));

  it('an error context written by a component reaches the host with its debug message', async () => {
    const r = (await (P.instantiate({}).exports['give'] as Fn)()) as Reader;
    const [ec] = (await r.read())! as { debugMessage: string }[];
    expect(ec!.debugMessage).toBe('it broke');
  });
});

describe('element type identity: stream<u32> and stream<s32> are different types', async () => {
  const mix = loadComponent(await wat(`(component
    (core module $libc (memory (export "mem") 1))
    (core instance $libc (instantiate $libc))
    (alias core export $libc "mem" (core memory $mem))
    (type $u (stream u32))
    (type $s (stream s32))
    (core func $new (canon stream.new $u))
    (core func $write-u (canon stream.write $u async (memory $mem)))
    (core func $write-s (canon stream.write $s async (memory $mem)))
    (core module $m
      (import "c" "new" (func $new (result i64)))
      (import "c" "write-u" (func $write-u (param i32 i32 i32) (result i32)))
      (import "c" "write-s" (func $write-s (param i32 i32 i32) (result i32)))
      (func $w (result i32) (i32.wrap_i64 (i64.shr_u (call $new) (i64.const 32))))
      (func (export "same") (result i32) (call $write-u (call $w) (i32.const 0) (i32.const 1)))
      (func (export "mixed") (result i32) (call $write-s (call $w) (i32.const 0) (i32.const 1))))
    (core instance $i (instantiate $m (with "c" (instance (export "new" (func $new)) (export "write-u" (func $write-u)) (export "write-s" (func $write-s))))))
    (func (export "same") (result s32) (canon lift (core func $i "same")))
    (func (export "mixed") (result s32) (canon lift (core func $i "mixed"))))`));

  it('stream.write of stream<s32> on a stream<u32> end traps type-mismatch (same layout, other type)', async () => {
    const inst = mix.instantiate({});
    expect(await (inst.exports['same'] as Fn)()).toBe(-1); // BLOCKED: no reader
    const e = await (inst.exports['mixed'] as Fn)().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('type-mismatch');
    expect((e as Trap).message).toContain('u32');
  });

  it('a host stream<u32> passed where stream<s32> is taken traps type-mismatch', async () => {
    const C = loadComponent(await wat(consumer('s32')));
    const q = C.instantiate({});
    const e = await (q.exports['take'] as Fn)(q.stream({ kind: 'u32' })).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('type-mismatch');
    const ok = C.instantiate({});
    const s = ok.stream({ kind: 's32' });
    const taken = (ok.exports['take'] as Fn)(s);
    await s.write([-5, 7]);
    s.close();
    expect(await taken).toEqual(new Int32Array([-5, 7]));
  });
});

describe('future<string>', async () => {
  const P = loadComponent(await wat(`(component
    ${libc(`(data (i32.const 256) "${words(512, 7)}") (data (i32.const 512) "future!")`)}
    (type $f (future string))
    (core func $new (canon future.new $f))
    (core func $write (canon future.write $f async (memory $mem)))
    (core func $drop-w (canon future.drop-writable $f))
    (core func $ws-new (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $ret (canon task.return (result $f)))
    (core module $m
      (import "c" "new" (func $new (result i64)))
      (import "c" "write" (func $write (param i32 i32) (result i32)))
      (import "c" "drop-w" (func $drop-w (param i32)))
      (import "c" "ws-new" (func $ws-new (result i32)))
      (import "c" "join" (func $join (param i32 i32)))
      (import "c" "ret" (func $ret (param i32)))
      (global $wf (mut i32) (i32.const 0))
      (func (export "give") (result i32)
        (local $e i64) (local $set i32)
        (local.set $e (call $new))
        (global.set $wf (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 32))))
        (if (i32.ne (call $write (global.get $wf) (i32.const 256)) (i32.const -1)) (then unreachable))
        (call $ret (i32.wrap_i64 (local.get $e)))
        (local.set $set (call $ws-new))
        (call $join (global.get $wf) (local.get $set))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cb") (param i32 i32 i32) (result i32)
        (if (i32.ne (local.get 2) (i32.const 0)) (then unreachable))
        (call $join (global.get $wf) (i32.const 0))
        (call $drop-w (global.get $wf))
        (i32.const 0)))
    (core instance $i (instantiate $m (with "c" (instance
      (export "new" (func $new)) (export "write" (func $write)) (export "drop-w" (func $drop-w))
      (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret" (func $ret))))))
    (func (export "give") async (result $f) (canon lift (core func $i "give") async (callback (core func $i "cb")))))`));

  const C = loadComponent(await wat(`(component
    (import "p" (instance $p (export "give" (func async (result (future string))))))
    (alias export $p "give" (func $give))
    (core func $give (canon lower (func $give)))
    ${libc()}
    (type $f (future string))
    (core func $read (canon future.read $f async (memory $mem) (realloc $realloc) string-encoding=utf16))
    (core func $drop-r (canon future.drop-readable $f))
    (core func $ret (canon task.return (result string) (memory $mem) string-encoding=utf16))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "c" "read" (func $read (param i32 i32) (result i32)))
      (import "c" "drop-r" (func $drop-r (param i32)))
      (import "c" "ret" (func $ret (param i32 i32)))
      (import "c" "give" (func $give (result i32)))
      ;; take the producer's future (it is written already) and read it here
      (func (export "run") (result i32) (call $take (call $give)))
      (func $take (export "take") (param $rf i32) (result i32)
        (if (i32.ne (call $read (local.get $rf) (i32.const 1024)) (i32.const 0)) (then unreachable))
        (call $drop-r (local.get $rf))
        (call $ret (i32.load (i32.const 1024)) (i32.load (i32.const 1028)))
        (i32.const 0))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "libc" (instance $libc)) (with "c" (instance
      (export "read" (func $read)) (export "drop-r" (func $drop-r)) (export "ret" (func $ret)) (export "give" (func $give))))))
    (func (export "take") async (param "f" $f) (result string) (canon lift (core func $i "take") async (callback (core func $i "cb"))))
    (func (export "run") async (result string) (canon lift (core func $i "run") async (callback (core func $i "cb")))))`));

  it('component to host: the future resolves with the string', async () => {
    const f = await (P.instantiate({}).exports['give'] as Fn)();
    expect(await f).toBe('future!');
  });

  it('component to component: the string is re-encoded as UTF-16 in the reader', async () => {
    const store = new Store();
    const p = P.instantiate({}, { store });
    const q = C.instantiate({ p }, { store });
    expect(await (q.exports['run'] as Fn)()).toBe('future!');
  });

  it('a host future<string> resolved with a JS string reaches the reader', async () => {
    const q = C.instantiate({ p: P.instantiate({}) });
    const f = q.future(STRING);
    const resolved = f.resolve('from JS ✓');
    expect(await (q.exports['take'] as Fn)(f)).toBe('from JS ✓');
    expect(await resolved).toBe(true);
  });

  // the same producer, but the future inside a tuple: the call's Promise does not adopt it, JS holds the reader
  const P2 = loadComponent(await wat(`(component
    ${libc(`(data (i32.const 256) "${words(512, 7)}") (data (i32.const 512) "future!")`)}
    (type $f (future string))
    (core func $new (canon future.new $f))
    (core func $write (canon future.write $f async (memory $mem)))
    (core func $drop-w (canon future.drop-writable $f))
    (core func $ret (canon task.return (result (tuple $f u32))))
    (core module $m
      (import "c" "new" (func $new (result i64)))
      (import "c" "write" (func $write (param i32 i32) (result i32)))
      (import "c" "drop-w" (func $drop-w (param i32)))
      (import "c" "ret" (func $ret (param i32 i32)))
      (global $wf (mut i32) (i32.const 0))
      (func (export "give") (result i32)
        (local $e i64)
        (local.set $e (call $new))
        (global.set $wf (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 32))))
        (call $ret (i32.wrap_i64 (local.get $e)) (i32.const 7))
        ;; written after the reader moved on: the copy completes when that reader reads
        (if (i32.ne (call $write (global.get $wf) (i32.const 256)) (i32.const -1)) (then unreachable))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 1)))
    (core instance $i (instantiate $m (with "c" (instance
      (export "new" (func $new)) (export "write" (func $write)) (export "drop-w" (func $drop-w)) (export "ret" (func $ret))))))
    (func (export "give") async (result (tuple $f u32)) (canon lift (core func $i "give") async (callback (core func $i "cb")))))`));

  it('a future JS got from a component is passed on to another component of the store once, before JS awaits it; another store refuses it', async () => {
    const store = new Store();
    const p = P2.instantiate({}, { store });
    const q = C.instantiate({ p: P.instantiate({}, { store }) }, { store });
    const [f, n] = (await (p.exports['give'] as Fn)()) as [PromiseLike<unknown>, number];
    expect(n).toBe(7);
    expect(await (q.exports['take'] as Fn)(f)).toBe('future!');
    // passed on: the reader is that component's; JS can neither pass it again nor await it
    await expect((q.exports['take'] as Fn)(f)).rejects.toThrow(/\[end-taken\] .*passed to a component already/);
    await expect(Promise.resolve(f)).rejects.toThrow(/end-done/);
    // awaited by JS first: it cannot be passed on
    const [g] = (await (p.exports['give'] as Fn)()) as [PromiseLike<unknown>];
    const got = g.then((v) => v); // starts the read now (Promise.resolve would call then in a later job)
    await expect((q.exports['take'] as Fn)(g)).rejects.toThrow(/\[end-taken\] .*already awaited/);
    expect(await got).toBe('future!');
    // a store of its own: another store's end is refused by type, and the reader is still JS's
    const [h] = (await (p.exports['give'] as Fn)()) as [PromiseLike<unknown>];
    const other = C.instantiate({ p: P.instantiate({}) });
    await expect((other.exports['take'] as Fn)(h)).rejects.toThrow(/\[other-store\]/);
    expect(await h).toBe('future!');
  });

  it('a host future<string> refuses a non-string (LowerError) and stays unwritten', async () => {
    const q = C.instantiate({ p: P.instantiate({}) });
    const f = q.future(STRING);
    await expect(f.resolve(7)).rejects.toBeInstanceOf(LowerError);
    const resolved = f.resolve('second try');
    expect(await (q.exports['take'] as Fn)(f)).toBe('second try');
    expect(await resolved).toBe(true);
  });
});

/** A producer of an exported resource `r` (rep i32) and of streams of own handles to it. */
const RESOURCE_PRODUCER = `(component
  ${libc()}
  (type $R (resource (rep i32)))
  (core func $rnew (canon resource.new $R))
  (core func $rrep (canon resource.rep $R))
  (type $t (stream (own $R)))
  (core func $new (canon stream.new $t))
  (core func $write (canon stream.write $t async (memory $mem)))
  (core func $drop-w (canon stream.drop-writable $t))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $ret (canon task.return (result $t)))
  (core module $m
    (import "libc" "mem" (memory 1))
    (import "c" "rnew" (func $rnew (param i32) (result i32)))
    (import "c" "rrep" (func $rrep (param i32) (result i32)))
    (import "c" "new" (func $new (result i64)))
    (import "c" "write" (func $write (param i32 i32 i32) (result i32)))
    (import "c" "drop-w" (func $drop-w (param i32)))
    (import "c" "ws-new" (func $ws-new (result i32)))
    (import "c" "join" (func $join (param i32 i32)))
    (import "c" "ret" (func $ret (param i32)))
    (global $ws (mut i32) (i32.const 0))
    (global $h1 (mut i32) (i32.const 0))
    (global $h2 (mut i32) (i32.const 0))
    (func (export "give") (result i32)
      (local $e i64) (local $set i32)
      (global.set $h1 (call $rnew (i32.const 50)))
      (global.set $h2 (call $rnew (i32.const 51)))
      (i32.store (i32.const 256) (global.get $h1))
      (i32.store (i32.const 260) (global.get $h2))
      (local.set $e (call $new))
      (global.set $ws (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 32))))
      (if (i32.ne (call $write (global.get $ws) (i32.const 256) (i32.const 2)) (i32.const -1)) (then unreachable))
      (call $ret (i32.wrap_i64 (local.get $e)))
      (local.set $set (call $ws-new))
      (call $join (global.get $ws) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "cb") (param i32 i32 i32) (result i32)
      (call $join (global.get $ws) (i32.const 0))
      (call $drop-w (global.get $ws))
      (i32.const 0))
    (func (export "value") (param $rep i32) (result i32) (local.get $rep))
    (func (export "make") (param $rep i32) (result i32) (call $rnew (local.get $rep)))
    (func (export "probe1") (result i32) (call $rrep (global.get $h1)))
    (func (export "probe2") (result i32) (call $rrep (global.get $h2))))
  (core instance $i (instantiate $m (with "libc" (instance $libc)) (with "c" (instance
    (export "rnew" (func $rnew)) (export "rrep" (func $rrep))
    (export "new" (func $new)) (export "write" (func $write)) (export "drop-w" (func $drop-w))
    (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret" (func $ret))))))
  (export $R2 "r" (type $R))
  (func (export "[method]r.value") (param "self" (borrow $R2)) (result u32) (canon lift (core func $i "value")))
  (func (export "make") (param "rep" u32) (result (own $R2)) (canon lift (core func $i "make")))
  (func (export "give") async (result (stream (own $R2))) (canon lift (core func $i "give") async (callback (core func $i "cb"))))
  (func (export "probe1") (result u32) (canon lift (core func $i "probe1")))
  (func (export "probe2") (result u32) (canon lift (core func $i "probe2"))))`;

/** The producer's instance type, as a consumer imports it. */
const PRODUCER_TYPE = `
    (export "r" (type $R (sub resource)))
    (export "[method]r.value" (func (param "self" (borrow $R)) (result u32)))
    (export "make" (func (param "rep" u32) (result (own $R))))
    (export "give" (func async (result (stream (own $R)))))`;

describe('stream<own<R>>: handles move from the writer\'s table into the reader\'s', async () => {
  const P = loadComponent(await wat(RESOURCE_PRODUCER));
  const C = loadComponent(await wat(`(component
    (import "p" (instance $p ${PRODUCER_TYPE}))
    (alias export $p "r" (type $R))
    (type $t (stream (own $R)))
    ${libc()}
    (alias export $p "[method]r.value" (func $value))
    (alias export $p "give" (func $give))
    (core func $value (canon lower (func $value)))
    (core func $give (canon lower (func $give)))
    (core func $read (canon stream.read $t async (memory $mem)))
    (core func $drop-r (canon stream.drop-readable $t))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "c" "value" (func $value (param i32) (result i32)))
      (import "c" "give" (func $give (result i32)))
      (import "c" "read" (func $read (param i32 i32 i32) (result i32)))
      (import "c" "drop-r" (func $drop-r (param i32)))
      (func (export "run") (result i32)
        (local $rs i32)
        (local.set $rs (call $give))
        (i64.store (i32.const 64) (i64.const -1))
        ;; one of the two pending elements: COMPLETED | 1 << 4, at once
        (if (i32.ne (call $read (local.get $rs) (i32.const 64) (i32.const 1)) (i32.const 0x10)) (then unreachable))
        ;; the second slot is untouched
        (if (i32.ne (i32.load (i32.const 68)) (i32.const -1)) (then unreachable))
        (call $drop-r (local.get $rs))
        ;; the handle is one of this instance's: borrow it back to the producer
        (call $value (i32.load (i32.const 64)))))
    (core instance $i (instantiate $m (with "libc" (instance $libc)) (with "c" (instance
      (export "value" (func $value)) (export "give" (func $give)) (export "read" (func $read)) (export "drop-r" (func $drop-r))))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))`));

  it('component to component: the first handle arrives usable in the reader and is gone from the writer; the second stays', async () => {
    const store = new Store();
    const p = P.instantiate({}, { store, name: 'producer' });
    const q = C.instantiate({ p }, { store, name: 'consumer' });
    expect(await (q.exports['run'] as Fn)()).toBe(50);
    expect(await (p.exports['probe2'] as Fn)()).toBe(51);
    const e = await (p.exports['probe1'] as Fn)().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('unknown-handle');
  });

  it('component to host: the handles arrive as instances of the resource\'s class, usable, and leave the writer', async () => {
    const p = P.instantiate({});
    const r = (await (p.exports['give'] as Fn)()) as Reader;
    const got = (await r.read()) as { value(): Promise<number> }[];
    expect(got).toHaveLength(2);
    expect(got[0]).toBeInstanceOf(p.exports['R'] as new () => unknown);
    expect(await got[0]!.value()).toBe(50);
    expect(await got[1]!.value()).toBe(51);
    const e = await (p.exports['probe2'] as Fn)().catch((err: unknown) => err);
    expect((e as Trap).code).toBe('unknown-handle');
  });

  it('host to component: a class instance written into a host stream<own<R>> becomes a handle of the reader', async () => {
    const store = new Store();
    const p = P.instantiate({}, { store });
    const made = await (p.exports['make'] as Fn)(77);
    const rt = (p.root.exports.get('r')!.value) as ValType & { kind: 'resource' };
    const q = loadComponent(await wat(consumer('(own $R)', 'utf8', `(import "p" (instance $p ${PRODUCER_TYPE})) (alias export $p "r" (type $R))`)))
      .instantiate({ p }, { store });
    const s = q.stream({ kind: 'own', rt } as unknown as ValType);
    const taken = (q.exports['take'] as Fn)(s);
    await s.write([made]);
    s.close();
    const [back] = (await taken) as { value(): Promise<number> }[];
    expect(await back!.value()).toBe(77);
  });

  it('host to component: an own written into a host stream moves out of JS; only instances of the class are elements; the ones the reader never took stay JS\'s', async () => {
    type R = { value(): Promise<number>; [Symbol.dispose](): void };
    const store = new Store();
    const p = P.instantiate({}, { store });
    const make = p.exports['make'] as (rep: number) => Promise<R>;
    const rt = (p.root.exports.get('r')!.value) as ValType & { kind: 'resource' };
    const Q = loadComponent(await wat(consumer('(own $R)', 'utf8', `(import "p" (instance $p ${PRODUCER_TYPE})) (alias export $p "r" (type $R))`)));
    const q = Q.instantiate({ p }, { store });
    const ownR = { kind: 'own', rt } as unknown as ValType;
    const s = q.stream(ownR);
    const taken = (q.exports['take'] as Fn)(s);
    const made = await make(5);
    // Not an instance of the class: refused before anything is written, nothing moves.
    for (const bad of [{}, null, 5]) {
      const e = await s.write([made, bad]).catch((err: unknown) => err);
      expect(e, String(bad)).toBeInstanceOf(LowerError);
      expect((e as LowerError).code).toBe('wrong-js-type');
      expect((e as Error).message).toContain('[1]');
    }
    expect(await made.value()).toBe(5);
    // The same instance twice in one write would give two owners of one rep.
    const twice = await s.write([made, made]).catch((err: unknown) => err);
    expect((twice as LowerError).code).toBe('resource-dropped');
    expect(await made.value()).toBe(5);
    expect(await s.write([made])).toBe(1);
    s.close();
    const [back] = (await taken) as R[];
    expect(await back!.value()).toBe(5);
    // Written: JS's handle is dead; using it or writing it again is resource-dropped.
    const use = await made.value().catch((err: unknown) => err);
    expect((use as Error).message).toMatch(/\[resource-dropped\] param 'self': this resource was passed as an own handle to a component/);
    const s2 = q.stream(ownR);
    const again = await s2.write([made]).catch((err: unknown) => err);
    expect(again).toBeInstanceOf(LowerError);
    expect((again as LowerError).code).toBe('resource-dropped');
    expect((again as Error).message).toContain('[0]');
    made[Symbol.dispose]();
    expect(await back!.value()).toBe(5);
    s2.close();

    // The reader takes 8 and drops its end: the 9th never left JS.
    const nine = await Promise.all(Array.from({ length: 9 }, (_, i) => make(100 + i)));
    const s3 = q.stream(ownR);
    const taken3 = (q.exports['take'] as Fn)(s3);
    expect(await s3.write(nine)).toBe(8);
    const got = (await taken3) as R[];
    expect(await Promise.all(got.map((r) => r.value()))).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    await expect(nine[7]!.value()).rejects.toThrow(/resource-dropped/);
    expect(await nine[8]!.value()).toBe(108);
  });
});

describe('future<own<R>>: an own resolved into a host future moves out of JS', async () => {
  const P = loadComponent(await wat(RESOURCE_PRODUCER));
  const C = loadComponent(await wat(`(component
    (import "p" (instance $p ${PRODUCER_TYPE}))
    (alias export $p "r" (type $R))
    (type $f (future (own $R)))
    ${libc()}
    (core func $read (canon future.read $f async (memory $mem)))
    (core func $drop-r (canon future.drop-readable $f))
    (core func $ret (canon task.return (result (own $R))))
    (core module $m
      (import "libc" "mem" (memory 1))
      (import "c" "read" (func $read (param i32 i32) (result i32)))
      (import "c" "drop-r" (func $drop-r (param i32)))
      (import "c" "ret" (func $ret (param i32)))
      ;; the future is written already: the read completes at once
      (func (export "take") (param $rf i32) (result i32)
        (if (i32.ne (call $read (local.get $rf) (i32.const 1024)) (i32.const 0)) (then unreachable))
        (call $drop-r (local.get $rf))
        (call $ret (i32.load (i32.const 1024)))
        (i32.const 0))
      (func (export "drop") (param $rf i32) (call $drop-r (local.get $rf)))
      (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m (with "libc" (instance $libc)) (with "c" (instance
      (export "read" (func $read)) (export "drop-r" (func $drop-r)) (export "ret" (func $ret))))))
    (func (export "take") async (param "f" $f) (result (own $R)) (canon lift (core func $i "take") async (callback (core func $i "cb"))))
    (func (export "drop") (param "f" $f) (canon lift (core func $i "drop"))))`));

  it('resolved: JS\'s instance is dead, the reader has the handle; a reader that drops the future leaves it JS\'s', async () => {
    type R = { value(): Promise<number> };
    const store = new Store();
    const p = P.instantiate({}, { store });
    const q = C.instantiate({ p }, { store });
    const ownR = { kind: 'own', rt: p.root.exports.get('r')!.value } as unknown as ValType;
    const made = (await (p.exports['make'] as Fn)(6)) as R;
    const f = q.future(ownR);
    await expect(f.resolve({})).rejects.toMatchObject({ code: 'wrong-js-type' });
    const resolved = f.resolve(made);
    await expect(made.value()).rejects.toThrow(/\[resource-dropped\]/);
    const back = (await (q.exports['take'] as Fn)(f)) as R;
    expect(await back.value()).toBe(6);
    expect(await resolved).toBe(true);
    await expect(q.future(ownR).resolve(made)).rejects.toMatchObject({ code: 'resource-dropped' });

    const kept = (await (p.exports['make'] as Fn)(7)) as R;
    const g = q.future(ownR);
    const resolved2 = g.resolve(kept);
    await (q.exports['drop'] as Fn)(g);
    expect(await resolved2).toBe(false);
    expect(await kept.value()).toBe(7);
  });
});

describe('fresh resource types per instantiation', async () => {
  const P = loadComponent(await wat(RESOURCE_PRODUCER));
  const C = loadComponent(await wat(`(component
    (import "a" (instance $a ${PRODUCER_TYPE}))
    (import "b" (instance $b ${PRODUCER_TYPE}))
    (alias export $a "make" (func $make-a))
    (alias export $a "[method]r.value" (func $value-a))
    (alias export $b "[method]r.value" (func $value-b))
    (core func $make-a (canon lower (func $make-a)))
    (core func $value-a (canon lower (func $value-a)))
    (core func $value-b (canon lower (func $value-b)))
    (core module $m
      (import "c" "make-a" (func $make-a (param i32) (result i32)))
      (import "c" "value-a" (func $value-a (param i32) (result i32)))
      (import "c" "value-b" (func $value-b (param i32) (result i32)))
      (func (export "same") (result i32) (call $value-a (call $make-a (i32.const 9))))
      (func (export "cross") (result i32) (call $value-b (call $make-a (i32.const 9)))))
    (core instance $i (instantiate $m (with "c" (instance
      (export "make-a" (func $make-a)) (export "value-a" (func $value-a)) (export "value-b" (func $value-b))))))
    (func (export "same") (result u32) (canon lift (core func $i "same")))
    (func (export "cross") (result u32) (canon lift (core func $i "cross"))))`));

  it('two instances of one component have distinct resource types: a handle of one traps with the other', async () => {
    const store = new Store();
    const a = P.instantiate({}, { store, name: 'a' });
    const b = P.instantiate({}, { store, name: 'b' });
    expect(a.root.exports.get('r')!.value).not.toBe(b.root.exports.get('r')!.value);
    expect(a.exports['R']).not.toBe(b.exports['R']);
    const q = C.instantiate({ a, b }, { store });
    expect(await (q.exports['same'] as Fn)()).toBe(9);
    const e = await (q.exports['cross'] as Fn)().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('resource-type-mismatch');
  });

  it('on the JS side too: an instance of one instance\'s class is refused by the other\'s method (bad-value)', async () => {
    const store = new Store();
    const a = P.instantiate({}, { store });
    const b = P.instantiate({}, { store });
    const ra = (await (a.exports['make'] as Fn)(5)) as { value(): Promise<number> };
    expect(await ra.value()).toBe(5);
    const valueOfB = (b.exports['R'] as { prototype: { value: (this: unknown) => Promise<number> } }).prototype.value;
    await expect(valueOfB.call(ra)).rejects.toMatchObject({ rule: 'bad-value', message: expect.stringContaining('another component instance') });
    expect(await ra.value()).toBe(5);
  });

  it('the same instance passed as both imports shares its one type', async () => {
    const store = new Store();
    const a = P.instantiate({}, { store });
    const q = C.instantiate({ a, b: a }, { store });
    expect(await (q.exports['cross'] as Fn)()).toBe(9);
  });
});
