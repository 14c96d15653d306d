/**
 * The events of a conversation as the visitor's stream carries them (DESIGN.md, "Chat
 * events"), and the one pure fold that turns them into the conversation's state. The server
 * folds them to answer a `reset`; the chat panel folds them to render. No Node or DOM import:
 * both sides bundle this file.
 */

/** Who wrote a message or ended a conversation. */
export type ChatSide = 'visitor' | 'agent' | 'system';

export interface ChatMessage {
  /** Opaque, unique within the conversation. */
  id: string;
  from: ChatSide;
  /** Who wrote an agent's message: the agent's display name ("Supervisor" for the admin). */
  name?: string;
  /** Plain text, shown as text wherever it appears. */
  text: string;
  /** ISO-8601. */
  at: string;
}

/** The `data` of each logged event, by its SSE `event:` name. */
export interface ChatEventData {
  queued: {
    position: number;
    estimatedWaitSeconds: number | null;
    /** The estimate changed since the visitor was last told. */
    revised: boolean;
    /** The visitor has waited longer than promised; the estimate is a new one. */
    late: boolean;
  };
  assigned: { agent: { name: string } };
  message: ChatMessage;
  ended: { by: ChatSide; reason: string };
}

export type ChatEventType = keyof ChatEventData;

/** An event of a conversation's log; every one of them gets an id and can be replayed. */
export type ChatEvent = {
  [K in ChatEventType]: { type: K; data: ChatEventData[K] };
}[ChatEventType];

/** `typing` is never logged nor replayed: it is only true while someone is typing. */
export interface TypingEvent {
  type: 'typing';
  data: { from: 'visitor' | 'agent'; typing: boolean };
}

export type ChatPhase = 'queued' | 'assigned' | 'ended';

/** A conversation as its events leave it; the `reset` event carries it whole. */
export interface ChatState {
  state: ChatPhase;
  /** While queued: 1-based place in line; `null` otherwise. */
  position: number | null;
  /** While queued; `null` while no agent is available (the wait is unknown). */
  estimatedWaitSeconds: number | null;
  late: boolean;
  agent: { name: string } | null;
  ended: { by: ChatSide; reason: string } | null;
  /** The kept messages, oldest first. */
  messages: ChatMessage[];
}

export const INITIAL_CHAT_STATE: ChatState = {
  state: 'queued',
  position: null,
  estimatedWaitSeconds: null,
  late: false,
  agent: null,
  ended: null,
  messages: [],
};

/**
 * The state after `event`; `state` is not changed (a renderer compares the two). At most
 * `keepMessages` messages are kept, the newest. Nothing but a message follows `ended`
 * (a system note may close the history); a conversation never reopens.
 */
export function applyChatEvent(
  state: ChatState,
  event: ChatEvent,
  keepMessages = Number.POSITIVE_INFINITY,
): ChatState {
  switch (event.type) {
    case 'queued':
      if (state.state === 'ended') return state;
      return {
        ...state,
        state: 'queued',
        position: event.data.position,
        estimatedWaitSeconds: event.data.estimatedWaitSeconds,
        late: event.data.late,
        agent: null,
      };
    case 'assigned':
      if (state.state === 'ended') return state;
      return {
        ...state,
        state: 'assigned',
        position: null,
        estimatedWaitSeconds: null,
        late: false,
        agent: { name: event.data.agent.name },
      };
    case 'message': {
      const messages = [...state.messages, { ...event.data }];
      if (messages.length > keepMessages) messages.splice(0, messages.length - keepMessages);
      return { ...state, messages };
    }
    case 'ended':
      if (state.state === 'ended') return state;
      return {
        ...state,
        state: 'ended',
        position: null,
        estimatedWaitSeconds: null,
        ended: { by: event.data.by, reason: event.data.reason },
      };
  }
}
