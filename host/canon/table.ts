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

  /** The live entry at `i`, or a trap `unknown-handle`. */
  get(i: number, site?: TrapSite): T {
    const e = Number.isInteger(i) && i > 0 && i < this.array.length ? this.array[i] : undefined;
    if (e === undefined) throw new Trap('unknown-handle', { ...site, handle: i });
    return e;
  }

  /** Like `get`, but also checks the entry's class (trap `wrong-handle-type`). */
  getAs<U extends T>(i: number, cls: abstract new (...args: never[]) => U, site?: TrapSite): U {
    const e = this.get(i, site);
    trapIf(!(e instanceof cls), 'wrong-handle-type', {
      ...site,
      handle: i,
      detail: `handle ${i} is a ${e.constructor.name}, expected a ${cls.name}`,
    });
    return e as U;
  }

  has(i: number): boolean {
    return i > 0 && i < this.array.length && this.array[i] !== undefined;
  }

  add(e: T, site?: TrapSite): number {
    const reuse = this.free.pop();
    if (reuse !== undefined) {
      this.array[reuse] = e;
      return reuse;
    }
    const i = this.array.length;
    trapIf(i > TABLE_MAX_LENGTH, 'table-full', site);
    this.array.push(e);
    return i;
  }

  remove(i: number, site?: TrapSite): T {
    const e = this.get(i, site);
    this.array[i] = undefined;
    this.free.push(i);
    return e;
  }

  /** Live entries with their indices, in index order. */
  *entries(): IterableIterator<[number, T]> {
    for (let i = 1; i < this.array.length; i++) {
      const e = this.array[i];
      if (e !== undefined) yield [i, e];
    }
  }

  /** The index of `e`, or 0 when it is not in the table (for messages). */
  indexOf(e: T): number {
    const i = this.array.indexOf(e);
    return i < 0 ? 0 : i;
  }

  get size(): number {
    return this.array.length - 1 - this.free.length;
  }
}
