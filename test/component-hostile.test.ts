/**
 * Hostile components on the embedded component host: guest data that breaks
 * a lifting rule, a realloc that returns garbage, handles misused, borrows
 * kept past their call, built-ins misused. Each is the spec's trap (its code
 * and rule), the trapping instance is poisoned, and another instance of the
 * same component goes on working.
 */
import { describe, expect, it } from 'vitest';
import { Trap } from '../host/canon/index.js';
import { loadComponent } from '../host/component/api.js';
import { ComponentLinkError } from '../host/component/runtime/instantiate.js';
import { wat } from './component-bytes.js';

type Fn = (...a: unknown[]) => Promise<unknown>;

/**
 * A component exporting `bad: func(<params>) -> <result>` whose core function
 * body is `body` (memory at $mem with `data`, a realloc returning `reallocRet`),
 * and `ok: func() -> u32` returning 7 (to show a fresh instance works).
 */
function component(o: { params?: string; coreParams?: string; result?: string; coreResult?: string; body: string; data?: string; reallocRet?: string; enc?: string; extra?: string; imports?: string; coreImports?: string; with?: string }): string {
  return `(component
  ${o.imports ?? ''}
  (core module $libc
    (memory (export "mem") 1)
    ${o.data ?? ''}
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) ${o.reallocRet ?? '(i32.const 1024)'}))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  ${o.extra ?? ''}
  (core module $m
    (import "libc" "mem" (memory 1))
    ${o.coreImports ?? ''}
    (func (export "bad") ${o.coreParams ?? ''} ${o.coreResult ? `(result ${o.coreResult})` : ''} ${o.body})
    (func (export "ok") (result i32) (i32.const 7)))
  (core instance $i (instantiate $m (with "libc" (instance $libc)) ${o.with ?? ''}))
  (func $bad ${o.params ?? ''} ${o.result ? `(result ${o.result})` : ''}
    (canon lift (core func $i "bad") (memory $mem) (realloc $realloc) ${o.enc ?? ''}))
  (func $ok (result u32) (canon lift (core func $i "ok")))
  (export "bad" (func $bad))
  (export "ok" (func $ok)))`;
}

/** Calls `bad(...args)` and expects trap `code`; checks poisoning and a healthy second instance. */
async function expectTrap(text: string, code: string, args: unknown[] = [], imports: Record<string, unknown> = {}): Promise<Trap> {
  const c = loadComponent(await wat(text));
  const a = c.instantiate(imports);
  const e = await (a.exports['bad'] as Fn)(...args).catch((err: unknown) => err);
  expect(e, String(e)).toBeInstanceOf(Trap);
  expect((e as Trap).code, (e as Trap).message).toBe(code);
  expect((e as Trap).rule.length).toBeGreaterThan(10);
  // Poisoned: nothing enters it again.
  await expect((a.exports['ok'] as Fn)()).rejects.toBeInstanceOf(Trap);
  // Another instance of the same component is unharmed.
  expect(await (c.instantiate(imports).exports['ok'] as Fn)()).toBe(7);
  return e as Trap;
}

const strAt = (ptr: number, len: number): string =>
  `(i32.store (i32.const 16) (i32.const ${ptr})) (i32.store (i32.const 20) (i32.const ${len})) (i32.const 16)`;

