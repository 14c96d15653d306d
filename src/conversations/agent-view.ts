/**
 * A conversation as agents and contact-centre systems see it (`api/queue`,
 * `api/conversations`, the agents' event stream): the context the decision had, where the
 * visitor is now, how long they waited and what they were promised. Never the session id.
 */
import type { Capacity } from '../capacity/capacity.js';
import type { ChatMessage, ChatPhase } from './chat-event.js';
import type { ConversationRecord } from './conversation-record.js';

export interface AgentConversationView {
  id: string;
  state: ChatPhase;
  /** The agent holding it; `null` while queued or once ended. */
  agentId: string | null;
  agent: { id: string; name: string } | null;
  reasons: string[];
  trigger: string;
  /** The visitor's page now. */
  path: string;
  /** The page they accepted help on. */
  acceptedOn: string;
  pagesBefore: string[];
  timeOnPageSeconds: number;
  field: { name: string; seconds: number } | null;
  formErrors: string[];
  /** Each form error with the message the page showed (`''` where none was reported). */
  formErrorDetails: Array<{ field: string; message: string }>;
  returns: number;
  customerId: string | null;
  profile: Record<string, unknown> | null;
  /** ISO-8601: when the visitor accepted (the contract's earlier name for it: `queuedAt`). */
  queuedAt: string;
  assignedAt: string | null;
  /** Seconds from accepting to an agent, or until now while queued. */
  waitedSeconds: number;
  promisedWaitSeconds: number | null;
  /** 1-based while queued; 0 with an agent; `null` once ended. */
  queuePosition: number | null;
  estimatedWaitSeconds: number | null;
  transferNote: string | null;
  /** Assigned, and the agent has not replied yet: the console alerts until they do. */
  unanswered: boolean;
  endedAt: string | null;
  /** The same customer's earlier conversations, most recent first (this process's memory). */
  earlier: EarlierConversation[];
  messages?: ChatMessage[];
}

/** One earlier conversation of the same customer, as a line in the console. */
export interface EarlierConversation {
  id: string;
  /** ISO-8601: when the customer accepted help. */
  at: string;
  /** The page they accepted on, and the trigger that offered help. */
  path: string;
  trigger: string;
  /** The agent's messages' author, when an agent wrote. */
  agentName: string | null;
  messages: number;
  /** The customer's first message, for a glance at what it was about. */
  firstMessage: string | null;
  endedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

/** The view of `record`, with the queue and agent state from `capacity` at `now`. */
export function agentView(
  record: ConversationRecord,
  capacity: Capacity,
  now: number,
  messages?: ChatMessage[],
  earlier: EarlierConversation[] = [],
): AgentConversationView {
  const live = record.endedAt === null ? capacity.conversation(record.id) : undefined;
  const ticket = live && capacity.ticket(record.id, now);
  const agentId = live?.agentId ?? null;
  const agent = agentId === null ? undefined : capacity.agent(agentId);
  const state: ChatPhase = live === undefined ? 'ended' : agentId === null ? 'queued' : 'assigned';
  const assignedAt = live?.assignedAt ?? null;
  const { context } = record;
  const view: AgentConversationView = {
    id: record.id,
    state,
    agentId,
    agent: agent ? { id: agent.id, name: agent.name } : null,
    reasons: [...context.reasons],
    trigger: context.trigger,
    path: record.path,
    acceptedOn: context.path,
    pagesBefore: [...context.pagesBefore],
    timeOnPageSeconds: seconds(context.timeOnPageMs),
    field: context.field && { name: context.field.name, seconds: seconds(context.field.ms) },
    formErrors: [...context.formErrors],
    formErrorDetails: context.formErrors.map((field, i) => ({
      field,
      message: context.formErrorMessages?.[i] ?? '',
    })),
    returns: context.returns,
    customerId: context.customerId,
    profile: context.profile,
    queuedAt: new Date(record.acceptedAt).toISOString(),
    assignedAt: iso(assignedAt),
    waitedSeconds: seconds((assignedAt ?? record.endedAt ?? now) - record.acceptedAt),
    promisedWaitSeconds: record.promisedWaitSeconds,
    queuePosition: ticket ? ticket.queuePosition : null,
    estimatedWaitSeconds:
      ticket?.estimatedWaitMs == null ? null : Math.ceil(ticket.estimatedWaitMs / 1000),
    transferNote: record.transferNote,
    unanswered: state === 'assigned' && record.firstReplyAt === null,
    endedAt: iso(record.endedAt),
    earlier,
  };
  if (messages !== undefined) view.messages = messages.map((m) => ({ ...m }));
  return view;
}
