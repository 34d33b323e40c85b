/**
 * Random WIT types and values through a real component, both directions of
 * the boundary: the component exports `echo(v: T) -> T`, whose core function
 * forwards its flat arguments to the host import `echo(v: T) -> T` (lowered
 * with `canon lower`) and returns what comes back. A value goes JS -> lowered
 * into the component -> lifted out to the host -> lowered back -> lifted to JS,
 * with strings in a random encoding and spilling wherever the type needs it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elemSize, flattenFunctype, type StringEncoding } from '../host/component/abi/index.js';
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

/** The component text of a value type. */
function typeText(t: ValType): string {
  switch (t.kind) {
    case 'list': return `(list ${typeText(t.t)})`;
    case 'option': return `(option ${typeText(t.t)})`;
    case 'record': return `(record ${t.fields.map((f) => `(field ${q(f.label)} ${typeText(f.t)})`).join(' ')})`;
    case 'tuple': return `(tuple ${t.ts.map(typeText).join(' ')})`;
    case 'variant': return `(variant ${t.cases.map((c) => `(case ${q(c.label)}${c.t ? ` ${typeText(c.t)}` : ''})`).join(' ')})`;
    case 'enum': return `(enum ${t.labels.map(q).join(' ')})`;
    case 'flags': return `(flags ${t.labels.map(q).join(' ')})`;
    case 'result': return `(result${t.ok ? ` ${typeText(t.ok)}` : ''}${t.error ? ` (error ${typeText(t.error)})` : ''})`;
    default: return t.kind;
  }
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
  return `(component
  (type $t ${typeText(t)})
  (import "host" (instance $h (export "echo" (func (param "v" ${typeText(t)}) (result ${typeText(t)})))))
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
  (func $echo (param "v" $t) (result $t) (canon lift (core func $i "echo") ${opts}))
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
