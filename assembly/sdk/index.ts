// The public AssemblyScript API of wasip3-task-shim: async components on the
// project's guest runtime, with the wasip3 task ABI (V2 by default; V1 with
// `wasip3-task componentize --abi v1`, i.e. `--use ABI_VERSION=1`).
//
//   import { Future, ready, startTask, continueTask, StreamReader } from "wasip3-task-shim/assembly/sdk";
//
// The model (docs/assemblyscript.md): an async computation is a class
// extending `Future<T>` whose `poll()` advances it; streams, futures and
// import calls are futures too, polled from inside yours. Export glue starts
// a callback-lifted task with `startTask(future, onReturn)` in the
// `[async-lift]` function and continues it with `continueTask(...)` in the
// `[callback][async-lift]` one.

export { Pollable, Future, Ready, ready, JoinAll, join, joinAll, Yield, yield_ } from "./future";
export { TASK_ABI_VERSION, TaskGroup, startTask, continueTask, spawn, blockOn } from "./task";
export { Codec, isNumeric, elementSize } from "./codec";
export {
  StreamType, StreamReader, StreamWriter, StreamPair, StreamRead, StreamReadBytes, StreamWrite, Copy, streamNew,
} from "./stream";
export { FutureType, FutureReader, FutureWriter, FuturePair, FutureRead, FutureWrite, futureNew } from "./future-end";
export {
  Subtask, noResult, SUBTASK_STARTING, SUBTASK_STARTED, SUBTASK_RETURNED, SUBTASK_CANCELLED_BEFORE_STARTED,
  SUBTASK_CANCELLED_BEFORE_RETURNED,
} from "./subtask";
export {
  EVENT_NONE, EVENT_SUBTASK, EVENT_STREAM_READ, EVENT_STREAM_WRITE, EVENT_FUTURE_READ, EVENT_FUTURE_WRITE,
  EVENT_TASK_CANCELLED, CALLBACK_CODE_EXIT, CALLBACK_CODE_YIELD, CALLBACK_CODE_WAIT, BLOCKED, COPY_COMPLETED,
  COPY_DROPPED, COPY_CANCELLED,
} from "../abi";
