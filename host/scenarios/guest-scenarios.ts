import type { GuestScenario } from './run.js';
import { blockOnStale as matrixBlockOnStale, dropOutsideTask as matrixDropOutsideTask, movedWaitable as matrixMovedWaitable } from '../matrix/scenarios.js';

// The guest's scenario exports (assembly/scenarios/), as the embedded host and
// jco run them. Each returns one u32 on pass; on V1 the three bug scenarios
// trap in the guest with the violation in the message.

/** wit-bindgen #1618: a stale registration left behind by `block_on` (docs/task-abi.md, "The #1618 bug, step by step"). */
export const blockOnStale: GuestScenario = {
  name: 'block-on-stale',
  summary: 'block_on moves a blocked write to a nested task; V1 leaves its registration behind in the export task',
  steps: [
    'w1 = write(H, [1]) polled once in the export task: blocked, registers H',
    'block_on(join(w1, read(R2))) in a nested task: w1 registers H there, completes, is freed',
    'w2 = write(H, [2]) polled in the export task: waitable_register must find no entry',
  ],
  expectedResult: [(1 << 8) | 2],
  expected: { v1: 'reproduced', v2: 'pass' },
  bug: matrixBlockOnStale.bug,
};

export const control: GuestScenario = {
  name: 'control',
  summary: 'a stream round trip within one task',
  steps: [],
  expectedResult: [7],
  expected: { v1: 'pass', v2: 'pass' },
};

export const movedWaitable: GuestScenario = {
  name: 'moved-waitable',
  summary: 'a write registered in the export task is polled again in block_on and completes there',
  steps: [
    'w = write(H, [1]) polled once in the export task: blocked, registers H',
    'block_on(join(w, read(R2))): w is polled in the nested task and completes there',
    'the export completes: no registration may remain in it',
  ],
  expectedResult: [1],
  expected: { v1: 'reproduced', v2: 'pass' },
  bug: matrixMovedWaitable.bug,
};

export const dropOutsideTask: GuestScenario = {
  name: 'drop-outside-task',
  summary: 'a write registered in the export task is dropped, half finished, inside block_on',
  steps: [
    'w = write(H, [1]) polled once in the export task: blocked, registers H',
    'block_on(drop w): the half-finished write is dropped while the nested task is current',
    'the export completes: no registration may remain in it',
  ],
  expectedResult: [1],
  expected: { v1: 'reproduced', v2: 'pass' },
  bug: matrixDropOutsideTask.bug,
};
