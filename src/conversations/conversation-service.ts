/**
 * The conversation after "accept": one service for the visitor's chat routes, the agents' API
 * and the console (DESIGN.md, "Agents and conversations"). Assignment stays with the capacity
 * part (automatic, FIFO); this service logs what each side sees — queue revisions, the agent
 * joining, messages, the end — in the conversation store, and fans it out to followers.
 *
 * Who may do what: a visitor only their own conversation (the session it was opened for);
 * an agent the queue (to see) and the conversations it holds; the admin everything, sending
 * as `agent` under the name "Supervisor".
 */
import { randomUUID } from 'node:crypto';
import { createRateLimiter } from '../api/rate-limiter.js';
import type { Capacity, Conversation } from '../capacity/capacity.js';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import {
  type AgentBus,
  type AgentFollowerScope,
  type AgentStreamEvent,
  createAgentBus,
} from './_agent-bus.js';
import { createCustomerHistory } from './_customer-history.js';
import { createQueueRevisions } from './_queue-revisions.js';
import { type AgentConversationView, agentView } from './agent-view.js';
import type { ChatEvent, ChatMessage, ChatSide, ChatState, TypingEvent } from './chat-event.js';
import type { ConversationContext, ConversationRecord } from './conversation-record.js';
import type { ChatFollower, ChatReplay, ConversationStore } from './conversation-store.js';
import { judgeOnAssignment, judgeOnLeaving, type PromiseVerdict } from './promise.js';

/** Who acts: the visitor of a session, an agent, or the admin. */
export type Actor =
  | { kind: 'visitor'; sid: string }
  | { kind: 'agent'; id: string }
  | { kind: 'admin' };

/** The name a visitor sees when the admin writes to them. */
export const SUPERVISOR_NAME = 'Supervisor';

/** Messages one side may send per conversation: a burst of 5, then one a second. */
export const MESSAGE_RATE = { count: 5, windowMs: 5_000 } as const;

/** Longest transfer note kept. */
export const MAX_TRANSFER_NOTE_CHARS = 500;

export interface OpenRequest {
  conversationId: string;
  sid: string;
  offerId: string;
  context: ConversationContext;
  /** The wait in the accept reply, whole seconds (`null`: unknown). */
  promisedWaitSeconds: number | null;
}

/**
 * A queued visitor's promised wait, judged once (`promise.ts`): when an agent took them, or
 * when they left the queue already later than promised.
 */
export interface PromiseJudgement {
  conversationId: string;
  verdict: PromiseVerdict;
  /** Acceptance → assignment (or → leaving the queue). */
  waitedMs: number;
  /** The wait in the accept reply. */
  promisedMs: number;
}

