import type { Milliseconds } from '../config/units.js';

/**
 * The estimated wait of a visitor at queue `position` (1-based) when `servingSlots` slots serve
 * the queue and every conversation takes `averageHandleTime`: the slots free in waves of at
 * most `servingSlots`, so the visitor is served by the end of wave ⌈position / servingSlots⌉.
 *
 * `EWT(p) = ⌈p / S⌉ × AHT`. `null` when nothing serves (`S = 0`): the wait is unknown.
 * A position below 1 means a slot is free now: 0.
 */
export function estimatedWait(
  position: number,
  servingSlots: number,
  averageHandleTime: Milliseconds,
): Milliseconds | null {
  if (servingSlots <= 0) return null;
  if (position < 1) return 0;
  return Math.ceil(position / servingSlots) * averageHandleTime;
}
