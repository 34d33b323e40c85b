/**
 * Validation of a component's structure around core modules, instantiation
 * and resources: core module types (duplicate names, limits),
 * duplicate two-level imports, core import matching of tables, memories and
 * globals (core instances and core module subtyping), outer aliases from type
 * declarators, fresh resources per instance-type import, resource exports
 * ascribed `(sub resource)`, and the core module reader past GC types. Each
 * invalid case has a valid neighbour, so that nothing valid is refused.
 */
import { describe, expect, it } from 'vitest';
import { decodeComponent } from '../host/component/binary/decode.js';
import { ComponentError, type ComponentRule } from '../host/component/binary/reader.js';
import { loadComponent } from '../host/component/api.js';
import { validateComponent } from '../host/component/validate.js';
import { wat } from './component-bytes.js';

/** The ComponentError validating `text` throws (fails the test when it validates). */
async function rejected(text: string): Promise<ComponentError> {
  const c = decodeComponent(await wat(text));
  try {
    validateComponent(c);
  } catch (e) {
    if (e instanceof ComponentError) return e;
    throw e;
  }
  throw new Error('the component validated');
}

async function expectRule(text: string, rule: ComponentRule, section: string, detail: RegExp): Promise<ComponentError> {
  const e = await rejected(text);
  expect(e.rule).toBe(rule);
  expect(e.section).toBe(section);
  expect(e.detail).toMatch(detail);
  expect(e.offset).toBeGreaterThan(8);
  return e;
}

async function valid(text: string): Promise<void> {
  const bytes = await wat(text);
  expect(() => validateComponent(decodeComponent(bytes))).not.toThrow();
}

describe('core module types', () => {
  it('two exports of one name, also in a module type nested in a component or instance type (duplicate-name)', async () => {
    await expectRule('(component (core type (module (export "go" (func)) (export "go" (global i32)))))', 'duplicate-name', 'core type', /exports 'go' twice/);
    await expectRule('(component (type (instance (core type (module (export "x" (memory 1)) (export "x" (memory 1)))))))', 'duplicate-name', 'type', /exports 'x' twice/);
    await expectRule('(component (type (component (core type (module (export "x" (func)) (export "x" (func)))))))', 'duplicate-name', 'type', /exports 'x' twice/);
    await valid('(component (core type (module (export "go" (func)) (export "stop" (global i32)))))');
  });

  it('two imports of one module and field name in a module type (duplicate-name); the same field from two modules is fine', async () => {
    await expectRule('(component (core type (module (import "env" "tick" (func)) (import "env" "tick" (func (param i32))))))', 'duplicate-name', 'core type', /imports 'env' 'tick' twice/);
    await valid('(component (core type (module (import "env" "tick" (func)) (import "host" "tick" (func)) (import "env" "tock" (func)))))');
  });

  it('memory and table limits past WebAssembly\'s bounds, or a minimum above the maximum (core-limits)', async () => {
    await expectRule('(component (core type (module (import "a" "m" (memory 65537)))))', 'core-limits', 'core type', /at most 65536 pages/);
    await expectRule('(component (core type (module (export "m" (memory 1 65537)))))', 'core-limits', 'core type', /maximum 65537/);
    await expectRule('(component (core type (module (export "m" (memory 3 2)))))', 'core-limits', 'core type', /minimum 3 is above its maximum 2/);
    await expectRule('(component (core type (module (export "t" (table 5 4 funcref)))))', 'core-limits', 'core type', /table whose minimum 5/);
    await valid('(component (core type (module (import "a" "m" (memory 65536)) (export "t" (table 4 4 funcref)))))');
  });
});

describe('core modules: duplicate two-level imports', () => {
  it('a core module importing one module and field name twice is refused where the name is', async () => {
    const text = '(component (core module $m (import "env" "log" (func (param i32))) (import "env" "log" (func (param i32)))))';
    const e = await expectRule(text, 'duplicate-name', 'core module', /imports 'env' 'log' twice/);
    // At the second import, inside the module's bytes (past the core module definition's start).
    const c = decodeComponent(await wat(text));
    expect(e.offset).toBeGreaterThan(c.definitions[0].offset);
    await valid('(component (core module $m (import "env" "log" (func (param i32))) (import "env" "warn" (func (param i32))) (import "dbg" "log" (func (param i32)))))');
  });
});