export interface Conversations {
  /**
   * Calls `listener` with every promise judged (metrics, the supervisor's statistics); returns
   * its removal.
   */
  observePromises(listener: (judgement: PromiseJudgement) => void): () => void;
  /** A visitor accepted and the capacity part made conversation `conversationId`. */
  opened(request: OpenRequest, now: number): Promise<void>;
  /**
   * The visitor of `sid` was heard from (a page, a heartbeat, their stream) on `path`: keeps
   * their place, and tells the agent where they are now.
   */
  seen(conversationId: string, sid: string, path: string | null, now: number): Promise<void>;
  /** The visitor's session got a new id (a sign-in): the conversation stays theirs. */
  moveSession(conversationId: string, from: string, to: string): Promise<void>;
  send(actor: Actor, conversationId: string, text: string, now: number): Promise<ChatMessage>;
  typing(actor: Actor, conversationId: string, typing: boolean): Promise<void>;
  end(actor: Actor, conversationId: string, now: number): Promise<void>;
  transfer(
    actor: Actor,
    conversationId: string,
    to: string,
    note: string,
    now: number,
  ): Promise<void>;
  /** The visitor's stream: what followed `afterId`, then live. */
  followAsVisitor(
    sid: string,
    conversationId: string,
    afterId: string | null,
    follower: ChatFollower,
  ): Promise<{ replay: ChatReplay; ended: boolean; stop(): void }>;
  /**
   * The visitor's own conversation as the HELP page shows it without JavaScript: its state
   * (with the kept messages) and the offer it was opened for.
   */
  history(sid: string, conversationId: string): Promise<{ offerId: string; chat: ChatState }>;
  /** The agents' stream: a snapshot first, then live events. */
  followAsAgent(
    scope: AgentFollowerScope,
    listener: (event: AgentStreamEvent) => void,
  ): Promise<{ snapshot: AgentSnapshot; stop(): void }>;
  /** What an agent (or the admin) may see now. */
  snapshot(scope: AgentFollowerScope): Promise<AgentSnapshot>;
  /** One conversation with its kept messages, if the actor may see it. */
  view(actor: Actor, conversationId: string): Promise<AgentConversationView>;
  /**
   * Ends conversations whose visitor has been gone longer than `session.ttl`, and tells a
   * queued visitor who has waited past the promise (`late`). Call it about once a second.
   */
  sweep(now: number): Promise<void>;
  /** Resolves once the queue revisions a change scheduled are logged (tests). */
  settled(): Promise<void>;
  configure(config: Config): void;
  close(): void;
  /** Adds hooks called as conversations open, get their first reply and end; returns their removal. */
  observe(observer: ConversationObserver): () => void;
}

/** What a part that follows conversations (the supervisor's statistics) is told. */
export interface ConversationObserver {
  /** The record was stored: the visitor accepted, and was promised this wait. */
  onOpened?(conversationId: string, promisedWaitSeconds: number | null, now: number): void;
  /** The assigned agent's first message (again after a transfer). */
  onFirstReply?(conversationId: string, now: number): void;
  /** The conversation ended, whoever ended it, queued or assigned. */
  onEnded?(conversationId: string, now: number): void;
}

export interface AgentSnapshot {
  queue: AgentConversationView[];
  conversations: AgentConversationView[];
}

export interface ConversationsDeps {
  config: Config;
  capacity: Capacity;
  store: ConversationStore;
  clock: Clock;
  logger: Logger;
  /** How often {@link Conversations.sweep} runs by itself; `null`: only when called. */
  sweepEveryMs?: number | null;
  /**
   * Whether this process does the work that must run once across instances: ending the
   * conversations of visitors who left, telling queued visitors their new place or wait. A
   * shared store gives it to one instance at a time (a lease); default: always.
   */
  leads?: () => boolean;
  /** Carries the agents' events to the other instances (a shared store); default: none. */
  bus?: AgentBus;
}

const error = (code: ConstructorParameters<typeof HelpgateError>[0], params = {}) =>
  new HelpgateError(code, params);

