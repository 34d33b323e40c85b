/**
 * One ordered record of everything observable in a run: task-ABI events
 * (slot, register, unregister, clone, drop, callback), the lifetimes of task
 * states and completion statuses, canonical built-in calls, and traps.
 *
 * Both the guest (through its trace import) and the host (canonical
 * built-ins, task-ABI driver) append here, so one sequence number orders
 * them all. Invariant checks (`host/trace/invariants.ts`) read this record.
 */

/**
 * Kinds of task-ABI events: the host's one definition of these numbers. The
 * guest defines them once too (its `TRACE_*` constants); the guest-layout test
 * checks that both agree.
 */
export const TaskAbiKind = {
  /** `wasip3_task_set(task)`: `task` stored, `prev` returned. */
  SLOT_SET: 1,
  /** `waitable_register(ptr, w, cb, cb_ptr)` returned `prev`. */
  REGISTER: 2,
  /** `waitable_unregister(ptr, w)` returned `prev`. */
  UNREGISTER: 3,
  /** `clone(ptr)`: a new reference; `refs` is the count after. */
  CLONE: 4,
  /** `drop(ptr)`: a reference released; `refs` is the count after. */
  DROP: 5,
  /** The executor called `cb(cb_ptr, code)` for waitable `w`. */
  CALLBACK: 6,
  /** A shared task state was created (`refs` = 1, held by the owning task). */
  TASK_NEW: 7,
  /** A shared task state was freed (its count reached 0). */
  TASK_FREE: 8,
  /** The owning task exited (its reference is released; entries left are reported). */
  TASK_EXIT: 9,
  /** An importer allocated a completion status (a `cb_ptr`). */
  STATUS_NEW: 10,
  /** An importer freed a completion status; the memory is poisoned. */
  STATUS_FREE: 11,
  /** The guest detected a contract violation itself (before trapping). */
  GUEST_VIOLATION: 12,
} as const;
/** Trace kinds the guest sends that are not task-ABI events (the guest's `TRACE_STEP`). */
export const GuestTraceKind = {
  /** A scenario step marker: `extra` is the step number; recorded as a note. */
  STEP: 13,
} as const;

/**
 * `extra` of TASK_NEW: which kind of executor made the task (the guest's
 * TASK_LABEL_*; HOST is the host's task-ABI executor, never the guest's).
 */
export const TaskLabel = { EXPORT: 1, BLOCK_ON: 2, HOST: 3 } as const;
const taskLabelNames: Record<number, string> = {
  [TaskLabel.EXPORT]: 'export task',
  [TaskLabel.BLOCK_ON]: 'block_on task',
  [TaskLabel.HOST]: 'host executor',
};
export const taskLabelName = (label: number): string => taskLabelNames[label] ?? `label ${label}`;

/** `extra` of GUEST_VIOLATION: what the guest detected (the guest's VIOLATION_*). */
export const GuestViolation = {
  STALE_REGISTRATION: 1,
  USE_AFTER_FREE: 2,
  BAD_DROP: 3,
  REGISTRATION_LEFT_BEHIND: 4,
  WRONG_TASK_UNREGISTER: 5,
} as const;

/** The violation kind each guest violation code reports (`STALE_REGISTRATION` -> `stale-registration`). */
export const guestViolationNames: Record<number, string> = Object.fromEntries(
  Object.entries(GuestViolation).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, '-')]),
);

export type TaskAbiKindName = Lowercase<keyof typeof TaskAbiKind>;

const kindNames: Record<number, TaskAbiKindName> = Object.fromEntries(
  Object.entries(TaskAbiKind).map(([k, v]) => [v, k.toLowerCase() as TaskAbiKindName]),
);

/** The name of a task-ABI event kind number, or undefined when unknown. */
export function taskAbiKindName(kind: number): TaskAbiKindName | undefined {
  return kindNames[kind];
}

/** Which side produced a task-ABI event. */
export type Actor = 'guest' | 'host';

/** A task-ABI event, from the guest runtime or the host's task-ABI driver. */
export interface TaskAbiEvent {
  seq: number;
  kind: TaskAbiKindName;
  /** The instance whose memory the pointers refer to. */
  instance: string;
  actor: Actor;
  /** The task's `ptr` (the shared state's address), 0 when none. */
  task: number;
  /** The waitable handle, 0 when none. */
  waitable: number;
  /** The pointer the event is about: `cb_ptr`, `prev`, a status, a task struct. */
  ptr: number;
  /** A second value: `prev` for register/unregister, `refs` for clone/drop, `code` for callback. */
  extra: number;
}

/** A call of a canonical built-in (recorded when `Trace.canon` is on). */
export interface CanonEvent {
  seq: number;
  kind: 'canon';
  instance: string;
  task: string | undefined;
  builtin: string;
  /** The core arguments: i64 as bigint, so no value is rounded. */
  args: readonly (number | bigint)[];
  result: number | bigint | undefined;
}

/** A trap raised in an instance. */
export interface TrapEvent {
  seq: number;
  kind: 'trap';
  instance: string;
  task: string | undefined;
  code: string;
  message: string;
}

/** A free-form marker placed by a scenario driver, shown in timelines. */
export interface NoteEvent {
  seq: number;
  kind: 'note';
  instance: string;
  text: string;
}

export type TraceEvent = TaskAbiEvent | CanonEvent | TrapEvent | NoteEvent;

/** Distributes `Omit` over the union so each member keeps its own fields. */
export type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

export class Trace {
  /** Events kept by default: a runaway guest cannot grow a trace without bound (~100-200 bytes each). */
  static readonly DEFAULT_MAX_EVENTS = 1 << 18;
  readonly events: TraceEvent[] = [];
  /**
   * At most this many events are kept (then one note saying so); later ones
   * are counted in `dropped` (and still passed to subscribers).
   */
  maxEvents = Trace.DEFAULT_MAX_EVENTS;
  /** Events recorded after `maxEvents` was reached, not kept. */
  dropped = 0;
  private next = 1;
  private readonly listeners: ((e: TraceEvent) => void)[] = [];

  /**
   * @param canon record every canonical built-in call (verbose; off by default).
   * @param enabled record anything at all; a disabled trace costs one branch per event.
   */
  constructor(
    public canon = false,
    public enabled = true,
  ) {}

  push(event: WithoutSeq<TraceEvent>): void {
    if (!this.enabled) return;
    (event as TraceEvent).seq = this.next++;
    if (this.events.length < this.maxEvents) this.events.push(event as TraceEvent);
    else if (this.dropped++ === 0) {
      this.events.push({
        seq: this.next++,
        kind: 'note',
        instance: 'instance' in event && typeof event.instance === 'string' ? event.instance : '',
        text: `trace limit reached: ${this.maxEvents} events kept, later ones counted in Trace.dropped`,
      });
    }
    for (const l of this.listeners) l(event as TraceEvent);
  }

  /** Call `listener` on every event as it is recorded (tests use it to look at memory at that moment). */
  subscribe(listener: (e: TraceEvent) => void): void {
    this.listeners.push(listener);
  }

  note(instance: string, text: string): void {
    this.push({ kind: 'note', instance, text });
  }

  /** The task-ABI events only, in order. */
  taskAbi(): TaskAbiEvent[] {
    return this.events.filter((e): e is TaskAbiEvent => e.kind !== 'canon' && e.kind !== 'trap' && e.kind !== 'note');
  }

  clear(): void {
    this.events.length = 0;
    this.dropped = 0;
    this.next = 1;
  }
}
