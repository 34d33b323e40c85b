/**
 * Typed traps. Every rule the host enforces has a stable kebab-case code and
 * one sentence naming the rule (`TRAP_RULES`); a `Trap` carries the code, the
 * sentence, and where it happened (built-in, instance, task, handle).
 */

/** The catalogue: trap code -> the rule that was broken. The only place rule texts live. */
export const TRAP_RULES = {
  // handles
  'unknown-handle': 'a handle must name a live entry of the calling instance\'s own table (index 0 is never valid)',
  'wrong-handle-type': 'a handle must name an object of the kind the built-in expects',
  'table-full': 'a handle table holds at most 2^28-1 entries',
  // waitables and waitable sets
  'waitable-set-not-empty': 'waitable-set.drop requires a set with no waitables joined to it',
  'waitable-set-waited-on': 'waitable-set.drop requires that no task is waiting on the set',
  'waitable-has-sync-waiter': 'a waitable that a synchronous operation is waiting on cannot be joined to a set',
  // streams and futures
  'copy-in-progress': 'a stream or future end admits one read or write at a time: this end already has one pending',
  'end-done': 'an end that reported DROPPED, or a future end that completed, accepts no more reads or writes',
  'not-copying': 'cancel-read / cancel-write need a read or write in progress on that end',
  'end-busy': 'a stream or future end cannot be dropped or transferred while a copy is in progress',
  'end-in-set': 'a stream or future end that is joined to a waitable set cannot be transferred or used synchronously',
  'type-mismatch': 'a stream or future built-in must be used with ends of its own element type',
  'same-instance-copy': 'one instance may read and write the same stream or future only when its elements are plain numbers',
  'copy-state': 'a stream or future end\'s event is delivered only while its copy is in progress (an invariant of the host: a host peer broke it)',
  'future-write-not-done': 'a future\'s writable end may be dropped only after a write reported COMPLETED or DROPPED (the reader going away is not enough: the writer must see DROPPED)',
  // memory
  'out-of-bounds': 'a buffer or result pointer must lie inside the instance\'s linear memory',
  'unaligned-pointer': 'a buffer or result pointer must be aligned to its element type',
  'buffer-too-long': 'a stream copy moves at most 2^28-1 elements',
  'no-memory': 'this built-in needs the instance to export its linear memory as "memory"',
  // tasks
  'no-current-task': 'this built-in must be called from inside a task of the instance (an export call)',
  'bad-callback-code': 'a callback-lifted export must return EXIT (0), YIELD (1) or WAIT (2) in the low nibble, WAIT with a valid waitable set',
  'exit-without-return': 'a task must call task.return (or task.cancel after cancellation) before it exits',
  'task-return-twice': 'task.return or task.cancel may resolve a task only once',
  'task-return-mismatch': 'task.return must be the one generated for the function being returned from',
  'task-not-async': 'task.return and task.cancel are only for tasks lifted with the async ABI',
  'task-cancel-not-delivered': 'task.cancel is allowed only after cancellation was delivered to the task',
  'may-not-block': 'a task of a non-async function may not block before it returns',
  'may-not-enter': 'an instance may not be re-entered while one of its calls is on the stack',
  'backpressure-overflow': 'backpressure.inc may raise the counter to at most 2^16-1',
  'backpressure-underflow': 'backpressure.dec may not take the counter below zero',
  // subtasks
  'subtask-not-resolved': 'subtask.drop requires that the subtask\'s resolution was delivered',
  'subtask-resolved': 'subtask.cancel requires a subtask whose resolution was not yet delivered',
  'subtask-cancel-twice': 'subtask.cancel may be requested only once per subtask',
  'async-call-shape': 'an async-lowered import passes its flat parameters (plus a result pointer when the callee returns values)',
  'result-type': 'an async-lowered call\'s results must fit the core type they are stored as (a number: an i32, an integer in [-2^31, 2^32-1]; a bigint: an i64, in [-2^63, 2^64-1])',
  // scheduling
  'deadlock': 'a blocking wait needs some other instance or host peer able to make progress',
  // linking
  'unknown-builtin': 'a bracketed import must name a canonical built-in this host supports',
  'unresolved-import': 'every import of a core module must be provided',
  'bad-signature': 'a canonical built-in must be imported (and an async-lifted function exported) with its core type',
  'no-such-export': 'a call must name a function export of the instance (plain, or [async-lift] with its callback)',
  // failures
  'guest-abort': 'the guest aborted (AssemblyScript abort)',
  'wasm-trap': 'the guest executed a WebAssembly trap',
  'host-error': 'a host function called by the guest threw',
  'instance-poisoned': 'an instance that trapped may not be entered again',
  // canonical ABI values (lifting guest data)
  'invalid-discriminant': 'a variant, enum, option or result discriminant must name one of its cases',
  'invalid-char': 'a char must be a Unicode scalar value (below 0x110000 and not a surrogate)',
  'invalid-string': 'a string must be valid in its encoding (UTF-8, UTF-16 without unpaired surrogates, or Latin-1)',
  'string-too-long': 'a string is at most 2^28-1 bytes (MAX_STRING_BYTE_LENGTH)',
  'list-too-long': 'a list is at most 2^28-1 bytes (MAX_LIST_BYTE_LENGTH)',
  // components: resources, calls between components, linking
  'resource-type-mismatch': 'a resource handle must be of the resource type the built-in or function type names',
  'resource-lent': 'an owned resource handle that is lent to a call (num_lends > 0) cannot be dropped or transferred',
  'resource-not-owned': 'only an owned resource handle can be transferred as own<T>',
  'borrows-outstanding': 'a task must drop every borrowed handle it was lent before it returns (num_borrows == 0)',
  'may-not-leave': 'an instance may not call out while it is lowering or lifting values for the host (may_leave is false)',
  'unsupported-canon': 'this canonical definition is not supported by the embedded host yet',
  'thread-not-suspended': 'thread.resume-later and thread.*-then-resume need a thread that is suspended (not running, not waiting)',
  'unknown-thread': 'a thread index must name a live thread of the calling instance',
  'thread-func-type': 'thread.new-indirect needs a table entry that is a function of the declared type (param i32)',
  'host-value': 'a host function must return a value of its declared result type',
  // host limits (not in the spec: they keep a runaway guest from hanging or exhausting the host)
  'timeout': 'a call must finish before its deadline (timeoutMs of the store, instantiation or call; --timeout on the CLI)',
  'limit-exceeded': 'an instance may hold at most the configured number of handles, stream/future ends and live tasks (Limits; --max-* on the CLI)',
} as const;