export function createConversations(deps: ConversationsDeps): Conversations {
  const { capacity, store, clock, logger } = deps;
  let config = deps.config;
  const bus: AgentBus = deps.bus ?? createAgentBus();
  const leads = deps.leads ?? (() => true);
  const rate = createRateLimiter({ rate: MESSAGE_RATE, maxKeys: 100_000, clock });
  /** Open visitor streams per conversation: a visitor with one is there. */
  const watching = new Map<string, number>();
  /** When this process last wrote `seenAt` for a chat open here (see `keepWatchedSeen`). */
  const watchedSeenAt = new Map<string, number>();
  const observers = new Set<ConversationObserver>();
  const customers = createCustomerHistory(store);
  const revisions = createQueueRevisions({
    capacity,
    bus,
    leads,
    now: () => clock.now(),
    append,
    async view(conversationId, now) {
      const record = await store.record(conversationId);
      return (
        record && agentView(record, capacity, now, undefined, await customers.earlierOf(record))
      );
    },
    background,
  });
  const promiseListeners = new Set<(judgement: PromiseJudgement) => void>();
  /** Visitors queued on accepting, whose promise is judged when their wait ends. */
  const unjudged = new Set<string>();

  function judged(record: ConversationRecord, verdict: PromiseVerdict | null, at: number): void {
    if (verdict === null || record.promisedWaitSeconds === null) return;
    const judgement: PromiseJudgement = {
      conversationId: record.id,
      verdict,
      waitedMs: at - record.acceptedAt,
      promisedMs: record.promisedWaitSeconds * 1000,
    };
    for (const listener of promiseListeners) listener(judgement);
  }
  const sweepEveryMs = deps.sweepEveryMs === undefined ? 1000 : deps.sweepEveryMs;
  const sweeper =
    sweepEveryMs === null
      ? undefined
      : setInterval(() => void background(service.sweep(clock.now())), sweepEveryMs);
  sweeper?.unref();

  const stopObserving = capacity.observe({
    onAssigned: (conversation, local) => {
      // The promise is judged where the visitor accepted (it waits in `unjudged` there); the
      // assignment is logged and told once, by the instance that made it.
      judgeAssignment(conversation);
      if (local) void background(assigned(conversation, clock.now()));
    },
    onAbandoned: (conversation) =>
      void background(
        finish(conversation.id, 'system', 'the visitor left', clock.now(), { left: true }),
      ),
    onChange: () => revisions.schedule(),
  });

  function background(work: Promise<unknown>): Promise<void> {
    return work.then(
      () => {},
      (err: unknown) => logger.warn({ err }, 'conversation event not recorded'),
    );
  }

  async function append(conversationId: string, event: ChatEvent, now: number) {
    const logged = await store.append(conversationId, event, now);
    if (logged === undefined) return undefined;
    const holder = capacity.conversation(conversationId)?.agentId;
    const forAgents = agentEventOf(conversationId, event);
    if (forAgents) {
      if (holder) bus.toAgent(holder, forAgents);
      else bus.toAll(forAgents);
    }
    return logged;
  }

  function agentEventOf(conversationId: string, event: ChatEvent): AgentStreamEvent | undefined {
    if (event.type === 'message')
      return { event: 'message', data: { conversationId, message: event.data } };
    if (event.type === 'ended') return { event: 'ended', data: { conversationId, ...event.data } };
    return undefined;
  }

  /** Judges the promise of a visitor who accepted here, when an agent takes them. */
  function judgeAssignment(conversation: Conversation): void {
    // Once, when the queue ends: a transfer or a reload assigns again, and was no new promise.
    if (conversation.agentId === null || !unjudged.delete(conversation.id)) return;
    const at = conversation.assignedAt ?? clock.now();
    void background(
      store.record(conversation.id).then((record) => {
        if (record) judged(record, judgeOnAssignment(record, at), at);
      }),
    );
  }

  async function assigned(conversation: Conversation, now: number): Promise<void> {
    const record = await store.record(conversation.id);
    if (record === undefined || conversation.agentId === null) return;
    revisions.forget(conversation.id);
    const agent = capacity.agent(conversation.agentId);
    await append(
      conversation.id,
      { type: 'assigned', data: { agent: { name: agent?.name ?? conversation.agentId } } },
      now,
    );
    bus.toAgent(conversation.agentId, {
      event: 'assigned',
      data: { conversation: await viewWithMessages(record, now) },
    });
  }

  async function viewWithMessages(record: ConversationRecord, now: number) {
    const state = await store.state(record.id);
    const messages = state?.state.messages ?? [];
    return agentView(record, capacity, now, messages, await customers.earlierOf(record));
  }

  /**
   * Ends a conversation once, whoever asks and on whichever instance: the capacity part orders
   * the ends, and only the first one goes on to log it. `left`: the capacity part ended it
   * already (a queued visitor who left).
   */
  async function finish(
    conversationId: string,
    by: ChatSide,
    reason: string,
    now: number,
    { left = false } = {},
  ) {
    const holder = capacity.conversation(conversationId)?.agentId ?? null;
    if (!left && !(await capacity.endConversation(conversationId, now))) return;
    const record = await store.update(conversationId, { endedAt: now, endedBy: by });
    if (record === undefined) return;
    for (const observer of observers) observer.onEnded?.(conversationId, now);
    if (unjudged.delete(conversationId)) judged(record, judgeOnLeaving(record, now), now);
    revisions.forget(conversationId);
    const logged = await store.append(conversationId, { type: 'ended', data: { by, reason } }, now);
    if (logged === undefined) return;
    const event = { event: 'ended', data: { conversationId, by, reason } };
    if (holder) bus.toAgent(holder, event);
    else bus.toAll(event);
  }

  /**
   * A visitor whose chat is open here is there, though another instance may lead: their
   * record says so well within `session.ttl`, and their queue place is kept.
   */
  async function keepWatchedSeen(now: number): Promise<void> {
    for (const id of watching.keys()) {
      if (capacity.conversation(id)?.agentId === null) capacity.touch(id, now);
      // A write per chat a quarter of `session.ttl` apart, not per sweep.
      if (now - (watchedSeenAt.get(id) ?? Number.NEGATIVE_INFINITY) < config.session.ttl / 4) {
        continue;
      }
      watchedSeenAt.set(id, now);
      await store.update(id, { seenAt: now });
    }
    for (const id of watchedSeenAt.keys()) if (!watching.has(id)) watchedSeenAt.delete(id);
  }

  /** The record, if `actor` may act on it; throws the catalogue's 404 or 403 otherwise. */
  async function permitted(actor: Actor, conversationId: string): Promise<ConversationRecord> {
    const record = await store.record(conversationId);
    if (record === undefined) throw error('HG_ERR_CONVERSATION_NOT_FOUND');
    if (actor.kind === 'visitor' && record.sid !== actor.sid) {
      throw error('HG_ERR_CONVERSATION_FORBIDDEN');
    }
    if (actor.kind === 'agent' && capacity.conversation(conversationId)?.agentId !== actor.id) {
      throw error('HG_ERR_CONVERSATION_FORBIDDEN');
    }
    return record;
  }

  /** A message sent ends its side's typing, wherever the other side shows it. */
  function stopTyping(conversationId: string, side: 'visitor' | 'agent'): void {
    if (side === 'agent') {
      store.signal(conversationId, { type: 'typing', data: { from: side, typing: false } });
      return;
    }
    const holder = capacity.conversation(conversationId)?.agentId;
    if (holder) {
      bus.toAgent(holder, { event: 'typing', data: { conversationId, from: side, typing: false } });
    }
  }

  const sideOf = (actor: Actor): 'visitor' | 'agent' =>
    actor.kind === 'visitor' ? 'visitor' : 'agent';

  const service: Conversations = {
    async opened(request, now) {
      const conversation = capacity.conversation(request.conversationId);
      if (conversation === undefined) return;
      await store.create(
        {
          id: request.conversationId,
          sid: request.sid,
          offerId: request.offerId,
          context: request.context,
          acceptedAt: now,
          promisedWaitSeconds: request.promisedWaitSeconds,
          path: request.context.path,
          seenAt: now,
          transferNote: null,
          firstReplyAt: null,
          endedAt: null,
          endedBy: null,
        },
        now,
      );
      customers.opened(request.context.customerId, request.conversationId);
      for (const observer of observers) {
        observer.onOpened?.(request.conversationId, request.promisedWaitSeconds, now);
      }
      if (conversation.agentId !== null) await assigned(conversation, now);
      else {
        unjudged.add(request.conversationId);
        revisions.schedule();
      }
    },

    async seen(conversationId, sid, path, now) {
      const record = await store.record(conversationId);
      if (record === undefined || record.sid !== sid || record.endedAt !== null) return;
      capacity.touch(conversationId, now);
      const moved = path !== null && path !== record.path;
      await store.update(conversationId, moved ? { seenAt: now, path } : { seenAt: now });
      const holder = capacity.conversation(conversationId)?.agentId;
      if (moved && holder) bus.toAgent(holder, { event: 'page', data: { conversationId, path } });
    },

    async moveSession(conversationId, from, to) {
      const record = await store.record(conversationId);
      if (record?.sid === from) await store.update(conversationId, { sid: to });
    },

    async send(actor, conversationId, text, now) {
      const record = await permitted(actor, conversationId);
      if (record.endedAt !== null) throw error('HG_ERR_CONVERSATION_ENDED');
      const max = config.conversations.maxMessageChars;
      if (text.trim() === '')
        throw error('HG_ERR_CHAT_BAD_BODY', { reason: 'the message is empty' });
      if ([...text].length > max) throw error('HG_ERR_MESSAGE_TOO_LONG', { limit: max });
      const side = sideOf(actor);
      const limited = rate.take(`${conversationId}/${side}`);
      if (!limited.allowed) {
        throw new HelpgateError('HG_ERR_RATE_LIMITED', { retryAfterMs: limited.retryAfterMs });
      }
      const message: ChatMessage = {
        id: randomUUID(),
        from: side,
        ...(actor.kind === 'agent' && { name: capacity.agent(actor.id)?.name ?? actor.id }),
        ...(actor.kind === 'admin' && { name: SUPERVISOR_NAME }),
        text,
        at: new Date(now).toISOString(),
      };
      stopTyping(conversationId, side);
      await append(conversationId, { type: 'message', data: message }, now);
      if (
        side === 'agent' &&
        record.firstReplyAt === null &&
        capacity.conversation(conversationId)?.agentId
      ) {
        await store.update(conversationId, { firstReplyAt: now });
        for (const observer of observers) observer.onFirstReply?.(conversationId, now);
      }
      if (actor.kind === 'visitor') capacity.touch(conversationId, now);
      return message;
    },

    async typing(actor, conversationId, typing) {
      const record = await permitted(actor, conversationId);
      if (record.endedAt !== null) throw error('HG_ERR_CONVERSATION_ENDED');
      const side = sideOf(actor);
      const event: TypingEvent = { type: 'typing', data: { from: side, typing } };
      if (side === 'agent') store.signal(conversationId, event);
      const holder = capacity.conversation(conversationId)?.agentId;
      if (side === 'visitor' && holder) {
        bus.toAgent(holder, { event: 'typing', data: { conversationId, from: side, typing } });
      }
    },

    async end(actor, conversationId, now) {
      const record = await permitted(actor, conversationId);
      if (record.endedAt !== null) throw error('HG_ERR_CONVERSATION_ENDED');
      const by = sideOf(actor);
      await finish(
        conversationId,
        by,
        by === 'visitor' ? 'the visitor ended the chat' : 'the agent ended the chat',
        now,
      );
    },

    async transfer(actor, conversationId, to, note, now) {
      const record = await permitted(actor, conversationId);
      if (record.endedAt !== null) throw error('HG_ERR_CONVERSATION_ENDED');
      const from = capacity.conversation(conversationId)?.agentId ?? null;
      const outcome = await capacity.transfer(conversationId, to, now);
      if (!outcome.ok) {
        if (outcome.reason === 'no-agent') throw error('HG_ERR_AGENT_NOT_FOUND');
        throw error('HG_ERR_TRANSFER_REFUSED', {
          reason:
            outcome.reason === 'queued'
              ? 'the visitor is still waiting for an agent'
              : outcome.reason === 'same-agent'
                ? 'the conversation is with that agent already'
                : 'that agent is not available or has no free slot',
        });
      }
      const updated = await store.update(conversationId, {
        transferNote: note.slice(0, MAX_TRANSFER_NOTE_CHARS),
        firstReplyAt: null,
      });
      if (from) bus.toAgent(from, { event: 'transferred', data: { conversationId, to } });
      if (updated) await assigned(outcome.conversation, now);
    },

    async followAsVisitor(sid, conversationId, afterId, follower) {
      const record = await permitted({ kind: 'visitor', sid }, conversationId);
      const followed = await store.follow(conversationId, afterId, follower);
      if (followed === undefined) throw error('HG_ERR_CONVERSATION_NOT_FOUND');
      watching.set(conversationId, (watching.get(conversationId) ?? 0) + 1);
      let stopped = false;
      return {
        replay: followed.replay,
        ended: record.endedAt !== null,
        stop() {
          if (stopped) return;
          stopped = true;
          followed.stop();
          const left = (watching.get(conversationId) ?? 1) - 1;
          if (left > 0) watching.set(conversationId, left);
          else watching.delete(conversationId);
        },
      };
    },

    async history(sid, conversationId) {
      const record = await permitted({ kind: 'visitor', sid }, conversationId);
      const state = await store.state(conversationId);
      if (state === undefined) throw error('HG_ERR_CONVERSATION_NOT_FOUND');
      return { offerId: record.offerId, chat: state.state };
    },

    async followAsAgent(scope, listener) {
      // Subscribed before the snapshot is read: an event in between arrives twice at worst,
      // and the console's fold takes a message it has already by its id.
      const stop = bus.follow(scope, listener);
      try {
        return { snapshot: await service.snapshot(scope), stop };
      } catch (err) {
        stop();
        throw err;
      }
    },

    async snapshot(scope) {
      const now = clock.now();
      const held =
        scope.kind === 'agent'
          ? capacity.conversationsOf(scope.id)
          : capacity.agents().flatMap((agent) => capacity.conversationsOf(agent.id));
      const conversations: AgentConversationView[] = [];
      for (const conversation of held) {
        const record = await store.record(conversation.id);
        if (record) conversations.push(await viewWithMessages(record, now));
      }
      return { queue: await revisions.views(now), conversations };
    },

    async view(actor, conversationId) {
      const record = await store.record(conversationId);
      if (record === undefined) throw error('HG_ERR_CONVERSATION_NOT_FOUND');
      // Agents may look at a queued visitor (the queue is theirs to see), not at others' chats.
      const live = capacity.conversation(conversationId);
      if (
        actor.kind === 'agent' &&
        live?.agentId !== actor.id &&
        !(live && live.agentId === null)
      ) {
        throw error('HG_ERR_CONVERSATION_FORBIDDEN');
      }
      if (actor.kind === 'visitor' && record.sid !== actor.sid)
        throw error('HG_ERR_CONVERSATION_FORBIDDEN');
      return viewWithMessages(record, clock.now());
    },

    async sweep(now) {
      const gone = config.session.ttl;
      await keepWatchedSeen(now);
      if (!leads()) return;
      const held = capacity.agents().flatMap((agent) => capacity.conversationsOf(agent.id));
      for (const conversation of held) {
        if (watching.has(conversation.id)) continue;
        const record = await store.record(conversation.id);
        if (record && now - record.seenAt > gone) {
          await finish(conversation.id, 'system', 'the visitor left', now);
        }
      }
      await capacity.sweep(now);
      for (const conversation of capacity.queued()) {
        if (revisions.toldLate(conversation.id)) continue;
        const record = await store.record(conversation.id);
        if (record?.promisedWaitSeconds == null) continue;
        if (now - record.acceptedAt <= record.promisedWaitSeconds * 1000) continue;
        revisions.tellLate(conversation.id);
      }
    },

    observePromises(listener) {
      promiseListeners.add(listener);
      return () => promiseListeners.delete(listener);
    },

    settled: () => revisions.settled(),

    configure(next) {
      config = next;
    },

    close() {
      stopObserving();
      clearInterval(sweeper);
    },

    observe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
  };
  return service;
}
