/**
 * Telling the queue: each queued visitor hears their place and promised wait again when either
 * changes (a `queued` event marked `revised`, and `late` once they wait longer than promised),
 * and the agents' consoles get the new queue. Changes come in bursts (one assignment moves
 * everyone up), so a revision runs once the current turn of the event loop ends.
 *
 * On a shared store the visitors are told once, by the instance that leads; every instance
 * works the queue out from the shared state and tells its own consoles.
 */
import type { Capacity } from '../capacity/capacity.js';
import type { AgentBus } from './_agent-bus.js';
import type { AgentConversationView } from './agent-view.js';
import type { ChatEvent } from './chat-event.js';

export interface QueueRevisions {
  /** Revises once the current turn ends; several changes in one turn make one revision. */
  schedule(): void;
  /** The conversation left the queue (assigned or ended): what it was told is forgotten. */
  forget(conversationId: string): void;
  /** Whether the visitor has been told they wait longer than promised. */
  toldLate(conversationId: string): boolean;
  /** Tells the visitor, at the next revision, that they wait longer than promised. */
  tellLate(conversationId: string): void;
  /** Resolves once no revision is pending. */
  settled(): Promise<void>;
  /** The queue as the agents see it. */
  views(now: number): Promise<AgentConversationView[]>;
}

export interface QueueRevisionDeps {
  capacity: Capacity;
  bus: AgentBus;
  /** Whether this instance tells the visitors (see `ConversationsDeps.leads`). */
  leads: () => boolean;
  now: () => number;
  /** Logs an event to the conversation and tells its agents. */
  append(conversationId: string, event: ChatEvent, now: number): Promise<unknown>;
  /** The agents' view of a queued conversation; undefined once the store has none. */
  view(conversationId: string, now: number): Promise<AgentConversationView | undefined>;
  /** Runs work whose failure is logged, not thrown. */
  background(work: Promise<unknown>): Promise<void>;
}

export function createQueueRevisions(deps: QueueRevisionDeps): QueueRevisions {
  const { capacity, bus } = deps;
  /** What each queued visitor was last told: "position/seconds". */
  const told = new Map<string, string>();
  /** Queued visitors already told they wait longer than promised. */
  const lateTold = new Set<string>();
  let revision: Promise<void> | undefined;
  let lastQueueKey = '';

  async function revise(now: number): Promise<void> {
    // Told once: by the instance that leads, whose `told` remembers what went out.
    if (!deps.leads()) {
      told.clear();
      await announce(now);
      return;
    }
    const tickets = capacity.queuedTickets(now);
    let moved = false;
    for (const ticket of tickets) {
      const id = ticket.conversationId;
      const seconds =
        ticket.estimatedWaitMs === null ? null : Math.ceil(ticket.estimatedWaitMs / 1000);
      const key = `${ticket.queuePosition}/${seconds}`;
      const before = told.get(id);
      if (before === key) continue;
      moved = true;
      told.set(id, key);
      await deps.append(
        id,
        {
          type: 'queued',
          data: {
            position: ticket.queuePosition,
            estimatedWaitSeconds: seconds,
            revised: before !== undefined,
            late: lateTold.has(id),
          },
        },
        now,
      );
    }
    // One pass, not a search of the queue per entry: the queue may be thousands long.
    const waiting = new Set(tickets.map((ticket) => ticket.conversationId));
    for (const id of told.keys()) if (!waiting.has(id)) told.delete(id);
    if (moved || tickets.length === 0) await announce(now);
  }

  /** Tells this instance's consoles the queue, when it differs from what they were told. */
  async function announce(now: number): Promise<void> {
    const queue = await views(now);
    const key = queue.map((v) => `${v.id}:${v.queuePosition}:${v.estimatedWaitSeconds}`).join();
    if (key === lastQueueKey) return;
    lastQueueKey = key;
    bus.toAllHere({ event: 'queue', data: { queue } });
  }

  async function views(now: number): Promise<AgentConversationView[]> {
    const list: AgentConversationView[] = [];
    for (const conversation of capacity.queued()) {
      const view = await deps.view(conversation.id, now);
      if (view) list.push(view);
    }
    return list;
  }

  function schedule(): void {
    revision ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      revision = undefined;
      await deps.background(revise(deps.now()));
    });
  }

  return {
    schedule,
    forget(conversationId) {
      told.delete(conversationId);
      lateTold.delete(conversationId);
    },
    toldLate: (conversationId) => lateTold.has(conversationId),
    tellLate(conversationId) {
      lateTold.add(conversationId);
      // Differs from any figure told, so the next revision tells the visitor, marked late.
      told.set(conversationId, 'late');
      schedule();
    },
    async settled() {
      while (revision) await revision;
    },
    views,
  };
}
