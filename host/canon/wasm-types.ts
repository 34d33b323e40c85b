/**
 * The function types of a core module's imports and exports, read from its
 * binary. Node 20's `WebAssembly.Module.imports()` / `.exports()` give names
 * and kinds only (type reflection is behind a flag), so the linker reads the
 * type, import, function and export sections itself to check every
 * canonical built-in's signature at link time.
 *
 * A `WebAssembly.Module` does not keep its bytes: modules compiled with
 * `compileModule` (or instantiated from bytes through `Store.instantiate`)
 * are remembered here; for any other module the types are unknown and
 * `moduleTypes` returns undefined.
 */

/** A core value type as the text format writes it (`i32`, `f64`, `funcref`, `(ref null 3)`...). */
export type ValType = string;

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export type ExternKind = 'function' | 'table' | 'memory' | 'global' | 'tag';

export interface ImportType {
  module: string;
  name: string;
  kind: ExternKind;
  /** For a function (or tag) import. */
  type?: FuncType;
}

export interface ExportType {
  name: string;
  kind: ExternKind;
  /** For a function export. */
  type?: FuncType;
}

export interface ModuleTypes {
  imports: ImportType[];
  exports: ExportType[];
}

/** The binary could not be read (it is not a well-formed core module). */
export class WasmFormatError extends Error {
  override name = 'WasmFormatError';
}

const KINDS: readonly ExternKind[] = ['function', 'table', 'memory', 'global', 'tag'];

const SIMPLE_TYPES: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128',
  0x70: 'funcref', 0x6f: 'externref', 0x6e: 'anyref', 0x6d: 'eqref', 0x6c: 'i31ref',
  0x6b: 'structref', 0x6a: 'arrayref', 0x69: 'exnref', 0x71: 'nullref', 0x72: 'nullexternref',
  0x73: 'nullfuncref', 0x74: 'nullexnref',
};

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array, readonly end = bytes.length) {}

  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError(`unexpected end of the binary at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  /** An unsigned LEB128 (up to 64 bits; returned as a number, exact below 2^53). */
  u(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new WasmFormatError(`LEB128 number too long at byte ${this.pos}`);
  }

  /** A signed LEB128 (s33 heap types). */
  s(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - scale : result;
    }
    throw new WasmFormatError(`LEB128 number too long at byte ${this.pos}`);
  }

  name(): string {
    const n = this.u();
    if (this.pos + n > this.end) throw new WasmFormatError(`name runs past the end of its section at byte ${this.pos}`);
    const s = new TextDecoder('utf-8', { fatal: false }).decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  valType(): ValType {
    const b = this.byte();
    if (b === 0x63 || b === 0x64) {
      const ht = this.heapType();
      return b === 0x63 ? `(ref null ${ht})` : `(ref ${ht})`;
    }
    const t = SIMPLE_TYPES[b];
    if (t === undefined) throw new WasmFormatError(`unknown value type 0x${b.toString(16)} at byte ${this.pos - 1}`);
    return t;
  }

  private heapType(): string {
    const first = this.bytes[this.pos];
    if (first !== undefined && first >= 0x40 && first < 0x80) {
      // A one-byte abstract heap type (negative s33).
      this.pos++;
      return (SIMPLE_TYPES[first] ?? `0x${first.toString(16)}`).replace(/ref$/, '');
    }
    return String(this.s());
  }

  limits(): void {
    const flags = this.byte();
    this.u();
    if (flags & 1) this.u();
    if (flags & 8) this.u();
  }
}

/** One entry of the type index space: a function type, or undefined for a struct/array type. */
function readTypeSection(r: Reader): (FuncType | undefined)[] {
  const types: (FuncType | undefined)[] = [];
  const comp = (): FuncType | undefined => {
    const form = r.byte();
    if (form === 0x60) {
      const params = Array.from({ length: r.u() }, () => r.valType());
      const results = Array.from({ length: r.u() }, () => r.valType());
      return { params, results };
    }
    if (form === 0x5f || form === 0x5e) {
      const n = form === 0x5f ? r.u() : 1;
      for (let i = 0; i < n; i++) {
        const st = r.bytes[r.pos];
        if (st === 0x78 || st === 0x77) r.pos++;
        else r.valType();
        r.byte();
      }
      return undefined;
    }
    throw new WasmFormatError(`unknown type form 0x${form.toString(16)}`);
  };
  const sub = (): FuncType | undefined => {
    const b = r.bytes[r.pos];
    if (b === 0x50 || b === 0x4f) {
      r.pos++;
      const n = r.u();
      for (let i = 0; i < n; i++) r.u();
    }
    return comp();
  };
  const count = r.u();
  for (let i = 0; i < count; i++) {
    if (r.bytes[r.pos] === 0x4e) {
      r.pos++;
      const n = r.u();
      for (let k = 0; k < n; k++) types.push(sub());
    } else types.push(sub());
  }
  return types;
}

/** Reads the function types of a core module's imports and exports. Throws WasmFormatError. */
export function readModuleTypes(bytes: Uint8Array): ModuleTypes {
  const r = new Reader(bytes);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmFormatError('not a WebAssembly binary (no \\0asm header)');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw new WasmFormatError('not a core module (version 1)');
  r.pos = 8;
  let types: (FuncType | undefined)[] = [];
  const imports: ImportType[] = [];
  const funcTypes: (FuncType | undefined)[] = [];
  const exports: ExportType[] = [];
  const typeAt = (i: number): FuncType | undefined => {
    if (i >= types.length) throw new WasmFormatError(`type index ${i} out of range`);
    return types[i];
  };
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u();
    const end = r.pos + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} runs past the end of the binary`);
    const s = new Reader(bytes, end);
    s.pos = r.pos;
    switch (id) {
      case 1:
        types = readTypeSection(s);
        break;
      case 2: {
        const n = s.u();
        for (let i = 0; i < n; i++) {
          const module = s.name();
          const name = s.name();
          const kind = s.byte();
          if (kind === 0) {
            const type = typeAt(s.u());
            funcTypes.push(type);
            imports.push({ module, name, kind: 'function', type });
          } else if (kind === 1) {
            s.valType();
            s.limits();
            imports.push({ module, name, kind: 'table' });
          } else if (kind === 2) {
            s.limits();
            imports.push({ module, name, kind: 'memory' });
          } else if (kind === 3) {
            s.valType();
            s.byte();
            imports.push({ module, name, kind: 'global' });
          } else if (kind === 4) {
            s.byte();
            imports.push({ module, name, kind: 'tag', type: typeAt(s.u()) });
          } else throw new WasmFormatError(`unknown import kind ${kind}`);
        }
        break;
      }
      case 3: {
        const n = s.u();
        for (let i = 0; i < n; i++) funcTypes.push(typeAt(s.u()));
        break;
      }
      case 7: {
        const n = s.u();
        for (let i = 0; i < n; i++) {
          const name = s.name();
          const k = s.byte();
          const index = s.u();
          const kind = KINDS[k];
          if (kind === undefined) throw new WasmFormatError(`unknown export kind ${k}`);
          exports.push(kind === 'function' ? { name, kind, type: funcTypes[index] } : { name, kind });
        }
        // Nothing after the export section is needed.
        return { imports, exports };
      }
    }
    r.pos = end;
  }
  return { imports, exports };
}

