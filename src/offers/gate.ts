/**
 * The capacity gate (claims 13–16, 24, 32): whether an offer whose trigger fired may go out
 * now. Pure: the capacity snapshot and the current maxWait come in, a yes or no goes out.
 */
import type { Config } from '../config/schema.js';
import type { Milliseconds } from '../config/units.js';

/** What the gate looks at (a part of the capacity snapshot). */
export interface GateInput {
  freeSlots: number;
  /** `null` when no agent is available (no serving slots): the wait is unknown. */
  estimatedWaitMs: number | null;
}

/**
 * `available`: only while a slot is free (claim 13). `within`: a slot is free, or the
 * estimated wait is at or below maxWait (claims 14, 15; maxWait learned: 16). `always`: no
 * gate. With no agent available the wait is unknown and both gated modes stay closed.
 */
export function gateOpen(
  mode: Config['gate']['mode'],
  capacity: GateInput,
  maxWaitMs: Milliseconds,
): boolean {
  if (mode === 'always') return true;
  if (capacity.estimatedWaitMs === null) return false;
  if (capacity.freeSlots > 0) return true;
  return mode === 'within' && capacity.estimatedWaitMs <= maxWaitMs;
}
