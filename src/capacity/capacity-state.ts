/**
 * The capacity state machine: agents, their status and capacity, the help queue and the
 * estimated wait time (DESIGN.md, "Capacity"; claims 13–16, 23–25, 32–33). Synchronous and
 * deterministic: the same changes, with the same `now`s and ids, leave the same state, which is
 * what lets every instance on a shared store keep a copy (`store/redis-capacity.ts`). The parts
 * use it through {@link Capacity} (`capacity.ts`), whose changes are asynchronous.
 *
 * - Agents come from `agents.list` and start `away`. `busy` and `away` both keep the
 *   conversations an agent holds but take no new ones; only `available` agents serve.
 * - Serving slots = Σ capacity of available agents. Used = their conversations, the shown and
 *   unanswered offers (each reserves a slot until `until`, compared lazily with `now`, no
 *   timers) and the queue. freeSlots = max(0, Σ_available max(0, capacity − conversations)
 *   − reserved − queueLength).
 * - EWT: see `promised-wait.ts` (cached by `_wait-cache.ts`); a queued visitor's place in line
 *   is their queue position, a newcomer's is reserved + queueLength + 1 (the shown offers and
 *   the queue go first).
 * - Whenever a slot frees, queued visitors are assigned first come, first served to the
 *   available agent with the fewest conversations (ties: config order) below its capacity.
 * - Bounded: live reservations ≤ `session.maxPinned`, queue ≤ `session.maxPinned` (plus the
 *   conversations of agents removed by a reload, which go back to the queue's head), assigned
 *   conversations ≤ Σ capacity.
 */
import { randomUUID } from 'node:crypto';
import type { Milliseconds } from '../config/units.js';
import {
  exponentialHandleTimes,
  type HandleTimeDistribution,
} from '../learning/handle-time-distribution.js';
import { createHelpQueue } from './_help-queue.js';
import { createReservations } from './_reservations.js';
import { createWaitCache } from './_wait-cache.js';
import {
  AGENT_STATUSES,
  type AgentStatus,
  type AgentView,
  type CapacityConfig,
  type CapacityDump,
  type CapacitySnapshot,
  type Conversation,
  type EnqueueRequest,
  MAX_AGENT_CAPACITY,
  MIN_AGENT_CAPACITY,
  type QueueTicket,
  type StateObserver,
  type TransferOutcome,
} from './capacity-types.js';

export * from './capacity-types.js';

