/**
 * The offers of a session, kept in the session record itself so a shared store carries them
 * too: DESIGN.md's "Offer states", pending → shown → accepted | dismissed | expired |
 * withdrawn, each transition timestamped.
 */
import type { OfferKind } from '../config/schema.js';
import type { Session } from '../session/session.js';

/** Offer records a session keeps; the oldest ended ones go first. */
export const MAX_OFFER_RECORDS = 20;

/** DESIGN.md, "Offer states". */
export type OfferState = 'pending' | 'shown' | 'accepted' | 'dismissed' | 'expired' | 'withdrawn';

/** The states an offer ends in. */
export type EndedState = Exclude<OfferState, 'pending' | 'shown'>;

/**
 * How a pending offer goes out: `heartbeat` in a heartbeat reply (claim 12; also an
 * `onRequest` offer whose gate was closed on its page), `page` in the next HTML page (claim 11).
 */
export type OfferRoute = 'heartbeat' | 'page';

/** One offer made to the visitor. */
export interface OfferRecord {
  /** Random, unguessable; the beacon answers with it. */
  id: string;
  /** The name of the trigger that fired. */
  trigger: string;
  kind: OfferKind;
  /** Why, in words an agent can read (the fired trigger's reasons). */
  reasons: string[];
  /**
   * The page view it belongs to; `null` for an offer made or sent with a page, until that
   * page's first heartbeat names its page-view id.
   */
  pv: string | null;
  /** The pathname it was made on (the page it went out with, once shown in a page). */
  path: string;
  state: OfferState;
  route: OfferRoute;
  /** When the trigger fired (epoch ms). */
  createdAt: number;
  /** When the server sent it (epoch ms); absent while pending. */
  shownAt?: number;
  /** When it stops being answerable (epoch ms); absent while pending. */
  expiresAt?: number;
  /** When it reached its final state (epoch ms). */
  endedAt?: number;
  /** Why it was withdrawn, in words (`page view ended`, `no agent available`). */
  endReason?: string;
  /** The help request an accepted offer started. */
  conversationId?: string;
}

/** The session's offers (an empty list for a session that never had one). */
export function offersOf(session: Session): OfferRecord[] {
  session.offers ??= [];
  return session.offers;
}

/** The offer currently shown to the visitor, if any. */
export function shownOffer(session: Session): OfferRecord | undefined {
  return session.offers?.find((offer) => offer.state === 'shown');
}

/** The offer waiting for its gate or its page, if any. */
export function pendingOffer(session: Session): OfferRecord | undefined {
  return session.offers?.find((offer) => offer.state === 'pending');
}

/**
 * Ids of the offers sent to page view `pv` that the server has taken back since (withdrawn or
 * expired): what a beacon of that page view may still show and must remove.
 */
export function takenBackOn(session: Session, pv: string): string[] {
  const ids: string[] = [];
  for (const offer of session.offers ?? []) {
    if (offer.pv !== pv || offer.shownAt === undefined) continue;
    if (offer.state === 'withdrawn' || offer.state === 'expired') ids.push(offer.id);
  }
  return ids;
}

/**
 * Whether the store must keep the session out of LRU eviction: an offer shown, or a help
 * request queued or in conversation (DESIGN.md, "Visitor and session").
 */
export function mustPin(session: Session): boolean {
  return shownOffer(session) !== undefined || session.conversationId != null;
}

/** Ends an offer (pending or shown) and updates the session's pin. */
export function endOffer(
  session: Session,
  offer: OfferRecord,
  state: EndedState,
  now: number,
  reason?: string,
): void {
  offer.state = state;
  offer.endedAt = now;
  if (reason !== undefined) offer.endReason = reason;
  session.pinned = mustPin(session);
}

/** Adds a pending offer and forgets the oldest ended offers past the bound. */
export function addOffer(session: Session, offer: OfferRecord): void {
  const offers = offersOf(session);
  offers.push(offer);
  while (offers.length > MAX_OFFER_RECORDS) {
    const index = offers.findIndex((o) => o.state !== 'shown' && o.state !== 'pending');
    if (index < 0) break;
    offers.splice(index, 1);
  }
}

/** Marks a pending offer shown: it counts against `maxPerSession` and pins the session. */
export function markShown(
  session: Session,
  offer: OfferRecord,
  now: number,
  lifetimeMs: number,
): void {
  offer.state = 'shown';
  offer.shownAt = now;
  offer.expiresAt = now + lifetimeMs;
  session.offersShown = (session.offersShown ?? 0) + 1;
  session.pinned = true;
}