describe('core instantiation: tables, memories and globals match as WebAssembly imports', () => {
  const inst = (imp: string, exp: string) => `(component
    (core module $user (import "lib" "x" ${imp}))
    (core module $lib ${exp})
    (core instance $l (instantiate $lib))
    (core instance (instantiate $user (with "lib" (instance $l)))))`;

  it('a global of another type or mutability (not-subtype)', async () => {
    await expectRule(inst('(global f32)', '(global (export "x") f64 (f64.const 1))'), 'not-subtype', 'core instance', /expected global type f32, found f64/);
    await expectRule(inst('(global (mut i32))', '(global (export "x") i32 (i32.const 1))'), 'not-subtype', 'core instance', /global mutability/);
    await valid(inst('(global (mut i64))', '(global (export "x") (mut i64) (i64.const 7))'));
  });

  it('a table of another element type, or limits outside the import\'s (not-subtype)', async () => {
    await expectRule(inst('(table 1 externref)', '(table (export "x") 1 funcref)'), 'not-subtype', 'core instance', /expected table element type externref, found funcref/);
    await expectRule(inst('(table 3 funcref)', '(table (export "x") 2 funcref)'), 'not-subtype', 'core instance', /table limits \(expected 3, found 2\)/);
    await expectRule(inst('(table 1 4 funcref)', '(table (export "x") 1 funcref)'), 'not-subtype', 'core instance', /table limits/);
    await expectRule(inst('(table 1 4 funcref)', '(table (export "x") 1 5 funcref)'), 'not-subtype', 'core instance', /table limits \(expected 1 4, found 1 5\)/);
    // A larger minimum and a smaller maximum than imported are fine.
    await valid(inst('(table 1 4 funcref)', '(table (export "x") 2 3 funcref)'));
  });

  it('a memory of other sharedness or limits (not-subtype)', async () => {
    await expectRule(inst('(memory 1 2 shared)', '(memory (export "x") 1 2)'), 'not-subtype', 'core instance', /shared flag/);
    await expectRule(inst('(memory 2)', '(memory (export "x") 1)'), 'not-subtype', 'core instance', /memory limits \(expected 2, found 1\)/);
    await valid(inst('(memory 1)', '(memory (export "x") 3)'));
  });

  it('a memory or global through a bag of core exports keeps its type (not-subtype)', async () => {
    const bag = (imp: string, item: string) => `(component
      (core module $user (import "lib" "x" ${imp}))
      (core module $lib (memory (export "mem") 2 2) (global (export "g") (mut f32) (f32.const 0)))
      (core instance $l (instantiate $lib))
      (alias core export $l "mem" (core memory $mem))
      (alias core export $l "g" (core global $g))
      (core instance $bag (export "x" ${item}))
      (core instance (instantiate $user (with "lib" (instance $bag)))))`;
    await expectRule(bag('(memory 3)', '(memory $mem)'), 'not-subtype', 'core instance', /memory limits \(expected 3, found 2 2\)/);
    await expectRule(bag('(global f32)', '(global $g)'), 'not-subtype', 'core instance', /global mutability/);
    await valid(bag('(memory 1 2)', '(memory $mem)'));
    await valid(bag('(global (mut f32))', '(global $g)'));
  });

  it('a function of another type through a bag of core exports (core-func-type)', async () => {
    await expectRule(`(component
      (core module $user (import "lib" "f" (func (param i32))))
      (core module $lib (func (export "g") (param i64)))
      (core instance $l (instantiate $lib))
      (core instance (instantiate $user (with "lib" (instance (export "f" (func $l "g")))))))`, 'core-func-type', 'core instance', /\(i32\) -> \(\), but it is \(i64\) -> \(\)/);
  });
});

