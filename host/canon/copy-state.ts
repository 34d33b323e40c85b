/**
 * The state machine of one stream or future end (spec `CopyEnd.state`), in
 * one place. Every change of the state is a named transition, named after the
 * spec code that makes it:
 *
 * | transition     | spec                                            | from                     | to                                      |
 * |----------------|-------------------------------------------------|--------------------------|-----------------------------------------|
 * | `copy`         | `stream_copy`, `future_copy`: `state = COPYING` | IDLE                     | COPYING                                 |
 * | `cancel_copy`  | `cancel_copy`: `state = CANCELLING_COPY`        | COPYING                  | CANCELLING_COPY                         |
 * | `stream_event` | `stream_event` (a stream's event is delivered)  | COPYING, CANCELLING_COPY | DONE if DROPPED, else IDLE              |
 * | `future_event` | `future_event` (a future's event is delivered)  | COPYING, CANCELLING_COPY | DONE if COMPLETED or DROPPED, else IDLE |
 * | `drop`         | `CopyEnd.drop` (the state is kept)              | IDLE, DONE               | unchanged                               |
 *
 * A transition from any other state traps: `copy` with `end-done` (from
 * DONE) or `copy-in-progress`, `cancel_copy` with `not-copying`, `drop` with
 * `end-busy`, the two events with `copy-state` (the spec's `assert(e.copying())`:
 * the host delivers an end's event only while its copy is in progress).
 * `CopyEnd` (stream.ts) is the only writer of the state, and each of its
 * writes reads its transition's row of `COPY_TRANSITIONS`; `copyTransition`
 * is the same step as a pure function.
 */
import { CopyResult, CopyState } from './constants.js';
import { Trap, type TrapCode, type TrapSite } from './errors.js';

export type CopyTransition = 'copy' | 'cancel_copy' | 'stream_event' | 'future_event' | 'drop';

/** One row of the table: where a transition may start, where it goes, and the trap when it may not happen. */
export interface CopyTransitionRule {
  readonly from: readonly CopyState[];
  /** `from` as a bit set (bit `1 << state`), for the check on every copy. */
  readonly fromMask: number;
  /**
   * The next state for each copy result (indexed by `CopyResult`: COMPLETED,
   * DROPPED, CANCELLED; only the two events depend on it), or undefined
   * when the transition keeps the state. Data, not code: the copy path reads it.
   */
  readonly next: readonly [CopyState, CopyState, CopyState] | undefined;
  /** The trap when the transition is tried in `s`, a state not in `from`. */
  readonly illegal: (s: CopyState) => TrapCode;
}

function rule(from: readonly CopyState[], next: CopyTransitionRule['next'], illegal: CopyTransitionRule['illegal']): CopyTransitionRule {
  return Object.freeze({
    from: Object.freeze([...from]),
    fromMask: from.reduce((m, s) => m | (1 << s), 0),
    next: next === undefined ? undefined : (Object.freeze([...next]) as unknown as CopyTransitionRule['next']),
    illegal,
  });
}

const { IDLE, COPYING, CANCELLING_COPY, DONE } = CopyState;
const COPYING_STATES = [COPYING, CANCELLING_COPY];
const notCopying = (): TrapCode => 'copy-state';

/** The transition table: the only definition of how an end's state changes. */
export const COPY_TRANSITIONS: { readonly [T in CopyTransition]: CopyTransitionRule } = Object.freeze({
  //                                    next on COMPLETED, DROPPED, CANCELLED
  copy: rule([IDLE], [COPYING, COPYING, COPYING], (s) => (s === DONE ? 'end-done' : 'copy-in-progress')),
  cancel_copy: rule([COPYING], [CANCELLING_COPY, CANCELLING_COPY, CANCELLING_COPY], () => 'not-copying'),
  stream_event: rule(COPYING_STATES, [IDLE, DONE, IDLE], notCopying),
  future_event: rule(COPYING_STATES, [DONE, DONE, IDLE], notCopying),
  drop: rule([IDLE, DONE], undefined, () => 'end-busy'),
});

const STATE_NAMES: { readonly [S in CopyState]: string } = {
  [CopyState.IDLE]: 'IDLE',
  [CopyState.COPYING]: 'COPYING',
  [CopyState.CANCELLING_COPY]: 'CANCELLING_COPY',
  [CopyState.DONE]: 'DONE',
};

export function copyStateName(s: CopyState): string {
  return STATE_NAMES[s];
}

/** Spec `CopyEnd.copying()`. */
export function isCopying(s: CopyState): boolean {
  return s === CopyState.COPYING || s === CopyState.CANCELLING_COPY;
}

/** Whether `t` may happen in state `s`. */
export function copyTransitionAllowed(t: CopyTransition, s: CopyState): boolean {
  return (COPY_TRANSITIONS[t].fromMask & (1 << s)) !== 0;
}

/**
 * Traps unless `t` may happen in state `s` (the spec's `trap_if` before each
 * change, or its `assert` for the events). `detail` words the trap for the
 * caller; without it a `copy-state` trap names the transition and the state.
 */
export function checkCopyTransition(t: CopyTransition, s: CopyState, site: TrapSite, detail?: string): void {
  const r = COPY_TRANSITIONS[t];
  if ((r.fromMask & (1 << s)) === 0) {
    const code = r.illegal(s);
    throw new Trap(code, {
      ...site,
      detail: site.detail ?? detail ?? (code === 'copy-state' ? `${t} needs a copy in progress, but the end is ${STATE_NAMES[s]}` : undefined),
    });
  }
}

/**
 * The state after `t` from `s` (`result` is the copy's result for the two
 * events), or a trap when `t` is illegal in `s`.
 */
export function copyTransition(t: CopyTransition, s: CopyState, result: CopyResult | undefined, site: TrapSite): CopyState {
  checkCopyTransition(t, s, site);
  const next = COPY_TRANSITIONS[t].next;
  return next === undefined ? s : next[result ?? CopyResult.COMPLETED];
}
