/**
 * The embedded host as a component host: components written in WAT (turned
 * into bytes with jco's `parse`) and the project's own composed guest
 * components, instantiated with host imports through the typed JS API.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store, Trap } from '../host/canon/index.js';
import { ComponentCallError, ComponentResultError, loadComponent } from '../host/component/api.js';
import { ComponentLinkError } from '../host/component/runtime/instantiate.js';
import { wat } from './component-bytes.js';

const here = dirname(fileURLToPath(import.meta.url));
const text = (name: string): string => readFileSync(join(here, 'components', `${name}.wat`), 'utf8');
const build = (name: string): Uint8Array => new Uint8Array(readFileSync(join(here, '..', 'build', name)));

type Fn = (...a: unknown[]) => Promise<unknown>;

describe('sync lifts and lowers (basics.wat)', async () => {
  const c = loadComponent(await wat(text('basics')));
  const calls: unknown[][] = [];
  const inst = c.instantiate({
    host: {
      add: (a: number, b: number) => (calls.push([a, b]), a + b),
      greet: (name: string) => `hello, ${name}`,
    },
  });
  const x = inst.exports as Record<string, Fn>;

  it('lists the imports and exports with their types', () => {
    expect(c.imports.map((d) => d.name)).toEqual(['host']);
    // shim:basics/types names the record `point` returns (an export may only use named types).
    expect(c.exports.map((d) => d.name)).toEqual(['shim:basics/types', 'twice-add', 'echo', 'posts', 'greet-via-host', 'sum', 'checked-div', 'point']);
    expect(c.exports[1]!.t).toMatchObject({ kind: 'func', type: { params: [['a', { kind: 'u32' }], ['b', { kind: 'u32' }]] } });
  });

  it('calls a sync host import from a sync export (camelCase names)', async () => {
    expect(await x['twiceAdd']!(2, 3)).toBe(10);
    expect(calls.at(-1)).toEqual([2, 3]);
    expect(x['twice-add']).toBe(x['twiceAdd']);
  });

  it('passes strings both ways (realloc, post-return), non-ASCII included', async () => {
    const before = (await x['posts']!()) as number;
    expect(await x['echo']!('héllo wörld ✓ 𝄞')).toBe('héllo wörld ✓ 𝄞');
    expect(await x['echo']!('')).toBe('');
    expect(await x['posts']!()).toBe(before + 2);
    expect(await x['greetViaHost']!('bob')).toBe('hello, bob');
  });

  it('lifts a list parameter and a u64 result', async () => {
    expect(await x['sum']!([1, 2, 3, 4_000_000_000])).toBe(4_000_000_006n);
    expect(await x['sum']!(new Uint32Array([5, 6]))).toBe(11n);
    const big = Array.from({ length: 16384 }, (_, i) => i);
    expect(await x['sum']!(big)).toBe(BigInt((16383 * 16384) / 2));
  });

  it('returns a result ok payload and throws ComponentResultError with the err payload', async () => {
    expect(await x['checkedDiv']!(7, 2)).toBe(3);
    const e = await x['checkedDiv']!(7, 0).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ComponentResultError);
    expect((e as ComponentResultError).payload).toBe('division by zero');
  });

  it('lifts a record with camelCase fields and a string', async () => {
    expect(await x['point']!(3, -4)).toEqual({ x: 3, y: -4, label: 'origin' });
  });

  it('rejects bad arguments with a typed error and keeps the instance usable', async () => {
    await expect(x['twiceAdd']!(1)).rejects.toThrow(ComponentCallError);
    await expect(x['twiceAdd']!(1)).rejects.toMatchObject({ rule: 'arity' });
    await expect(x['twiceAdd']!('x', 2)).rejects.toMatchObject({ rule: 'bad-value', message: expect.stringContaining("param 'a'") });
    await expect(x['twiceAdd']!(-1, 2)).rejects.toMatchObject({ rule: 'bad-value', message: expect.stringContaining('integer-out-of-range') });
    await expect(x['sum']!([1, 'two'])).rejects.toMatchObject({ rule: 'bad-value' });
    // checked before the call, element by element: the error names the bad one's index
    await expect(x['sum']!([...new Array<number>(1000).fill(1), 2 ** 32])).rejects.toMatchObject({
      rule: 'bad-value',
      message: expect.stringMatching(/integer-out-of-range.*param 'xs'\[1000\]|param 'xs'\[1000\].*integer-out-of-range/),
    });
    await expect(x['echo']!('a\ud800')).rejects.toMatchObject({ rule: 'bad-value', message: expect.stringContaining('unpaired-surrogate') });
    expect(await x['sum']!(new Array<number>(1000).fill(0xffffffff))).toBe(1000n * 0xffffffffn);
    expect(await x['sum']!(new Uint32Array([1, 2, 3]))).toBe(6n);
    expect(await x['twiceAdd']!(4, 5)).toBe(18);
  });
});

describe('linking errors', async () => {
  const bytes = await wat(text('basics'));
  it('names a missing import instance, and a missing function of it', () => {
    const c = loadComponent(bytes);
    expect(() => c.instantiate({})).toThrow(ComponentLinkError);
    expect(() => c.instantiate({})).toThrow(/import "host" \(instance\) is not given/);
    expect(() => c.instantiate({ host: { add: () => 0 } })).toThrow(/host#greet/);
  });

  it('a host function that throws (no result type) is a host-error trap that poisons only its instance', async () => {
    const c = loadComponent(bytes);
    const bad = c.instantiate({ host: { add: () => { throw new Error('boom'); }, greet: () => '' } });
    const good = c.instantiate({ host: { add: (a: number, b: number) => a + b, greet: () => '' } });
    const e = await (bad.exports['twiceAdd'] as Fn)(1, 2).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('host-error');
    expect((e as Trap).message).toContain('boom');
    expect(await (good.exports['twiceAdd'] as Fn)(1, 2)).toBe(6);
  });

  it('a host function returning the wrong type traps naming the rule', async () => {
    const c = loadComponent(bytes);
    const inst = c.instantiate({ host: { add: () => 'three', greet: () => '' } });
    const e = await (inst.exports['twiceAdd'] as Fn)(1, 2).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Error);
    expect(String((e as Error).message)).toMatch(/wrong-js-type|u32/);
  });
});

describe('async lifts with async host imports (async.wat)', async () => {
  const c = loadComponent(await wat(text('async')));

  it('a callback-lifted export waits on a subtask whose host Promise settles later', async () => {
    let started = 0;
    const inst = c.instantiate({
      host: {
        fetch: async (n: number) => {
          started++;
          await new Promise((r) => setTimeout(r, 10));
          return n * 2;
        },
      },
    });
    const f = inst.exports['fetchPlusOne'] as Fn;
    expect(await f(20)).toBe(41);
    // Two calls run concurrently: both host calls start before either settles.
    const both = Promise.all([f(1), f(2)]);
    expect(started).toBe(3);
    expect(await both).toEqual([3, 5]);
  });

  it('a host import that returns at once resolves the subtask immediately (RETURNED)', async () => {
    const inst = c.instantiate({ host: { fetch: (n: number) => n + 100 } });
    expect(await (inst.exports['fetchPlusOne'] as Fn)(1)).toBe(102);
  });

  it('a host import that returns a thenable (not a native Promise) is awaited as a Promise is', async () => {
    const inst = c.instantiate({ host: { fetch: (n: number) => ({ then: (ok: (v: number) => void) => setTimeout(() => ok(n * 3), 5) }) } });
    expect(await (inst.exports['fetchPlusOne'] as Fn)(5)).toBe(16);
  });

  it('a deadline past setTimeout\'s 32-bit range (--timeout 99999999999) waits for the host Promise without TimeoutOverflowWarnings', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const store = new Store({ timeoutMs: 99_999_999_999_000 });
      const inst = c.instantiate({ host: { fetch: (n: number) => new Promise((r) => setTimeout(() => r(n), 30)) } }, { store });
      expect(await (inst.exports['fetchPlusOne'] as Fn)(1)).toBe(2);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('task.return lifts a string through its memory option', async () => {
    const inst = c.instantiate({ host: { fetch: (n: number) => n } });
    expect(await (inst.exports['hello'] as Fn)()).toBe('done');
  });

  it('a stackful task blocked on a host Promise is a deadlock without JSPI (documented), and other instances go on', async () => {
    const inst = c.instantiate({ host: { fetch: async (n: number) => n } }, { jspi: 'off' });
    const e = await (inst.exports['fetchStackful'] as Fn)(4).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('deadlock');
    expect((e as Trap).message).toContain('a blocking wait cannot wait for a Promise');
    const other = c.instantiate({ host: { fetch: (n: number) => n } });
    expect(await (other.exports['fetchStackful'] as Fn)(4)).toBe(40);
  });
});

describe('the project\'s composed guest components on the embedded host', () => {
  /** WASI imports of the guest (stderr, for abort text) as a capturing host. */
  function wasi(): { imports: Record<string, unknown>; stderr: () => string } {
    const chunks: Uint8Array[] = [];
    const stream = { blockingWriteAndFlush: (b: Uint8Array) => void chunks.push(b.slice()) };
    return {
      imports: {
        'wasi:io/error': {},
        'wasi:io/streams': {},
        'wasi:cli/stderr': { getStderr: () => stream },
      },
      stderr: () => Buffer.concat(chunks).toString('utf8'),
    };
  }

  it('composed-v2: control 7, block-on-stale 258, drop-outside-task 1, moved-waitable 1', async () => {
    const c = loadComponent(build('composed-v2.wasm'));
    const w = wasi();
    const x = c.instantiate(w.imports).exports as Record<string, Fn>;
    expect(await x['control']!()).toBe(7);
    expect(await x['block-on-stale']!()).toBe(258);
    expect(await x['drop-outside-task']!()).toBe(1);
    expect(await x['moved-waitable']!()).toBe(1);
    expect(w.stderr()).toBe('');
  });

  it('composed-v1: block-on-stale traps, and the guest\'s abort text on stderr names #1618', async () => {
    const c = loadComponent(build('composed-v1.wasm'));
    const w = wasi();
    const x = c.instantiate(w.imports).exports as Record<string, Fn>;
    expect(await x['control']!()).toBe(7);
    const e = await x['block-on-stale']!().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('wasm-trap');
    expect(w.stderr()).toContain('wit-bindgen #1618');
    // A fresh instance of the same component still works.
    expect(await (c.instantiate(wasi().imports).exports['control'] as Fn)()).toBe(7);
  });
});

