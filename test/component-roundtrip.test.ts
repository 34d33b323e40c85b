/**
 * Random WIT types and values through a real component, both directions of
 * the boundary: the component exports `echo(v: T) -> T`, whose core function
 * forwards its flat arguments to the host import `echo(v: T) -> T` (lowered
 * with `canon lower`) and returns what comes back. A value goes JS -> lowered
 * into the component -> lifted out to the host -> lowered back -> lifted to JS,
 * with strings in a random encoding and spilling wherever the type needs it.
 * Two more properties send random values through a `stream<T>`: from a host
 * stream into a component that reads them into its memory and returns them
 * as `list<T>`, and from one component (the values stored in its memory
 * image, in a random string encoding) to another (reading in another).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elemSize, flattenFunctype, LiftLowerContext, storeListIntoValidRange, type StringEncoding } from '../host/component/abi/index.js';
import { Store } from '../host/canon/index.js';
import { ComponentResultError, loadComponent } from '../host/component/api.js';
import type { FuncType, ValType } from '../host/component/types.js';
import { wat } from './component-bytes.js';
import { typeArb, valueArb } from './wit-arbitraries.js';

/** No handles, maps or fixed-length lists (the text format of the tools here has no syntax for the last two). */
const plain = (t: ValType): boolean => {
  switch (t.kind) {
    case 'own': case 'borrow': case 'stream': case 'future': case 'error-context': case 'map': return false;
    case 'list': return t.l === undefined && plain(t.t);
    case 'option': return plain(t.t);
    case 'record': return t.fields.every((f) => plain(f.t));
    case 'tuple': return t.ts.every(plain);
    case 'variant': return t.cases.every((c) => c.t === undefined || plain(c.t));
    case 'result': return (t.ok === undefined || plain(t.ok)) && (t.error === undefined || plain(t.error));
    default: return true;
  }
};

const q = (s: string): string => JSON.stringify(s);

/**
 * The component text of a value type, every record, variant, enum and flags
 * named: `defs` are their definitions (innermost first, each using the names
 * `$t0`, `$t1`, ... of those before it), `ref` the text of `t` itself. An
 * import or export may use a nominal type only through an index an import
 * or export introduces, so the host instance exports each one (`t0`, ...)
 * and the component aliases them.
 */
function typeText(t: ValType): { defs: string[]; ref: string } {
  const defs: string[] = [];
  const named = (body: string): string => `$t${defs.push(body) - 1}`;
  const go = (t: ValType): string => {
    switch (t.kind) {
      case 'list': return `(list ${go(t.t)})`;
      case 'option': return `(option ${go(t.t)})`;
      case 'record': return named(`(record ${t.fields.map((f) => `(field ${q(f.label)} ${go(f.t)})`).join(' ')})`);
      case 'tuple': return `(tuple ${t.ts.map(go).join(' ')})`;
      case 'variant': return named(`(variant ${t.cases.map((c) => `(case ${q(c.label)}${c.t ? ` ${go(c.t)}` : ''})`).join(' ')})`);
      case 'enum': return named(`(enum ${t.labels.map(q).join(' ')})`);
      case 'flags': return named(`(flags ${t.labels.map(q).join(' ')})`);
      case 'result': return `(result${t.ok ? ` ${go(t.ok)}` : ''}${t.error ? ` (error ${go(t.error)})` : ''})`;
      default: return t.kind;
    }
  };
  const ref = go(t);
  return { defs, ref };
}

/** `typeText(t)` at component level as `$e`: each nominal type defined and exported (`t0`, ...), so that exports may use it. */
function elemDecls(t: ValType): string {
  const { defs, ref } = typeText(t);
  const last = defs.length - 1;
  const top = ref === `$t${last}`;
  const decls = defs.map((d, i) => `(type $d${i} ${d}) (export ${top && i === last ? '$e' : `$t${i}`} "t${i}" (type $d${i}))`);
  if (!top) decls.push(`(type $e ${ref})`);
  return decls.join('\n  ');
}

const RET_AREA = 256;
const HEAP = 8192;

