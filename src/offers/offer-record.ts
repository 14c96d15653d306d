/**
 * The offers of a session, kept in the session record itself so a shared store carries them
 * too. Minimal on purpose: enough for "one offer per trigger per page view", "a visitor with
 * a shown offer is not shown a second one" and `maxPerSession`; the capacity issue grows it
 * into the full lifecycle (pending → shown → accepted | dismissed | expired | withdrawn).
 */
import type { OfferKind } from '../config/schema.js';
import type { Session } from './session.js';

/** Offer records a session keeps; the oldest ended ones go first. */
export const MAX_OFFER_RECORDS = 20;

/** DESIGN.md, "Offer states". */
export type OfferState = 'pending' | 'shown' | 'accepted' | 'dismissed' | 'expired' | 'withdrawn';

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
   * The page view it belongs to; `null` for an offer sent inside a page, until that page's
   * first heartbeat names its page-view id.
   */
  pv: string | null;
  /** The pathname it was made on. */
  path: string;
  state: OfferState;
  /** When the server sent it (epoch ms). */
  shownAt: number;
  /** When it stops being answerable (epoch ms). */
  expiresAt: number;
  /** When it left the `shown` state (epoch ms). */
  endedAt?: number;
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

/** Ends a shown offer; the session stays pinned only while an offer is shown. */
export function endOffer(
  session: Session,
  offer: OfferRecord,
  state: Exclude<OfferState, 'pending' | 'shown'>,
  now: number,
): void {
  offer.state = state;
  offer.endedAt = now;
  session.pinned = shownOffer(session) !== undefined;
}

/** Adds a shown offer, pins the session and forgets the oldest ended offers past the bound. */
export function addShownOffer(session: Session, offer: OfferRecord): void {
  const offers = offersOf(session);
  offers.push(offer);
  session.offersShown = (session.offersShown ?? 0) + 1;
  session.pinned = true;
  while (offers.length > MAX_OFFER_RECORDS) {
    const index = offers.findIndex((o) => o.state !== 'shown');
    if (index < 0) break;
    offers.splice(index, 1);
  }
}
