import { blockOnStale, control, dropOutsideTask, movedWaitable } from './guest-scenarios.js';
import type { GuestScenario } from './run.js';

/** The scenarios the guest exports, in matrix column order. */
export const guestScenarios: readonly GuestScenario[] = [control, blockOnStale, dropOutsideTask, movedWaitable];

export function findGuestScenario(name: string): GuestScenario | undefined {
  return guestScenarios.find((s) => s.name === name);
}