/** A component whose export `echo` round-trips `t` through the host import `echo`. */
function echoComponent(t: ValType, enc: StringEncoding): string {
  const ft: FuncType = { kind: 'func', params: [['v', t]], result: t, async: false };
  const lift = flattenFunctype({ async: false }, ft, 'lift');
  const lower = flattenFunctype({ async: false }, ft, 'lower');
  const params = lift.params.map((p, i) => `(param $p${i} ${p})`).join(' ');
  const results = lift.results.length ? `(result ${lift.results.join(' ')})` : '';
  const args = lift.params.map((_, i) => `(local.get $p${i})`).join(' ');
  const retptr = lower.params.length > lift.params.length;
  const call = `(call $host ${args}${retptr ? ` (i32.const ${RET_AREA})` : ''})`;
  const body = retptr ? `${call} (i32.const ${RET_AREA})` : call;
  const opts = `(memory $mem) (realloc $realloc) string-encoding=${enc}`;
  const { defs, ref } = typeText(t);
  const inner = defs.map((d, i) => `(type $d${i} ${d}) (export "t${i}" (type $t${i} (eq $d${i})))`).join('\n    ');
  const aliases = defs.map((_, i) => `(alias export $h "t${i}" (type $t${i}))`).join('\n  ');
  return `(component
  (import "host" (instance $h
    ${inner}
    (export "echo" (func (param "v" ${ref}) (result ${ref})))))
  ${aliases}
  (core module $libc
    (memory (export "mem") 1)
    (global $top (mut i32) (i32.const ${HEAP}))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (if (i32.and (i32.ne (local.get 0) (i32.const 0)) (i32.le_u (local.get 3) (local.get 1))) (then (return (local.get 0))))
      (local.set $p (i32.and (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      (if (i32.gt_u (global.get $top) (i32.shl (memory.size) (i32.const 16)))
        (then (drop (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $top) (i32.shl (memory.size) (i32.const 16))) (i32.const 16)) (i32.const 1))))))
      (if (i32.ne (local.get 0) (i32.const 0)) (then (memory.copy (local.get $p) (local.get 0) (local.get 1))))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (alias export $h "echo" (func $host-echo))
  (core func $lowered (canon lower (func $host-echo) ${opts}))
  (core module $m
    (import "h" "echo" (func $host ${lower.params.length ? `(param ${lower.params.join(' ')})` : ''} ${lower.results.length ? `(result ${lower.results.join(' ')})` : ''}))
    (func (export "echo") ${params} ${results} ${body}))
  (core instance $i (instantiate $m (with "h" (instance (export "echo" (func $lowered))))))
  (func $echo (param "v" ${ref}) (result ${ref}) (canon lift (core func $i "echo") ${opts}))
  (export "echo" (func $echo)))`;
}

const caseArb = typeArb(3)
  .filter((t) => plain(t) && elemSize(t) < HEAP - RET_AREA)
  .chain((t) => fc.tuple(fc.constant(t), valueArb(t), fc.constantFrom<StringEncoding>('utf8', 'utf16', 'latin1+utf16')));

describe('random values of random types through a component export that echoes them via a host import', () => {
  it('every value comes back equal (NaNs canonical)', async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ([t, v, enc]) => {
        const c = loadComponent(await wat(echoComponent(t, enc)));
        const seen: unknown[] = [];
        const isResult = t.kind === 'result';
        const host = {
          echo: (x: unknown) => {
            seen.push(x);
            if (!isResult) return x;
            const r = x as { tag: string; val: unknown };
            if (r.tag === 'ok') return r.val;
            throw new ComponentResultError(r.val);
          },
        };
        const inst = c.instantiate({ host });
        const echo = inst.exports['echo'] as (x: unknown) => Promise<unknown>;
        let got: unknown;
        try {
          got = isResult ? { tag: 'ok', val: await echo(v) } : await echo(v);
        } catch (e) {
          if (!(e instanceof ComponentResultError)) throw e;
          got = { tag: 'err', val: e.payload };
        }
        // The host saw the value lifted out of the component, and JS got it back.
        expect(seen).toHaveLength(1);
        expect(seen[0]).toEqual(v);
        expect(got).toEqual(v);
        ran++;
      }),
      { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 150) },
    );
    expect(ran).toBeGreaterThan(0);
  }, 120_000);
});

/**
 * A component whose export `take(s: stream<T>) -> list<T>` reads up to 8
 * elements of the stream into its memory once (waiting when none is there)
 * and returns them: the elements are lowered into the component by the
 * stream copy (its realloc and string encoding) and lifted back by `task.return`.
 */
