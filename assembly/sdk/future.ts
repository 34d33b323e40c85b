// Futures of the public API: explicit state machines, polled by the task
// that runs them. AssemblyScript has no closures capturing locals and no
// async/await, so an async computation is a class whose `poll()` advances
// it one step and says whether it is done, as a Rust future compiles to.

import { requestYield } from "../task";

/**
 * What the runtime polls: the untyped base of every `Future<T>`. A task
 * holds a list of these (its root and what was spawned into it).
 */
export abstract class Pollable {
  /**
   * Advance as far as possible without blocking. Return `true` once done
   * (then `value` of a `Future<T>` holds the result); `false` when waiting:
   * something polled inside registered with the current task (a stream
   * read, a subtask, a `yield_()`), and the task polls again after it
   * fired. Called with the task installed; never called again after `true`.
   */
  abstract poll(): bool;
  /**
   * Cancel: called instead of further polls when the future is given up
   * (the caller cancelled the export task, or the owner of the future
   * stopped waiting for it). Cancel what is in flight (call `cancel()` on
   * the child futures you hold). The default does nothing. Never called
   * after `poll()` returned `true`.
   */
  cancel(): void {}
}

/** A computation producing a `T`. Extend it and implement `poll()`. */
export abstract class Future<T> extends Pollable {
  /** The result, valid once `poll()` returned `true`. */
  value!: T;
}

/** A future that is ready at once (`ready(value)`). */
export class Ready<T> extends Future<T> {
  constructor(value: T) {
    super();
    this.value = value;
  }
  poll(): bool {
    return true;
  }
}

/** A future already done with `value`: for exports that complete at once. */
export function ready<T>(value: T): Future<T> {
  return new Ready<T>(value);
}

/**
 * All of `futures`, polled in order on every turn; ready when all are.
 * `value` is the count. Cancelling it cancels the ones not done.
 */
export class JoinAll extends Future<i32> {
  futures: Array<Pollable>;
  done: Array<bool>;
  left: i32;
  constructor(futures: Array<Pollable>) {
    super();
    this.futures = futures;
    this.done = new Array<bool>(futures.length);
    this.left = futures.length;
  }
  poll(): bool {
    const fs = this.futures;
    for (let i = 0, n = fs.length; i < n; i++) {
      if (this.done[i]) continue;
      if (fs[i].poll()) {
        this.done[i] = true;
        this.left--;
      }
    }
    if (this.left != 0) return false;
    this.value = fs.length;
    return true;
  }
  cancel(): void {
    const fs = this.futures;
    for (let i = 0, n = fs.length; i < n; i++) {
      if (!this.done[i]) fs[i].cancel();
    }
  }
}

/** Wait for every future of `futures` (each one's `value` is then set). */
export function joinAll(futures: Array<Pollable>): JoinAll {
  return new JoinAll(futures);
}

/** Wait for both (`a.value` and `b.value` are then set). */
export function join(a: Pollable, b: Pollable): JoinAll {
  return new JoinAll([a, b]);
}

/**
 * Pending once, then ready: lets the host run other tasks first. In an
 * export task the turn ends with the callback code YIELD; inside `blockOn`
 * the task polls its waitables without blocking, then polls again.
 */
export class Yield extends Future<bool> {
  yielded: bool = false;
  poll(): bool {
    if (this.yielded) {
      this.value = true;
      return true;
    }
    this.yielded = true;
    requestYield();
    return false;
  }
}

/** `yield_()`: a future that gives the host one chance to run others. */
export function yield_(): Yield {
  return new Yield();
}
