/**
 * The console's state and the one pure fold of the agents' event stream (`api/events`) into
 * it. No DOM and no Node import: the console bundles it and tap tests it under Node.
 */
import type { ChatMessage } from '../../conversations/chat-event.js';

export type { ChatMessage };

/**
 * A conversation as `api/events` and `api/conversations` describe it: a mirror of
 * `AgentConversationView` (agent-view.ts), whose imports would pull Node's types into the
 * browser's type check. test/client/console/apply-event.test.ts keeps the two in step.
 */
export interface ConversationInfo {
  id: string;
  state: 'queued' | 'assigned' | 'ended';
  agentId: string | null;
  agent: { id: string; name: string } | null;
  reasons: string[];
  trigger: string;
  path: string;
  acceptedOn: string;
  pagesBefore: string[];
  timeOnPageSeconds: number;
  field: { name: string; seconds: number } | null;
  formErrors: string[];
  formErrorDetails?: Array<{ field: string; message: string }>;
  returns: number;
  customerId: string | null;
  profile: Record<string, unknown> | null;
  queuedAt: string;
  assignedAt: string | null;
  waitedSeconds: number;
  promisedWaitSeconds: number | null;
  queuePosition: number | null;
  estimatedWaitSeconds: number | null;
  transferNote: string | null;
  unanswered: boolean;
  endedAt: string | null;
  /** The same customer's earlier conversations, most recent first. */
  earlier?: Array<{
    id: string;
    at: string;
    path: string;
    trigger: string;
    agentName: string | null;
    messages: number;
    firstMessage: string | null;
  }>;
  messages?: ChatMessage[];
}

/** One of my conversations as the console shows it. */
export interface ConsoleConversation {
  info: ConversationInfo;
  messages: ChatMessage[];
  /** Visitor messages not yet seen (the conversation was not the open one). */
  unread: number;
  visitorTyping: boolean;
  /** Why it ended (`null` while it goes on). */
  ended: { by: string; reason: string } | null;
}

export interface ConsoleState {
  queue: ConversationInfo[];
  /** My conversations, oldest first. */
  conversations: ConsoleConversation[];
}

export const INITIAL_STATE: ConsoleState = { queue: [], conversations: [] };

/** An event of the agents' stream, as named on the wire. */
export interface ConsoleEvent {
  event: string;
  data: unknown;
}

type Data = Record<string, unknown>;

function conversationOf(info: ConversationInfo, before?: ConsoleConversation): ConsoleConversation {
  const messages = info.messages ?? before?.messages ?? [];
  const fresh = before === undefined;
  const visitorMessages = messages.filter((m) => m.from === 'visitor').length;
  return {
    info: { ...info, messages: undefined },
    messages,
    // A conversation that arrives counts as unread until it is looked at.
    unread: fresh ? Math.max(1, visitorMessages) : before.unread,
    visitorTyping: before?.visitorTyping ?? false,
    ended: info.state === 'ended' ? (before?.ended ?? { by: 'system', reason: 'ended' }) : null,
  };
}

function mapConversation(
  state: ConsoleState,
  id: unknown,
  change: (c: ConsoleConversation) => ConsoleConversation,
): ConsoleState {
  if (!state.conversations.some((c) => c.info.id === id)) return state;
  return {
    ...state,
    conversations: state.conversations.map((c) => (c.info.id === id ? change(c) : c)),
  };
}

/**
 * The state after `event`. `openId` is the conversation on screen: its messages are read as
 * they come. A message already held (the stream's subscription precedes its snapshot, so one
 * may come twice) is taken once, by its id.
 */
