/**
 * Capacity as the parts use it (DESIGN.md, "Capacity"): reads answer at once from this
 * process's state; changes are asynchronous, because on a shared store they are ordered across
 * every instance before they apply (`store/redis-capacity.ts`). The memory store applies them
 * at once ({@link createCapacity}). The rules themselves live in one place,
 * {@link createCapacityState}, whichever store runs.
 */
import {
  type AgentStatus,
  type AgentView,
  type CapacityConfig,
  type CapacityOptions,
  type CapacitySnapshot,
  type CapacityState,
  type Conversation,
  createCapacityState,
  type EnqueueRequest,
  type QueueTicket,
  type TransferOutcome,
} from './capacity-state.js';

export {
  AGENT_STATUSES,
  type AgentStatus,
  type AgentView,
  type CapacityConfig,
  type CapacityDump,
  type CapacityOptions,
  type CapacitySnapshot,
  type CapacityState,
  type Conversation,
  capacityConfigOf,
  createCapacityState,
  type EnqueueRequest,
  MAX_AGENT_CAPACITY,
  MIN_AGENT_CAPACITY,
  type QueueTicket,
  type TransferOutcome,
} from './capacity-state.js';

/** What a part that follows the queue and the agents is told. */
export interface CapacityObserver {
  /**
   * A visitor was assigned to an agent (from the queue, at once, or after a reload). `local`:
   * the change was made by this process, which therefore does what must happen once (log the
   * assignment, tell the agent); every process is told, so each can update what it keeps.
   */
  onAssigned?(conversation: Conversation, local: boolean): void;
  /** A queued visitor not heard from for longer than `session.ttl` lost their place (once). */
  onAbandoned?(conversation: Conversation): void;
  /** Anything that changes the snapshot or the queue changed (in every process). */
  onChange?(): void;
}

/**
 * The capacity part: see {@link CapacityState} for what each read and change means. Changes
 * resolve once they apply here; on a shared store each fails with HG_ERR_STORE_UNAVAILABLE
 * while the store is away, except `touch`, which never fails (it is repeated anyway).
 */
export interface Capacity {
  configure(config: CapacityConfig, now?: number): Promise<void>;
  agents(): AgentView[];
  agent(id: string): AgentView | undefined;
  setAgent(
    id: string,
    change: { status?: AgentStatus; capacity?: number },
    now: number,
  ): Promise<AgentView | undefined>;
  snapshot(now: number): CapacitySnapshot;
  reserve(
    offerId: string,
    sid: string,
    until: number,
    now?: number,
    onlyIfFree?: boolean,
  ): Promise<boolean>;
  release(offerId: string): Promise<void>;
  enqueue(request: EnqueueRequest, now: number): Promise<QueueTicket | null>;
  ticket(conversationId: string, now: number): QueueTicket | undefined;
  conversation(conversationId: string): Conversation | undefined;
  conversationsOf(agentId: string): Conversation[];
  queued(): Conversation[];
  queuedTickets(now: number): QueueTicket[];
  touch(conversationId: string, now: number): void;
  endConversation(conversationId: string, now: number): Promise<boolean>;
  moveSession(from: string, to: string): Promise<void>;
  transfer(conversationId: string, toAgentId: string, now: number): Promise<TransferOutcome>;
  /** Ends the queued conversations whose visitor left (the memory store does it on reads). */
  sweep(now: number): Promise<void>;
  /** Adds hooks called after each change; returns their removal. */
  observe(observer: CapacityObserver): () => void;
}

/** Capacity on the memory store: one process, every change applied at once. */
export function createCapacity(options: CapacityOptions): Capacity {
  return capacityOf(createCapacityState(options));
}

/** The asynchronous face of a state that applies changes at once (this process only). */
export function capacityOf(state: CapacityState): Capacity {
  const at = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    configure: (config, now) => at(() => state.configure(config, now)),
    agents: () => state.agents(),
    agent: (id) => state.agent(id),
    setAgent: (id, change, now) => at(() => state.setAgent(id, change, now)),
    snapshot: (now) => state.snapshot(now),
    reserve: (offerId, sid, until, now, onlyIfFree) =>
      at(() => state.reserve(offerId, sid, until, now, onlyIfFree)),
    release: (offerId) => at(() => state.release(offerId)),
    enqueue: (request, now) => at(() => state.enqueue(request, now)),
    ticket: (conversationId, now) => state.ticket(conversationId, now),
    conversation: (conversationId) => state.conversation(conversationId),
    conversationsOf: (agentId) => state.conversationsOf(agentId),
    queued: () => state.queued(),
    queuedTickets: (now) => state.queuedTickets(now),
    touch: (conversationId, now) => state.touch(conversationId, now),
    endConversation: (conversationId, now) => at(() => state.endConversation(conversationId, now)),
    moveSession: (from, to) => at(() => state.moveSession(from, to)),
    transfer: (conversationId, toAgentId, now) =>
      at(() => state.transfer(conversationId, toAgentId, now)),
    sweep: (now) => at(() => state.sweep(now)),
    observe: (observer) =>
      state.observe({
        onAssigned: (conversation) => observer.onAssigned?.(conversation, true),
        onAbandoned: (conversation) => observer.onAbandoned?.(conversation),
        onChange: () => observer.onChange?.(),
      }),
  };
}
