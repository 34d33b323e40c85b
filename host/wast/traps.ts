/**
 * The one table from the trap messages of `.wast` scripts (the spellings
 * the spec's reference tests use, which are Wasmtime's) to the host's trap
 * codes (`Trap.code`, host/canon/errors.ts). An `assert_trap` passes only
 * when the trap's code is one the message maps to. A message may also be a
 * trap code itself (`"may-not-block"`), which is how this project's own
 * scripts name a rule that has no Wasmtime spelling.
 */
import { TRAP_RULES, type TrapCode } from '../canon/errors.js';

interface TrapMessageRule {
  /** Matches the message, after a leading `wasm trap: ` is removed. */
  readonly message: RegExp;
  readonly codes: readonly TrapCode[];
  /** For `wasm-trap`: what the engine's RuntimeError message must say. */
  readonly detail?: RegExp;
}

export const TRAP_MESSAGES: readonly TrapMessageRule[] = [
  { message: /^cannot block a synchronous task before returning/, codes: ['may-not-block'] },
  { message: /^deadlock detected/, codes: ['deadlock'] },
  { message: /^cannot enter component instance/, codes: ['may-not-enter', 'instance-poisoned'] },
  { message: /^cannot leave component instance/, codes: ['may-not-leave'] },
  { message: /^waitable cannot be used synchronously while added to a waitable set/, codes: ['end-in-set', 'waitable-has-sync-waiter'] },
  { message: /^cannot drop waitable set with waiters/, codes: ['waitable-set-waited-on'] },
  { message: /^cannot drop waitable set with waitables|^waitable set not empty/, codes: ['waitable-set-not-empty'] },
  { message: /^cannot drop a subtask which has not yet resolved/, codes: ['subtask-not-resolved'] },
  { message: /^cannot (drop|remove) busy (stream|future)/, codes: ['end-busy'] },
  { message: /^cannot drop future write end without first writing a value/, codes: ['future-write-not-done'] },
  { message: /^cannot have concurrent operations active on a future\/stream/, codes: ['copy-in-progress'] },
  { message: /^cannot lift (stream|future) while it's in a waitable set/, codes: ['end-in-set'] },
  { message: /^cannot lift (stream|future) after /, codes: ['end-done'] },
  { message: /^cannot (read from|write to) (stream|future) after /, codes: ['end-done'] },
  { message: /^cannot read from and write to intra-component future/, codes: ['same-instance-copy'] },
  { message: /^cannot remove owned resource while borrowed/, codes: ['resource-lent'] },
  { message: /^borrow handles still remain at the end of the call/, codes: ['borrows-outstanding'] },
  { message: /^unknown handle index/, codes: ['unknown-handle'] },
  { message: /^handle index \d+ used with the wrong type/, codes: ['wrong-handle-type', 'resource-type-mismatch'] },
  { message: /^unsupported callback code/, codes: ['bad-callback-code'] },
  { message: /^invalid `char` bit pattern/, codes: ['invalid-char'] },
  { message: /^(incomplete utf-8 byte sequence|invalid utf-8|invalid utf-16|invalid latin)/i, codes: ['invalid-string'] },
  { message: /^invalid variant discriminant|^invalid (enum|option|result) discriminant/, codes: ['invalid-discriminant'] },
  { message: /^realloc return: result not aligned|^unaligned pointer/, codes: ['unaligned-pointer'] },
  { message: /^realloc return: beyond end of memory|^(string|list) content out-of-bounds|^string pointer\/length out of bounds/, codes: ['out-of-bounds'] },
  { message: /^(wasm `)?unreachable/, codes: ['wasm-trap'], detail: /unreachable/ },
];

/** The codes `message` allows, or undefined when the table has no entry for it. */
export function trapCodesFor(message: string): { codes: readonly TrapCode[]; detail?: RegExp } | undefined {
  const m = message.replace(/^wasm trap: /, '');
  if (m in TRAP_RULES) return { codes: [m as TrapCode] };
  const rule = TRAP_MESSAGES.find((r) => r.message.test(m));
  return rule === undefined ? undefined : { codes: rule.codes, ...(rule.detail ? { detail: rule.detail } : {}) };
}
