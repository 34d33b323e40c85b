/**
 * The rule that the types of an import or export are named: a record,
 * variant, enum, flags or resource that an import or export uses must be
 * introduced by a preceding import or export (an import only by imports).
 * Each case is checked against our validator (`type-not-named`) and against
 * wasmparser (jco's `componentWit` validates the component before it
 * decodes its WIT, and reports a validation error with its offset), so the
 * two must agree on every component here.
 */
import { componentWit } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { ComponentError } from '../host/component/binary/reader.js';
import { loadComponent } from '../host/component/api.js';
import { wat } from './component-bytes.js';

/** A component whose core function `f` takes `core` params, lifted as `func` (options memory + realloc), around `decls`. */
function lifted(decls: string, func: string, core: string, after = ''): string {
  return `(component
  (core module $m
    (memory (export "mem") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0))
    (func (export "f") ${core}))
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  ${decls}
  (func $f ${func} (canon lift (core func $i "f") (memory $mem) (realloc $realloc)))
  ${after || '(export "f" (func $f))'})`;
}

async function ours(text: string): Promise<ComponentError | undefined> {
  try {
    loadComponent(await wat(text));
    return undefined;
  } catch (e) {
    if (e instanceof ComponentError) return e;
    throw e;
  }
}

async function wasmparser(text: string): Promise<string | undefined> {
  try {
    await componentWit(await wat(text));
    return undefined;
  } catch (e) {
    return String((e as Error).message ?? e);
  }
}

const INVALID: [string, string, RegExp][] = [
  ['an exported func returning a local record', lifted('(type $r (record (field "x" u32)))', '(param "x" $r)', '(param i32)'), /export 'f' \(func\) uses a record \{ x \}/],
  ['an enum parameter', lifted('(type $e (enum "a" "b"))', '(param "e" $e)', '(param i32)'), /uses an enum \{ a, b \}/],
  ['flags inside option<list<…>> (structural types are looked through)', lifted('(type $g (flags "r" "w"))', '(param "x" (option (list $g)))', '(param i32 i32 i32)'), /uses a flags \{ r, w \}/],
  ['the index given to the export, not the one it introduces', lifted('(type $r (record (field "x" u32))) (export "r" (type $r))', '(param "x" $r)', '(param i32)'), /uses a record \{ x \}/],
  ['a type export whose record field is an unexported record', '(component (type $a (record (field "x" u32))) (type $b (record (field "a" $a))) (export "b" (type $b)))', /export 'b' \(type\) uses a record \{ x \}/],
  ['a local resource in an exported func', lifted('(type $res (resource (rep i32)))', '(param "r" (own $res))', '(param i32)'), /uses the resource/],
  ['an import using a local record', '(component (type $r (record (field "x" u32))) (import "f" (func (param "x" $r))))', /import 'f' \(func\) uses a record \{ x \}, which no preceding import names/],
  ['an import using an exported type (imports cannot depend on exports)', '(component (type $r (record (field "x" u32))) (export $e "r" (type $r)) (import "f" (func (param "x" $e))))', /import 'f'/],
  ['a local resource exported, the func using the index given to the export', lifted('(type $res (resource (rep i32))) (export $rn "r" (type $res))', '(param "r" (own $res))', '(param i32)'), /export 'f' \(func\) uses the resource/],
  ['an instance re-exported from a child whose func uses a record the parent does not export', `(component
    (component $inner
      (core module $cm (func (export "g") (result i32) (i32.const 0)))
      (core instance $ci (instantiate $cm))
      (type $color (enum "red" "blue"))
      (export $c "color" (type $color))
      (func $g (result $c) (canon lift (core func $ci "g")))
      (instance $api (export "get" (func $g)))
      (export "api" (instance $api)))
    (instance $x (instantiate $inner))
    (export "api" (instance $x "api")))`, /export 'api' \(instance\) uses an enum \{ red, blue \}/],
  ['an imported instance whose func uses a type the instance does not export', '(component (import "i" (instance (type $r (record (field "x" u32))) (export "f" (func (param "x" $r))))))', /import 'i' \(instance\) uses a record \{ x \} \(in its export 'f'\)/],
];

