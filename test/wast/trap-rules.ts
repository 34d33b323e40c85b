/**
 * Every trap rule of the async part of definitions.py (tasks, the handle
 * table, waitable sets, subtasks, buffers, streams, futures, the lifting of
 * stream/future/error-context handles, `canon lift`'s callback loop,
 * `canon lower`, and the async built-ins), each with the `assert_trap` of
 * test/wast that traps it (`file:line` of the `(assert_trap` form) and the
 * host's trap code, or the reason no script can reach it on this host.
 * test/wast-trap-rules.test.ts checks that each location really is an
 * `assert_trap` whose message means that code, and that every trap code the
 * async built-ins' sources use is listed here or in `HOST_ONLY`.
 */
import type { TrapCode } from '../../host/canon/errors.js';

export interface TrapCheck {
  /**
   * `file.wast:line` in test/wast (`wast-jspi/file.wast:line`: in
   * test/wast-jspi, run with JSPI by test/jspi.test.ts): the line of an
   * `(assert_trap` form.
   */
  readonly at: string;
  readonly code: TrapCode;
}

export interface TrapRule {
  /** The definitions.py function (`Class.method` or `function`). */
  readonly fn: string;
  /** Its trap condition, as definitions.py writes it. */
  readonly cond: string;
  readonly checks?: readonly TrapCheck[];
  /** Why no script reaches the rule on this host (then `checks` is absent). */
  readonly unreachable?: { readonly why: 'jspi' | 'threads' | 'host-limit'; readonly note: string; readonly code?: TrapCode };
}

const mayLeave = (fn: string, at: string, code: TrapCode = 'may-not-leave'): TrapRule => ({
  fn,
  cond: 'not inst.may_leave',
  checks: [{ at, code }],
});