export interface CapacityState {
  /**
   * (Re)loads `agents.list`: known ids keep their status, conversations and a capacity set
   * through the API; new ones start `away` with `capacity ?? defaultCapacity`. The
   * conversations of agents no longer listed go back to the head of the queue, in order.
   * `now` (default: the latest time seen) stamps assignments this causes.
   */
  configure(config: CapacityConfig, now?: number): void;
  /** Every agent, in config order. */
  agents(): AgentView[];
  agent(id: string): AgentView | undefined;
  /**
   * Changes an agent's status and/or capacity, then assigns queued visitors to freed slots.
   * `undefined` for an unknown id; throws a RangeError for a status or capacity out of range.
   */
  setAgent(
    id: string,
    change: { status?: AgentStatus; capacity?: number },
    now: number,
  ): AgentView | undefined;
  snapshot(now: number): CapacitySnapshot;
  /**
   * A shown offer holds a slot until `until` (its expiry) or {@link release}. Showing it again
   * moves `until`. False (nothing held) when `session.maxPinned` live reservations exist.
   * `now` (default: the latest time seen) decides which held ones have lapsed. With
   * `onlyIfFree`, a new reservation is held only while a slot is free: the check and the hold
   * are one step, so two offers cannot both take the last free slot. The check reads slots and
   * counts only, never the estimated wait, so every copy of the state decides alike.
   */
  reserve(offerId: string, sid: string, until: number, now?: number, onlyIfFree?: boolean): boolean;
  /** The offer was dismissed, expired or withdrawn: its slot is free again. */
  release(offerId: string): void;
  /**
   * An accepted offer: releases its reservation and makes a conversation, assigned at once
   * when the queue is empty and an available agent has room (the least loaded), else queued
   * at the tail. `null` when the queue is full (`session.maxPinned`); nothing changes then.
   * Accepting the same offer again returns the existing ticket.
   */
  enqueue(request: EnqueueRequest, now: number): QueueTicket | null;
  ticket(conversationId: string, now: number): QueueTicket | undefined;
  conversation(conversationId: string): Conversation | undefined;
  /** An agent's conversations, oldest assignment first (empty for an unknown id). */
  conversationsOf(agentId: string): Conversation[];
  /** The help queue, first in line first. */
  queued(): Conversation[];
  /** Every queued visitor's ticket, first in line first, worked out in one pass. */
  queuedTickets(now: number): QueueTicket[];
  /**
   * The queued visitor of this conversation is still there (a heartbeat or a page). One not
   * heard from for longer than `session.ttl` has left, and so has their session: their place
   * in the queue goes (checked at most once a second), so no agent is handed a visitor who is
   * gone and no later visitor waits behind them.
   */
  touch(conversationId: string, now: number): void;
  /**
   * Ends a conversation: a queued one just leaves the queue; an assigned one reports its
   * handle time (now − assignedAt) and frees its slot for the queue's head. False if unknown.
   */
  endConversation(conversationId: string, now: number): boolean;
  /**
   * Session `from` got the new id `to` (its customer signed in): its conversation and
   * reservations follow it, so the visitor keeps their place and the old id holds nothing.
   */
  moveSession(from: string, to: string): void;
  /**
   * Moves an assigned conversation to another agent, who must be available with room. Its
   * assignment time (and so its handle time) carries over.
   */
  transfer(conversationId: string, toAgentId: string, now: number): TransferOutcome;
  /**
   * Ends the queued conversations whose visitor left (see {@link touch}). Reads do it by
   * themselves unless `sweepOnReads` is off (a copy kept in step by a shared log, whose state
   * only logged changes may move).
   */
  sweep(now: number): void;
  /** Whether {@link sweep} at `now` would end anyone (so a shared log is not sent no-ops). */
  sweepDue(now: number): boolean;
  /** The whole state, as plain JSON (a shared store's snapshot). */
  dump(): CapacityDump;
  /** Replaces the whole state with a {@link dump}'s; no hook is called. */
  restore(dump: CapacityDump): void;
  /** Called for each visitor assigned to an agent, after the change is complete. */
  onAssigned?: ((conversation: Conversation) => void) | undefined;
  /** Adds hooks called after each change, as the options' are; returns their removal. */
  observe(observer: StateObserver): () => void;
}

export interface CapacityOptions {
  config: CapacityConfig;
  /** The current average handle time (learned, or `agents.averageHandleTime`). */
  averageHandleTime: () => Milliseconds;
  /** A finished conversation's handle time, to learn from. */
  onHandleTime: (ms: Milliseconds) => void;
  /**
   * The handle-time distribution given how long each assigned conversation has lasted (the
   * learned one); default: exponential with mean {@link averageHandleTime}.
   */
  handleTimes?: (runningAges: readonly Milliseconds[]) => HandleTimeDistribution;
  /** After anything that changes the snapshot (gauges, re-checking pending offers). */
  onChange?: () => void;
  onAssigned?: (conversation: Conversation) => void;
  /**
   * Whether reads (the snapshot, tickets, the queue) end the queued conversations whose visitor
   * left, at most once a second (default true). Off, only {@link CapacityState.sweep} does.
   */
  sweepOnReads?: boolean;
}

interface Agent {
  readonly id: string;
  name: string;
  status: AgentStatus;
  capacity: number;
  /** A capacity set through the API outlasts config reloads. */
  capacityFromApi: boolean;
  /** Conversation ids, in assignment order. */
  readonly conversations: Set<string>;
}

const view = (agent: Agent): AgentView => ({
  id: agent.id,
  name: agent.name,
  status: agent.status,
  capacity: agent.capacity,
  conversations: agent.conversations.size,
});

const copy = (conversation: Conversation): Conversation => ({
  ...conversation,
  reasons: [...conversation.reasons],
});

/** Throws a RangeError for a status or capacity an agent cannot have. */
function validate(change: { status?: AgentStatus; capacity?: number }): void {
  if (change.status !== undefined && !AGENT_STATUSES.includes(change.status)) {
    throw new RangeError(`not an agent status: ${String(change.status)}`);
  }
  const c = change.capacity;
  if (
    c !== undefined &&
    (!Number.isInteger(c) || c < MIN_AGENT_CAPACITY || c > MAX_AGENT_CAPACITY)
  ) {
    throw new RangeError(
      `capacity must be an integer from ${MIN_AGENT_CAPACITY} to ${MAX_AGENT_CAPACITY}`,
    );
  }
}