export function applyEvent(
  state: ConsoleState,
  event: ConsoleEvent,
  openId: string | null = null,
): ConsoleState {
  const data = (event.data ?? {}) as Data;
  switch (event.event) {
    case 'snapshot': {
      // After any (re)connect the server's word is the whole truth: nothing stale survives,
      // but what was already unread stays unread.
      const before = new Map(state.conversations.map((c) => [c.info.id, c]));
      const listed = (data.conversations as ConversationInfo[] | undefined) ?? [];
      const ended = state.conversations.filter(
        (c) => c.ended !== null && !listed.some((info) => info.id === c.info.id),
      );
      return {
        queue: (data.queue as ConversationInfo[] | undefined) ?? [],
        conversations: [
          ...ended,
          ...listed.map((info) => {
            const kept = before.get(info.id);
            const next = conversationOf(info, kept);
            return kept && info.messages ? { ...next, unread: unreadAfter(kept, next) } : next;
          }),
        ],
      };
    }
    case 'queue':
      return { ...state, queue: (data.queue as ConversationInfo[] | undefined) ?? [] };
    case 'assigned': {
      const info = data.conversation as ConversationInfo | undefined;
      if (!info) return state;
      const others = state.conversations.filter((c) => c.info.id !== info.id);
      const queue = state.queue.filter((q) => q.id !== info.id);
      // A transfer back to me is a new arrival: nothing of the old screen carries over.
      return { queue, conversations: [...others, conversationOf(info)] };
    }
    case 'message': {
      const message = data.message as ChatMessage | undefined;
      if (!message) return state;
      return mapConversation(state, data.conversationId, (c) => {
        if (c.messages.some((m) => m.id === message.id)) return c;
        const fromVisitor = message.from === 'visitor';
        const mine = message.from === 'agent';
        return {
          ...c,
          messages: [...c.messages, message],
          unread: fromVisitor && c.info.id !== openId ? c.unread + 1 : mine ? 0 : c.unread,
          visitorTyping: fromVisitor ? false : c.visitorTyping,
          info: mine ? { ...c.info, unanswered: false } : c.info,
        };
      });
    }
    case 'typing':
      if (data.from !== 'visitor') return state;
      return mapConversation(state, data.conversationId, (c) =>
        c.ended ? c : { ...c, visitorTyping: data.typing === true },
      );
    case 'page':
      return mapConversation(state, data.conversationId, (c) => ({
        ...c,
        info: { ...c.info, path: String(data.path) },
      }));
    case 'ended':
      return mapConversation(state, data.conversationId, (c) => ({
        ...c,
        visitorTyping: false,
        info: { ...c.info, state: 'ended', unanswered: false },
        ended: { by: String(data.by ?? 'system'), reason: String(data.reason ?? '') },
      }));
    case 'transferred':
      // Gone to a colleague: it is theirs to answer now.
      return {
        ...state,
        conversations: state.conversations.filter((c) => c.info.id !== data.conversationId),
      };
    default:
      return state;
  }
}

function unreadAfter(before: ConsoleConversation, after: ConsoleConversation): number {
  const known = new Set(before.messages.map((m) => m.id));
  const missed = after.messages.filter((m) => m.from === 'visitor' && !known.has(m.id)).length;
  return before.unread + missed;
}

/** The state with conversation `id` read (opened on screen). */
export function markRead(state: ConsoleState, id: string): ConsoleState {
  return mapConversation(state, id, (c) => (c.unread === 0 ? c : { ...c, unread: 0 }));
}

/** The state without ended conversation `id` (the agent closed it). */
export function dismiss(state: ConsoleState, id: string): ConsoleState {
  return { ...state, conversations: state.conversations.filter((c) => c.info.id !== id) };
}

/** Conversations assigned to me that I have not answered yet: the alert repeats for these. */
export function alerting(state: ConsoleState): ConsoleConversation[] {
  return state.conversations.filter((c) => c.ended === null && c.info.unanswered);
}

/** What the tab title counts: unread messages, and each unanswered arrival at least once. */
export function unreadCount(state: ConsoleState): number {
  let count = 0;
  for (const c of state.conversations) {
    if (c.ended !== null) continue;
    count += c.info.unanswered ? Math.max(1, c.unread) : c.unread;
  }
  return count;
}
