// The one process-wide task slot (docs/task-abi.md, "The slot"). In C it is a weak symbol
// shared by every runtime copy in the component; here it is exported so the
// host's task-ABI driver can play another runtime in the same component.

import { Wasip3Task } from "./abi";
import { trace, TRACE_SLOT_SET } from "./trace";

let currentTask: usize = 0;

/** Swap: store `task`, return the previous value. Getter and setter at once. */
export function wasip3_task_set(task: usize): usize {
  const prev = currentTask;
  currentTask = task;
  trace(TRACE_SLOT_SET, task != 0 ? changetype<Wasip3Task>(task).ptr : 0, 0, task, prev);
  return prev;
}

/** Read the slot the way the ABI says: swap with NULL, then put the value back. */
export function currentTaskStruct(): usize {
  const task = wasip3_task_set(0);
  wasip3_task_set(task);
  return task;
}