describe('guest data that breaks a lifting rule', () => {
  it('invalid UTF-8 in a string result: invalid-string', async () => {
    await expectTrap(component({ result: 'string', coreResult: 'i32', data: '(data (i32.const 100) "ab\\ff\\fe")', body: strAt(100, 4) }), 'invalid-string');
  });

  it('an unpaired surrogate in a UTF-16 string result: invalid-string', async () => {
    await expectTrap(component({ result: 'string', coreResult: 'i32', enc: 'string-encoding=utf16', data: '(data (i32.const 100) "a\\00\\00\\d8b\\00")', body: strAt(100, 3) }), 'invalid-string');
  });

  it('a string result past the end of memory: out-of-bounds', async () => {
    await expectTrap(component({ result: 'string', coreResult: 'i32', body: strAt(65530, 100) }), 'out-of-bounds');
  });

  it('a list<u32> result at an unaligned pointer: unaligned-pointer', async () => {
    await expectTrap(component({ result: '(list u32)', coreResult: 'i32', body: strAt(101, 2) }), 'unaligned-pointer');
  });

  it('a list whose byte length overflows 32 bits: list-too-long', async () => {
    await expectTrap(component({ result: '(list u64)', coreResult: 'i32', body: strAt(0, 0x2000_0000) }), 'list-too-long');
  });

  it('a char that is a surrogate: invalid-char', async () => {
    await expectTrap(component({ result: 'char', coreResult: 'i32', body: '(i32.const 0xd800)' }), 'invalid-char');
  });

  it('an option discriminant of 2: invalid-discriminant', async () => {
    await expectTrap(component({ result: '(option u8)', coreResult: 'i32', data: '(data (i32.const 200) "\\02\\05")', body: '(i32.const 200)' }), 'invalid-discriminant');
  });

  it('an enum case past the last: invalid-discriminant', async () => {
    // the enum named by an export, as an exported function's type requires
    const extra = '(type $e (enum "a" "b")) (export $e-named "e" (type $e))';
    await expectTrap(component({ extra, result: '$e-named', coreResult: 'i32', body: '(i32.const 2)' }), 'invalid-discriminant');
  });
});

describe('a realloc that misbehaves', () => {
  it('returns a block outside memory for a string argument: out-of-bounds', async () => {
    const t = await expectTrap(component({ params: '(param "s" string)', coreParams: '(param i32 i32)', body: '', reallocRet: '(i32.const 70000)' }), 'out-of-bounds', ['hello']);
    expect(t.message).toContain('realloc');
  });

  it('returns an unaligned block for a list<u32> argument: unaligned-pointer', async () => {
    await expectTrap(component({ params: '(param "xs" (list u32))', coreParams: '(param i32 i32)', body: '', reallocRet: '(i32.const 1027)' }), 'unaligned-pointer', [[1, 2]]);
  });
});

describe('handles and borrows', () => {
  const res = `(type $r (resource (rep i32)))
  (core func $new (canon resource.new $r))
  (core func $drop (canon resource.drop $r))
  (core func $rep (canon resource.rep $r))`;
  const withRes = '(with "r" (instance (export "new" (func $new)) (export "drop" (func $drop)) (export "rep" (func $rep))))';
  const resImports = `(import "r" "new" (func $new (param i32) (result i32)))
    (import "r" "drop" (func $drop (param i32)))
    (import "r" "rep" (func $rep (param i32) (result i32)))`;

  it('an own handle dropped twice: unknown-handle', async () => {
    await expectTrap(component({ extra: res, with: withRes, coreImports: resImports, body: '(local i32) (local.set 0 (call $new (i32.const 5))) (call $drop (local.get 0)) (call $drop (local.get 0))' }), 'unknown-handle');
  });

  it('resource.rep of a handle that is not a resource: unknown-handle on a fresh table', async () => {
    await expectTrap(component({ extra: res, with: withRes, coreImports: resImports, coreResult: 'i32', result: 'u32', body: '(call $rep (i32.const 9))' }), 'unknown-handle');
  });

  it('resource.rep gives back the rep given to resource.new', async () => {
    const c = loadComponent(await wat(component({ extra: res, with: withRes, coreImports: resImports, coreResult: 'i32', result: 'u32', body: '(call $rep (call $new (i32.const 42)))' })));
    expect(await (c.instantiate({}).exports['bad'] as Fn)()).toBe(42);
  });

  const hostRes = `(import "host" (instance $h (export "thing" (type (sub resource)))))
  (alias export $h "thing" (type $thing))`;
  const hostDrop = '(core func $hdrop (canon resource.drop $thing))';

  it('a borrow of a host resource kept past the call: borrows-outstanding', async () => {
    await expectTrap(component({ imports: hostRes, params: '(param "t" (borrow $thing))', coreParams: '(param i32)', body: '' }), 'borrows-outstanding', [{ name: 'a host object' }], { host: {} });
  });

  it('a borrow dropped before returning is fine, and the host object is what the guest saw', async () => {
    const c = loadComponent(await wat(component({
      imports: hostRes, extra: hostDrop, with: '(with "h" (instance (export "drop" (func $hdrop))))',
      coreImports: '(import "h" "drop" (func $hdrop (param i32)))',
      params: '(param "t" (borrow $thing))', coreParams: '(param i32)', body: '(call $hdrop (local.get 0))',
    })));
    const inst = c.instantiate({ host: {} });
    await expect((inst.exports['bad'] as Fn)({})).resolves.toBeUndefined();
    expect(await (inst.exports['ok'] as Fn)()).toBe(7);
  });
});

