import type { GuestScenario } from './run.js';

/** wit-bindgen #1618: a stale registration left behind by `block_on` (ABI.md section 5). */
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
};
