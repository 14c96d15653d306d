/**
 * The conversation log in this process's memory: the zero-setup default. Bounded three ways:
 * the last `keepEvents` events of each conversation (older ids get a `reset`), the last
 * `keepMessages` messages in its state, and `keepFor` after a conversation's last event, past
 * which its log is gone; at most `maxConversations` logs, the least recently active dropped
 * first. A restart loses every log, as it loses the queue the conversations stood in.
 */
import type { Milliseconds } from '../config/units.js';
import { applyChatEvent, type ChatState, INITIAL_CHAT_STATE } from './chat-event.js';
import type {
  ChatFollower,
  ChatReplay,
  ConversationLog,
  LoggedChatEvent,
} from './conversation-log.js';

export interface MemoryConversationLogOptions {
  /** Events kept per conversation for replay. */
  keepEvents: number;
  /** Messages kept in a conversation's state (what a `reset` carries). */
  keepMessages: number;
  /** How long a log outlives its last event. */
  keepFor: Milliseconds;
  maxConversations: number;
}

interface Log {
  /** The kept events; `events[i]` has sequence number `firstSeq + i`. */
  events: LoggedChatEvent[];
  firstSeq: number;
  /** The sequence number the next event gets (ids are its decimal form). */
  nextSeq: number;
  state: ChatState;
  lastAt: number;
  followers: Set<ChatFollower>;
}

/** Logs are checked for their age at most this often. */
const SWEEP_MS = 1000;

export function createMemoryConversationLog(
  options: MemoryConversationLogOptions,
): ConversationLog {
  const { keepEvents, keepMessages, keepFor, maxConversations } = options;
  /** In order of last activity, least recent first. */
  const logs = new Map<string, Log>();
  let sweptAt = Number.NEGATIVE_INFINITY;
  let latest = 0;

  function sweep(now: number): void {
    if (now - sweptAt < SWEEP_MS) return;
    sweptAt = now;
    for (const [id, log] of logs) {
      if (now - log.lastAt <= keepFor) break;
      logs.delete(id);
    }
  }

  /** The log, unless it is unknown or past `keepFor`. */
  function live(conversationId: string): Log | undefined {
    const log = logs.get(conversationId);
    if (log !== undefined && latest - log.lastAt > keepFor) {
      logs.delete(conversationId);
      return undefined;
    }
    return log;
  }

  /** The events after `afterId`, or `undefined` when they are not all kept. */
  function after(log: Log, afterId: string | null): LoggedChatEvent[] | undefined {
    if (afterId === null) return log.firstSeq === 1 ? [...log.events] : undefined;
    if (!/^(0|[1-9]\d{0,15})$/.test(afterId)) return undefined;
    const seq = Number(afterId);
    if (seq >= log.nextSeq || seq < log.firstSeq - 1) return undefined;
    return log.events.slice(seq - log.firstSeq + 1);
  }

  const lastId = (log: Log) => (log.nextSeq > 1 ? String(log.nextSeq - 1) : null);

  return {
    async append(conversationId, event, now) {
      if (now > latest) latest = now;
      sweep(now);
      let log = live(conversationId);
      if (log === undefined) {
        log = {
          events: [],
          firstSeq: 1,
          nextSeq: 1,
          state: INITIAL_CHAT_STATE,
          lastAt: now,
          followers: new Set(),
        };
      }
      // Re-inserted, so the map stays in order of activity.
      logs.delete(conversationId);
      logs.set(conversationId, log);
      if (logs.size > maxConversations) {
        const oldest = logs.keys().next().value;
        if (oldest !== undefined) logs.delete(oldest);
      }
      const logged: LoggedChatEvent = { id: String(log.nextSeq), event };
      log.nextSeq += 1;
      log.events.push(logged);
      if (log.events.length > keepEvents) {
        log.events.shift();
        log.firstSeq += 1;
      }
      log.state = applyChatEvent(log.state, event, keepMessages);
      log.lastAt = now;
      for (const follower of log.followers) follower.onEvent(logged);
      return logged;
    },

    async state(conversationId) {
      const log = live(conversationId);
      return log && { state: log.state, lastId: lastId(log) };
    },

    async follow(conversationId, afterId, follower) {
      const log = live(conversationId);
      if (log === undefined) return undefined;
      // Synchronous from here: no event can slip between the replay and the subscription.
      const events = after(log, afterId);
      const replay: ChatReplay =
        events === undefined
          ? { kind: 'reset', state: log.state, lastId: lastId(log) }
          : { kind: 'events', events };
      log.followers.add(follower);
      return { replay, stop: () => log.followers.delete(follower) };
    },

    signal(conversationId, event) {
      const log = logs.get(conversationId);
      if (log === undefined) return;
      for (const follower of log.followers) follower.onEvent(event);
    },

    size: () => logs.size,

    async close() {
      logs.clear();
    },
  };
}
