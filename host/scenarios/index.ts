import { blockOnStale } from './block-on-stale.js';
import type { GuestScenario } from './run.js';

/** The scenarios the guest exports, in matrix column order. */
export const guestScenarios: readonly GuestScenario[] = [blockOnStale];

export function findGuestScenario(name: string): GuestScenario | undefined {
  return guestScenarios.find((s) => s.name === name);
}
