/**
 * The promised waits of the places in line (see {@link promisedWaits}), worked out for every
 * place at once and kept until agents or conversations change, or for
 * {@link WAIT_RESOLUTION_MS}: the chats' ages are taken at the start of that span. A gate
 * decision happens on every heartbeat, and a computation takes milliseconds.
 */
import type { Milliseconds } from '../config/units.js';
import type { HandleTimeDistribution } from '../learning/handle-time-distribution.js';
import type { AgentStatus } from './capacity-types.js';
import { promisedWaits, type ServingAgent } from './promised-wait.js';

/**
 * While nothing else changes, the promised waits are worked out again this often, as the
 * running chats age (two heartbeat intervals by default).
 */
export const WAIT_RESOLUTION_MS = 10_000;

/** What the waits are worked out from, read when they are. */
export interface WaitInputs {
  /** Every agent with the times its conversations were assigned (`null`: not yet). */
  agents(): Iterable<{ status: AgentStatus; capacity: number; assignedAt: (number | null)[] }>;
  handleTimes(running: Milliseconds[]): HandleTimeDistribution;
  confidence(): number;
}

export interface WaitCache {
  /**
   * The promised wait of place `place` (1-based); `null` when no agent is available.
   * `ahead` is how many places are taken now (reservations and the queue): that many and a
   * few more are worked out together, so the next visitors need no computation of their own.
   */
  at(place: number, now: number, ahead: number): Milliseconds | null;
  /**
   * What the slots free at changed (an assignment, an end, an agent's status or capacity, a
   * reload): the next ask works the waits out again. The queue growing is not such a change.
   */
  invalidate(): void;
}

export function createWaitCache(inputs: WaitInputs): WaitCache {
  let version = 0;
  let waits: { version: number; tick: number; places: Milliseconds[] } | undefined;
  return {
    at(place, now, ahead) {
      const tick = Math.floor(now / WAIT_RESOLUTION_MS);
      if (
        waits === undefined ||
        waits.version !== version ||
        waits.tick !== tick ||
        waits.places.length < place
      ) {
        const at = tick * WAIT_RESOLUTION_MS;
        const running: Milliseconds[] = [];
        const serving: ServingAgent[] = [];
        for (const agent of inputs.agents()) {
          const ages = agent.assignedAt.map((assigned) => Math.max(0, at - (assigned ?? at)));
          running.push(...ages);
          if (agent.status === 'available') serving.push({ capacity: agent.capacity, ages });
        }
        waits = {
          version,
          tick,
          places: promisedWaits({
            agents: serving,
            // Every place in line at once (a queue revision asks for each), and a few to spare.
            places: Math.max(place, ahead + 1) + 3,
            distribution: inputs.handleTimes(running),
            confidence: inputs.confidence(),
          }),
        };
      }
      if (waits.places.length === 0) return null;
      return waits.places[place - 1] ?? null;
    },
    invalidate() {
      version++;
    },
  };
}