/** `(func (param i32 i32) (result i32))`: a function type as the text format writes it. */
export function formatFuncType(t: FuncType): string {
  const parts = ['func'];
  if (t.params.length > 0) parts.push(`(param ${t.params.join(' ')})`);
  if (t.results.length > 0) parts.push(`(result ${t.results.join(' ')})`);
  return `(${parts.join(' ')})`;
}

export const sameFuncType = (a: FuncType, b: FuncType): boolean =>
  a.params.length === b.params.length && a.results.length === b.results.length &&
  a.params.every((p, i) => p === b.params[i]) && a.results.every((p, i) => p === b.results[i]);

const known = new WeakMap<WebAssembly.Module, ModuleTypes | Uint8Array>();

/** Compiles `bytes` and remembers them, so the linker can check the module's built-in signatures. */
export function compileModule(bytes: BufferSource): WebAssembly.Module {
  const m = new WebAssembly.Module(bytes);
  rememberBytes(m, bytes);
  return m;
}

/** Remembers the bytes a module was compiled from (a copy; read lazily). */
export function rememberBytes(m: WebAssembly.Module, bytes: BufferSource): void {
  const view = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes as ArrayBuffer);
  known.set(m, view.slice());
}

/** The import and export types of `m`, when its bytes are known (see `compileModule`). */
export function moduleTypes(m: WebAssembly.Module): ModuleTypes | undefined {
  const k = known.get(m);
  if (k === undefined) return undefined;
  if (!(k instanceof Uint8Array)) return k;
  const t = readModuleTypes(k);
  known.set(m, t);
  return t;
}
