/**
 * What the chat panel shows, as plain data: the conversation folded from its stream events by
 * the server's own {@link applyChatEvent}, the id of the last event (what a reconnect or the
 * next page resumes from) and whether the agent is typing. One pure function applies each
 * event; the panel compares the view before and after to touch only what changed.
 */
import {
  applyChatEvent,
  type ChatEvent,
  type ChatMessage,
  type ChatSide,
  type ChatState,
  INITIAL_CHAT_STATE,
} from '../../conversations/chat-event.js';

/** Messages the panel keeps, as many as the server's default `conversations.keepMessages`. */
export const KEEP_MESSAGES = 500;

export interface ChatView {
  chat: ChatState;
  /** The id of the last logged event applied; `null` before any. */
  lastId: string | null;
  /** The agent is typing now (`typing` events are never replayed). */
  agentTyping: boolean;
}

export const INITIAL_VIEW: ChatView = {
  chat: INITIAL_CHAT_STATE,
  lastId: null,
  agentTyping: false,
};

/**
 * One event of the visitor's stream as the panel receives it, from its own connection or from
 * the tab holding it: the SSE `event` name, its parsed `data`, and its `id` (none for typing).
 */
export interface StreamEvent {
  type: string;
  data: unknown;
  id?: string | null;
}

const SIDES: readonly string[] = ['visitor', 'agent', 'system'];

type Fields = Record<string, unknown>;
const fields = (value: unknown): Fields | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const side = (value: unknown): ChatSide =>
  (SIDES.includes(value as string) ? value : 'system') as ChatSide;

/** A message as the contract gives it, or `null` when it lacks what the panel shows. */
export function asMessage(value: unknown): ChatMessage | null {
  const f = fields(value);
  const id = text(f?.id);
  const body = text(f?.text);
  if (f === null || !id || body === null) return null;
  const message: ChatMessage = { id, from: side(f.from), text: body, at: text(f.at) ?? '' };
  const name = text(f.name);
  if (name) message.name = name;
  return message;
}

/** The stream's event as a {@link ChatEvent} the fold takes, or `null` when malformed. */
function asChatEvent(type: string, data: unknown): ChatEvent | null {
  const f = fields(data);
  if (f === null) return null;
  switch (type) {
    case 'queued':
      return {
        type,
        data: {
          position: count(f.position) ?? 0,
          estimatedWaitSeconds: count(f.estimatedWaitSeconds),
          revised: f.revised === true,
          late: f.late === true,
        },
      };
    case 'assigned':
      return { type, data: { agent: { name: text(fields(f.agent)?.name) ?? '' } } };
    case 'ended':
      return { type, data: { by: side(f.by), reason: text(f.reason) ?? '' } };
    case 'message': {
      const message = asMessage(f);
      return message && { type, data: message };
    }
  }
  return null;
}

/** A conversation state from untrusted data (another tab, storage), or `null`. */
function asChatState(value: unknown): ChatState | null {
  const f = fields(value);
  if (f === null) return null;
  const phase = f.state === 'assigned' || f.state === 'ended' ? f.state : 'queued';
  const agentName = text(fields(f.agent)?.name);
  const ended = fields(f.ended);
  const messages: ChatMessage[] = [];
  const seen = new Set<string>();
  for (const item of Array.isArray(f.messages) ? f.messages : []) {
    const message = asMessage(item);
    if (message && !seen.has(message.id)) {
      seen.add(message.id);
      messages.push(message);
    }
  }
  return {
    state: phase,
    position: phase === 'queued' ? count(f.position) : null,
    estimatedWaitSeconds: phase === 'queued' ? count(f.estimatedWaitSeconds) : null,
    late: phase === 'queued' && f.late === true,
    agent: agentName === null ? null : { name: agentName },
    ended: ended && { by: side(ended.by), reason: text(ended.reason) ?? '' },
    messages: messages.slice(-KEEP_MESSAGES),
  };
}

/** The whole state a `reset` event carries (DESIGN.md, "Chat events"). */
function resetState(data: unknown): ChatState | null {
  const f = fields(data);
  const queued = fields(f?.queued);
  return f && asChatState({ ...f, ...queued });
}

/** A view from untrusted data (another tab, this tab's storage), or `null`. */
export function asView(value: unknown): ChatView | null {
  const f = fields(value);
  const chat = asChatState(f?.chat);
  if (f === null || chat === null) return null;
  return {
    chat,
    lastId: text(f.lastId) || null,
    agentTyping: f.agentTyping === true && chat.state === 'assigned',
  };
}

/**
 * The view after `event`; `view` is not changed, and is returned as it is when the event
 * changes nothing. A message already shown (same id: a replay overlapping what another tab
 * passed on, or a page that kept it) is not shown twice.
 */
export function applyStreamEvent(view: ChatView, event: StreamEvent): ChatView {
  const lastId = event.id || view.lastId;
  if (event.type === 'typing') {
    const f = fields(event.data);
    if (f?.from !== 'agent' || typeof f.typing !== 'boolean') return view;
    const agentTyping = f.typing && view.chat.state === 'assigned';
    return agentTyping === view.agentTyping ? view : { ...view, agentTyping };
  }
  if (event.type === 'reset') {
    const chat = resetState(event.data);
    if (chat === null) return view;
    return { chat, lastId: event.id || null, agentTyping: false };
  }
  const chatEvent = asChatEvent(event.type, event.data);
  if (chatEvent === null) return lastId === view.lastId ? view : { ...view, lastId };
  if (chatEvent.type === 'message') {
    const id = chatEvent.data.id;
    if (view.chat.messages.some((m) => m.id === id)) {
      return lastId === view.lastId ? view : { ...view, lastId };
    }
  }
  const chat = applyChatEvent(view.chat, chatEvent, KEEP_MESSAGES);
  // A message from the agent, or the agent leaving, ends their typing.
  const agentTyping =
    view.agentTyping &&
    chat.state === 'assigned' &&
    !(chatEvent.type === 'message' && chatEvent.data.from === 'agent') &&
    chatEvent.type !== 'assigned';
  return { chat, lastId, agentTyping };
}

/**
 * The view another tab passed on (it holds the connection), unless it knows less than this
 * tab: a tab that has not heard from the server yet must not wipe a history kept here.
 */
export function adoptView(view: ChatView, offered: unknown): ChatView {
  const other = asView(offered);
  if (other === null || (other.lastId === null && view.lastId !== null)) return view;
  return other;
}