describe('core module subtyping (a module passed to a component importing a module type)', () => {
  const pass = (mod: string, want: string) => `(component
    (core module $m ${mod})
    (component $c (import "m" (core module ${want})))
    (instance (instantiate $c (with "m" (core module $m)))))`;

  it('an import of another kind or type (imports are contravariant) (not-subtype)', async () => {
    await expectRule(pass('(import "env" "v" (table 1 funcref))', '(import "env" "v" (memory 1))'), 'not-subtype', 'instance', /core import 'env' 'v': a memory where a table is expected/);
    await expectRule(pass('(import "env" "m" (memory 1))', '(import "env" "m" (memory 0))'), 'not-subtype', 'instance', /memory limits/);
    // The expected type may import with larger limits than the module needs.
    await valid(pass('(import "env" "m" (memory 1))', '(import "env" "m" (memory 4))'));
  });

  it('an export of another type (exports are covariant) (not-subtype)', async () => {
    await expectRule(pass('(global (export "g") i32 (i32.const 0))', '(export "g" (global i64))'), 'not-subtype', 'instance', /core export 'g': expected global type i64, found i32/);
    await expectRule(pass('(table (export "t") 1 funcref)', '(export "t" (table 2 funcref))'), 'not-subtype', 'instance', /table limits/);
    await valid(pass('(table (export "t") 3 funcref) (global (export "g") i32 (i32.const 0))', '(export "t" (table 2 funcref)) (export "g" (global i32))'));
  });
});

describe('outer aliases of types that refer to resources', () => {
  it('from a type declarator inside a nested component: the alias crosses that component\'s boundary (type-mismatch)', async () => {
    await expectRule(`(component
      (type $r (resource (rep i32)))
      (type $own (own $r))
      (component (type (instance (alias outer 2 $own (type $o)) (export "f" (func (result $o)))))))`, 'type-mismatch', 'type', /across a component boundary, and it refers to a resource/);
    // A type declarator directly in the defining component may alias it; so may a nested component alias a type without resources.
    await valid(`(component
      (type $r (resource (rep i32)))
      (type $own (own $r))
      (type $plain (list u8))
      (type (instance (alias outer 1 $own (type $o))))
      (component (type (instance (alias outer 2 $plain (type $p)) (export "f" (func (result $p)))))))`);
  });
});

describe('resources of instance types are fresh per import and export', () => {
  const TYPE = `(type $T (instance
      (export "res" (type $res (sub resource)))
      (export "make" (func (result (own $res))))))`;
  const CHILD = `(component $C
      (import "res" (type $res (sub resource)))
      (import "make" (func (result (own $res)))))`;

  it('two imports of one instance type have distinct resources (not-subtype)', async () => {
    await expectRule(`(component ${TYPE}
      (import "a" (instance $a (type $T)))
      (import "b" (instance $b (type $T)))
      ${CHILD}
      (instance (instantiate $C (with "res" (type $a "res")) (with "make" (func $b "make")))))`, 'not-subtype', 'instance', /the argument 'make'.*result has another type/);
    await valid(`(component ${TYPE}
      (import "a" (instance $a (type $T)))
      (import "b" (instance $b (type $T)))
      ${CHILD}
      (instance (instantiate $C (with "res" (type $a "res")) (with "make" (func $a "make"))))
      (instance (instantiate $C (with "res" (type $b "res")) (with "make" (func $b "make")))))`);
  });

  it('two instance-typed exports of one instance type in an imported instance have distinct resources (not-subtype)', async () => {
    const text = (second: string) => `(component
      (import "outer" (instance $o
        (type $T (instance (export "res" (type (sub resource)))))
        (export "p" (instance (type $T)))
        (export "q" (instance (type $T)))))
      (component $same
        (import "x" (type $x (sub resource)))
        (import "y" (type (eq $x))))
      (instance (instantiate $same (with "x" (type $o "p" "res")) (with "y" (type $o ${second} "res")))))`;
    await expectRule(text('"q"'), 'not-subtype', 'instance', /the argument 'y'.*is not resource/);
    await valid(text('"p"'));
  });

  it('a resource export ascribed (sub resource) is a new resource type (not-subtype where they must be equal)', async () => {
    const text = (ascribe: string) => `(component
      (component $D
        (type $r (resource (rep i32)))
        (export "one" (type $r))
        (export "two" (type $r) ${ascribe}))
      (instance $d (instantiate $D))
      (component $same
        (import "x" (type $x (sub resource)))
        (import "y" (type (eq $x))))
      (instance (instantiate $same (with "x" (type $d "one")) (with "y" (type $d "two")))))`;
    await expectRule(text('(type (sub resource))'), 'not-subtype', 'instance', /the argument 'y'/);
    // Without the ascription both exports are the same resource.
    await valid(text(''));
  });
});

