// How stream and future elements cross linear memory. Numbers (integers and
// floats, the canonical ABI's fixed-size numeric elements) are copied as
// they are, `sizeof<T>()` bytes each, with no codec. Any other element type
// (strings, records, variants, handles...) needs a `Codec<T>`, which
// generated glue supplies: its size and alignment in the canonical ABI and
// its load (lift) and store (lower) at an address.

/** Lifts and lowers one element of type `T` at a linear-memory address. */
export abstract class Codec<T> {
  /** The element's size in the canonical ABI (`elem_size`). */
  size: u32;
  /** The element's alignment in the canonical ABI. */
  align: u32;
  constructor(size: u32, align: u32) {
    this.size = size;
    this.align = align;
  }
  /** Lift the element stored at `ptr` (the other side wrote it there). */
  abstract load(ptr: usize): T;
  /** Lower `value` into `ptr` (`size` bytes, aligned). */
  abstract store(ptr: usize, value: T): void;
}

/** Whether `T` is copied as raw bytes (an integer or float type). */
// @ts-ignore: decorator
@inline export function isNumeric<T>(): bool {
  return isInteger<T>() || isFloat<T>();
}

/** The element size: `sizeof<T>()` for numbers, else the codec's. */
export function elementSize<T>(codec: Codec<T> | null): u32 {
  if (isNumeric<T>()) return <u32>sizeof<T>();
  if (codec === null) throw new Error("a stream or future of a non-numeric element type needs a Codec");
  return codec.size;
}
