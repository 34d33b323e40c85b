/** A broken task-ABI invariant, found in a trace or detected by the guest itself. */
export type ViolationKind =
  /** `waitable_register` returned a `prev` that is not the caller's `cb_ptr` (the #1618 assertion). */
  | 'stale-registration'
  /** A callback or a returned `prev` points into a freed completion status. */
  | 'use-after-free'
  /** A task exited (or its state was freed) while registrations remained in it. */
  | 'registration-left-behind'
  /** A `clone` was never matched by a `drop` by the end of the run. */
  | 'clone-leaked'
  /** A `drop` without a live reference, or a touch of a freed task state. */
  | 'bad-drop'
  /** A registered waitable got more than one callback, or none and was never unregistered. */
  | 'callback-count'
  /** An unregister removed an entry that another operation owns (it went to the wrong task). */
  | 'wrong-task-unregister';

export interface Violation {
  kind: ViolationKind;
  /** The instance whose memory `task` and `ptr` are addresses in. */
  instance: string;
  /** The task (`ptr` of the shared state) concerned, 0 when none. */
  task: number;
  /** The waitable handle concerned, 0 when none. */
  waitable: number;
  /** The pointer concerned (the stale `cb_ptr`, the freed status, the task state). */
  ptr: number;
  /** The trace event where it shows (its `seq`), when there is one. */
  seq?: number;
  /** One sentence a person can read. */
  message: string;
}

export const hex = (p: number): string => '0x' + (p >>> 0).toString(16).padStart(4, '0');
