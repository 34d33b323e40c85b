/**
 * The task-ABI invariants, checked from a trace after a run (docs/trace.md,
 * "The invariants and their violation kinds"; the contracts behind them are in
 * docs/task-abi.md, "Contracts"):
 *
 * - every `clone` is matched by exactly one `drop`; no `drop` without a live
 *   reference; a shared state is freed when its count reaches 0 and never
 *   touched after;
 * - no registration is left in a task once that task has exited;
 * - no callback or returned `prev` points into freed memory, and a `prev`
 *   returned by `waitable_register` is the caller's own `cb_ptr` from a
 *   registration it made;
 * - each registration ends in exactly one callback or an unregister.
 *
 * The checker replays the events against a model of every task's waitable
 * map and every completion status's lifetime (with a generation per address,
 * so a reused address is not mistaken for the old block).
 */
import { GuestViolation, TaskLabel, type TaskAbiEvent, type TraceEvent } from './trace.js';
import { hex, type Violation, type ViolationKind } from './violation.js';

interface ModelEntry {
  cbPtr: number;
  /** Generation of the status at `cbPtr` when the entry was made. */
  gen: number;
  seq: number;
}

interface ModelTask {
  instance: string;
  ptr: number;
  name: string;
  live: boolean;
  exited: boolean;
  refs: number;
  clones: number;
  drops: number;
  entries: Map<number, ModelEntry>;
}

interface ModelStatus {
  live: boolean;
  gen: number;
}

export interface CheckOptions {
  /** Run the end-of-run checks (leaked clones, registrations never resolved). Default true. */
  endOfRun?: boolean;
}

/** Names tasks E1, E2… (export tasks), B1… (block_on), H1… (host executors), T1… (other). */
export class TaskNames {
  private readonly names = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  assign(instance: string, ptr: number, label: number): string {
    const prefix = label === TaskLabel.EXPORT ? 'E' : label === TaskLabel.BLOCK_ON ? 'B' : label === TaskLabel.HOST ? 'H' : 'T';
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    const name = `${prefix}${n}`;
    this.names.set(`${instance}:${ptr}`, name);
    return name;
  }

  get(instance: string, ptr: number): string {
    return this.names.get(`${instance}:${ptr}`) ?? `task ${hex(ptr)}`;
  }

  /** For diagrams: `${instance}:${ptr}` -> name. */
  asMap(): ReadonlyMap<string, string> {
    return this.names;
  }
}

export class InvariantChecker {
  readonly violations: Violation[] = [];
  readonly names = new TaskNames();
  private readonly tasks = new Map<string, ModelTask>();
  private readonly statuses = new Map<string, ModelStatus>();

  /** Replay a whole trace and return the violations found. */
  static check(events: readonly TraceEvent[], opts: CheckOptions = {}): InvariantChecker {
    const c = new InvariantChecker();
    for (const e of events) if (isTaskAbi(e)) c.step(e);
    if (opts.endOfRun ?? true) c.finish();
    return c;
  }

  private report(kind: ViolationKind, e: { instance: string; seq?: number }, task: number, waitable: number, ptr: number, message: string): void {
    this.violations.push({ kind, instance: e.instance, task, waitable, ptr, seq: e.seq, message });
  }

  private key(instance: string, ptr: number): string {
    return `${instance}:${ptr}`;
  }

  private task(e: TaskAbiEvent, what: string): ModelTask | undefined {
    const t = this.tasks.get(this.key(e.instance, e.task));
    if (!t) return undefined;
    if (!t.live) {
      this.report('bad-drop', e, e.task, e.waitable, e.task, `${what} on ${t.name} (${hex(t.ptr)}) after its shared state was freed`);
      return undefined;
    }
    return t;
  }

  private status(instance: string, ptr: number): ModelStatus | undefined {
    return this.statuses.get(this.key(instance, ptr));
  }

  /** Where else the registration of `cbPtr` for waitable `w` lives. */
  private holderOf(instance: string, w: number, cbPtr: number, except: ModelTask | undefined): ModelTask | undefined {
    for (const t of this.tasks.values()) {
      if (t === except || t.instance !== instance) continue;
      const entry = t.entries.get(w);
      if (entry && entry.cbPtr === cbPtr) return t;
    }
    return undefined;
  }

