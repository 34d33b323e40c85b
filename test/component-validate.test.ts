import { describe, expect, it } from 'vitest';
import { decodeComponent } from '../host/component/binary/decode.js';
import { ComponentError, type ComponentRule } from '../host/component/binary/reader.js';
import type { Definition } from '../host/component/binary/ast.js';
import { flattenFunctype, isExternName, strongName, subtypeError, validateComponent } from '../host/component/validate.js';
import { Prim, type ExternType, type FuncType, type ResourceType } from '../host/component/types.js';
import { component, leb, section, wat } from './component-bytes.js';

/** A core module with the usual exports for canon options. */
const CORE = `
  (core module $m
    (memory (export "mem") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable)
    (func (export "bad-realloc") (param i32) (result i32) unreachable)
    (func (export "f0") unreachable)
    (func (export "f1") (result i32) unreachable)
    (func (export "s") (param i32 i32) (result i32) unreachable)
    (func (export "cb") (param i32 i32 i32) (result i32) unreachable)
    (func (export "pr") (param i32))
    (func (export "dtor2") (param i32 i32))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))`;

/**
 * Validate `text`; expect a ComponentError with `rule` at the offset of the
 * `nth` definition tagged `tag` (the definition that breaks the rule).
 */
async function expectInvalid(text: string, rule: ComponentRule, tag: Definition['tag'], nth = -1, match?: RegExp): Promise<ComponentError> {
  const c = decodeComponent(await wat(text));
  let err: unknown;
  try {
    validateComponent(c);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ComponentError);
  const e = err as ComponentError;
  expect(e.rule).toBe(rule);
  const tagged = c.definitions.filter((d) => d.tag === tag);
  const d = nth < 0 ? tagged[tagged.length + nth] : tagged[nth];
  expect(e.offset).toBe(d.offset);
  expect(e.section).toBe(tag);
  if (match) expect(e.detail).toMatch(match);
  return e;
}

