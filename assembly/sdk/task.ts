// Tasks of the public API: a callback-lifted export task, `spawn`, and
// `blockOn`, on top of the runtime's executor (../task.ts), which publishes
// the wasip3 task ABI (V2 by default, V1 with `--use ABI_VERSION=1`).
//
// The runtime's executor polls one unmanaged root future per task. Here the
// root is a `TaskGroup`: the export's own future (returned through the
// glue's return function as soon as it is ready) plus whatever was spawned
// into the task; the task exits once all of them are done and no waitable
// is registered any more.

import { Future as RtFuture } from "../future";
import { EVENT_NONE, CALLBACK_CODE_EXIT } from "../abi";
import { context_get_0, context_set_0 } from "../canon";
import { TaskState, taskNew, exportTurn, blockOn as rtBlockOn, TASK_LABEL_EXPORT, takeYield, pollOnce } from "../task";
import { currentTaskStruct } from "../slot";
import { Pollable, Future } from "./future";

/** The task ABI version this build publishes and its importer understands (1 or 2). */
export const TASK_ABI_VERSION: i32 = ABI_VERSION;

/** The futures of one task: the root (returned through `onReturn`) and the spawned ones. */
export class TaskGroup {
  root: Pollable | null;
  /** fn(root): the export's task.return with the lowered `root.value`; 0 for none (blockOn). */
  onReturn: u32;
  returned: bool = false;
  spawned: Array<Pollable> = new Array<Pollable>();
  /** Inside blockOn: a yield polls the waitables without blocking, then polls again. */
  nested: bool;
  constructor(root: Pollable, onReturn: u32, nested: bool) {
    this.root = root;
    this.onReturn = onReturn;
    this.nested = nested;
  }
}

/** The runtime's view of a group: an unmanaged future header. */
@unmanaged
class GroupFuture extends RtFuture {
  group: usize;
}

/** The group being polled (what `spawn` adds to). */
let currentGroup: TaskGroup | null = null;

function pollGroupOnce(g: TaskGroup): bool {
  const root = g.root;
  if (root !== null && root.poll()) {
    g.root = null;
    if (g.onReturn != 0) call_indirect<void>(g.onReturn, changetype<usize>(root));
    g.returned = true;
  }
  const s = g.spawned;
  for (let i = 0; i < s.length; i++) {
    if (s[i].poll()) {
      // Order does not matter: move the last one here and poll it next.
      const last = s.pop();
      if (i < s.length) {
        s[i] = last;
        i--;
      }
    }
  }
  return g.returned && s.length == 0;
}

function groupPoll(self: usize): bool {
  const g = changetype<TaskGroup>(changetype<GroupFuture>(self).group);
  const prev = currentGroup;
  currentGroup = g;
  let done = pollGroupOnce(g);
  if (g.nested) {
    // blockOn cannot end its turn with YIELD: deliver what is ready without
    // blocking, then poll again, while some future asked to yield.
    while (!done && takeYield()) {
      pollOnce(changetype<TaskState>(currentTaskStruct()).shared);
      done = pollGroupOnce(g);
    }
  }
  currentGroup = prev;
  return done;
}

function groupDrop(self: usize): void {
  const h = changetype<GroupFuture>(self);
  const g = changetype<TaskGroup>(h.group);
  const root = g.root;
  if (root !== null) {
    g.root = null;
    root.cancel();
  }
  const s = g.spawned;
  while (s.length != 0) s.pop().cancel();
  __unpin(h.group);
  heap.free(self);
}

function noReturn(output: u32): void {}

function groupFuture(g: TaskGroup): usize {
  const h = changetype<GroupFuture>(heap.alloc(offsetof<GroupFuture>()));
  memory.fill(changetype<usize>(h), 0, offsetof<GroupFuture>());
  h.pollFn = groupPoll.index;
  h.dropFn = groupDrop.index;
  h.group = __pin(changetype<usize>(g));
  return changetype<usize>(h);
}

// The minimal runtime's collector runs when the stack holds no managed
// reference the collector cannot see: at the end of an export turn, every
// COLLECT_EVERY turns and whenever a task exits. Everything a task uses is
// reachable from its pinned group.
const COLLECT_EVERY: u32 = 64;
let turns: u32 = 0;

function afterTurn(code: u32): u32 {
  if (code == CALLBACK_CODE_EXIT || ++turns >= COLLECT_EVERY) {
    turns = 0;
    __collect();
  }
  return code;
}

/**
 * Start a callback-lifted export task: the body of the glue's
 * `[async-lift]` function. `root` is the user's future for the export;
 * once it is ready, `onReturn(root)` is called with the task installed, and
 * must call the export's `[task-return]` import with the lowered
 * `root.value` (generated glue supplies it). Returns the callback code of
 * the first turn (the `[async-lift]` function's result).
 */
export function startTask<T>(root: Future<T>, onReturn: (root: Future<T>) => void): u32 {
  const task = taskNew(TASK_LABEL_EXPORT);
  task.root = groupFuture(new TaskGroup(root, onReturn.index, false));
  task.returnFn = noReturn.index;
  context_set_0(changetype<usize>(task));
  return afterTurn(exportTurn(task, EVENT_NONE, 0, 0));
}

/**
 * The body of the glue's `[callback][async-lift]` function: one more turn
 * of the task started by `startTask` (found in context slot 0).
 */
export function continueTask(event: u32, waitable: u32, payload: u32): u32 {
  return afterTurn(exportTurn(changetype<TaskState>(context_get_0()), event, waitable, payload));
}

/**
 * Run `f` alongside the current task's own future, in the same task: it is
 * polled on every turn, and the task does not exit before it is done (an
 * export may return first). Only inside a task (an export's poll or a
 * `blockOn`); cancelling the task cancels it.
 */
export function spawn(f: Pollable): void {
  const g = currentGroup;
  if (g === null) throw new Error("spawn: no task is running (call it from a future's poll or inside blockOn)");
  g.spawned.push(f);
}

/**
 * Run `f` to completion in a nested task that blocks in
 * `waitable-set.wait` (the canonical ABI's blocking wait: allowed in a
 * synchronous export, at top level, or in an async export that may block),
 * and return its value. Futures spawned inside run in the nested task and
 * finish before it returns.
 */
export function blockOn<T>(f: Future<T>): T {
  const g = new TaskGroup(f, 0, true);
  rtBlockOn(groupFuture(g));
  return f.value;
}