describe('stream<u8> across the host boundary (streams.wat)', async () => {
  const c = loadComponent(await wat(text('streams')));

  it('the host writes a stream a component reads to the end', async () => {
    const inst = c.instantiate({});
    const s = inst.stream();
    const counted = (inst.exports['count'] as Fn)(s);
    expect(await s.write(new Uint8Array([1, 2, 3, 4, 5]))).toBe(5);
    expect(await s.write(new Uint8Array(10_000).fill(2))).toBe(10_000);
    s.close();
    expect(await counted).toEqual([10_005, 15 + 20_000]);
  });

  it('a component returns a stream the host reads with for await, byte-exact', async () => {
    const inst = c.instantiate({});
    const r = (await (inst.exports['repeat'] as Fn)(2500)) as AsyncIterable<Uint8Array>;
    const chunks: Uint8Array[] = [];
    for await (const ch of r) chunks.push(ch);
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(2500);
    expect([...all].every((b, i) => b === i % 251)).toBe(true);
  });

  it('a call waiting on a stream the host still holds is pending, not a deadlock', async () => {
    const inst = c.instantiate({});
    const s = inst.stream();
    const counted = (inst.exports['count'] as Fn)(s);
    const state = await Promise.race([counted.then(() => 'settled', () => 'rejected'), new Promise((r) => setTimeout(() => r('pending'), 20))]);
    expect(state).toBe('pending');
    s.close();
    expect(await counted).toEqual([0, 0]);
  });

  it('a stream one component returned, passed on by JS: into another instance of its store it is read there; into another store it is refused (other-store) and stays JS\'s', async () => {
    const store = new Store();
    const a = c.instantiate({}, { store, name: 'a' });
    const b = c.instantiate({}, { store, name: 'b' });
    expect(await (b.exports['count'] as Fn)(await (a.exports['repeat'] as Fn)(10))).toEqual([10, 45]);
    const r = (await (a.exports['repeat'] as Fn)(20)) as AsyncIterable<Uint8Array>;
    const elsewhere = c.instantiate({}, { name: 'elsewhere' });
    const e = await (elsewhere.exports['count'] as Fn)(r).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ComponentCallError);
    expect((e as Error).message).toMatch(/\[bad-value\] count: \[other-store\] .*another store/);
    const chunks: Uint8Array[] = [];
    for await (const ch of r) chunks.push(ch);
    expect(Buffer.concat(chunks).length).toBe(20);
    // both stores go on
    const s = elsewhere.stream();
    const counted = (elsewhere.exports['count'] as Fn)(s);
    s.close();
    expect(await counted).toEqual([0, 0]);
  });

  it('a host write of values that are not u8s, or of no array at all, rejects with a LowerError naming the element; nothing is written', async () => {
    const inst = c.instantiate({});
    const s = inst.stream();
    const counted = (inst.exports['count'] as Fn)(s);
    const cases: [unknown, RegExp][] = [
      [[1, 300], /^\[integer-out-of-range\] \[1\]: 300 is outside u8 \[0, 255\]/],
      [[1, 'x'], /^\[wrong-js-type\] \[1\]: a u8 is a JS number, not string "x"/],
      [[1.5], /^\[not-an-integer\] \[0\]: 1\.5 is not an integer/],
      ['abc', /^\[wrong-js-type\] value: a write takes an array \(or a typed array\) of elements, not string "abc"/],
      [null, /^\[wrong-js-type\] value: a write takes an array .*, not null/],
      [{ length: 2 }, /^\[wrong-js-type\] value: a write takes an array .*, not object/],
    ];
    for (const [v, re] of cases) {
      const e = await s.write(v as number[]).catch((err: unknown) => err);
      expect((e as Error).name, String(v)).toBe('LowerError');
      expect((e as Error).message, String(v)).toMatch(re);
    }
    // A JS array of u8s is still written, as a Uint8Array is.
    expect(await s.write([7, 8])).toBe(2);
    s.close();
    expect(await counted).toEqual([2, 15]);
  });

  it('a stream of another element type is rejected when passed (type-mismatch), the instance traps alone', async () => {
    const inst = c.instantiate({});
    const s = inst.stream({ kind: 'u32' });
    const e = await (inst.exports['count'] as Fn)(s).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('type-mismatch');
    const other = c.instantiate({});
    const s2 = other.stream();
    const p = (other.exports['count'] as Fn)(s2);
    s2.close();
    expect(await p).toEqual([0, 0]);
  });
});