describe('built-ins misused', () => {
  it('task.return of the wrong type: task-return-mismatch', async () => {
    const text = `(component
      (core func $ret (canon task.return (result u64)))
      (core module $m (import "c" "ret" (func $ret (param i64)))
        (func (export "f") (result i32) (call $ret (i64.const 1)) (i32.const 0))
        (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0))
        (func (export "ok") (result i32) (i32.const 7)))
      (core instance $i (instantiate $m (with "c" (instance (export "ret" (func $ret))))))
      (func $bad async (result u32) (canon lift (core func $i "f") async (callback (core func $i "cb"))))
      (func $ok (result u32) (canon lift (core func $i "ok")))
      (export "bad" (func $bad)) (export "ok" (func $ok)))`;
    await expectTrap(text, 'task-return-mismatch');
  });

  it('a sync export that waits on an empty waitable set: may-not-block', async () => {
    const text = `(component
      (core module $libc (memory (export "mem") 1))
      (core instance $libc (instantiate $libc))
      (alias core export $libc "mem" (core memory $mem))
      (core func $new (canon waitable-set.new))
      (core func $wait (canon waitable-set.wait (memory $mem)))
      (core module $m (import "c" "new" (func $new (result i32))) (import "c" "wait" (func $wait (param i32 i32) (result i32)))
        (func (export "f") (result i32) (call $wait (call $new) (i32.const 0)))
        (func (export "ok") (result i32) (i32.const 7)))
      (core instance $i (instantiate $m (with "c" (instance (export "new" (func $new)) (export "wait" (func $wait))))))
      (func $bad (result u32) (canon lift (core func $i "f")))
      (func $ok (result u32) (canon lift (core func $i "ok")))
      (export "bad" (func $bad)) (export "ok" (func $ok)))`;
    await expectTrap(text, 'may-not-block');
  });

  it('a host import that calls back into the same instance: may-not-enter', async () => {
    const text = `(component
      (import "host" (instance $h (export "call-back" (func))))
      (alias export $h "call-back" (func $cb))
      (core func $cb (canon lower (func $cb)))
      (core module $m (import "h" "cb" (func $cb))
        (func (export "f") (call $cb))
        (func (export "ok") (result i32) (i32.const 7)))
      (core instance $i (instantiate $m (with "h" (instance (export "cb" (func $cb))))))
      (func $bad (canon lift (core func $i "f")))
      (func $ok (result u32) (canon lift (core func $i "ok")))
      (export "bad" (func $bad)) (export "ok" (func $ok)))`;
    const c = loadComponent(await wat(text));
    let inst: { exports: Record<string, unknown> } | undefined;
    let inner: unknown;
    const imports = { host: { callBack: () => { inner = (inst!.exports['ok'] as Fn)(); } } };
    inst = c.instantiate(imports);
    await (inst.exports['bad'] as Fn)().catch(() => {});
    const e = await (inner as Promise<unknown>).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('may-not-enter');
  });
});

