// Callback-lifted async exports, one per scenario. Each `lift__<name>` /
// `callback__<name>` pair is renamed by the build transform to
// `[async-lift]<name>` and `[callback][async-lift]<name>` (underscores become
// hyphens). Each export returns one u32 through its `task.return`.

import { context_get_0, context_set_0 } from "./canon";
import { EVENT_NONE } from "./abi";
import { TaskState, taskNew, exportTurn, TASK_LABEL_EXPORT } from "./task";
import { blockOnStaleNew } from "./scenarios/block-on-stale";
import { controlNew } from "./scenarios/control";
import { movedWaitableNew } from "./scenarios/moved-waitable";
import { dropOutsideTaskNew } from "./scenarios/drop-outside-task";

@external("[export]$root", "[task-return]block-on-stale")
declare function returnBlockOnStale(value: u32): void;
@external("[export]$root", "[task-return]control")
declare function returnControl(value: u32): void;
@external("[export]$root", "[task-return]moved-waitable")
declare function returnMovedWaitable(value: u32): void;
@external("[export]$root", "[task-return]drop-outside-task")
declare function returnDropOutsideTask(value: u32): void;

// Imported functions have no table index; these wrappers do.
function returnBlockOnStaleFn(v: u32): void { returnBlockOnStale(v); }
function returnControlFn(v: u32): void { returnControl(v); }
function returnMovedWaitableFn(v: u32): void { returnMovedWaitable(v); }
function returnDropOutsideTaskFn(v: u32): void { returnDropOutsideTask(v); }

/** Start an export task around `root` and run its first turn. */
function startExport(root: usize, returnFn: u32): u32 {
  const task = taskNew(TASK_LABEL_EXPORT);
  task.root = root;
  task.returnFn = returnFn;
  context_set_0(changetype<usize>(task));
  return exportTurn(task, EVENT_NONE, 0, 0);
}

/** Later turns: the task comes back through context slot 0. */
function continueExport(event: u32, waitable: u32, payload: u32): u32 {
  return exportTurn(changetype<TaskState>(context_get_0()), event, waitable, payload);
}

export function lift__block_on_stale(): u32 {
  return startExport(blockOnStaleNew(), returnBlockOnStaleFn.index);
}
export function callback__block_on_stale(event: u32, waitable: u32, payload: u32): u32 {
  return continueExport(event, waitable, payload);
}
export function lift__control(): u32 {
  return startExport(controlNew(), returnControlFn.index);
}
export function callback__control(event: u32, waitable: u32, payload: u32): u32 {
  return continueExport(event, waitable, payload);
}
export function lift__moved_waitable(): u32 {
  return startExport(movedWaitableNew(), returnMovedWaitableFn.index);
}
export function callback__moved_waitable(event: u32, waitable: u32, payload: u32): u32 {
  return continueExport(event, waitable, payload);
}
export function lift__drop_outside_task(): u32 {
  return startExport(dropOutsideTaskNew(), returnDropOutsideTaskFn.index);
}
export function callback__drop_outside_task(event: u32, waitable: u32, payload: u32): u32 {
  return continueExport(event, waitable, payload);
}
