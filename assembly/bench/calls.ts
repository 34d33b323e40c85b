// Benchmark 1: sequential async export calls. `spin(n)` is a callback-lifted
// export that runs the guest runtime's executor task (task struct + shared
// state, installed in the wasip3_task slot around every turn), answers YIELD
// `n` times, then calls `task.return(n)` and EXITs. Shared by the core-module
// bench build (index.ts) and the component built for jco (jco.ts).

import { CALLBACK_CODE_EXIT, CALLBACK_CODE_YIELD } from "../abi";
import { context_get_0, context_set_0 } from "../canon";
import { wasip3_task_set } from "../slot";
import { TaskState, taskNew, taskExit, TASK_LABEL_EXPORT } from "../task";

@external("[export]$root", "[task-return]spin")
declare function spinReturn(value: u32): void;

@unmanaged
class Spin {
  task: TaskState;
  left: u32;
  n: u32;
}

function spinTurn(s: Spin): u32 {
  const prev = wasip3_task_set(changetype<usize>(s.task));
  if (s.left == 0) {
    spinReturn(s.n);
    wasip3_task_set(prev);
    taskExit(s.task);
    heap.free(changetype<usize>(s));
    return CALLBACK_CODE_EXIT;
  }
  s.left--;
  wasip3_task_set(prev);
  return CALLBACK_CODE_YIELD;
}

export function lift__spin(n: u32): u32 {
  const s = changetype<Spin>(heap.alloc(offsetof<Spin>()));
  s.task = taskNew(TASK_LABEL_EXPORT);
  s.left = n;
  s.n = n;
  context_set_0(changetype<usize>(s));
  return spinTurn(s);
}

export function callback__spin(event: u32, waitable: u32, payload: u32): u32 {
  return spinTurn(changetype<Spin>(context_get_0()));
}
