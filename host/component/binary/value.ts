/**
 * Binary.md's value encoding (🪙 "Value Definitions": `val(t)`): the bytes
 * of a value definition decoded by its type into the canonical ABI module's
 * JS values (records with camelCase keys, variants `{ tag, val }`, options a
 * value or undefined, lists of numbers as typed arrays, ...), the same values
 * lifting gives, so a value passes to a start function or out to JS as any
 * lifted value does. Malformed bytes are a `ComponentError` (`bad-value`).
 */
import { toLowerCamelCase } from '../abi/js.js';
import { caseToJs, typedArrayFor } from '../abi/index.js';
import type { ValType } from '../types.js';
import { ComponentError } from './reader.js';

class ValueReader {
  pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly offset: number,
  ) {}

  fail(detail: string): never {
    throw new ComponentError('bad-value', this.offset + this.pos, 'value', detail);
  }

  byte(): number {
    if (this.pos >= this.bytes.length) this.fail('the value ends early');
    return this.bytes[this.pos++]!;
  }

  peek(): number {
    if (this.pos >= this.bytes.length) this.fail('the value ends early');
    return this.bytes[this.pos]!;
  }

  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) this.fail('the value ends early');
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** An unsigned LEB128 of `bits` bits. */
  uleb(bits: number): bigint {
    let r = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (i >= Math.ceil(bits / 7)) this.fail(`a u${bits} LEB128 is too long`);
      const b = this.byte();
      r |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
    }
    if (r >> BigInt(bits) !== 0n) this.fail(`a u${bits} LEB128 is out of range`);
    return r;
  }

  /** A signed LEB128 of `bits` bits. */
  sleb(bits: number): bigint {
    let r = 0n;
    let shift = 0n;
    let b: number;
    for (let i = 0; ; i++) {
      if (i >= Math.ceil(bits / 7)) this.fail(`an s${bits} LEB128 is too long`);
      b = this.byte();
      r |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
    }
    if ((b & 0x40) !== 0) r -= 1n << shift;
    if (r < -(1n << BigInt(bits - 1)) || r >= 1n << BigInt(bits - 1)) this.fail(`an s${bits} LEB128 is out of range`);
    return r;
  }

  u32(): number {
    return Number(this.uleb(32));
  }

  utf8(n: number, what: string): string {
    const b = this.take(n);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return this.fail(`${what} is not valid UTF-8`);
    }
  }
}

/** The payload type of case `i` of a variant, option or result. */
function caseTypes(t: Extract<ValType, { kind: 'variant' | 'option' | 'result' }>): (ValType | undefined)[] {
  switch (t.kind) {
    case 'option': return [undefined, t.t];
    case 'result': return [t.ok, t.error];
    case 'variant': return t.cases.map((c) => c.t);
  }
}

function val(r: ValueReader, t: ValType): unknown {
  switch (t.kind) {
    case 'bool': {
      const b = r.byte();
      if (b > 1) r.fail(`a bool is 0x00 or 0x01, not 0x${b.toString(16)}`);
      return b === 1;
    }
    case 'u8': return r.byte();
    case 's8': { const b = r.byte(); return b < 128 ? b : b - 256; }
    case 'u16': return Number(r.uleb(16));
    case 's16': return Number(r.sleb(16));
    case 'u32': return Number(r.uleb(32));
    case 's32': return Number(r.sleb(32));
    case 'u64': return r.uleb(64);
    case 's64': return r.sleb(64);
    case 'f32': {
      const b = r.take(4);
      const x = new DataView(b.buffer, b.byteOffset, 4);
      const f = x.getFloat32(0, true);
      if (Number.isNaN(f) && x.getUint32(0, true) !== 0x7fc00000) r.fail('an f32 NaN must be the canonical NaN');
      return f;
    }
    case 'f64': {
      const b = r.take(8);
      const x = new DataView(b.buffer, b.byteOffset, 8);
      const f = x.getFloat64(0, true);
      if (Number.isNaN(f) && x.getBigUint64(0, true) !== 0x7ff8000000000000n) r.fail('an f64 NaN must be the canonical NaN');
      return f;
    }
    case 'char': {
      const lead = r.peek();
      const n = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
      const s = r.utf8(n, 'a char');
      if ([...s].length !== 1) r.fail('a char is one Unicode scalar value');
      return s;
    }
    case 'string': return r.utf8(r.u32(), 'a string');
    case 'list': {
      const n = t.l ?? r.u32();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(val(r, t.t));
      const Ctor = t.l === undefined ? typedArrayFor(t.t) : undefined;
      return Ctor === undefined ? out : (Ctor as unknown as { from(a: unknown[]): unknown }).from(out);
    }
    case 'record': {
      const o: Record<string, unknown> = {};
      for (const f of t.fields) o[toLowerCamelCase(f.label)] = val(r, f.t);
      return o;
    }
    case 'tuple': return t.ts.map((u) => val(r, u));
    case 'flags': {
      const bytes = r.take(Math.ceil(t.labels.length / 8));
      const o: Record<string, boolean> = {};
      t.labels.forEach((l, i) => (o[toLowerCamelCase(l)] = (bytes[i >> 3]! & (1 << (i & 7))) !== 0));
      return o;
    }
    case 'enum': {
      const i = r.u32();
      if (i >= t.labels.length) r.fail(`enum case ${i} of a type with ${t.labels.length} cases`);
      return t.labels[i];
    }
    case 'option': case 'result': case 'variant': {
      const cts = caseTypes(t);
      // option and result cases are a byte; a variant's is a u32 LEB128.
      const i = t.kind === 'variant' ? r.u32() : r.byte();
      if (i >= cts.length) r.fail(`case ${i} of a type with ${cts.length} cases`);
      const ct = cts[i];
      return caseToJs(t, i, ct === undefined ? undefined : val(r, ct));
    }
    default:
      return r.fail(`a ${t.kind} cannot be a value definition`);
  }
}

/**
 * Binary.md `value ::= t len v:val(t)`: the JS value of `bytes` (the `v`),
 * which must be exactly one `val(t)`. `offset` is where the bytes start in
 * the binary, for the error.
 */
export function decodeValue(bytes: Uint8Array, t: ValType, offset: number): unknown {
  const r = new ValueReader(bytes, offset);
  const v = val(r, t);
  if (r.pos !== bytes.length) r.fail(`${bytes.length - r.pos} byte(s) after the value`);
  return v;
}
