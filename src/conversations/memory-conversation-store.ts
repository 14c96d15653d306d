/**
 * Conversations in this process's memory: the zero-setup default. Bounded three ways: the last
 * `keepEvents` events of each conversation (older ids get a `reset`), the last `keepMessages`
 * messages in its state, and `keepFor` after a conversation's last activity, past which it is
 * gone; at most `maxConversations`, the least recently active dropped first. A restart loses
 * every conversation, as it loses the queue they stood in.
 */
import type { Milliseconds } from '../config/units.js';
import { applyChatEvent, type ChatState, INITIAL_CHAT_STATE } from './chat-event.js';
import type { ConversationRecord } from './conversation-record.js';
import type {
  ChatFollower,
  ChatReplay,
  ConversationStore,
  LoggedChatEvent,
} from './conversation-store.js';

export interface MemoryConversationStoreOptions {
  /** Events kept per conversation for replay. */
  keepEvents: number;
  /** Messages kept in a conversation's state (what a `reset` carries). */
  keepMessages: number;
  /** How long a conversation outlives its last activity. */
  keepFor: Milliseconds;
  maxConversations: number;
}

interface Entry {
  record: ConversationRecord;
  /** The kept events; `events[i]` has sequence number `firstSeq + i`. */
  events: LoggedChatEvent[];
  firstSeq: number;
  /** The sequence number the next event gets (ids are its decimal form). */
  nextSeq: number;
  state: ChatState;
  lastAt: number;
  followers: Set<ChatFollower>;
}

/** Conversations are checked for their age at most this often. */
const SWEEP_MS = 1000;

const SEQUENCE_ID = /^(0|[1-9]\d{0,15})$/;

export function createMemoryConversationStore(
  options: MemoryConversationStoreOptions,
): ConversationStore {
  const { keepEvents, keepMessages, keepFor, maxConversations } = options;
  /** In order of last activity, least recent first. */
  const entries = new Map<string, Entry>();
  let sweptAt = Number.NEGATIVE_INFINITY;
  let latest = 0;

  function seen(now: number): void {
    if (now > latest) latest = now;
    if (now - sweptAt < SWEEP_MS) return;
    sweptAt = now;
    for (const [id, entry] of entries) {
      if (now - entry.lastAt <= keepFor) break;
      entries.delete(id);
    }
  }

  /** The entry, unless it is unknown or past `keepFor`. */
  function live(conversationId: string): Entry | undefined {
    const entry = entries.get(conversationId);
    if (entry !== undefined && latest - entry.lastAt > keepFor) {
      entries.delete(conversationId);
      return undefined;
    }
    return entry;
  }

  /** Marks activity: re-inserted, the map stays in order of it. */
  function touch(conversationId: string, entry: Entry, now: number): void {
    entry.lastAt = Math.max(entry.lastAt, now);
    entries.delete(conversationId);
    entries.set(conversationId, entry);
  }

  /** The events after `afterId`, or `undefined` when they are not all kept. */
  function after(entry: Entry, afterId: string | null): LoggedChatEvent[] | undefined {
    if (afterId === null) return entry.firstSeq === 1 ? [...entry.events] : undefined;
    if (!SEQUENCE_ID.test(afterId)) return undefined;
    const seq = Number(afterId);
    if (seq >= entry.nextSeq || seq < entry.firstSeq - 1) return undefined;
    return entry.events.slice(seq - entry.firstSeq + 1);
  }

  const lastId = (entry: Entry) => (entry.nextSeq > 1 ? String(entry.nextSeq - 1) : null);

  return {
    async create(record, now) {
      seen(now);
      const entry: Entry = {
        record: structuredClone(record),
        events: [],
        firstSeq: 1,
        nextSeq: 1,
        state: INITIAL_CHAT_STATE,
        lastAt: now,
        followers: new Set(),
      };
      touch(record.id, entry, now);
      if (entries.size > maxConversations) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
    },

    async record(conversationId) {
      const entry = live(conversationId);
      return entry && structuredClone(entry.record);
    },

    async update(conversationId, change) {
      const entry = live(conversationId);
      if (entry === undefined) return undefined;
      entry.record = { ...entry.record, ...structuredClone(change) };
      return structuredClone(entry.record);
    },

    async append(conversationId, event, now) {
      seen(now);
      const entry = live(conversationId);
      if (entry === undefined) return undefined;
      touch(conversationId, entry, now);
      const logged: LoggedChatEvent = { id: String(entry.nextSeq), event };
      entry.nextSeq += 1;
      entry.events.push(logged);
      if (entry.events.length > keepEvents) {
        entry.events.shift();
        entry.firstSeq += 1;
      }
      entry.state = applyChatEvent(entry.state, event, keepMessages);
      for (const follower of entry.followers) follower.onEvent(logged);
      return logged;
    },

    async state(conversationId) {
      const entry = live(conversationId);
      return entry && { state: entry.state, lastId: lastId(entry) };
    },

    async follow(conversationId, afterId, follower) {
      const entry = live(conversationId);
      if (entry === undefined) return undefined;
      // Synchronous from here: no event can slip between the replay and the subscription.
      const events = after(entry, afterId);
      const replay: ChatReplay =
        events === undefined
          ? { kind: 'reset', state: entry.state, lastId: lastId(entry) }
          : { kind: 'events', events };
      entry.followers.add(follower);
      return { replay, stop: () => entry.followers.delete(follower) };
    },

    signal(conversationId, event) {
      const entry = entries.get(conversationId);
      if (entry === undefined) return;
      for (const follower of entry.followers) follower.onEvent(event);
    },

    size: () => entries.size,

    async close() {
      entries.clear();
    },
  };
}
