/**
 * Where conversations keep their events: an append-only log per conversation with opaque
 * string ids, behind an asynchronous, store-shaped interface. The memory log is the default;
 * a shared store (Redis Streams) implements the same interface, so nothing above it knows
 * which one runs.
 */
import type { ChatEvent, ChatState, TypingEvent } from './chat-event.js';

/** An event as logged: the id a browser sends back as `Last-Event-ID`. */
export interface LoggedChatEvent {
  id: string;
  event: ChatEvent;
}

/**
 * What a follower gets first: the events after the id it named, or — when that id is older
 * than the kept history, or unknown — the whole current state (the stream's `reset`).
 */
export type ChatReplay =
  | { kind: 'events'; events: LoggedChatEvent[] }
  | { kind: 'reset'; state: ChatState; lastId: string | null };

/** A live follower of one conversation. */
export interface ChatFollower {
  /** Events after the replay, in order, each exactly once; `typing` as it happens. */
  onEvent(event: LoggedChatEvent | TypingEvent): void;
}

export interface ConversationLog {
  /**
   * Appends `event` to the conversation's log (creating the log on its first event) and
   * tells the followers. Resolves with the logged event.
   */
  append(conversationId: string, event: ChatEvent, now: number): Promise<LoggedChatEvent>;
  /** The state all events so far leave, and the last id; `undefined` for an unknown log. */
  state(conversationId: string): Promise<{ state: ChatState; lastId: string | null } | undefined>;
  /**
   * Replays what follows `afterId` (`null`: from the start) and then follows the log live,
   * with nothing missed or sent twice between the two. `undefined` for an unknown log.
   */
  follow(
    conversationId: string,
    afterId: string | null,
    follower: ChatFollower,
  ): Promise<{ replay: ChatReplay; stop(): void } | undefined>;
  /** Tells the followers that someone is (no longer) typing; never logged. */
  signal(conversationId: string, event: TypingEvent): void;
  /** Open logs (for gauges and tests). */
  size(): number;
  close(): Promise<void>;
}