export type TrapCode = keyof typeof TRAP_RULES;

/** Where a trap happened; all optional. */
export interface TrapSite {
  builtin?: string;
  instance?: string;
  task?: string;
  handle?: number;
  /** Extra detail appended to the message. */
  detail?: string;
  cause?: unknown;
}

/** A broken rule: the guest (or a host peer acting for it) misused the canonical ABI. */
export class Trap extends Error {
  readonly code: string;
  readonly rule: string;
  builtin?: string;
  instance?: string;
  task?: string;
  handle?: number;
  readonly detail?: string;

  constructor(code: TrapCode, site: TrapSite = {}) {
    super('', site.cause === undefined ? undefined : { cause: site.cause });
    this.name = 'Trap';
    this.code = code;
    this.rule = TRAP_RULES[code];
    this.builtin = site.builtin;
    this.instance = site.instance;
    this.task = site.task;
    this.handle = site.handle;
    this.detail = site.detail;
    this.refreshMessage();
  }

  /** Fill in the location where it is still unknown (the call boundary knows the instance and task). */
  locate(site: { instance?: string; task?: string }): this {
    this.instance ??= site.instance;
    this.task ??= site.task;
    this.refreshMessage();
    return this;
  }

  protected refreshMessage(): void {
    const where = [
      this.builtin && `built-in ${this.builtin}`,
      this.instance && `instance ${this.instance}`,
      this.task && `task ${this.task}`,
      this.handle !== undefined && `handle ${this.handle}`,
    ].filter(Boolean);
    this.message =
      `[${this.code}] ${this.detail ?? this.rule}` + (where.length > 0 ? ` (${where.join(', ')})` : '');
  }
}

