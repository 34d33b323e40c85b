/** Hand-written component binaries for the decoder tests (the bytes jco's `parse` will not produce). */
import { parse } from '@bytecodealliance/jco';

export const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
export const CORE_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Unsigned LEB128. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** A `core:name`. */
export function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...leb(b.length), ...b];
}

/** A section: id, size, content. */
export function section(id: number, content: number[]): number[] {
  return [id, ...leb(content.length), ...content];
}

/** A vector of items (each already encoded). */
export function vec(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}

export function bytes(...parts: number[][]): Uint8Array {
  return new Uint8Array(parts.flat());
}

/** A component: the preamble and the sections. */
export function component(...sections: number[][]): Uint8Array {
  return bytes(PREAMBLE, ...sections);
}

/** Component text to bytes with jco's `parse`. */
export async function wat(text: string): Promise<Uint8Array> {
  return new Uint8Array(await parse(text));
}