describe('linking component instances directly', async () => {
  it('an instance of one component serves the import of another (values pass component to component)', async () => {
    const provider = loadComponent(await wat(`(component
      (core module $m (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
        (func (export "greet") (param i32 i32) (result i32) unreachable))
      (core instance $i (instantiate $m))
      (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
      (core module $libc (memory (export "mem") 1) (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024)))
      (core instance $libc (instantiate $libc))
      (alias core export $libc "mem" (core memory $mem))
      (alias core export $libc "realloc" (core func $realloc))
      (func $greet (param "name" string) (result string) (canon lift (core func $i "greet") (memory $mem) (realloc $realloc)))
      (instance $host (export "add" (func $add)) (export "greet" (func $greet)))
      (export "host" (instance $host)))`));
    const p = provider.instantiate({});
    const host = (p.root.exports.get('host')!.value);
    const c = loadComponent(await wat(text('basics')));
    const inst = c.instantiate({ host }, { store: p.store });
    expect(await (inst.exports['twiceAdd'] as Fn)(20, 1)).toBe(42);
  });
});

describe('an exported resource as a JS class (resources.wat)', async () => {
  const c = loadComponent(await wat(text('resources')));

  it('constructs with new, calls methods and statics, drops with Symbol.dispose (the destructor runs)', async () => {
    const x = c.instantiate({}).exports as Record<string, unknown>;
    const Counter = x['Counter'] as new (start: number) => { inc(): Promise<number>; [Symbol.dispose](): void };
    const a = new Counter(5);
    expect(await a.inc()).toBe(6);
    expect(await a.inc()).toBe(7);
    const z = await (Counter as unknown as { zero(): Promise<{ inc(): Promise<number> }> }).zero();
    expect(z).toBeInstanceOf(Counter);
    expect(await z.inc()).toBe(1);
    expect(await (x['drops'] as Fn)()).toBe(0);
    a[Symbol.dispose]();
    a[Symbol.dispose]();
    expect(await (x['drops'] as Fn)()).toBe(1);
    await expect(a.inc()).rejects.toThrow(/dropped/);
    // Passing an own handle moves it into the component.
    expect(await (x['take'] as Fn)(z)).toBe(1);
  });

  it('a bad constructor argument is a typed error, and the class still works', async () => {
    const x = c.instantiate({}).exports as Record<string, unknown>;
    const Counter = x['Counter'] as new (start: unknown) => { inc(): Promise<number> };
    expect(() => new Counter('five')).toThrow(ComponentCallError);
    expect(await new Counter(1).inc()).toBe(2);
  });

  it('an own passed moves out of JS: using, passing or disposing it again is a ComponentCallError, the destructor does not run for JS', async () => {
    const x = c.instantiate({}).exports as Record<string, unknown>;
    const Counter = x['Counter'] as new (start: number) => { inc(): Promise<number>; [Symbol.dispose](): void };
    const k = new Counter(3);
    expect(await (x['take'] as Fn)(k)).toBe(3);
    const again = await k.inc().catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ComponentCallError);
    expect((again as Error).message).toMatch(/\[resource-dropped\] param 'self': this resource was passed as an own handle to a component/);
    await expect((x['take'] as Fn)(k)).rejects.toThrow(/\[resource-dropped\] param 'c'/);
    k[Symbol.dispose]();
    expect(await (x['drops'] as Fn)()).toBe(0);
    // A call refused by its checks moves nothing: the instance is still JS's.
    const m = new Counter(8);
    await expect((x['take'] as Fn)(m, 1)).rejects.toBeInstanceOf(ComponentCallError);
    expect(await m.inc()).toBe(9);
  });

  it('anything but an instance of the class where a resource of the component is taken: a ComponentCallError naming the parameter; the instance is untouched', async () => {
    const x = c.instantiate({}).exports as Record<string, unknown>;
    const Counter = x['Counter'] as new (start: number) => { inc(): Promise<number> };
    for (const bad of [{}, null, undefined, 16, Object.create(Counter.prototype as object)]) {
      const e = await (x['take'] as Fn)(bad).catch((err: unknown) => err);
      expect(e, String(bad)).toBeInstanceOf(ComponentCallError);
      expect((e as Error).message).toMatch(/^\[bad-value\] take: \[wrong-js-type\] param 'c': a 'counter' \(a resource of the component\) is an instance of its class, not /);
    }
    // No forged handle reached the guest, and nothing was poisoned.
    expect(await new Counter(1).inc()).toBe(2);
    expect(await (x['drops'] as Fn)()).toBe(0);
  });
});

describe('error-context (error-context.wat)', async () => {
  const c = loadComponent(await wat(text('error-context')));

  it('new takes the message from memory, debug-message stores it back with realloc', async () => {
    expect(await (c.instantiate({}).exports['roundtrip'] as Fn)()).toBe('disk on fire');
  });

  it('dropping an error context twice traps unknown-handle', async () => {
    const e = await (c.instantiate({}).exports['doubleDrop'] as Fn)().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Trap);
    expect((e as Trap).code).toBe('unknown-handle');
  });
});
