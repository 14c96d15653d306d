/**
 * The shapes of the capacity part: agents, the snapshot the gate reads, queue tickets,
 * conversations' assignments, and the state a shared store carries (DESIGN.md, "Capacity").
 */
import type { Milliseconds } from '../config/units.js';

export type AgentStatus = 'available' | 'busy' | 'away';

/** Every status, in the order the API documents them. */
export const AGENT_STATUSES: readonly AgentStatus[] = ['available', 'busy', 'away'];

/** The bounds of an agent's capacity (concurrent conversations), as in the config. */
export const MIN_AGENT_CAPACITY = 1;
export const MAX_AGENT_CAPACITY = 100;

/** An agent as the APIs and the console show it. */
export interface AgentView {
  id: string;
  /** `name` from the config, else the id. */
  name: string;
  status: AgentStatus;
  capacity: number;
  /** Conversations the agent holds now, whatever its status. */
  conversations: number;
}

export interface CapacitySnapshot {
  /** Agents with status `available`. */
  agentsAvailable: number;
  /** Σ capacity of available agents. */
  servingSlots: number;
  /** Conversations held by available agents. */
  conversations: number;
  /** Shown, unanswered, unexpired offers. */
  reserved: number;
  /** Accepted visitors waiting for an agent. */
  queueLength: number;
  /** max(0, Σ_available max(0, capacity − conversations) − reserved − queueLength). */
  freeSlots: number;
  /** `null` when servingSlots = 0; 0 when freeSlots > 0; else the EWT of a newcomer. */
  estimatedWaitMs: Milliseconds | null;
  averageHandleTimeMs: Milliseconds;
}

/** Where an accepted visitor stands. */
export interface QueueTicket {
  conversationId: string;
  /** 1-based place in the queue; 0 = with an agent. */
  queuePosition: number;
  /** 0 with an agent; `null` while no agent is available. */
  estimatedWaitMs: Milliseconds | null;
  agentId: string | null;
}

/** A visitor's help request, from acceptance (queued) through assignment to its end. */
export interface Conversation {
  id: string;
  sid: string;
  offerId: string;
  /** Why help was offered (the triggers' reasons), for the agent. */
  reasons: string[];
  path: string;
  /** `null` while queued. */
  agentId: string | null;
  queuedAt: number;
  assignedAt: number | null;
}

/** What a part that follows the queue and the agents is told. */
export interface StateObserver {
  /** A visitor was assigned to an agent (from the queue, at once, or after a reload). */
  onAssigned?(conversation: Conversation): void;
  /** A queued visitor not heard from for longer than `session.ttl` lost their place. */
  onAbandoned?(conversation: Conversation): void;
  /** Anything that changes the snapshot or the queue changed. */
  onChange?(): void;
}

/** An accepted offer, for {@link CapacityState.enqueue}. */
export interface EnqueueRequest {
  offerId: string;
  sid: string;
  reasons: string[];
  path: string;
  /** The new conversation's id; a random UUID when absent. */
  conversationId?: string;
}

/** The state of {@link CapacityState.dump}: everything that decides what happens next. */
export interface CapacityDump {
  agents: {
    id: string;
    name: string;
    status: AgentStatus;
    capacity: number;
    capacityFromApi: boolean;
    conversations: string[];
  }[];
  conversations: Conversation[];
  queue: string[];
  heardAt: [string, number][];
  reservations: [string, { sid: string; until: number }][];
  sweptAt: number | null;
  latest: number;
}

export type TransferOutcome =
  | { ok: true; conversation: Conversation }
  | { ok: false; reason: 'unknown' | 'queued' | 'same-agent' | 'no-agent' | 'unavailable' };

/** The keys of the config the capacity part reads (agents' tokens are not among them). */
export interface CapacityConfig {
  agents: {
    list: readonly { id: string; name?: string | undefined; capacity?: number | undefined }[];
    defaultCapacity: number;
  };
  session: { maxPinned: number; ttl: Milliseconds };
  gate: { confidence: number };
}

/** The capacity keys of `config` alone, as plain JSON (no tokens): what a shared log carries. */
export function capacityConfigOf(config: CapacityConfig): CapacityConfig {
  return {
    agents: {
      list: config.agents.list.map(({ id, name, capacity }) => ({ id, name, capacity })),
      defaultCapacity: config.agents.defaultCapacity,
    },
    session: { maxPinned: config.session.maxPinned, ttl: config.session.ttl },
    gate: { confidence: config.gate.confidence },
  };
}