describe('one instance reading and writing the same future', () => {
  /** future<T>: new, write (async: blocks), then read in the same instance. */
  const text = (t: string) => `(component
    (core module $libc (memory (export "mem") 1))
    (core instance $libc (instantiate $libc))
    (alias core export $libc "mem" (core memory $mem))
    (type $f (future ${t}))
    (core func $new (canon future.new $f))
    (core func $write (canon future.write $f async (memory $mem)))
    (core func $read (canon future.read $f async (memory $mem)))
    (core module $m
      (import "c" "new" (func $new (result i64)))
      (import "c" "write" (func $write (param i32 i32) (result i32)))
      (import "c" "read" (func $read (param i32 i32) (result i32)))
      (func (export "f") (result i32)
        (local $p i64)
        (local.set $p (call $new))
        (drop (call $write (i32.wrap_i64 (i64.shr_u (local.get $p) (i64.const 32))) (i32.const 16)))
        (call $read (i32.wrap_i64 (local.get $p)) (i32.const 32)))
      (func (export "ok") (result i32) (i32.const 7)))
    (core instance $i (instantiate $m (with "c" (instance (export "new" (func $new)) (export "write" (func $write)) (export "read" (func $read))))))
    (func $bad (result u32) (canon lift (core func $i "f")))
    (func $ok (result u32) (canon lift (core func $i "ok")))
    (export "bad" (func $bad)) (export "ok" (func $ok)))`;

  it('of char (not a number type, definitions.py none_or_number_type): same-instance-copy', async () => {
    await expectTrap(text('char'), 'same-instance-copy');
  });

  it('of u8 is allowed: the read completes at once (COMPLETED)', async () => {
    const c = loadComponent(await wat(text('u8')));
    expect(await (c.instantiate({}).exports['bad'] as Fn)()).toBe(0); // CopyResult.COMPLETED | (0 << 4) for a future
  });
});

describe('a core start function', () => {
  it('runs in a synchronous task: a blocking wait there traps may-not-block at instantiation', async () => {
    const text = `(component
      (core module $libc (memory (export "mem") 1))
      (core instance $libc (instantiate $libc))
      (alias core export $libc "mem" (core memory $mem))
      (core func $new (canon waitable-set.new))
      (core func $wait (canon waitable-set.wait (memory $mem)))
      (core module $m (import "c" "new" (func $new (result i32))) (import "c" "wait" (func $wait (param i32 i32) (result i32)))
        (func $start (drop (call $wait (call $new) (i32.const 0))))
        (start $start))
      (core instance $i (instantiate $m (with "c" (instance (export "new" (func $new)) (export "wait" (func $wait)))))))`;
    const c = loadComponent(await wat(text));
    let e: unknown;
    try {
      c.instantiate({});
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('may-not-block');
  });
});

describe('may_leave', () => {
  it('a built-in called from post-return: may-not-leave', async () => {
    const text = `(component
      (core func $new (canon waitable-set.new))
      (core module $m (import "c" "new" (func $new (result i32)))
        (func (export "f") (result i32) (i32.const 1))
        (func (export "post") (param i32) (drop (call $new)))
        (func (export "ok") (result i32) (i32.const 7)))
      (core instance $i (instantiate $m (with "c" (instance (export "new" (func $new))))))
      (func $bad (result u32) (canon lift (core func $i "f") (post-return (core func $i "post"))))
      (func $ok (result u32) (canon lift (core func $i "ok")))
      (export "bad" (func $bad)) (export "ok" (func $ok)))`;
    await expectTrap(text, 'may-not-leave');
  });
});

describe('linking', () => {
  it('a core module importing a built-in with the wrong signature: a ComponentLinkError naming the core instance', async () => {
    const text = `(component
      (core func $new (canon waitable-set.new))
      (core module $m (import "c" "new" (func (result i64))))
      (core instance $i (instantiate $m (with "c" (instance (export "new" (func $new)))))))`;
    const c = loadComponent(await wat(text));
    expect(() => c.instantiate({})).toThrow(ComponentLinkError);
    expect(() => c.instantiate({})).toThrow(/core-link/);
  });

  it('a missing host function of an imported instance: a ComponentLinkError naming it', async () => {
    const text = `(component (import "host" (instance $h (export "f" (func)))))`;
    const c = loadComponent(await wat(text));
    expect(() => c.instantiate({ host: {} })).toThrow(/host#f/);
  });
});
