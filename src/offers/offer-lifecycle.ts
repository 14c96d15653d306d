/**
 * Offers until the capacity issue lands: a fired trigger opens an offer at once, as gate mode
 * `always` would, within the rules of DESIGN.md "One offer per trigger per page view" and
 * `offers.maxPerSession`. A shown offer ends when it expires or its page view ends.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Milliseconds } from '../config/units.js';
import type { FiredTrigger } from '../triggers/evaluate-triggers.js';
import type { OfferReply } from './heartbeat-body.js';
import { helpButtonHtml } from './help-button.js';
import { addShownOffer, endOffer, type OfferRecord, shownOffer } from './offer-record.js';
import type { Session } from './session.js';

/** How long an offer stays answerable: the configured duration, or the learning fallback. */
export function offerLifetime(config: Config): Milliseconds {
  const { expireAfter, learnedExpiry } = config.offers;
  return expireAfter === 'learned' ? learnedExpiry.fallback : expireAfter;
}

/**
 * Ends the shown offers that can no longer be answered and returns their ids (the heartbeat
 * reply's `withdraw`). `view` is the page view being reported, or `null` for a page request,
 * which ends the page view an offer was on.
 */
export function settleOffers(session: Session, view: string | null, now: number): string[] {
  const ended: string[] = [];
  for (const offer of session.offers ?? []) {
    if (offer.state !== 'shown') continue;
    if (now >= offer.expiresAt) {
      endOffer(session, offer, 'expired', now);
    } else if (view === null || (offer.pv !== null && offer.pv !== view)) {
      endOffer(session, offer, 'withdrawn', now);
    } else {
      // An offer sent inside a page learns its page-view id from that page's first heartbeat.
      offer.pv = view;
      continue;
    }
    ended.push(offer.id);
  }
  return ended;
}

/**
 * Opens an offer for the first fired trigger allowed to offer, or returns `null`: with offers
 * disabled (dry run), with an offer already shown, past `maxPerSession`, or when every fired
 * trigger already offered on this page view (`pv`; `null` = a page request, a new view).
 */
export function openOffer(
  session: Session,
  fired: readonly FiredTrigger[],
  where: { pv: string | null; path: string },
  config: Config,
  now: number,
): OfferRecord | null {
  if (!config.offers.enabled || shownOffer(session) !== undefined) return null;
  if ((session.offersShown ?? 0) >= config.offers.maxPerSession) return null;
  const offered = (name: string) =>
    where.pv !== null &&
    (session.offers ?? []).some((offer) => offer.trigger === name && offer.pv === where.pv);
  const trigger = fired.find((candidate) => !offered(candidate.name));
  if (trigger === undefined) return null;
  const offer: OfferRecord = {
    id: randomBytes(16).toString('base64url'),
    trigger: trigger.name,
    kind: trigger.offer,
    reasons: trigger.reasons,
    pv: where.pv,
    path: where.path,
    state: 'shown',
    shownAt: now,
    expiresAt: now + offerLifetime(config),
  };
  addShownOffer(session, offer);
  return offer;
}

/** The offer as the heartbeat reply carries it. */
export function offerReply(offer: OfferRecord, config: Config, now: number): OfferReply {
  return {
    id: offer.id,
    kind: offer.kind,
    html: helpButtonHtml(offer.id, config.offers.content.button.label),
    expiresInMs: Math.max(0, offer.expiresAt - now),
    reasons: offer.reasons,
  };
}