export const TRAP_RULES_ASYNC: readonly TrapRule[] = [
  // Tasks
  { fn: 'Task.unregister_thread', cond: 'self.state != Task.State.RESOLVED', checks: [{ at: 'tasks.wast:173', code: 'exit-without-return' }] },
  { fn: 'Task.return_', cond: 'self.state == Task.State.RESOLVED', checks: [{ at: 'tasks.wast:175', code: 'task-return-twice' }] },
  { fn: 'Task.return_', cond: 'self.num_borrows > 0', checks: [{ at: 'cross-component.wast:299', code: 'borrows-outstanding' }] },
  { fn: 'Task.cancel', cond: 'self.state != Task.State.CANCEL_DELIVERED', checks: [{ at: 'tasks.wast:179', code: 'task-cancel-not-delivered' }] },
  { fn: 'Task.cancel', cond: 'self.num_borrows > 0', checks: [{ at: 'cross-component.wast:301', code: 'borrows-outstanding' }] },
  // Entering instances
  {
    fn: 'Store.lift',
    cond: 'not inst.may_enter_from(caller)',
    checks: [
      { at: 'reentrance.wast:72', code: 'may-not-enter' },
      { at: 'reentrance.wast:128', code: 'may-not-enter' },
    ],
  },
  // The handle table
  { fn: 'Table.get', cond: 'i >= len(self.array)', checks: [{ at: 'waitables.wast:105', code: 'unknown-handle' }, { at: 'trap-rules.wast:234', code: 'unknown-handle' }] },
  { fn: 'Table.get', cond: 'self.array[i] is None', checks: [{ at: 'tasks.wast:187', code: 'unknown-handle' }] },
  {
    fn: 'Table.add',
    cond: 'i > Table.MAX_LENGTH',
    unreachable: { why: 'host-limit', note: 'an instance holds at most Limits.maxHandles (2^20) handles: limit-exceeded comes first (docs/deviations.md, entry 13; test/canon-limits.test.ts)' },
  },
  // Waitable sets and subtasks
  { fn: 'WaitableSet.drop', cond: 'len(self.elems) > 0', checks: [{ at: 'waitables.wast:102', code: 'waitable-set-not-empty' }] },
  { fn: 'WaitableSet.drop', cond: 'self.num_waiting > 0', checks: [{ at: 'trap-rules.wast:245', code: 'waitable-set-waited-on' }] },
  { fn: 'Subtask.drop', cond: 'not self.resolve_delivered()', checks: [{ at: 'subtasks.wast:195', code: 'subtask-not-resolved' }] },
  // Buffers
  { fn: 'BufferGuestImpl.__init__', cond: 'length > Buffer.MAX_LENGTH', checks: [{ at: 'trap-rules.wast:257', code: 'buffer-too-long' }] },
  {
    fn: 'BufferGuestImpl.__init__',
    cond: 'ptr != align_to(ptr, alignment(t, ...))',
    checks: [{ at: 'trap-rules.wast:255', code: 'unaligned-pointer' }, { at: 'futures.wast:262', code: 'unaligned-pointer' }],
  },
  {
    fn: 'BufferGuestImpl.__init__',
    cond: 'ptr + length * elem_size(t, ...) > len(cx.opts.memory)',
    checks: [{ at: 'streams.wast:193', code: 'out-of-bounds' }, { at: 'futures.wast:265', code: 'out-of-bounds' }],
  },
  // Streams and futures
  { fn: 'SharedStreamImpl.read', cond: 'inst is self.pending_inst and not none_or_number_type(self.t)', checks: [{ at: 'trap-rules.wast:273', code: 'same-instance-copy' }] },
  { fn: 'SharedStreamImpl.write', cond: 'inst is self.pending_inst and not none_or_number_type(self.t)', checks: [{ at: 'trap-rules.wast:285', code: 'same-instance-copy' }] },
  { fn: 'SharedFutureImpl.read', cond: 'inst is self.pending_inst and not none_or_number_type(self.t)', checks: [{ at: 'trap-rules.wast:287', code: 'same-instance-copy' }] },
  { fn: 'SharedFutureImpl.write', cond: 'inst is self.pending_inst and not none_or_number_type(self.t)', checks: [{ at: 'trap-rules.wast:275', code: 'same-instance-copy' }] },
  { fn: 'CopyEnd.drop', cond: 'self.copying()', checks: [{ at: 'streams.wast:186', code: 'end-busy' }, { at: 'futures.wast:246', code: 'end-busy' }] },
  { fn: 'WritableFutureEnd.drop', cond: 'self.state != CopyState.DONE', checks: [{ at: 'futures.wast:230', code: 'future-write-not-done' }] },
  // Lifting handles
  { fn: 'lift_error_context', cond: 'not isinstance(errctx, ErrorContext)', checks: [{ at: 'cross-component.wast:311', code: 'wrong-handle-type' }] },
  { fn: 'lift_async_value', cond: 'not isinstance(e, ReadableEndT)', checks: [{ at: 'cross-component.wast:303', code: 'wrong-handle-type' }] },
  { fn: 'lift_async_value', cond: 'e.shared.t != t', checks: [{ at: 'cross-component.wast:305', code: 'type-mismatch' }] },
  { fn: 'lift_async_value', cond: 'e.state != CopyState.IDLE', checks: [{ at: 'cross-component.wast:307', code: 'end-busy' }] },
  { fn: 'lift_async_value', cond: 'e.in_waitable_set()', checks: [{ at: 'cross-component.wast:309', code: 'end-in-set' }] },
  // canon lift
  {
    fn: 'canon_lift (callback loop)',
    cond: 'WAIT: not isinstance(wset, WaitableSet)',
    checks: [{ at: 'trap-rules.wast:234', code: 'unknown-handle' }, { at: 'trap-rules.wast:236', code: 'wrong-handle-type' }],
  },
  {
    fn: 'canon_lift (callback loop)',
    cond: 'a code other than YIELD or WAIT (case _: trap())',
    checks: [{ at: 'tasks.wast:169', code: 'bad-callback-code' }],
  },
  { fn: 'canon_lift (a sync function)', cond: 'not candidates (it would block, no other thread is ready)', checks: [{ at: 'tasks.wast:183', code: 'may-not-block' }] },
  { fn: 'unpack_callback_result', cond: 'code > CallbackCode.MAX', checks: [{ at: 'tasks.wast:169', code: 'bad-callback-code' }, { at: 'tasks.wast:171', code: 'bad-callback-code' }] },
  { fn: 'call_and_trap_on_throw', cond: 'the core function throws (a wasm trap)', checks: [{ at: 'trap-rules.wast:238', code: 'wasm-trap' }] },
  // canon lower
  mayLeave('canon_lower', 'may-leave.wast:177'),
  // backpressure, task.return, task.cancel
  { fn: 'canon_backpressure_inc', cond: 'inst.backpressure == 2**16', checks: [{ at: 'tasks.wast:167', code: 'backpressure-overflow' }] },
  { fn: 'canon_backpressure_dec', cond: 'inst.backpressure < 0', checks: [{ at: 'tasks.wast:164', code: 'backpressure-underflow' }] },
  mayLeave('canon_task_return', 'may-leave.wast:181'),
  { fn: 'canon_task_return', cond: 'not task.opts.async_', checks: [{ at: 'tasks.wast:181', code: 'task-not-async' }] },
  { fn: 'canon_task_return', cond: 'result_type != task.ft.result', checks: [{ at: 'tasks.wast:177', code: 'task-return-mismatch' }] },
  // compared where both name a memory (docs/deviations.md, entry 16)
  { fn: 'canon_task_return', cond: 'not LiftOptions.equal(opts, task.opts)', checks: [{ at: 'trap-rules.wast:283', code: 'task-return-mismatch' }] },
  mayLeave('canon_task_cancel', 'may-leave.wast:185'),
  { fn: 'canon_task_cancel', cond: 'not task.opts.async_', checks: [{ at: 'trap-rules.wast:281', code: 'task-not-async' }] },
  // waitable sets
  mayLeave('canon_waitable_set_new', 'may-leave.wast:189'),
  mayLeave('canon_waitable_set_wait', 'may-leave.wast:193'),
  { fn: 'canon_waitable_set_wait', cond: 'not isinstance(wset, WaitableSet)', checks: [{ at: 'trap-rules.wast:240', code: 'wrong-handle-type' }] },
  mayLeave('canon_waitable_set_poll', 'may-leave.wast:197'),
  { fn: 'canon_waitable_set_poll', cond: 'not isinstance(wset, WaitableSet)', checks: [{ at: 'waitables.wast:111', code: 'wrong-handle-type' }] },
  mayLeave('canon_waitable_set_drop', 'may-leave.wast:201'),
  { fn: 'canon_waitable_set_drop', cond: 'not isinstance(wset, WaitableSet)', checks: [{ at: 'trap-rules.wast:242', code: 'wrong-handle-type' }] },
  mayLeave('canon_waitable_join', 'may-leave.wast:205'),
  { fn: 'canon_waitable_join', cond: 'not isinstance(w, Waitable)', checks: [{ at: 'waitables.wast:108', code: 'wrong-handle-type' }] },
  { fn: 'canon_waitable_join', cond: 'w.has_sync_waiter', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:317', code: 'waitable-has-sync-waiter' }] },
  { fn: 'canon_waitable_join', cond: 'not isinstance(wset, WaitableSet) (si != 0)', checks: [{ at: 'waitables.wast:105', code: 'unknown-handle' }] },
  // subtasks
  mayLeave('canon_subtask_cancel', 'may-leave.wast:209'),
  { fn: 'canon_subtask_cancel', cond: 'not isinstance(subtask, Subtask)', checks: [{ at: 'trap-rules.wast:247', code: 'wrong-handle-type' }] },
  { fn: 'canon_subtask_cancel', cond: 'subtask.resolve_delivered()', checks: [{ at: 'async-calls.wast:276', code: 'subtask-resolved' }, { at: 'subtasks.wast:197', code: 'subtask-resolved' }] },
  { fn: 'canon_subtask_cancel', cond: 'subtask.cancellation_requested', checks: [{ at: 'async-calls.wast:274', code: 'subtask-cancel-twice' }] },
  { fn: 'canon_subtask_cancel', cond: 'subtask.in_waitable_set() and not async_', checks: [{ at: 'async-calls.wast:278', code: 'end-in-set' }] },
  mayLeave('canon_subtask_drop', 'may-leave.wast:213'),
  { fn: 'canon_subtask_drop', cond: 'not isinstance(s, Subtask)', checks: [{ at: 'trap-rules.wast:249', code: 'wrong-handle-type' }] },
  // streams and futures
  mayLeave('canon_stream_new', 'may-leave.wast:217'),
  mayLeave('canon_future_new', 'may-leave.wast:245'),
  { fn: 'stream_copy', cond: 'not thread.task.inst.may_leave', checks: [{ at: 'may-leave.wast:221', code: 'may-not-leave' }, { at: 'may-leave.wast:225', code: 'may-not-leave' }] },
  { fn: 'stream_copy', cond: 'not isinstance(e, EndT)', checks: [{ at: 'trap-rules.wast:251', code: 'wrong-handle-type' }] },
  { fn: 'stream_copy', cond: 'e.shared.t != stream_t.t', checks: [{ at: 'trap-rules.wast:253', code: 'type-mismatch' }] },
  {
    fn: 'stream_copy',
    cond: 'e.state != CopyState.IDLE',
    checks: [
      { at: 'streams.wast:179', code: 'copy-in-progress' },
      { at: 'streams.wast:167', code: 'end-done' },
      { at: 'streams.wast:173', code: 'end-done' },
    ],
  },
  { fn: 'stream_copy', cond: 'e.in_waitable_set() and not opts.async_', checks: [{ at: 'streams.wast:190', code: 'end-in-set' }] },
  { fn: 'future_copy', cond: 'not thread.task.inst.may_leave', checks: [{ at: 'may-leave.wast:249', code: 'may-not-leave' }, { at: 'may-leave.wast:253', code: 'may-not-leave' }] },
  { fn: 'future_copy', cond: 'not isinstance(e, EndT)', checks: [{ at: 'trap-rules.wast:269', code: 'wrong-handle-type' }] },
  { fn: 'future_copy', cond: 'e.shared.t != future_t.t', checks: [{ at: 'trap-rules.wast:271', code: 'type-mismatch' }] },
  {
    fn: 'future_copy',
    cond: 'e.state != CopyState.IDLE',
    checks: [
      { at: 'futures.wast:239', code: 'copy-in-progress' },
      { at: 'futures.wast:194', code: 'end-done' },
      { at: 'futures.wast:201', code: 'end-done' },
    ],
  },
  { fn: 'future_copy', cond: 'e.in_waitable_set() and not opts.async_', checks: [{ at: 'futures.wast:255', code: 'end-in-set' }] },
  {
    fn: 'cancel_copy',
    cond: 'not thread.task.inst.may_leave',
    checks: ['229', '233', '257', '261'].map((l) => ({ at: `may-leave.wast:${l}`, code: 'may-not-leave' as const })),
  },
  { fn: 'cancel_copy', cond: 'not isinstance(e, EndT)', checks: [{ at: 'trap-rules.wast:259', code: 'wrong-handle-type' }] },
  { fn: 'cancel_copy', cond: 'e.shared.t != stream_or_future_t.t', checks: [{ at: 'trap-rules.wast:261', code: 'type-mismatch' }] },
  { fn: 'cancel_copy', cond: 'e.state != CopyState.COPYING', checks: [{ at: 'streams.wast:182', code: 'not-copying' }, { at: 'futures.wast:242', code: 'not-copying' }] },
  {
    fn: 'cancel_copy',
    cond: 'e.has_sync_waiter',
    checks: ['319', '321', '323', '325'].map((l) => ({ at: `wast-jspi/trap-rules-jspi.wast:${l}`, code: 'not-copying' as const })),
  },
  { fn: 'cancel_copy', cond: 'e.in_waitable_set() and not async_', checks: [{ at: 'trap-rules.wast:263', code: 'end-in-set' }] },
  {
    fn: 'drop (stream/future ends)',
    cond: 'not inst.may_leave',
    checks: ['237', '241', '265', '269'].map((l) => ({ at: `may-leave.wast:${l}`, code: 'may-not-leave' as const })),
  },
  { fn: 'drop (stream/future ends)', cond: 'not isinstance(e, EndT)', checks: [{ at: 'trap-rules.wast:265', code: 'wrong-handle-type' }] },
  { fn: 'drop (stream/future ends)', cond: 'e.shared.t != stream_or_future_t.t', checks: [{ at: 'trap-rules.wast:267', code: 'type-mismatch' }] },
  // threads
  { fn: 'canon_thread_index', cond: 'not thread.task.inst.may_leave', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:78', code: 'may-not-leave' }] },
  { fn: 'canon_thread_new_indirect', cond: 'not task.inst.may_leave', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:82', code: 'may-not-leave' }] },
  { fn: 'canon_thread_new_indirect', cond: 'f.t != ft', checks: [{ at: 'wast-jspi/threads.wast:152', code: 'thread-func-type' }] },
  { fn: 'canon_thread_resume_later', cond: 'not inst.may_leave', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:86', code: 'may-not-leave' }] },
  { fn: 'canon_thread_resume_later', cond: 'not other_thread.suspended()', checks: [{ at: 'wast-jspi/threads.wast:148', code: 'thread-not-suspended' }] },
  { fn: 'canon_thread_suspend', cond: 'not thread.task.inst.may_leave', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:90', code: 'may-not-leave' }] },
  mayLeave('canon_thread_yield', 'may-leave.wast:273'),
  { fn: 'canon_thread_suspend_then_resume', cond: 'not thread.task.inst.may_leave', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:94', code: 'may-not-leave' }] },
  {
    fn: 'canon_thread_suspend_then_resume',
    cond: 'not other_thread.suspended()',
    checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:172', code: 'thread-not-suspended' }, { at: 'wast-jspi/trap-rules-jspi.wast:174', code: 'thread-not-suspended' }],
  },
  { fn: 'canon_thread_suspend_then_resume', cond: 'inst.threads.get(i): no thread at i (Table.get)', checks: [{ at: 'wast-jspi/threads.wast:150', code: 'unknown-thread' }] },
  { fn: 'canon_thread_yield_then_resume', cond: 'not thread.task.inst.may_leave', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:98', code: 'may-not-leave' }] },
  {
    fn: 'canon_thread_yield_then_resume',
    cond: 'not other_thread.suspended()',
    checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:176', code: 'thread-not-suspended' }, { at: 'wast-jspi/trap-rules-jspi.wast:178', code: 'thread-not-suspended' }],
  },
  { fn: 'canon_thread_suspend_then_promote', cond: 'not thread.task.inst.may_leave', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:102', code: 'may-not-leave' }] },
  { fn: 'canon_thread_yield_then_promote', cond: 'not thread.task.inst.may_leave', checks: [{ at: 'wast-jspi/trap-rules-jspi.wast:106', code: 'may-not-leave' }] },
  // error contexts
  mayLeave('canon_error_context_new', 'may-leave.wast:277'),
  mayLeave('canon_error_context_debug_message', 'may-leave.wast:281'),
  { fn: 'canon_error_context_debug_message', cond: 'not isinstance(errctx, ErrorContext)', checks: [{ at: 'trap-rules.wast:277', code: 'wrong-handle-type' }] },
  mayLeave('canon_error_context_drop', 'may-leave.wast:285'),
  { fn: 'canon_error_context_drop', cond: 'not isinstance(errctx, ErrorContext)', checks: [{ at: 'trap-rules.wast:279', code: 'wrong-handle-type' }] },
];

/**
 * Trap codes the async built-ins' sources use for rules of the host itself
 * (not in definitions.py), or for rules outside the async part: each with
 * the test file that exercises it (it must name the code), when there is one.
 */
export const HOST_ONLY: readonly { readonly code: TrapCode; readonly why: string; readonly test?: string }[] = [
  { code: 'deadlock', why: 'a blocking wait nothing can satisfy (spec: the canon_lift loop finds no thread; here also a wait nested on the JS stack, docs/deviations.md entry 9)', test: 'test/wast/tasks.wast' },
  { code: 'copy-state', why: 'an invariant of host peers\' stream ends', test: 'test/canon-copy-state.test.ts' },
  { code: 'guest-abort', why: 'an AssemblyScript abort() in a core module', test: 'test/canon-lifecycle.test.ts' },
  { code: 'host-error', why: 'a host function threw', test: 'test/canon-traps.test.ts' },
  { code: 'no-current-task', why: 'a built-in of a core module run directly, called outside any export call', test: 'test/canon-traps.test.ts' },
  { code: 'instance-poisoned', why: 'a trapped instance entered again (docs/deviations.md, entry 11)', test: 'test/canon-lifecycle.test.ts' },
  { code: 'unsupported-canon', why: 'the thread.* built-ins without JSPI (and shared-everything threads in both modes)', test: 'test/wast/trap-rules.wast' },
  { code: 'table-full', why: 'Table.add beyond MAX_LENGTH: the host\'s handle cap traps limit-exceeded first (see Table.add above)' },
  { code: 'resource-lent', why: 'canon resource.drop (resources, outside the async part)' },
  { code: 'resource-type-mismatch', why: 'canon resource.* (resources, outside the async part)' },
  { code: 'no-memory', why: 'a core module run directly whose built-in needs an exported memory (a component names its memory)' },
  { code: 'no-such-export', why: 'a core module run directly, called by a name it does not export', test: 'test/cli-signatures.test.ts' },
  { code: 'unresolved-import', why: 'a core module run directly with an import nobody provides', test: 'test/canon-traps.test.ts' },
];

/** The sources of the async built-ins, scanned for the trap codes they use. */
export const ASYNC_SOURCES: readonly string[] = [
  'host/canon/builtins.ts',
  'host/canon/stream.ts',
  'host/canon/future.ts',
  'host/canon/waitable-set.ts',
  'host/canon/waitable.ts',
  'host/canon/subtask.ts',
  'host/canon/lift.ts',
  'host/canon/task.ts',
  'host/canon/buffer.ts',
  'host/canon/copy-state.ts',
  'host/canon/table.ts',
  'host/canon/store.ts',
  'host/canon/instance.ts',
  'host/component/runtime/streams.ts',
  'host/component/runtime/func.ts',
  'host/component/runtime/canon.ts',
];