describe('component validation: what the spec forbids is a typed error at the definition', () => {
  it('async lift of a function type that is not async', async () => {
    await expectInvalid(`(component ${CORE}
      (func (export "f") (canon lift (core func $i "f0") async (callback (core func $i "cb")))))`, 'async-option-sync-type', 'canon', -1, /requires an async function type/);
  });

  it('async lower of a function type that is not async', async () => {
    await expectInvalid(`(component ${CORE} (import "f" (func $f)) (core func (canon lower (func $f) async (memory $mem))))`, 'async-option-sync-type', 'canon');
  });

  it('stream<char>', async () => {
    await expectInvalid('(component (type (stream char)))', 'stream-char', 'type');
  });

  it('callback without async', async () => {
    await expectInvalid(`(component ${CORE} (func (export "f") (canon lift (core func $i "f0") (callback (core func $i "cb")))))`, 'callback-without-async', 'canon');
  });

  it('post-return with async', async () => {
    await expectInvalid(`(component ${CORE}
      (type $ft (func async))
      (func (export "f") (type $ft) (canon lift (core func $i "f1") async (callback (core func $i "cb")) (post-return (core func $i "pr")))))`, 'post-return-with-async', 'canon');
  });

  it('post-return on canon lower', async () => {
    await expectInvalid(`(component ${CORE} (import "f" (func $f)) (core func (canon lower (func $f) (post-return (core func $i "pr")))))`, 'option-not-allowed', 'canon', -1, /post-return/);
  });

  it('a lifted string parameter without realloc', async () => {
    await expectInvalid(`(component ${CORE} (type $ft (func (param "s" string) (result u32)))
      (func (export "f") (type $ft) (canon lift (core func $i "s") (memory $mem))))`, 'missing-realloc', 'canon');
  });

  it('a lowered string parameter without memory', async () => {
    await expectInvalid(`(component ${CORE} (import "f" (func $f (param "s" string))) (core func (canon lower (func $f))))`, 'missing-memory', 'canon');
  });

  it('realloc without memory', async () => {
    await expectInvalid(`(component ${CORE} (import "f" (func $f (result string))) (core func (canon lower (func $f) (realloc $realloc))))`, 'missing-memory', 'canon', -1, /realloc is given without memory/);
  });

  it('an async lower needs memory only for what passes through memory (entry 15 of docs/deviations.md)', async () => {
    // No parameters that spill, no result: no memory (what wit-component writes for wait-for).
    const ok = await wat(`(component (import "f" (func $f async (param "ns" u64))) (core func (canon lower (func $f) async)))`);
    expect(() => validateComponent(decodeComponent(ok))).not.toThrow();
    // A result goes through memory: memory is required.
    await expectInvalid(`(component (import "f" (func $f async (result u32))) (core func (canon lower (func $f) async)))`, 'missing-memory', 'canon');
  });

  it('an async lift of a function returning a string needs no memory (task.return carries the result)', async () => {
    const ok = await wat(`(component ${CORE} (type $ft (func async (result string)))
      (func (export "f") (type $ft) (canon lift (core func $i "f1") async (callback (core func $i "cb")))))`);
    expect(() => validateComponent(decodeComponent(ok))).not.toThrow();
  });

  it('task.return with realloc', async () => {
    await expectInvalid(`(component ${CORE} (core func (canon task.return (result string) (memory $mem) (realloc $realloc))))`, 'option-not-allowed', 'canon');
  });

  it('task.return of a string without memory', async () => {
    await expectInvalid('(component (core func (canon task.return (result string))))', 'missing-memory', 'canon');
  });

  it('stream.read of a non-stream type', async () => {
    await expectInvalid(`(component ${CORE} (type $t (future u8)) (core func (canon stream.read $t (memory $mem))))`, 'type-mismatch', 'canon');
  });

  it('stream.write of a stream<u8> without memory', async () => {
    await expectInvalid('(component (type $t (stream u8)) (core func (canon stream.write $t)))', 'missing-memory', 'canon');
  });

  it('a realloc of the wrong core type', async () => {
    await expectInvalid(`(component ${CORE} (import "f" (func $f (result string)))
      (core func (canon lower (func $f) (memory $mem) (realloc (core func $i "bad-realloc")))))`, 'realloc-type', 'canon');
  });

  it('a callback of the wrong core type', async () => {
    await expectInvalid(`(component ${CORE} (type $ft (func async))
      (func (export "f") (type $ft) (canon lift (core func $i "f1") async (callback (core func $i "f1")))))`, 'callback-type', 'canon');
  });

  it('a lifted core function whose type is not the flattened function type', async () => {
    await expectInvalid(`(component ${CORE} (type $ft (func (param "a" u32) (result u32)))
      (func (export "f") (type $ft) (canon lift (core func $i "f0"))))`, 'core-func-type', 'canon', -1, /flattens to \(i32\) -> \(i32\)/);
  });

  it('a post-return that does not take the flat results', async () => {
    await expectInvalid(`(component ${CORE} (type $ft (func))
      (func (export "f") (type $ft) (canon lift (core func $i "f0") (post-return (core func $i "pr")))))`, 'post-return-type', 'canon');
  });

  it('a resource destructor of the wrong type', async () => {
    await expectInvalid(`(component ${CORE} (type (resource (rep i32) (dtor (core func $i "dtor2")))))`, 'dtor-type', 'type');
  });

  it('resource.new of an imported resource', async () => {
    await expectInvalid('(component (import "r" (type $r (sub resource))) (core func (canon resource.new $r)))', 'resource-not-local', 'canon');
  });

  it('own of a type that is not a resource', async () => {
    await expectInvalid('(component (type $l (list u8)) (type (own $l)))', 'type-not-resource', 'type');
  });

  it('a value type index that names a func type', async () => {
    await expectInvalid('(component (type $f (func)) (type (list $f)))', 'type-not-defvaltype', 'type');
  });

  it('a borrow in a function result', async () => {
    await expectInvalid('(component (type $r (resource (rep i32))) (type (func (result (borrow $r)))))', 'borrow-in-result', 'type');
  });

  it('a borrow inside a stream payload', async () => {
    await expectInvalid('(component (type $r (resource (rep i32))) (type $b (borrow $r)) (type (stream (option $b))))', 'borrow-in-stream', 'type');
  });

  it('an alias of an export the instance does not have', async () => {
    await expectInvalid('(component (import "i" (instance $i (export "a" (func)))) (alias export $i "b" (func)))', 'missing-export', 'alias', -1, /no export 'b'.*'a'/);
  });

  it('an alias of an export of another sort', async () => {
    await expectInvalid('(component (import "i" (instance $i (export "a" (func)))) (alias export $i "a" (component)))', 'wrong-sort', 'alias');
  });

  it('a core export alias of a name the core instance does not export', async () => {
    await expectInvalid(`(component ${CORE} (alias core export $i "nope" (core func)))`, 'missing-export', 'alias');
  });

  it('a core export alias of a memory as a func', async () => {
    await expectInvalid(`(component ${CORE} (alias core export $i "mem" (core func)))`, 'wrong-sort', 'alias');
  });

  it('a core instantiation that does not supply an import', async () => {
    await expectInvalid('(component (core module $m (import "env" "f" (func))) (core instance (instantiate $m)))', 'missing-arg', 'core instance', -1, /'env'/);
  });

  it('a core instantiation argument that lacks the imported field', async () => {
    await expectInvalid(`(component
      (core module $m (import "env" "f" (func)))
      (core module $n (func (export "g")))
      (core instance $e (instantiate $n))
      (core instance (instantiate $m (with "env" (instance $e)))))`, 'missing-export', 'core instance');
  });

  it('a core instantiation argument of the wrong core function type', async () => {
    await expectInvalid(`(component
      (core module $m (import "env" "f" (func (param i32))))
      (core module $n (func (export "f")))
      (core instance $e (instantiate $n))
      (core instance (instantiate $m (with "env" (instance $e)))))`, 'core-func-type', 'core instance');
  });

  it('a component instantiation without one of its imports', async () => {
    await expectInvalid('(component (component $c (import "x" (func))) (instance (instantiate $c)))', 'missing-arg', 'instance');
  });

  it('a component instantiation with an argument of another function type', async () => {
    await expectInvalid(`(component
      (component $c (import "x" (func (param "a" u32))))
      (import "y" (func $y (param "a" string)))
      (instance (instantiate $c (with "x" (func $y)))))`, 'not-subtype', 'instance', -1, /parameter 'a'/);
  });

  it('two imports with the same name', async () => {
    await expectInvalid('(component (import "a" (func)) (import "a" (func)))', 'duplicate-name', 'import');
  });

  it('an import name that is no extern name', async () => {
    await expectInvalid('(component (import "Not_A_Name" (func)))', 'bad-extern-name', 'import');
  });

  it('[constructor]/[method]/[static] names: a preceding resource, a func, the right result and self', async () => {
    await expectInvalid('(component (import "[constructor]r" (func)))', 'bad-annotation', 'import', -1, /no resource 'r'/);
    await expectInvalid('(component (import "r" (type $r (sub resource))) (import "[constructor]r" (func (result u32))))', 'bad-annotation', 'import', -1, /must return \(own r\)/);
    await expectInvalid('(component (import "r" (type $r (sub resource))) (import "[method]r.m" (func (param "this" (borrow $r)))))', 'bad-annotation', 'import', -1, /"self"/);
    await expectInvalid('(component (import "r" (type $r (sub resource))) (import "[static]r.m" (type (sub resource))))', 'bad-annotation', 'import', -1, /only for functions/);
    // Inside a type, the error points at the declarator itself (past the type definition's first byte).
    const inType = decodeComponent(await wat(`(component (type $it (instance
        (export "r" (type $r (sub resource)))
        (export "[method]r.m" (func (param "self" (own $r))))))
      (import "i" (instance (type $it))))`));
    const decls = (inType.definitions[0] as Extract<Definition, { tag: 'type' }>).type as { decls: { offset: number }[] };
    expect(() => validateComponent(inType)).toThrow(ComponentError);
    try {
      validateComponent(inType);
    } catch (e) {
      expect({ rule: (e as ComponentError).rule, offset: (e as ComponentError).offset, section: (e as ComponentError).section })
        .toEqual({ rule: 'bad-annotation', offset: decls.decls.at(-1)!.offset, section: 'type' });
    }
    // And the right forms pass, in a component and in an instance type.
    const v = validateComponent(decodeComponent(await wat(`(component
      (import "r" (type $r (sub resource)))
      (import "[constructor]r" (func (result (result (own $r) (error string)))))
      (import "[method]r.m" (func (param "self" (borrow $r)) (param "x" u32)))
      (import "[static]r.s" (func))
      (type $it (instance (export "q" (type $q (sub resource))) (export "[constructor]q" (func (result (own $q))))))
      (import "i" (instance (type $it))))`)));
    expect(v.imports.length).toBe(5);
  });

  it('implements: an interface name, only on a plain-named instance, in every place a name is declared', async () => {
    await expectInvalid('(component (import "db" (implements "kv-store") (instance)))', 'bad-implements', 'import', -1, /'kv-store', which is not an interface name/);
    await expectInvalid('(component (import "db" (implements "") (instance)))', 'bad-implements', 'import', -1, /is '', which is not an interface name/);
    await expectInvalid('(component (import "db" (implements "w:kv/store/v2") (instance)))', 'bad-implements', 'import', -1, /not an interface name/);
    await expectInvalid('(component (import "db" (implements "w:kv/store") (func)))', 'bad-implements', 'import', -1, /'db' is a func: only instances/);
    // An external-id beside it relaxes nothing.
    await expectInvalid('(component (import "db" (implements "w:kv/store") (external-id "prod") (type (sub resource))))', 'bad-implements', 'import', -1, /is a type: only instances/);
    await expectInvalid('(component (import "w:kv/cache" (implements "w:kv/store") (instance)))', 'bad-implements', 'import', -1, /'w:kv\/cache' is not a plain name/);
    await expectInvalid('(component (instance $a) (export "db" (implements "store") (instance $a)))', 'bad-implements', 'export', -1, /'store'/);
    await expectInvalid('(component (import "f" (func $f)) (export "db" (implements "w:kv/store") (func $f)))', 'bad-implements', 'export', -1, /only instances/);
    // In a type declarator the error points at the declarator (inside the type definition).
    for (const [text, detail] of [
      ['(component (type (component (export "db" (implements "w:kv") (instance)))))', /'w:kv'/],
      ['(component (type (instance (export "db" (implements "w:kv/store") (func)))))', /only instances/],
    ] as const) {
      const c = decodeComponent(await wat(text));
      const decl = ((c.definitions[0] as Extract<Definition, { tag: 'type' }>).type as { decls: { offset: number }[] }).decls.at(-1)!;
      const e = (() => { try { validateComponent(c); } catch (x) { return x as ComponentError; } })();
      expect(e).toBeInstanceOf(ComponentError);
      expect({ rule: e!.rule, offset: e!.offset, section: e!.section }).toEqual({ rule: 'bad-implements', offset: decl.offset, section: 'type' });
      expect(e!.detail).toMatch(detail);
    }
    await expectInvalid('(component (instance $a) (instance (export "db" (implements "store") (instance $a))))', 'bad-implements', 'instance', -1, /'store'/);
    // The forms the rule allows: each place, with and without a version, beside an external-id.
    const v = validateComponent(decodeComponent(await wat(`(component
      (import "primary" (implements "w:kv/store") (instance))
      (import "secondary" (implements "w:kv/store@0.2.1") (external-id "db:eu-1") (instance))
      (import "f" (external-id "https://example.com/f.js") (func))
      (instance $a)
      (export "cache" (implements "w:kv/store@1") (instance $a))
      (type (component (import "x" (implements "a:b/c") (instance)) (export "y" (implements "a:b/c") (instance))))
      (instance (export "z" (implements "a:b/c") (instance $a))))`)));
    expect(v.imports.map((i) => i.name)).toEqual(['primary', 'secondary', 'f']);
    expect(v.exports.map((e) => e.name)).toEqual(['cache']);
  });

  it('attributes do not relax name uniqueness', async () => {
    await expectInvalid('(component (import "db" (implements "w:kv/a") (instance)) (import "db" (implements "w:kv/b") (instance)))', 'duplicate-name', 'import');
    await expectInvalid('(component (import "f" (external-id "one") (func)) (import "f" (external-id "two") (func)))', 'duplicate-name', 'import');
  });

  it('versionsuffix: after a canonical interface version, making a valid semver with it', async () => {
    await expectInvalid('(component (import "a:b/c" (versionsuffix ".1.0") (instance)))', 'bad-version-suffix', 'import', -1, /not an interface name whose version is a canonical version/);
    await expectInvalid('(component (import "plain" (versionsuffix ".1.0") (instance)))', 'bad-version-suffix', 'import');
    await expectInvalid('(component (import "a:b/c@1.2.3" (versionsuffix "-rc") (instance)))', 'bad-version-suffix', 'import', -1, /canonical version/);
    await expectInvalid('(component (import "a:b/c@0.2" (versionsuffix ".x") (instance)))', 'bad-version-suffix', 'import', -1, /'0\.2\.x', not a valid semver/);
    await expectInvalid('(component (import "a:b/c@1" (versionsuffix "") (instance)))', 'bad-version-suffix', 'import', -1, /'1', not a valid semver/);
    const v = validateComponent(decodeComponent(await wat(`(component
      (import "a:b/c@0.2" (versionsuffix ".6-rc.1") (instance))
      (import "a:b/d@1" (versionsuffix ".0.0+build.5") (instance))
      (import "a:b/e@0.0.0" (versionsuffix "-alpha") (func)))`)));
    expect(v.imports.map((i) => i.name)).toEqual(['a:b/c@0.2', 'a:b/d@1', 'a:b/e@0.0.0']);
  });

  it('inline exports (a bag of exports): names are checked, and annotated names have no resource to name', async () => {
    await expectInvalid('(component (import "f" (func $f)) (instance (export "2nd" (func $f))))', 'bad-extern-name', 'instance', -1, /'2nd'/);
    await expectInvalid('(component (import "f" (func $f)) (instance (export "a:b/c/d" (func $f))))', 'bad-extern-name', 'instance');
    // The bag exports the resource as "r", but that introduces no index: no resource has a name in the bag.
    await expectInvalid(`(component
      (import "r" (type $r (sub resource)))
      (import "[constructor]r" (func $new (result (own $r))))
      (instance (export "r" (type $r)) (export "[constructor]r" (func $new))))`, 'bad-annotation', 'instance', -1, /bag-of-exports instance/);
    await expectInvalid(`(component
      (import "r" (type $r (sub resource)))
      (import "[static]r.make" (func $make))
      (instance (export "r" (type $r)) (export "[static]r.make" (func $make))))`, 'bad-annotation', 'instance', -1, /no resource 'r' has a name there/);
    await expectInvalid('(component (instance $a) (instance (export "[static]r.m" (instance $a))))', 'bad-annotation', 'instance', -1, /only for functions/);
    // Plain names in a bag still pass, resources among them.
    const v = validateComponent(decodeComponent(await wat(`(component
      (import "r" (type $r (sub resource)))
      (import "[constructor]r" (func $new (result (own $r))))
      (instance (export "r" (type $r)) (export "new" (func $new)) (export "w:x/y@1" (func $new))))`)));
    expect(v.instances[0].exports.map((e) => e.name)).toEqual(['r', 'new', 'w:x/y@1']);
  });

  it('an export ascribed a type it does not have', async () => {
    await expectInvalid('(component (import "f" (func $f)) (export "g" (func $f) (func (param "x" u32))))', 'not-subtype', 'export');
  });

  it('a value type whose element size reaches 2^28 bytes (and one just below passes)', async () => {
    await expectInvalid('(component (type (list u64 33554432)))', 'element-size', 'type', -1, /not below 2\^28/);
    const ok = validateComponent(decodeComponent(await wat('(component (type (list u8 268435455)))')));
    expect(ok.types[0]).toEqual({ kind: 'list', t: Prim.u8, l: 268435455 });
  });

  it('a type built to explode (tuples of tuples, 2^k nodes) is type-too-large, quickly', () => {
    const sleb = (n: number) => (n < 64 ? [n] : [0x80 | (n & 0x7f), n >> 7]);
    const types = [[0x6f, 2, 0x7d, 0x7d]];
    for (let i = 1; i < 40; i++) types.push([0x6f, 2, ...sleb(i - 1), ...sleb(i - 1)]);
    const c = decodeComponent(component(section(7, [...leb(types.length), ...types.flat()])));
    const t0 = performance.now();
    try {
      validateComponent(c);
      expect.unreachable();
    } catch (e) {
      expect((e as ComponentError).rule).toBe('type-too-large');
      // Tuple i has 2^(i+2) - 1 nodes: tuple 18 is the first past 1,000,000.
      expect((e as ComponentError).offset).toBe(c.definitions[18].offset);
    }
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a lifted function with a 100,000,000-element fixed list spills to memory without flattening it all', async () => {
    const v = validateComponent(decodeComponent(await wat(`(component ${CORE}
      (type $l (list u8 100000000))
      (type $ft (func (param "x" $l)))
      (func (export "f") (type $ft) (canon lift (core func $i "pr") (memory $mem) (realloc $realloc))))`)));
    expect(v.exports[0].t.kind).toBe('func');
    expect(flattenFunctype({ async_: false, callback: undefined }, v.funcs[0], 'lift')).toEqual({ params: ['i32'], results: [] });
  });

  it('a stackful async lift when the host refuses it', async () => {
    const c = decodeComponent(await wat(`(component ${CORE} (type $ft (func async)) (func (export "f") (type $ft) (canon lift (core func $i "f0") async)))`));
    expect(() => validateComponent(c)).not.toThrow();
    try {
      validateComponent(c, { allowStackful: false });
      expect.unreachable();
    } catch (e) {
      expect((e as ComponentError).rule).toBe('async-without-callback');
    }
  });

  it('accepts the same definitions when they are right (the checks are not over-eager)', async () => {
    const c = decodeComponent(await wat(`(component ${CORE}
      (type $ft (func (param "s" string) (result u32)))
      (func (export "f") (type $ft) (canon lift (core func $i "s") (memory $mem) (realloc $realloc)))
      (import "g" (func $g (param "s" string) (result string)))
      (core func (canon lower (func $g) (memory $mem) (realloc $realloc)))
      (type $r (resource (rep i32) (dtor (core func $i "pr"))))
      (core func (canon resource.new $r))
      (import "i" (instance $ii (export "a" (func))))
      (alias export $ii "a" (func))
      (component $c (import "x" (func)))
      (instance (instantiate $c (with "x" (func 2))))
    )`));
    const v = validateComponent(c);
    expect(v.exports.map((e) => e.name)).toEqual(['f']);
    // canon lower of (string) -> string: (ptr, len, retptr) -> ().
    const lower = c.definitions.find((d) => d.tag === 'canon' && d.canon.kind === 'lower')!;
    expect(lower.space).toBe('core func');
    expect(v.coreFuncs[lower.index]).toEqual({ params: ['i32', 'i32', 'i32'], results: [] });
  });
});