const VALID: [string, string][] = [
  ['the record exported first, the func using the new index', lifted('(type $r (record (field "x" u32))) (export $rn "r" (type $r))', '(param "x" $rn)', '(param i32)')],
  ['the record from an imported instance', lifted('(import "t" (instance $t (type $r (record (field "x" u32))) (export "r" (type (eq $r))))) (alias export $t "r" (type $r))', '(param "x" $r)', '(param i32)')],
  ['only primitive and structural types', lifted('', '(param "x" (list (tuple u8 string))) (param "y" (result u32 (error string)))', '(param i32 i32 i32 i32 i32)')],
  ['a resource exported, the func using the new index', lifted('(type $res (resource (rep i32))) (export $rn "r" (type $res))', '(param "r" (own $rn))', '(param i32)')],
  ['a record named through an exported instance of a nested component', lifted(
    '(component $types (type $p (record (field "x" s32))) (export "p" (type $p))) (instance $ti (instantiate $types)) (export $te "local:t/types" (instance $ti)) (alias export $te "p" (type $p))',
    '(param "p" $p)', '(param i32)')],
  ['a resource imported (eq) under a second name, the func using either index', '(component (import "r" (type $r (sub resource))) (import "r2" (type $r2 (eq $r))) (import "f" (func (param "x" (own $r2)) (param "y" (borrow $r)))))'],
  ['a child instantiated with an imported record, its record built on it re-exported', `(component
    (type $pt (record (field "x" s32) (field "y" s32)))
    (import "pt" (type $pt2 (eq $pt)))
    (component $shapes
      (type $pt (record (field "x" s32) (field "y" s32)))
      (import "pt" (type $p (eq $pt)))
      (type $seg (record (field "from" $p) (field "to" $p)))
      (export "seg" (type $seg)))
    (instance $s (instantiate $shapes (with "pt" (type $pt2))))
    (export "seg" (type $s "seg")))`],
  ['an import using an imported type', '(component (import "r" (type $r (sub resource))) (import "f" (func (param "x" (own $r)))))'],
];

describe('type-not-named: an import or export uses only named types (as wasmparser)', () => {
  for (const [what, text, detail] of INVALID) {
    it(`refuses ${what}`, async () => {
      const e = await ours(text);
      expect(e, 'our validator accepted it').toBeInstanceOf(ComponentError);
      expect(e!.rule).toBe('type-not-named');
      expect(e!.message).toMatch(detail);
      expect(await wasmparser(text)).toMatch(/not valid to be used as (export|import)/);
    });
  }
  for (const [what, text] of VALID) {
    it(`accepts ${what}`, async () => {
      expect(await ours(text)).toBeUndefined();
      // wasmparser validates it (WIT decoding may then refuse what WIT cannot say, such as a top-level type export)
      expect((await wasmparser(text)) ?? '').not.toMatch(/not valid to be used as|at offset/);
    });
  }
});

describe('type-not-named: components wit-component makes load', () => {
  it('an exported interface using the records and enums of an imported one (the shim re-exports them)', async () => {
    const { componentEmbed, componentNew } = await import('@bytecodealliance/jco');
    const witSource = `package test:named;
interface types {
  record point { x: s32, y: f64 }
  record person { name: string, home: option<point> }
  enum color { red, green }
}
interface api {
  use types.{point, person, color};
  echo-person: func(p: person) -> person;
  paint: func(c: color, at: list<point>) -> color;
}
interface host {
  use types.{point};
  notify: func(p: point);
}
world w { import host; export api; }`;
    const bytes = await componentNew(await componentEmbed({ dummy: true, witSource, world: 'w' }));
    // wasmparser (jco's componentWit) accepts it...
    expect(() => componentWit(bytes)).not.toThrow();
    // ...and so does this validator: the export's record is the shim's re-export of the imported one.
    const c = loadComponent(bytes);
    expect(c.exports.map((e) => e.name)).toEqual(['test:named/api']);
  });
});