function takeComponent(t: ValType, enc: StringEncoding): string {
  const opts = `(memory $mem) (realloc $realloc) string-encoding=${enc}`;
  return `(component
  (core module $libc
    (memory (export "mem") 1)
    (global $top (mut i32) (i32.const ${HEAP}))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (if (i32.and (i32.ne (local.get 0) (i32.const 0)) (i32.le_u (local.get 3) (local.get 1))) (then (return (local.get 0))))
      (local.set $p (i32.and (i32.add (global.get $top) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
      (global.set $top (i32.add (local.get $p) (local.get 3)))
      (if (i32.gt_u (global.get $top) (i32.shl (memory.size) (i32.const 16)))
        (then (drop (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $top) (i32.shl (memory.size) (i32.const 16))) (i32.const 16)) (i32.const 1))))))
      (if (i32.ne (local.get 0) (i32.const 0)) (then (memory.copy (local.get $p) (local.get 0) (local.get 1))))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  ${elemDecls(t)}
  (type $s (stream $e))
  (type $l (list $e))
  (core func $read (canon stream.read $s async ${opts}))
  (core func $drop-r (canon stream.drop-readable $s))
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
      (call $ret (i32.const ${RET_AREA}) (i32.shr_u (local.get $p) (i32.const 4)))
      (i32.const 0))
    (func (export "take") (param $rs i32) (result i32)
      (local $r i32) (local $set i32)
      (global.set $rs (local.get $rs))
      (local.set $r (call $read (local.get $rs) (i32.const ${RET_AREA}) (i32.const 8)))
      (if (i32.ne (local.get $r) (i32.const -1)) (then (return (call $done (local.get $r)))))
      (local.set $set (call $ws-new))
      (call $join (local.get $rs) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "cb") (param i32) (param i32) (param $p i32) (result i32)
      (call $join (global.get $rs) (i32.const 0))
      (call $done (local.get $p))))
  (core instance $i (instantiate $m (with "c" (instance
    (export "read" (func $read)) (export "drop-r" (func $drop-r))
    (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret" (func $ret))))))
  (func (export "take") async (param "s" $s) (result $l) (canon lift (core func $i "take") async (callback (core func $i "cb")))))`;
}

/** Random types, half of them holding strings (where the two sides' string encodings matter). */
const STR: ValType = { kind: 'string' };
const elemTypeArb = fc.oneof(
  typeArb(2),
  fc.constantFrom<ValType>(
    STR,
    { kind: 'list', t: STR },
    { kind: 'option', t: STR },
    { kind: 'tuple', ts: [STR, { kind: 'u8' }] },
    { kind: 'record', fields: [{ label: 'name', t: STR }, { label: 'n', t: { kind: 'u16' } }] },
    { kind: 'result', ok: STR, error: { kind: 'list', t: STR } },
  ),
);

const streamCaseArb = elemTypeArb
  // stream<char> is not a valid type (validation: stream-char).
  .filter((t) => plain(t) && t.kind !== 'char' && elemSize(t) * 8 < HEAP - RET_AREA)
  .chain((t) => fc.tuple(fc.constant(t), fc.array(valueArb(t), { minLength: 1, maxLength: 8 }), fc.constantFrom<StringEncoding>('utf8', 'utf16', 'latin1+utf16'), fc.boolean()));

describe('random values of random types through a stream<T> into a component and back', () => {
  it('every element comes back equal, written before or after the component reads', async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(streamCaseArb, async ([t, vs, enc, writeFirst]) => {
        const inst = loadComponent(await wat(takeComponent(t, enc))).instantiate({});
        const s = inst.stream(t);
        const take = inst.exports['take'] as (s: unknown) => Promise<unknown>;
        let got: unknown;
        if (writeFirst) {
          const written = s.write(vs);
          got = await take(s);
          expect(await written).toBe(vs.length);
        } else {
          const taken = take(s);
          expect(await s.write(vs)).toBe(vs.length);
          got = await taken;
        }
        s.close();
        // A list of numbers lifts as a typed array.
        expect(ArrayBuffer.isView(got) ? Array.from(got as ArrayLike<unknown>) : got).toEqual(vs);
        ran++;
      }),
      { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 100) },
    );
    expect(ran).toBeGreaterThan(0);
  }, 120_000);
});

const IMAGE = 65536;

/**
 * The values stored the canonical ABI's way into a memory image, as a
 * producer's data segment: the elements at RET_AREA, what they point to from
 * HEAP on, strings in `enc`. Undefined when they do not fit one page.
 */
