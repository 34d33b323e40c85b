import { TABLE_MAX_LENGTH } from './constants.js';
import { Trap, trapIf, type TrapSite } from './errors.js';

/**
 * One instance's handle table (spec `Table`): index 0 is never valid, freed
 * indices are reused last-freed-first, so the same sequence of operations
 * always yields the same handles.
 */
export class Table<T extends object> {
  private readonly array: (T | undefined)[] = [undefined];
  private readonly free: number[] = [];
  /** Live entries; when it drops to 0 the table starts over, so memory goes back to baseline. */
  private live = 0;

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
    const reuse = this.free.pop();
    if (reuse !== undefined) {
      this.array[reuse] = e;
      this.live++;
      return reuse;
    }
    const i = this.array.length;
    trapIf(i > TABLE_MAX_LENGTH, 'table-full', site);
    this.array.push(e);
    this.live++;
    return i;
  }

  remove(i: number, site?: TrapSite): T {
    const e = this.get(i, site);
    this.array[i] = undefined;
    if (--this.live === 0) {
      // Empty: drop the high-water slots (deterministic: numbering restarts at 1).
      this.array.length = 1;
      this.free.length = 0;
    } else {
      this.free.push(i);
    }
    return e;
  }

  /** Live entries with their indices, in index order. */
  *entries(): IterableIterator<[number, T]> {
    for (let i = 1; i < this.array.length; i++) {
      const e = this.array[i];
      if (e !== undefined) yield [i, e];
    }
  }

  get size(): number {
    return this.array.length - 1 - this.free.length;
  }
}
