import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeComponent } from '../host/component/binary/decode.js';
import { ComponentError, type ComponentRule } from '../host/component/binary/reader.js';
import { loadComponentBinary } from '../host/component/validate.js';
import { bytes, component, CORE_PREAMBLE, leb, PREAMBLE, section, str, wat } from './component-bytes.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function decodeError(b: Uint8Array): ComponentError {
  try {
    decodeComponent(b);
  } catch (e) {
    if (e instanceof ComponentError) return e;
    throw new Error(`not a ComponentError: ${String(e)}`);
  }
  throw new Error('decoded without error');
}

const funcType = section(7, [1, 0x40, 0, 0x01, 0x00]); // (type (func)) at bytes 8..14
const importF = section(10, [1, 0x00, ...str('f'), 0x01, 0]); // (import "f" (func (type 0))) at 15..22
const coreModule = section(1, CORE_PREAMBLE); // an empty core module at 8..17
const setNew = section(8, [1, 0x1f]); // (core func (canon waitable-set.new)) at 8..11

/** [what, bytes, rule, offset, section] */
const cases: [string, Uint8Array, ComponentRule, number, string][] = [
  ['empty input', bytes([]), 'unexpected-end', 0, 'preamble'],
  ['3 bytes', bytes([0x00, 0x61, 0x73]), 'unexpected-end', 0, 'preamble'],
  ['bad magic', bytes([1, 2, 3, 4, 0x0d, 0, 1, 0]), 'magic', 0, 'preamble'],
  ['a core module', bytes(CORE_PREAMBLE), 'core-module-not-component', 4, 'preamble'],
  ['version 0x0c', bytes([0x00, 0x61, 0x73, 0x6d, 0x0c, 0, 1, 0]), 'version', 4, 'preamble'],
  ['layer 2', bytes([0x00, 0x61, 0x73, 0x6d, 0x0d, 0, 2, 0]), 'layer', 6, 'preamble'],
  ['section id 13', component([13, 0]), 'section-id', 8, 'preamble'],
  ['section id 0xff', component([0xff, 0]), 'section-id', 8, 'preamble'],
  ['trailing byte after the last section', component(section(7, [0]), [0x0d]), 'section-id', 11, 'preamble'],
  ['section size past the end', component([7, 5, 0]), 'section-size', 9, 'type'],
  ['section size LEB of 6 bytes', component([7, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), 'leb-too-long', 9, 'type'],
  ['section size LEB overflowing u32', component([7, 0xff, 0xff, 0xff, 0xff, 0x7f]), 'leb-overflow', 9, 'type'],
  ['a type section with a byte left over', component(section(7, [1, 0x7f, 0x00])), 'section-trailing-bytes', 12, 'type'],
  ['type opcode 0x50', component(section(7, [1, 0x50])), 'bad-opcode', 11, 'type'],
  ['a record with no fields', component(section(7, [1, 0x72, 0])), 'empty-type', 11, 'type'],
  ['flags with 33 labels', component(section(7, [1, 0x6e, 33, ...Array.from({ length: 33 }, (_, i) => str(`f${i}`)).flat()])), 'too-many-flags', 11, 'type'],
  ['an enum with labels equal up to case', component(section(7, [1, 0x6d, 2, ...str('a'), ...str('A')])), 'duplicate-name', 11, 'type'],
  ['a label with an underscore', component(section(7, [1, 0x6d, 1, ...str('a_b')])), 'bad-label', 13, 'type'],
  ['an empty label', component(section(7, [1, 0x6d, 1, ...str('')])), 'empty-label', 13, 'type'],
  ['an import name that is not UTF-8', component(section(10, [1, 0x00, 2, 0xff, 0xfe, 0x01, 0x00])), 'utf8', 13, 'import'],
  ['list of type 5 with no types', component(section(7, [1, 0x70, 5])), 'index-out-of-range', 12, 'type'],
  ['own of a type that does not exist', component(section(7, [1, 0x69, 0])), 'index-out-of-range', 12, 'type'],
  ['canon lift of core func 0 with no core funcs', component(section(8, [1, 0x00, 0x00, 0x00, 0x00, 0x00])), 'index-out-of-range', 13, 'canon'],
  ['a core export alias of a component func', component(section(6, [1, 0x01, 0x01, 0x00, ...str('f')])), 'wrong-sort', 11, 'alias'],
  ['an outer alias past the top scope', component(section(6, [1, 0x03, 0x02, 1, 0])), 'outer-alias-depth', 13, 'alias'],
  ['an outer alias of a func', component(section(6, [1, 0x01, 0x02, 0, 0])), 'wrong-sort', 11, 'alias'],
  ['a core instantiate argument of sort func', component(coreModule, section(2, [1, 0x00, 0, 1, ...str('x'), 0x00, 0])), 'wrong-sort', 26, 'core instance'],
  ['an export of a core func', component(setNew, section(11, [1, 0x00, ...str('e'), 0x00, 0x00, 0, 0x00])), 'wrong-sort', 18, 'export'],
  ['sort byte 0x06', component(section(6, [1, 0x06, 0x00, 0, 0])), 'bad-sort', 11, 'alias'],
  ['core sort byte 0x05', component(section(6, [1, 0x00, 0x05, 0x01, 0, 0])), 'bad-sort', 12, 'alias'],
  ['canon opcode 0x7f', component(section(8, [1, 0x7f])), 'bad-opcode', 11, 'canon'],
  ['async given twice', component(funcType, importF, section(8, [1, 0x01, 0x00, 0, 2, 0x06, 0x06])), 'canonopt-duplicate', 31, 'canon'],
  ['canon option 0x08', component(funcType, importF, section(8, [1, 0x01, 0x00, 0, 1, 0x08])), 'bad-opcode', 30, 'canon'],
  ['a result presence byte of 2', component(section(7, [1, 0x6a, 0x02])), 'bad-option-flag', 12, 'type'],
  ['a vector count of 2^32-1', component(section(7, [0xff, 0xff, 0xff, 0xff, 0x0f])), 'vec-too-long', 10, 'type'],
  ['a nested component cut inside its preamble', component(section(4, [0x00, 0x61])), 'unexpected-end', 10, 'preamble'],
  ['a nested core module given as a component', component(section(4, CORE_PREAMBLE)), 'core-module-not-component', 14, 'preamble'],
  ['a core module section that is not wasm', component(section(1, [1, 2, 3, 4, 5, 6, 7, 8])), 'core-module-invalid', 10, 'core module'],
  ['context.get slot 2', component(section(8, [1, 0x0a, 0x7f, 2])), 'index-out-of-range', 13, 'canon'],
  ['context.get of i64', component(section(8, [1, 0x0a, 0x7e, 0])), 'type-mismatch', 12, 'canon'],
  ['subtask.cancel with flag byte 2', component(section(8, [1, 0x06, 2])), 'bad-option-flag', 12, 'canon'],
  ['an import name kind 0x03', component(section(10, [1, 0x03, ...str('f'), 0x01, 0])), 'bad-opcode', 11, 'import'],
  ['a resource defined inside an instance type', component(section(7, [1, 0x42, 1, 0x01, 0x3f, 0x7f, 0x00])), 'resource-in-type-decl', 14, 'type'],
  ['a type index LEB overflowing u32', component(section(8, [1, 0x02, 0xff, 0xff, 0xff, 0xff, 0x7f])), 'leb-overflow', 12, 'canon'],
  ['a value type byte that is no primitive', component(section(7, [1, 0x70, 0x50])), 'bad-opcode', 12, 'type'],
  ['canon lift with sort byte 0x01', component(section(8, [1, 0x00, 0x01])), 'bad-opcode', 12, 'canon'],
  ['alias target 0x03', component(section(6, [1, 0x01, 0x03, 0, 0])), 'bad-opcode', 12, 'alias'],
  ['a fixed-length list of length 0', component(section(7, [1, 0x67, 0x79, 0])), 'empty-type', 13, 'type'],
  ['core instance expression 0x02', component(section(2, [1, 0x02, 0])), 'bad-opcode', 11, 'core instance'],
  ['an instance of a component that does not exist', component(section(5, [1, 0x00, 0, 0])), 'index-out-of-range', 12, 'instance'],
  ['a func import of a type that does not exist', component(section(10, [1, 0x00, ...str('f'), 0x01, 3])), 'index-out-of-range', 15, 'import'],
  ['a core extern type other than module', component(section(10, [1, 0x00, ...str('m'), 0x00, 0x00, 0])), 'wrong-sort', 15, 'import'],
  ['core type 0x00 not followed by 0x50 (a non-final sub)', component(section(3, [1, 0x00, 0x60, 0, 0])), 'bad-opcode', 12, 'core type'],
  ['a GC struct field of mutability 2', component(section(3, [1, 0x5f, 1, 0x7f, 0x02])), 'bad-opcode', 14, 'core type'],
  ['a rec group type referring past the group', component(section(3, [1, 0x4e, 1, 0x5e, 0x63, 1, 0x00])), 'index-out-of-range', 15, 'core type'],
  ['a sub type whose supertype index is past the space', component(section(3, [1, 0x00, 0x50, 1, 5, 0x5f, 0])), 'index-out-of-range', 14, 'core type'],
  ['a composite type 0x5d in a rec group', component(section(3, [1, 0x4e, 1, 0x5d, 0])), 'bad-opcode', 13, 'core type'],
  ['the 0x00 sub prefix inside a core module type', component(section(3, [1, 0x50, 1, 0x01, 0x00, 0x50, 0, 0x5f, 0])), 'bad-opcode', 14, 'core type'],
  ['an export ascribed a type of another sort', component(funcType, importF, section(11, [1, 0x00, ...str('g'), 0x01, 0, 0x01, 0x05, 0])), 'type-mismatch', 29, 'export'],
  ['a named result list', component(section(7, [1, 0x40, 0, 0x01, 0x01])), 'unsupported', 13, 'type'],
  ['a resource rep of i64', component(section(7, [1, 0x3f, 0x7e, 0x00])), 'type-mismatch', 12, 'type'],
];

describe('component decoder: malformed and hostile binaries are typed ComponentErrors', () => {
  it(`has at least 30 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const [what, b, rule, offset, sectionName] of cases) {
    it(`${what}: ${rule} at byte ${offset}`, () => {
      const e = decodeError(b);
      expect({ rule: e.rule, offset: e.offset, section: e.section }).toEqual({ rule, offset, section: sectionName });
      expect(e.message).toContain(`[${rule}]`);
      expect(e.message).toContain(`byte ${offset}`);
    });
  }

  it('a component nested 300 levels of instance types deep is refused, not a stack overflow', () => {
    let t: number[] = [0x42, 0];
    for (let i = 0; i < 300; i++) t = [0x42, 1, 0x01, ...t];
    const e = decodeError(component(section(7, [1, ...t])));
    expect(e.rule).toBe('unsupported');
    expect(e.detail).toMatch(/nested deeper than 100/);
  });

  it('a truncation at every byte of a small component is a ComponentError, except exactly at section boundaries', async () => {
    for (const b of [
      component(coreModule, section(2, [1, 0x00, 0, 0]), funcType.slice(0), section(8, [2, 0x1f, 0x23]), section(0, [...str('note'), 1, 2, 3])),
      await wat(`(component
        (core module $m (func (export "f") (param i32) (result i32) local.get 0))
        (core instance $i (instantiate $m))
        (type $ft (func (param "x" u32) (result u32)))
        (func $f (type $ft) (canon lift (core func $i "f")))
        (export "f" (func $f))
        (type $t (record (field "a" u8) (field "b" (list string))))
      )`),
    ]) {
      const boundaries = sectionBoundaries(b);
      expect(decodeComponent(b).definitions.length).toBeGreaterThan(0);
      let errors = 0;
      for (let k = 0; k < b.length; k++) {
        const cut = b.subarray(0, k);
        if (boundaries.has(k)) {
          expect(() => decodeComponent(cut)).not.toThrow();
          continue;
        }
        const e = decodeError(cut);
        errors++;
        expect(e.offset).toBeLessThanOrEqual(k);
        expect(['unexpected-end', 'section-size', 'vec-too-long', 'core-module-invalid']).toContain(e.rule);
      }
      // Every cut but the section boundaries below the full length failed.
      expect(errors).toBe(b.length - (boundaries.size - 1));
    }
  });

  it('random byte flips over valid components: always success or a ComponentError (never another exception, never a hang)', async () => {
    const sources = [
      await wat(readFileSync(`${root}test/wat/component-all-canon.wat`, 'utf8')),
      new Uint8Array(readFileSync(`${root}build/component-v2.wasm`)),
    ];
    let seed = 0x9e3779b9;
    const rand = () => {
      seed ^= seed << 13; seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5; seed >>>= 0;
      return seed / 2 ** 32;
    };
    const outcomes = { ok: 0, error: 0 };
    const rules = new Set<string>();
    for (const [si, src] of sources.entries()) {
      const n = si === 0 ? 3000 : 300;
      for (let i = 0; i < n; i++) {
        const b = src.slice();
        const flips = 1 + Math.floor(rand() * 3);
        // Aim at the component structure: outside the core modules' code most of the time.
        for (let f = 0; f < flips; f++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
        try {
          loadComponentBinary(b);
          outcomes.ok++;
        } catch (e) {
          if (!(e instanceof ComponentError)) throw new Error(`flip ${i} of source ${si}: ${String(e)}`);
          // An internal failure is wrapped as `unsupported: ... could not finish`: that would be a bug.
          expect(e.detail).not.toMatch(/could not finish/);
          outcomes.error++;
          rules.add(e.rule);
        }
      }
    }
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.error).toBeGreaterThan(0);
    expect(rules.size).toBeGreaterThan(5);
  });
});

/** Offsets at which a component's section list may end (after the preamble and after each section). */
function sectionBoundaries(b: Uint8Array): Set<number> {
  const out = new Set<number>([8]);
  let p = 8;
  while (p < b.length) {
    p++;
    let size = 0;
    let shift = 0;
    for (;;) {
      const x = b[p++];
      size += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(x & 0x80)) break;
    }
    p += size;
    out.add(p);
  }
  void leb;
  void PREAMBLE;
  return out;
}