function memoryImage(t: ValType, vs: unknown[], enc: StringEncoding): Uint8Array | undefined {
  const bytes = new Uint8Array(IMAGE);
  let top = HEAP;
  const cx = new LiftLowerContext({
    memory: bytes,
    stringEncoding: enc,
    realloc: (old, oldLen, align, len) => {
      if (old !== 0 && len <= oldLen) return old;
      const p = Math.ceil(top / align) * align;
      top = p + len;
      if (top > IMAGE) throw new RangeError('too big');
      if (old !== 0) bytes.copyWithin(p, old, old + oldLen);
      return p;
    },
  });
  try {
    storeListIntoValidRange(cx, vs, RET_AREA, t);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  return bytes.subarray(0, top);
}

/** A producer: `give` writes the `n` elements of its data segment at RET_AREA into a new stream<T> (string encoding `enc`). */
function giveComponent(t: ValType, n: number, image: Uint8Array, enc: StringEncoding): string {
  const data = [...image].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  return `(component
  (core module $libc (memory (export "mem") 1) (data (i32.const 0) "${data}"))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  ${elemDecls(t)}
  (type $s (stream $e))
  (core func $new (canon stream.new $s))
  (core func $write (canon stream.write $s async (memory $mem) string-encoding=${enc}))
  (core func $drop-w (canon stream.drop-writable $s))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $ret (canon task.return (result $s)))
  (core module $m
    (import "c" "new" (func $new (result i64)))
    (import "c" "write" (func $write (param i32 i32 i32) (result i32)))
    (import "c" "drop-w" (func $drop-w (param i32)))
    (import "c" "ws-new" (func $ws-new (result i32)))
    (import "c" "join" (func $join (param i32 i32)))
    (import "c" "ret" (func $ret (param i32)))
    (global $ws (mut i32) (i32.const 0))
    (func (export "give") (result i32)
      (local $e i64) (local $set i32)
      (local.set $e (call $new))
      (global.set $ws (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 32))))
      (if (i32.ne (call $write (global.get $ws) (i32.const ${RET_AREA}) (i32.const ${n})) (i32.const -1)) (then unreachable))
      (call $ret (i32.wrap_i64 (local.get $e)))
      (local.set $set (call $ws-new))
      (call $join (global.get $ws) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "cb") (param i32) (param i32) (param i32) (result i32)
      (call $join (global.get $ws) (i32.const 0))
      (call $drop-w (global.get $ws))
      (i32.const 0)))
  (core instance $i (instantiate $m (with "c" (instance
    (export "new" (func $new)) (export "write" (func $write)) (export "drop-w" (func $drop-w))
    (export "ws-new" (func $ws-new)) (export "join" (func $join)) (export "ret" (func $ret))))))
  (func (export "give") async (result $s) (canon lift (core func $i "give") async (callback (core func $i "cb")))))`;
}

const encArb = fc.constantFrom<StringEncoding>('utf8', 'utf16', 'latin1+utf16');
const g2gCaseArb = elemTypeArb
  .filter((t) => plain(t) && t.kind !== 'char' && elemSize(t) * 8 < HEAP - RET_AREA)
  .chain((t) => fc.tuple(fc.constant(t), fc.array(valueArb(t), { minLength: 1, maxLength: 8 }), encArb, encArb));

describe('random values of random types through a stream<T> from one component to another', () => {
  it('every element is lifted out of the writer and lowered into the reader (each in its own string encoding) unchanged', async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(g2gCaseArb, async ([t, vs, encW, encR]) => {
        const image = memoryImage(t, vs, encW);
        fc.pre(image !== undefined);
        const store = new Store();
        const p = loadComponent(await wat(giveComponent(t, vs.length, image!, encW))).instantiate({}, { store, name: 'writer' });
        const q = loadComponent(await wat(takeComponent(t, encR))).instantiate({}, { store, name: 'reader' });
        const r = await (p.exports['give'] as () => Promise<unknown>)();
        const got = await (q.exports['take'] as (s: unknown) => Promise<unknown>)(r);
        expect(ArrayBuffer.isView(got) ? Array.from(got as ArrayLike<unknown>) : got).toEqual(vs);
        ran++;
      }),
      { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 60) },
    );
    expect(ran).toBeGreaterThan(0);
  }, 120_000);
});
