/**
 * Where conversations live: each one's record (who, why, the context the decision had) and
 * its append-only event log with opaque string ids, behind an asynchronous, store-shaped
 * interface. The memory store is the default; a shared store (Redis Streams) implements the
 * same interface, so nothing above it knows which one runs.
 */
import type { ChatEvent, ChatState, TypingEvent } from './chat-event.js';
import type { ConversationRecord } from './conversation-record.js';

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

export interface ConversationStore {
  /** Stores a new conversation's record; its log starts empty. */
  create(record: ConversationRecord, now: number): Promise<void>;
  /** The record, or `undefined` when unknown or no longer kept. */
  record(conversationId: string): Promise<ConversationRecord | undefined>;
  /** Changes fields of a record; `undefined` when unknown. */
  update(
    conversationId: string,
    change: Partial<Omit<ConversationRecord, 'id'>>,
  ): Promise<ConversationRecord | undefined>;
  /**
   * Appends `event` to the conversation's log and tells the followers. Resolves with the
   * logged event, or `undefined` when the conversation is unknown.
   */
  append(
    conversationId: string,
    event: ChatEvent,
    now: number,
  ): Promise<LoggedChatEvent | undefined>;
  /** The state all events so far leave, and the last id; `undefined` when unknown. */
  state(conversationId: string): Promise<{ state: ChatState; lastId: string | null } | undefined>;
  /**
   * Replays what follows `afterId` (`null`: from the start) and then follows the log live,
   * with nothing missed or sent twice between the two. `undefined` when unknown.
   */
  follow(
    conversationId: string,
    afterId: string | null,
    follower: ChatFollower,
  ): Promise<{ replay: ChatReplay; stop(): void } | undefined>;
  /** Tells the followers that someone is (no longer) typing; never logged. */
  signal(conversationId: string, event: TypingEvent): void;
  /** Conversations kept (for gauges and tests). */
  size(): number;
  close(): Promise<void>;
}
