import { TABLE_MAX_LENGTH } from './constants.js';
import { LimitExceeded, Trap, type TrapSite } from './errors.js';

/**
 * One instance's handle table (spec `Table`): index 0 is never valid, freed
 * indices go on a free list and are reused last-freed-first (the spec's
 * `free.append` / `free.pop`), even after the table empties, so the same
 * sequence of operations always yields the same handles as the spec.
 */
export class Table<T extends object> {
  private readonly array: (T | undefined)[] = [undefined];
  /** The spec's `free` list, as a stack of indices (half the memory of a JS array of numbers). */
  private free = new Int32Array(16);
  private freeCount = 0;
  /** Live entries. */
  private live = 0;
  /**
   * The host's cap on live entries (`Limits.maxHandles`), at most the spec's
   * MAX_LENGTH. With a LIFO free list the array grows only when no index is
   * free, so capping the array's length caps the live entries.
   */
  private maxLive: number;

  constructor(maxLive: number = TABLE_MAX_LENGTH) {
    this.maxLive = Math.min(maxLive, TABLE_MAX_LENGTH);
  }

  /** The live entry at `i`, or a trap `unknown-handle`. */
  get(i: number, site?: TrapSite): T {
    const e = Number.isInteger(i) && i > 0 && i < this.array.length ? this.array[i] : undefined;
    if (e === undefined) throw new Trap('unknown-handle', { ...site, handle: i });
    return e;
  }

  /** Like `get`, but also checks the entry's class (trap `wrong-handle-type`). */
  getAs<U extends T>(i: number, cls: abstract new (...args: never[]) => U, site?: TrapSite): U {
    const e = this.get(i, site);
    if (!(e instanceof cls)) {
      throw new Trap('wrong-handle-type', {
        ...site,
        handle: i,
        detail: `handle ${i} is a ${e.constructor.name}, expected a ${cls.name}`,
      });
    }
    return e as U;
  }

  /** The live entry at `i`, or undefined (no trap, no allocation). */
  at(i: number): T | undefined {
    return i > 0 && i < this.array.length ? this.array[i] : undefined;
  }

  /**
   * The entry at `i` when it is live and a `cls`, else undefined (no trap,
   * no allocation): the fast path of `getAs`, whose slow path then throws
   * the exact trap.
   */
  lookup<U extends T>(i: number, cls: abstract new (...args: never[]) => U): U | undefined {
    const e = i > 0 && i < this.array.length ? this.array[i] : undefined;
    return e instanceof cls ? (e as U) : undefined;
  }

  has(i: number): boolean {
    return i > 0 && i < this.array.length && this.array[i] !== undefined;
  }

  add(e: T, site?: TrapSite): number {
    if (this.freeCount > 0) {
      const reuse = this.free[--this.freeCount]!;
      this.array[reuse] = e;
      this.live++;
      return reuse;
    }
    const i = this.array.length;
    if (i > this.maxLive) throw this.full(site);
    this.array.push(e);
    this.live++;
    return i;
  }

  remove(i: number, site?: TrapSite): T {
    const e = this.get(i, site);
    this.array[i] = undefined;
    this.live--;
    if (this.freeCount === this.free.length) {
      const grown = new Int32Array(this.free.length * 2);
      grown.set(this.free);
      this.free = grown;
    }
    this.free[this.freeCount++] = i;
    return e;
  }

  /** Spec `trap_if(i > Table.MAX_LENGTH)`, or the host's lower cap. */
  private full(site?: TrapSite): Trap {
    if (this.maxLive >= TABLE_MAX_LENGTH) return new Trap('table-full', site);
    return new LimitExceeded('maxHandles', this.maxLive, 'handles', '--max-handles', site);
  }

  /** Live entries with their indices, in index order. */
  *entries(): IterableIterator<[number, T]> {
    for (let i = 1; i < this.array.length; i++) {
      const e = this.array[i];
      if (e !== undefined) yield [i, e];
    }
  }

  /** Live entries. */
  get size(): number {
    return this.live;
  }
}
