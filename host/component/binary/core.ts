/**
 * Just enough of a core WebAssembly module reader to know a core module's
 * imports and exports with their kinds, and the core function type of every
 * imported and exported function (the type, import, function and export
 * sections; everything else is skipped by size). WebAssembly itself validates
 * the module at instantiation; this is for checking `canon` definitions
 * (callee, realloc, callback, post-return, destructor types) before that.
 */
import type { CoreExportDecl, CoreExternKind, CoreFuncType, CoreImportDecl, CoreValType, ModuleType } from '../types.js';
import { hex, Reader } from './reader.js';

const KINDS: CoreExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];

function valType(r: Reader): CoreValType | 'other' {
  const at = r.offset;
  const b = r.byte('a core value type');
  switch (b) {
    case 0x7f: return 'i32';
    case 0x7e: return 'i64';
    case 0x7d: return 'f32';
    case 0x7c: return 'f64';
    case 0x7b: return 'other';
    case 0x63:
    case 0x64: r.s(33, 'a heap type'); return 'other';
  }
  if (b >= 0x69 && b <= 0x76) return 'other';
  r.fail('core-module-invalid', `core value type 0x${hex(b)}`, at);
}

function limits(r: Reader): void {
  const flags = r.byte('limits flags');
  const read = () => (flags & 4 ? r.u64('a limit') : r.u32('a limit'));
  read();
  if (flags & 1) read();
}

/**
 * Read a core module's interface. `base` is its offset in the outermost
 * component binary (for errors). Throws `ComponentError` with rule
 * `core-module-invalid` when the sections it reads are malformed.
 */
export function readModuleType(bytes: Uint8Array, base: number): ModuleType {
  const r = new Reader(bytes, 8, bytes.length, base);
  r.section = 'core module';
  const types: (CoreFuncType | undefined)[] = [];
  const funcs: (CoreFuncType | undefined)[] = [];
  const imports: CoreImportDecl[] = [];
  const exports: CoreExportDecl[] = [];
  let gc = false;
  while (!r.done) {
    const id = r.byte('a core section id');
    const size = r.u32('a core section size');
    const s = r.sub(size, 'a core section');
    ((rr: Reader) => {
      switch (id) {
        case 1: {
          const n = rr.vecLen('core types');
          for (let i = 0; i < n; i++) {
            const form = rr.byte('a core type form');
            if (form === 0x60) {
              const params = rr.vec('params', () => valType(rr));
              const results = rr.vec('results', () => valType(rr));
              types.push(params.includes('other') || results.includes('other') ? undefined : { params: params as CoreValType[], results: results as CoreValType[] });
            } else {
              // GC types: not needed for canon checks; stop reading types precisely.
              gc = true;
              rr.pos = rr.end;
              return;
            }
          }
          break;
        }
        case 2: {
          const n = rr.vecLen('core imports');
          for (let i = 0; i < n; i++) {
            const module = rr.name('an import module');
            const field = rr.name('an import field');
            const at = rr.offset;
            const k = rr.byte('an import kind');
            const kind = KINDS[k];
            if (!kind) rr.fail('core-module-invalid', `import kind 0x${hex(k)}`, at);
            let t: CoreFuncType | undefined;
            if (kind === 'func') {
              const ti = rr.u32('an import type');
              t = types[ti];
              funcs.push(t);
            } else if (kind === 'table') {
              valType(rr);
              limits(rr);
            } else if (kind === 'memory') limits(rr);
            else if (kind === 'global') {
              valType(rr);
              rr.byte('global mutability');
            } else {
              rr.byte('tag attribute');
              rr.u32('a tag type');
            }
            imports.push({ module, field, kind, t });
          }
          break;
        }
        case 3: {
          const n = rr.vecLen('core functions');
          for (let i = 0; i < n; i++) {
            const at = rr.offset;
            const ti = rr.u32('a function type');
            if (ti >= types.length && !gc) rr.fail('core-module-invalid', `function type index ${ti} of ${types.length}`, at);
            funcs.push(types[ti]);
          }
          break;
        }
        case 7: {
          const n = rr.vecLen('core exports');
          for (let i = 0; i < n; i++) {
            const name = rr.name('an export name');
            const at = rr.offset;
            const k = rr.byte('an export kind');
            const kind = KINDS[k];
            if (!kind) rr.fail('core-module-invalid', `export kind 0x${hex(k)}`, at);
            const idx = rr.u32('an export index');
            exports.push({ name, kind, t: kind === 'func' ? funcs[idx] : undefined });
          }
          break;
        }
        default:
          rr.pos = rr.end;
      }
    })(s);
  }
  return { kind: 'module', imports, exports };
}
