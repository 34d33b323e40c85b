// Callback-lifted async exports. Each `lift__<name>` / `callback__<name>` pair
// is renamed by the build transform to `[async-lift]<name>` and
// `[callback][async-lift]<name>` (underscores become hyphens).

import { context_get_0, context_set_0 } from "./canon";
import { EVENT_NONE } from "./abi";
import { TaskState, taskNew, exportTurn, TASK_LABEL_EXPORT } from "./task";
import { blockOnStaleNew } from "./scenarios/block-on-stale";

/** Start an export task around `root` and run its first turn. */
function startExport(root: usize): u32 {
  const task = taskNew(TASK_LABEL_EXPORT);
  task.root = root;
  context_set_0(changetype<usize>(task));
  return exportTurn(task, EVENT_NONE, 0, 0);
}

/** Later turns: the task comes back through context slot 0. */
function continueExport(event: u32, waitable: u32, payload: u32): u32 {
  return exportTurn(changetype<TaskState>(context_get_0()), event, waitable, payload);
}

export function lift__block_on_stale(): u32 {
  return startExport(blockOnStaleNew());
}
export function callback__block_on_stale(event: u32, waitable: u32, payload: u32): u32 {
  return continueExport(event, waitable, payload);
}
