/**
 * Resource and error-context handles (spec `ResourceHandle`, `ErrorContext`):
 * entries of a component instance's one handle table, beside waitables and
 * waitable sets.
 */

/** Spec `ResourceHandle`. `rt` is compared by identity (resource types are nominal). */
export class ResourceHandle {
  /** Spec `num_lends`: borrows of this own handle lent to calls in progress. */
  numLends = 0;
  constructor(
    readonly rt: object,
    readonly rep: number,
    readonly own: boolean,
    /** The task (or component-level call) a borrow handle is scoped to; undefined for own handles. */
    readonly borrowScope: { numBorrows: number } | undefined = undefined,
    /** A host-defined resource's JS object (the rep is then the host's index for it). */
    readonly object: object | undefined = undefined,
  ) {}
}

/** Spec `ErrorContext`: an immutable debug message. */
export class ErrorContextHandle {
  constructor(readonly debugMessage: string) {}
}
