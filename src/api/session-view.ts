/**
 * A session as the trigger engine sees it, for `GET {prefix}api/sessions/{sid}`: the signals
 * of the current page view, the customer and profile, the offers, and the triggers that fire
 * if evaluated now.
 */
import type { Config } from '../config/schema.js';
import type { OfferRecord } from '../offers/offer-record.js';
import type { Profile } from '../profiles/profile.js';
import { returnsTo, type Session } from '../session/session.js';
import { compileTriggers } from '../triggers/compile-triggers.js';
import { evaluateTriggers, type FiredTrigger } from '../triggers/evaluate-triggers.js';

export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  customerId: string | null;
  profile: Profile | null;
  /** Counted views per pathname. */
  views: Record<string, number>;
  page: {
    pv: string;
    path: string;
    startedAt: string;
    heartbeats: number;
    timeOnPageMs: number;
    focus: { field: string; ms: number } | null;
    errors: string[];
    returns: number;
    servicePoint: boolean;
  } | null;
  offers: OfferRecord[];
  offersShown: number;
  pinned: boolean;
  /** Triggers that fire now: the heartbeat triggers on the current page view, and the
   * `onRequest` triggers as a request for the current path would decide them. */
  firing: FiredTrigger[];
}

export function describeSession(
  session: Session,
  profile: Profile | null,
  config: Config,
  now: number,
): SessionView {
  const page = session.page;
  const { isServicePoint } = compileTriggers(config);
  const firing: FiredTrigger[] = [];
  if (page !== null) {
    const base = { session, profile, pathname: page.path };
    firing.push(...evaluateTriggers({ ...base, page, onRequest: false }, config, now));
    firing.push(...evaluateTriggers({ ...base, page: null, onRequest: true }, config, now));
  }
  return {
    id: session.id,
    createdAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
    customerId: session.customerId ?? null,
    profile,
    views: session.views,
    page:
      page === null
        ? null
        : {
            pv: page.pv,
            path: page.path,
            startedAt: new Date(page.startedAt).toISOString(),
            heartbeats: page.heartbeats,
            timeOnPageMs: page.timeOnPageMs,
            focus: page.focus ?? null,
            errors: page.errorFields ?? [],
            returns: returnsTo(session, page.path),
            servicePoint: isServicePoint(page.path),
          },
    offers: session.offers ?? [],
    offersShown: session.offersShown ?? 0,
    pinned: session.pinned === true,
    firing,
  };
}