describe('the core module reader reads past GC types', () => {
  const mod = (lifted: string) => `(component
    (core module $m
      (type $pair (struct (field i32) (field (mut i64))))
      (rec (type $node (struct (field (ref null $node)))) (type $list (array (ref null $node))))
      (type $ft (func (param i32) (result i32)))
      (func (export "f") (type $ft) local.get 0))
    (core instance $i (instantiate $m))
    (func (export "f") ${lifted} (canon lift (core func $i "f"))))`;

  it('a lifted function after struct, array and rec-group types has its core type known (core-func-type)', async () => {
    await expectRule(mod('(param "x" u64) (result u32)'), 'core-func-type', 'canon', /the lifted core function is \(i32\) -> \(i32\), but the function type flattens to \(i64\) -> \(i32\)/);
    await valid(mod('(param "x" u32) (result u32)'));
  });
});

describe('the core module reader keeps its place past what it does not compare', () => {
  it('a memory with a custom page size is read whole: the import after it keeps its type (core-func-type)', async () => {
    const text = (param: string) => `(component
      (core module $lib (memory (export "m") 1 (pagesize 1)) (func (export "f") (param ${param})))
      (core instance $l (instantiate $lib))
      (core module $user (import "env" "m" (memory 1 (pagesize 1))) (import "env" "f" (func (param i32))))
      (core instance (instantiate $user (with "env" (instance $l)))))`;
    await expectRule(text('f32'), 'core-func-type', 'core instance', /imports 'env' 'f' as \(i32\) -> \(\), but it is \(f32\) -> \(\)/);
    await valid(text('i32'));
  });
});

describe('a core module the engine cannot compile for lack of multi-memory', () => {
  const TWO = '(core module $two (import "env" "m" (memory 1)) (memory (export "own") 1))';
  let multiMemory = true;
  it('loads and instantiates when the module is only passed around; instantiating it needs the engine feature', async () => {
    // Which engine is this? (Node 20's V8 refuses a second memory.)
    const probe = await wat(`(component ${TWO})`);
    const c = decodeComponent(probe);
    const def = c.definitions[0] as Extract<(typeof c.definitions)[number], { tag: 'core module' }>;
    try {
      new WebAssembly.Module(def.bytes as Uint8Array<ArrayBuffer>);
    } catch {
      multiMemory = false;
    }
    const passed = loadComponent(await wat(`(component ${TWO}
      (component $c (import "m" (core module (import "env" "m" (memory 1)) (export "own" (memory 1)))))
      (instance (instantiate $c (with "m" (core module $two)))))`));
    expect(() => passed.instantiate({})).not.toThrow();
    const used = loadComponent(await wat(`(component
      (core module $mem (memory (export "m") 1))
      (core instance $mi (instantiate $mem))
      ${TWO}
      (core instance (instantiate $two (with "env" (instance $mi)))))`));
    if (multiMemory) expect(() => used.instantiate({})).not.toThrow();
    else expect(() => used.instantiate({})).toThrow(expect.objectContaining({ rule: 'core-module-invalid' }));
  });
});

describe('a helper sanity check', () => {
  it('rejected() fails on a valid component', async () => {
    await expect(rejected('(component)')).rejects.toThrow('the component validated');
  });
});