describe('component validation: subtyping helpers for a host', () => {
  const fn = (params: FuncType['params'], result?: FuncType['result'], async = false): ExternType => ({ kind: 'func', type: { kind: 'func', async, params, result } });
  const rA: ResourceType = { kind: 'resource', name: 'a', rep: 'i32' };
  const rB: ResourceType = { kind: 'resource', name: 'b', rep: 'i32' };

  it('func types match only when equal (names, types, async)', () => {
    expect(subtypeError(fn([['x', Prim.u32]], Prim.string), fn([['x', Prim.u32]], Prim.string))).toBeUndefined();
    expect(subtypeError(fn([['x', Prim.u32]]), fn([['y', Prim.u32]]))).toMatch(/named 'x'/);
    expect(subtypeError(fn([], Prim.u32), fn([], Prim.u64))).toMatch(/result/);
    expect(subtypeError(fn([], undefined, true), fn([]))).toMatch(/async/);
  });

  it('instances may export more, not less; components may import less', () => {
    const more: ExternType = { kind: 'instance', type: { kind: 'instance', exports: [{ name: 'a', t: fn([]) }, { name: 'b', t: fn([]) }] } };
    const less: ExternType = { kind: 'instance', type: { kind: 'instance', exports: [{ name: 'b', t: fn([]) }] } };
    expect(subtypeError(more, less)).toBeUndefined();
    expect(subtypeError(less, more)).toMatch(/no export 'a'/);
    const c1: ExternType = { kind: 'component', type: { kind: 'component', imports: [], exports: [{ name: 'x', t: fn([]) }] } };
    const c2: ExternType = { kind: 'component', type: { kind: 'component', imports: [{ name: 'a', t: fn([]) }], exports: [{ name: 'x', t: fn([]) }] } };
    expect(subtypeError(c1, c2)).toBeUndefined();
    expect(subtypeError(c2, c1)).toMatch(/imports 'a'/);
  });

  it('resources match by identity', () => {
    expect(subtypeError(fn([['r', { kind: 'own', rt: rA }]]), fn([['r', { kind: 'own', rt: rA }]]))).toBeUndefined();
    expect(subtypeError(fn([['r', { kind: 'own', rt: rA }]]), fn([['r', { kind: 'own', rt: rB }]]))).toMatch(/another type/);
    expect(subtypeError({ kind: 'type', type: rA }, { kind: 'type', type: rB })).toMatch(/resource 'a' is not resource 'b'/);
  });

  it('an abstract resource of an instance type binds to the first resource it meets, then stays bound', async () => {
    const v = validateComponent(decodeComponent(await wat(`(component
      (type $it (instance (export "r" (type $r (sub resource))) (export "make" (func (result (own $r)))) (export "eat" (func (param "x" (own $r))))))
      (import "want" (instance (type $it))))`)));
    const want = v.imports[0].t;
    const good: ExternType = { kind: 'instance', type: { kind: 'instance', exports: [
      { name: 'r', t: { kind: 'type', type: rA } },
      { name: 'make', t: fn([], { kind: 'own', rt: rA }) },
      { name: 'eat', t: fn([['x', { kind: 'own', rt: rA }]]) },
    ] } };
    const mixed: ExternType = { kind: 'instance', type: { kind: 'instance', exports: [
      { name: 'r', t: { kind: 'type', type: rA } },
      { name: 'make', t: fn([], { kind: 'own', rt: rA }) },
      { name: 'eat', t: fn([['x', { kind: 'own', rt: rB }]]) },
    ] } };
    expect(subtypeError(good, want)).toBeUndefined();
    expect(subtypeError(mixed, want)).toMatch(/export 'eat'/);
  });

  it('flatten_functype: sync spills past 16 params and 1 result; async lower passes results by pointer', () => {
    const many: FuncType = { kind: 'func', async: false, params: Array.from({ length: 17 }, (_, i) => [`p${i}`, Prim.u32] as const), result: Prim.string };
    expect(flattenFunctype({ async_: false, callback: undefined }, many, 'lift')).toEqual({ params: ['i32'], results: ['i32'] });
    expect(flattenFunctype({ async_: false, callback: undefined }, many, 'lower')).toEqual({ params: ['i32', 'i32'], results: [] });
    const small: FuncType = { kind: 'func', async: true, params: [['a', Prim.u64], ['b', Prim.f32]], result: Prim.u32 };
    expect(flattenFunctype({ async_: true, callback: undefined }, small, 'lower')).toEqual({ params: ['i64', 'f32', 'i32'], results: ['i32'] });
    expect(flattenFunctype({ async_: true, callback: 0 }, small, 'lift')).toEqual({ params: ['i64', 'f32'], results: ['i32'] });
    expect(flattenFunctype({ async_: true, callback: undefined }, small, 'lift')).toEqual({ params: ['i64', 'f32'], results: [] });
  });

  it('strongly-unique names: the explainer\'s canonicalisation', () => {
    const ok = ['foo', 'foo-bar', '[constructor]foo', '[method]foo.bar', '[static]foo.baz', 'foo:bar/baz'].map(strongName);
    expect(new Set(ok).size).toBe(ok.length);
    for (const clash of ['foo', 'FOO', 'foo-BAR', '[constructor]FOO', '[method]foo.BAR', '[static]foo.bar', '[method]foo.baz', '[method]foo.foo', 'foo:bar/BAZ']) {
      expect(ok, clash).toContain(strongName(clash));
    }
  });

  it('extern names: plain, annotated and interface names pass; others do not', () => {
    // Canonical versions (`@1`, `@0.2`, `@0.0.3`) are interface versions too.
    for (const n of ['get', 'get-HTTP-2', '[constructor]file', '[method]file.read', '[static]file.open', 'wasi:io/streams@0.2.6', 'a:b/c', 'ns:pkg/iface@1.0.0-rc.1', 'a:b/c@1', 'a:b/c@0.2', 'a:b/c@0.0.3', 'a:b/c@0.0.0']) {
      expect(isExternName(n), n).toBe(true);
    }
    // Nested namespaces and projections are gated (🪺), so not names yet.
    for (const n of ['', 'Get-x', 'a_b', '[method]file', 'wasi:io', 'ns:pkg/iface@1.0', '-a', 'a--b', 'a:b:c/d', 'a:b/c/d', 'a:b/c@01', 'a:b/c@0.02']) {
      expect(isExternName(n), n).toBe(false);
    }
  });
});
