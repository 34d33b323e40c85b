// How stream and future elements cross linear memory. With a `Codec<T>`
// (which generated glue supplies for strings, records, variants,
// handles...: its size and alignment in the canonical ABI and its load
// (lift) and store (lower) at an address), every element goes through it,
// whatever `T` is (an enum or a `result<_, E>` may well be an `i32` in
// AssemblyScript). Without one, `T` must be a number type (the canonical
// ABI's fixed-size numeric elements), copied as it is, `sizeof<T>()` bytes
// each.

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

/** The element size: the codec's, else `sizeof<T>()` for numbers. */
export function elementSize<T>(codec: Codec<T> | null): u32 {
  if (codec !== null) return codec.size;
  // A runtime check: with a codec any T works, so this must not be a compile-time ERROR.
  if (!isNumeric<T>()) throw new Error("a stream or future of a non-numeric element type needs a Codec");
  return <u32>sizeof<T>();
}