  step(e: TaskAbiEvent): void {
    switch (e.kind) {
      case 'task_new': {
        const nm = this.names.assign(e.instance, e.task, e.extra);
        this.tasks.set(this.key(e.instance, e.task), {
          instance: e.instance, ptr: e.task, name: nm, live: true, exited: false, refs: 1, clones: 0, drops: 0, entries: new Map(),
        });
        break;
      }
      case 'clone': {
        const t = this.task(e, 'clone');
        if (!t) break;
        t.clones++;
        t.refs++;
        break;
      }
      case 'drop': {
        const t = this.task(e, 'drop');
        if (!t) break;
        t.drops++;
        if (t.drops > t.clones) this.report('bad-drop', e, t.ptr, 0, t.ptr, `drop on ${t.name} without a live cloned reference (${t.drops} drops, ${t.clones} clones)`);
        t.refs--;
        break;
      }
      case 'task_exit': {
        const t = this.task(e, 'exit');
        if (!t) break;
        t.exited = true;
        t.refs--;
        for (const [w, entry] of t.entries) {
          this.report('registration-left-behind', e, t.ptr, w, entry.cbPtr,
            `${t.name} exited with waitable ${w} still registered (cb_ptr ${hex(entry.cbPtr)}, registered at #${entry.seq})`);
        }
        t.entries.clear();
        break;
      }
      case 'task_free': {
        const t = this.tasks.get(this.key(e.instance, e.task));
        if (!t) break;
        if (!t.live) {
          this.report('bad-drop', e, t.ptr, 0, t.ptr, `${t.name} freed twice`);
          break;
        }
        if (t.refs !== 0) this.report('bad-drop', e, t.ptr, 0, t.ptr, `${t.name} freed with ${t.refs} references outstanding`);
        t.live = false;
        break;
      }
      case 'status_new': {
        const k = this.key(e.instance, e.ptr);
        const s = this.statuses.get(k);
        this.statuses.set(k, { live: true, gen: (s?.gen ?? 0) + 1 });
        break;
      }
      case 'status_free': {
        const s = this.status(e.instance, e.ptr);
        if (s) s.live = false;
        break;
      }
      case 'register': {
        const t = this.task(e, 'waitable_register');
        if (!t) break;
        const w = e.waitable;
        const cbPtr = e.ptr;
        const prev = e.extra;
        const old = t.entries.get(w);
        if (prev !== 0) this.checkPrev(e, t, old, cbPtr, prev);
        else if (old) {
          this.report('stale-registration', e, t.ptr, w, old.cbPtr, `waitable_register on ${t.name} returned NULL, but the model holds cb_ptr ${hex(old.cbPtr)} for waitable ${w}`);
        }
        const s = this.status(e.instance, cbPtr);
        t.entries.set(w, { cbPtr, gen: s?.gen ?? 0, seq: e.seq });
        break;
      }
      case 'unregister': {
        const t = this.task(e, 'waitable_unregister');
        if (!t) break;
        const w = e.waitable;
        const cbPtr = e.ptr;
        const prev = e.extra;
        const entry = t.entries.get(w);
        t.entries.delete(w);
        if (prev !== 0 && prev !== cbPtr) {
          this.report('wrong-task-unregister', e, t.ptr, w, prev,
            `operation ${hex(cbPtr)} unregistered waitable ${w} from ${t.name} and removed another operation's entry (cb_ptr ${hex(prev)})`);
        }
        if (!entry) {
          const holder = this.holderOf(e.instance, w, cbPtr, t);
          if (holder) {
            this.report('wrong-task-unregister', e, t.ptr, w, cbPtr,
              `operation ${hex(cbPtr)} unregistered waitable ${w} through ${t.name}, but its registration is in ${holder.name}: the entry there stays`);
          }
        }
        break;
      }
      case 'callback': {
        const t = this.tasks.get(this.key(e.instance, e.task));
        const s = this.status(e.instance, e.ptr);
        if (s && !s.live) {
          this.report('use-after-free', e, e.task, e.waitable, e.ptr, `callback for waitable ${e.waitable} into freed completion status ${hex(e.ptr)}`);
        }
        if (!t) break;
        const entry = t.entries.get(e.waitable);
        if (!entry || entry.cbPtr !== e.ptr) {
          this.report('callback-count', e, t.ptr, e.waitable, e.ptr, `${t.name} called back waitable ${e.waitable} (cb_ptr ${hex(e.ptr)}) without a matching registration`);
        }
        t.entries.delete(e.waitable);
        break;
      }
      case 'guest_violation': {
        // The guest's own exit check: the model cannot see it otherwise, since the task never exits.
        if (e.extra !== GuestViolation.REGISTRATION_LEFT_BEHIND) break;
        const t = this.tasks.get(this.key(e.instance, e.task));
        const name = t?.name ?? `task ${hex(e.task)}`;
        this.report('registration-left-behind', e, e.task, e.waitable, e.ptr,
          `${name} cannot exit: waitable ${e.waitable} is still registered with cb_ptr ${hex(e.ptr)}, a freed completion status (left behind by an operation that moved on or was dropped in another task)`);
        t?.entries.delete(e.waitable);
        break;
      }
      case 'slot_set':
        break;
    }
  }

  private checkPrev(e: TaskAbiEvent, t: ModelTask, old: ModelEntry | undefined, cbPtr: number, prev: number): void {
    const w = e.waitable;
    const s = this.status(e.instance, prev);
    const where = `waitable_register(${t.name}, waitable ${w}) returned prev ${hex(prev)}`;
    if (old && old.cbPtr === prev && s && (!s.live || s.gen !== old.gen)) {
      const how = s.live ? 'freed and reused since' : 'freed since';
      this.report('use-after-free', e, t.ptr, w, prev,
        `${where}: a stale entry from #${old.seq} whose completion status was ${how}: it points into freed memory (wit-bindgen #1618)`);
      return;
    }
    if (prev !== cbPtr) {
      this.report('stale-registration', e, t.ptr, w, prev, `${where}, not the caller's cb_ptr ${hex(cbPtr)} (wit-bindgen #1618)`);
    }
  }

  /** End of run: clones never dropped, registrations never resolved. */
  finish(): void {
    for (const t of this.tasks.values()) {
      if (t.clones > t.drops) {
        this.report('clone-leaked', { instance: t.instance }, t.ptr, 0, t.ptr, `${t.name}: ${t.clones - t.drops} cloned reference(s) never dropped`);
      }
      if (t.exited) continue;
      for (const [w, entry] of t.entries) {
        this.report('callback-count', { instance: t.instance }, t.ptr, w, entry.cbPtr,
          `${t.name}: waitable ${w} (cb_ptr ${hex(entry.cbPtr)}, registered at #${entry.seq}) was never called back nor unregistered`);
      }
    }
  }
}

function isTaskAbi(e: TraceEvent): e is TaskAbiEvent {
  return e.kind !== 'canon' && e.kind !== 'trap' && e.kind !== 'note';
}