export function createCapacityState(options: CapacityOptions): CapacityState {
  const { averageHandleTime, onHandleTime, onChange } = options;
  let agents = new Map<string, Agent>();
  let maxPinned = options.config.session.maxPinned;
  const conversations = new Map<string, Conversation>();
  const byOffer = new Map<string, string>();
  const queue = createHelpQueue(options.config.session.ttl);
  const reservations = createReservations();
  /** The latest `now` any call brought, for the calls that take none. */
  let latest = 0;
  let confidence = options.config.gate.confidence;
  const handleTimes = options.handleTimes ?? (() => exponentialHandleTimes(averageHandleTime()));
  const waits = createWaitCache({
    *agents() {
      for (const agent of agents.values()) {
        const assignedAt = [...agent.conversations].map(
          (id) => conversations.get(id)?.assignedAt ?? null,
        );
        yield { status: agent.status, capacity: agent.capacity, assignedAt };
      }
    },
    handleTimes,
    confidence: () => confidence,
  });

  const seen = (now: number) => {
    if (now > latest) latest = now;
    return now;
  };

  function leastLoaded(): Agent | undefined {
    let best: Agent | undefined;
    for (const agent of agents.values()) {
      if (agent.status !== 'available' || agent.conversations.size >= agent.capacity) continue;
      if (best === undefined || agent.conversations.size < best.conversations.size) best = agent;
    }
    return best;
  }

  function assign(conversation: Conversation, agent: Agent, now: number, out: Conversation[]) {
    waits.invalidate();
    conversation.agentId = agent.id;
    conversation.assignedAt = now;
    agent.conversations.add(conversation.id);
    out.push(conversation);
  }

  function assignQueue(now: number, out: Conversation[]): void {
    dropAbandoned(now);
    while (queue.length > 0) {
      const agent = leastLoaded();
      if (agent === undefined) return;
      const conversation = conversations.get(queue.shift()!)!;
      assign(conversation, agent, now, out);
    }
  }

  const sweepOnReads = options.sweepOnReads ?? true;
  /** Before a read: ends the queued conversations whose visitor left, when reads may. */
  function dropAbandoned(now: number): void {
    if (sweepOnReads) sweepQueue(now);
  }

  /** Ends the queued conversations whose visitor left (see {@link CapacityState.touch}). */
  function sweepQueue(now: number): void {
    const gone = queue.sweep(now).map((id) => conversations.get(id)!);
    for (const conversation of gone) {
      byOffer.delete(conversation.offerId);
      conversations.delete(conversation.id);
    }
    for (const conversation of gone) {
      for (const observer of observers) observer.onAbandoned?.(copy(conversation));
    }
  }

  /** False while the factory runs, so no hook sees an object its caller has not got yet. */
  let ready = false;
  const observers = new Set<StateObserver>();

  /** Tells the hooks, once the state is consistent again. */
  function changed(assigned: Conversation[]): void {
    if (!ready) return;
    for (const conversation of assigned) {
      capacity.onAssigned?.(copy(conversation));
      for (const observer of observers) observer.onAssigned?.(copy(conversation));
    }
    tellChange();
  }

  function tellChange(): void {
    onChange?.();
    for (const observer of observers) observer.onChange?.();
  }

  function serving() {
    let agentsAvailable = 0;
    let servingSlots = 0;
    let held = 0;
    let open = 0;
    for (const agent of agents.values()) {
      if (agent.status !== 'available') continue;
      agentsAvailable += 1;
      servingSlots += agent.capacity;
      held += agent.conversations.size;
      open += Math.max(0, agent.capacity - agent.conversations.size);
    }
    return { agentsAvailable, servingSlots, conversations: held, open };
  }

  function ticketOf(conversation: Conversation): QueueTicket {
    if (conversation.agentId !== null) {
      return {
        conversationId: conversation.id,
        queuePosition: 0,
        estimatedWaitMs: 0,
        agentId: conversation.agentId,
      };
    }
    return waitingTicket(conversation.id, queue.placeOf(conversation.id));
  }

  /** The ticket of the visitor at `queuePosition` (1-based) in the queue. */
  function waitingTicket(conversationId: string, queuePosition: number, now = latest): QueueTicket {
    return {
      conversationId,
      queuePosition,
      estimatedWaitMs: waitAt(queuePosition, now),
      agentId: null,
    };
  }

  /** The promised wait of place `place` in line; `null` when no agent is available. */
  function waitAt(place: number, now: number): Milliseconds | null {
    return waits.at(place, now, queue.length + reservations.count(now));
  }

  const capacity: CapacityState = {
    onAssigned: options.onAssigned,

    configure(config, now = latest) {
      seen(now);
      waits.invalidate();
      maxPinned = config.session.maxPinned;
      confidence = config.gate.confidence;
      queue.setAbandonAfter(config.session.ttl);
      const next = new Map<string, Agent>();
      for (const listed of config.agents.list) {
        const known = agents.get(listed.id);
        const fromApi = known?.capacityFromApi ?? false;
        next.set(listed.id, {
          id: listed.id,
          name: listed.name ?? listed.id,
          status: known?.status ?? 'away',
          capacity:
            fromApi && known ? known.capacity : (listed.capacity ?? config.agents.defaultCapacity),
          capacityFromApi: fromApi,
          conversations: known?.conversations ?? new Set(),
        });
      }
      const requeued: string[] = [];
      for (const agent of agents.values()) {
        if (next.has(agent.id)) continue;
        for (const id of agent.conversations) {
          const conversation = conversations.get(id)!;
          conversation.agentId = null;
          conversation.assignedAt = null;
          requeued.push(id);
        }
      }
      agents = next;
      queue.prepend(requeued, now);
      const assigned: Conversation[] = [];
      assignQueue(now, assigned);
      changed(assigned);
    },

    agents: () => [...agents.values()].map(view),

    agent(id) {
      const agent = agents.get(id);
      return agent && view(agent);
    },

    setAgent(id, change, now) {
      seen(now);
      const agent = agents.get(id);
      if (agent === undefined) return undefined;
      validate(change);
      if (change.status !== undefined) agent.status = change.status;
      if (change.capacity !== undefined) {
        agent.capacity = change.capacity;
        agent.capacityFromApi = true;
      }
      waits.invalidate();
      const assigned: Conversation[] = [];
      assignQueue(now, assigned);
      changed(assigned);
      return view(agent);
    },

    snapshot(now) {
      seen(now);
      dropAbandoned(now);
      const { agentsAvailable, servingSlots, conversations: held, open } = serving();
      const reserved = reservations.count(now);
      const queueLength = queue.length;
      const freeSlots = Math.max(0, open - reserved - queueLength);
      const averageHandleTimeMs = averageHandleTime();
      return {
        agentsAvailable,
        servingSlots,
        conversations: held,
        reserved,
        queueLength,
        freeSlots,
        estimatedWaitMs:
          servingSlots === 0 ? null : freeSlots > 0 ? 0 : waitAt(reserved + queueLength + 1, now),
        averageHandleTimeMs,
      };
    },

    reserve(offerId, sid, until, now = latest, onlyIfFree = false) {
      seen(now);
      if (onlyIfFree && !reservations.holds(offerId)) {
        const { open } = serving();
        if (open - reservations.count(now) - queue.length <= 0) return false;
      }
      const held = reservations.hold(offerId, sid, until, now, maxPinned);
      if (held) tellChange();
      return held;
    },

    release(offerId) {
      if (reservations.release(offerId)) tellChange();
    },

    enqueue(request, now) {
      seen(now);
      dropAbandoned(now);
      const existing = byOffer.get(request.offerId);
      if (existing !== undefined) return ticketOf(conversations.get(existing)!);
      const agent = queue.length === 0 ? leastLoaded() : undefined;
      if (agent === undefined && queue.length >= maxPinned) return null;
      reservations.release(request.offerId);
      const conversation: Conversation = {
        id: request.conversationId ?? randomUUID(),
        sid: request.sid,
        offerId: request.offerId,
        reasons: [...request.reasons],
        path: request.path,
        agentId: null,
        queuedAt: now,
        assignedAt: null,
      };
      conversations.set(conversation.id, conversation);
      byOffer.set(conversation.offerId, conversation.id);
      const assigned: Conversation[] = [];
      if (agent === undefined) queue.push(conversation.id, now);
      else assign(conversation, agent, now, assigned);
      const ticket = ticketOf(conversation);
      changed(assigned);
      return ticket;
    },

    ticket(conversationId, now) {
      seen(now);
      dropAbandoned(now);
      const conversation = conversations.get(conversationId);
      return conversation && ticketOf(conversation);
    },

    conversation(conversationId) {
      const conversation = conversations.get(conversationId);
      return conversation && copy(conversation);
    },

    conversationsOf(agentId) {
      const agent = agents.get(agentId);
      if (agent === undefined) return [];
      return [...agent.conversations].map((id) => copy(conversations.get(id)!));
    },

    queuedTickets(now) {
      seen(now);
      dropAbandoned(now);
      return queue.ids().map((id, index) => waitingTicket(id, index + 1, now));
    },

    queued() {
      dropAbandoned(latest);
      return queue.ids().map((id) => copy(conversations.get(id)!));
    },

    touch(conversationId, now) {
      queue.touch(conversationId, seen(now));
    },

    endConversation(conversationId, now) {
      seen(now);
      const conversation = conversations.get(conversationId);
      if (conversation === undefined) return false;
      conversations.delete(conversationId);
      byOffer.delete(conversation.offerId);
      const assigned: Conversation[] = [];
      if (conversation.agentId === null) queue.remove(conversationId);
      else {
        waits.invalidate();
        agents.get(conversation.agentId)?.conversations.delete(conversationId);
        onHandleTime(Math.max(0, now - (conversation.assignedAt ?? now)));
        assignQueue(now, assigned);
      }
      changed(assigned);
      return true;
    },

    moveSession(from, to) {
      // A scan, not an index: sign-ins are rare beside heartbeats, and both maps are bounded.
      for (const conversation of conversations.values()) {
        if (conversation.sid === from) conversation.sid = to;
      }
      reservations.moveSession(from, to);
    },

    observe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },

    transfer(conversationId, toAgentId, now) {
      seen(now);
      const conversation = conversations.get(conversationId);
      if (conversation === undefined) return { ok: false, reason: 'unknown' };
      if (conversation.agentId === null) return { ok: false, reason: 'queued' };
      if (conversation.agentId === toAgentId) return { ok: false, reason: 'same-agent' };
      const to = agents.get(toAgentId);
      if (to === undefined) return { ok: false, reason: 'no-agent' };
      if (to.status !== 'available' || to.conversations.size >= to.capacity) {
        return { ok: false, reason: 'unavailable' };
      }
      waits.invalidate();
      agents.get(conversation.agentId)?.conversations.delete(conversationId);
      conversation.agentId = to.id;
      to.conversations.add(conversationId);
      // The giving agent's slot is free for the queue's head now.
      const assigned: Conversation[] = [];
      assignQueue(now, assigned);
      changed(assigned);
      return { ok: true, conversation: copy(conversation) };
    },

    sweep(now) {
      seen(now);
      const before = queue.length;
      sweepQueue(now);
      if (queue.length !== before) tellChange();
    },

    sweepDue: (now) => queue.sweepDue(now),

    dump() {
      const line = queue.dump();
      return {
        agents: [...agents.values()].map((agent) => ({
          id: agent.id,
          name: agent.name,
          status: agent.status,
          capacity: agent.capacity,
          capacityFromApi: agent.capacityFromApi,
          conversations: [...agent.conversations],
        })),
        conversations: [...conversations.values()].map(copy),
        queue: line.queue,
        heardAt: line.heardAt,
        reservations: reservations.entries(),
        sweptAt: line.sweptAt,
        latest,
      };
    },

    restore(dump) {
      waits.invalidate();
      conversations.clear();
      byOffer.clear();
      for (const conversation of dump.conversations) {
        conversations.set(conversation.id, copy(conversation));
        byOffer.set(conversation.offerId, conversation.id);
      }
      agents = new Map(
        dump.agents.map((agent) => [
          agent.id,
          { ...agent, conversations: new Set(agent.conversations) },
        ]),
      );
      queue.restore(dump, (id) => conversations.has(id));
      reservations.replace(dump.reservations);
      latest = dump.latest;
    },
  };

  capacity.configure(options.config);
  ready = true;
  return capacity;
}
