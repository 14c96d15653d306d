/**
 * What the agent is told of a visitor who accepted help: the context the triggers and the gate
 * had, read from the session when the offer was accepted. Names of pages and fields only,
 * never what the visitor typed.
 */
import type { OfferRecord } from '../offers/offer-record.js';
import type { Profile } from '../profiles/profile.js';
import { returnsTo, type Session } from '../session/session.js';
import { type ConversationContext, MAX_PAGES_BEFORE } from './conversation-record.js';

export function conversationContext(
  session: Session,
  offer: OfferRecord,
  profile: Profile | null,
): ConversationContext {
  const page = session.page;
  const onOfferPage = page !== null && page.path === offer.path;
  // `views` is in order of recency: the pages before are the other keys, most recent last.
  const pagesBefore = Object.keys(session.views)
    .filter((path) => path !== offer.path)
    .slice(-MAX_PAGES_BEFORE);
  return {
    reasons: [...offer.reasons],
    trigger: offer.trigger,
    path: offer.path,
    pagesBefore,
    timeOnPageMs: onOfferPage ? page.timeOnPageMs : 0,
    field: onOfferPage && page.focus ? { name: page.focus.field, ms: page.focus.ms } : null,
    formErrors: onOfferPage ? [...(page.errorFields ?? [])] : [],
    formErrorMessages: onOfferPage
      ? (page.errorFields ?? []).map((_, i) => page.errorMessages?.[i] ?? '')
      : [],
    returns: returnsTo(session, offer.path),
    customerId: session.customerId ?? null,
    profile: profile === null ? null : structuredClone(profile),
  };
}