/** The deadline passed while the guest (or work queued for it) was still running. */
export class TimeoutTrap extends Trap {
  /** The deadline that passed, in milliseconds after the call (or instantiation) started. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number, site: TrapSite = {}) {
    super('timeout', {
      ...site,
      detail: site.detail ?? `timeout: not finished within ${formatMs(timeoutMs)}`,
    });
    this.name = 'TimeoutTrap';
    this.timeoutMs = timeoutMs;
  }
}

/** An instance asked for more of a resource than its `Limits` allow. */
export class LimitExceeded extends Trap {
  /** The limit's name (`maxHandles`, `maxStreamEnds`, `maxTasks`). */
  readonly limit: string;
  readonly max: number;
  constructor(limit: string, max: number, what: string, flag: string, site: TrapSite = {}) {
    super('limit-exceeded', {
      ...site,
      detail: `limit-exceeded: instance ${site.instance ?? '?'} may hold at most ${max} ${what} (limit ${limit}, ${flag} on the CLI)`,
    });
    this.name = 'LimitExceeded';
    this.limit = limit;
    this.max = max;
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** At most this many characters of a guest's abort message (and file name) are kept. */
export const GUEST_TEXT_MAX = 1024;

/**
 * Makes guest-supplied text safe to print: C0/C1 control characters, DEL,
 * bidirectional overrides and lone surrogates become `\xNN` / `\uNNNN`
 * escapes (a backslash becomes `\\`), and the text is cut after `max`
 * characters with a note of how much was left out.
 */
export function printableGuestText(s: string, max = GUEST_TEXT_MAX, omittedUnits = 0): string {
  let out = '';
  let i = 0;
  let kept = 0;
  for (; i < s.length && kept < max; i++, kept++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
        continue;
      }
    }
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || (c >= 0xd800 && c <= 0xdfff) || c === 0xfeff) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += s[i]!;
  }
  const left = s.length - i + omittedUnits;
  return left > 0 ? `${out}… (${left} more character${left === 1 ? '' : 's'})` : out;
}

/** The guest called AssemblyScript's `abort(msg, file, line, column)`. */
export class GuestAbort extends Trap {
  guestMessage: string;
  file: string;
  line: number;
  column: number;

  /**
   * `guestMessage` and `file` are the guest's text: kept at most
   * GUEST_TEXT_MAX characters, control characters escaped (`printableGuestText`).
   */
  constructor(
    guestMessage: string,
    file: string,
    line: number,
    column: number,
    site: TrapSite = {},
    /** UTF-16 units of each text that were not even read (the guest's string was longer). */
    omitted: { message?: number; file?: number } = {},
  ) {
    const msg = printableGuestText(guestMessage, GUEST_TEXT_MAX, omitted.message);
    const f = printableGuestText(file, 256, omitted.file);
    super('guest-abort', { ...site, detail: `guest aborted: ${msg || '(no message)'} at ${f || '?'}:${line}:${column}` });
    this.name = 'GuestAbort';
    this.guestMessage = msg;
    this.file = f;
    this.line = line;
    this.column = column;
  }
}

/** A wait that nothing can ever satisfy; names the task and the waitable set. */
export class DeadlockError extends Trap {
  /** The waitable set handle waited on (0 when the wait was not on a set). */
  readonly set: number;
  constructor(taskName: string, set: number, site: TrapSite = {}) {
    super('deadlock', {
      ...site,
      task: site.task ?? taskName,
      detail:
        site.detail ??
        `deadlock: task ${taskName} waits on waitable set ${set}, but no other instance or host peer can make progress`,
    });
    this.name = 'DeadlockError';
    this.set = set;
  }
}

/** Throws the trap `code` when `cond` holds: the `trap_if` of the spec. */
export function trapIf(cond: boolean, code: TrapCode, site?: TrapSite): void {
  if (cond) throw new Trap(code, site);
}

/** Turns anything thrown out of guest code into a Trap. */
export function toTrap(e: unknown): Trap {
  if (e instanceof Trap) return e;
  if (e instanceof WebAssembly.RuntimeError) {
    return new Trap('wasm-trap', { detail: `wasm trap: ${e.message}`, cause: e });
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new Trap('wasm-trap', { detail: `wasm trap: ${e.message}`, cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new Trap('host-error', { detail: `host function threw: ${msg}`, cause: e });
}
