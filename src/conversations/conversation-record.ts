/**
 * A conversation's record: plain JSON, so a shared store can serialise it. It carries the
 * context the gate and the triggers had when help was offered, so the agent sees why the
 * visitor is there without asking.
 */
import type { ChatSide } from './chat-event.js';

/** What helpgate knew of the visitor when they accepted help. */
export interface ConversationContext {
  /** The triggers' reasons in words (`on /checkout/pay for 47 s`). */
  reasons: string[];
  /** The trigger that opened the offer, and the offer's form. */
  trigger: string;
  /** The page the visitor accepted on. */
  path: string;
  /** Earlier pages of this session, most recent last (at most {@link MAX_PAGES_BEFORE}). */
  pagesBefore: string[];
  timeOnPageMs: number;
  /** The field the visitor was on, never its value. */
  field: { name: string; ms: number } | null;
  /** Fields that showed an error on the page (names only). */
  formErrors: string[];
  /**
   * The message each of `formErrors` showed (the site's words, never a value), same order;
   * absent in records made before messages were kept.
   */
  formErrorMessages?: string[];
  /** Earlier views of the page in this session. */
  returns: number;
  customerId: string | null;
  /** The saved customer profile, as the triggers saw it. */
  profile: Record<string, unknown> | null;
}

export const MAX_PAGES_BEFORE = 10;

export interface ConversationRecord {
  id: string;
  /** The visitor's session; never shown to agents. */
  sid: string;
  offerId: string;
  context: ConversationContext;
  /** When the visitor accepted (epoch ms). */
  acceptedAt: number;
  /** The wait promised in the accept reply, whole seconds; `null` when none was known. */
  promisedWaitSeconds: number | null;
  /** The visitor's page now: updated as they browse. */
  path: string;
  /** When the visitor was last heard from (a page, heartbeat or stream). */
  seenAt: number;
  /** The note of the latest transfer, for the agent who received it. */
  transferNote: string | null;
  /** When the assigned agent first replied; `null` until then (the console alerts meanwhile). */
  firstReplyAt: number | null;
  endedAt: number | null;
  endedBy: ChatSide | null;
}
