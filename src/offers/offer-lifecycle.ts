/**
 * The offer lifecycle (DESIGN.md, "Offer states"): a fired trigger makes a pending offer; the
 * capacity gate lets it out in a heartbeat reply (claim 12) or the next page (claim 11), or
 * keeps it pending and looks again at every heartbeat (claim 13); a shown offer reserves an
 * agent's slot until the visitor accepts or dismisses it, it expires (claim 17) or the server
 * withdraws it. Works on the session record it is given; the caller stores it.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Milliseconds } from '../config/units.js';
import { type PageView, provenByHeartbeat, type Session } from '../session/session.js';
import type { FiredTrigger } from '../triggers/evaluate-triggers.js';
import { type GateInput, gateOpen } from './gate.js';
import {
  addOffer,
  type EndedState,
  endOffer,
  markShown,
  type OfferRecord,
  pendingOffer,
  shownOffer,
} from './offer-record.js';

/** What the lifecycle needs of the capacity part. */
export interface OfferCapacity {
  snapshot(now: number): GateInput;
  /**
   * A shown offer holds a slot until `until` (its expiry) or its release. With `onlyIfFree`,
   * only while a slot is still free (the check and the hold are one step, on every instance):
   * false when another offer took the last slot first.
   */
  reserve(
    offerId: string,
    sid: string,
    until: number,
    now?: number,
    onlyIfFree?: boolean,
  ): Promise<boolean>;
  release(offerId: string): Promise<void>;
  /** Puts an accepted offer's visitor in the help queue; `null` when the queue is full. */
  enqueue(
    request: { offerId: string; sid: string; reasons: string[]; path: string },
    now: number,
  ): Promise<QueueTicket | null>;
}

/** The visitor's place in the help queue (the accept reply). */
export interface QueueTicket {
  conversationId: string;
  /** 0 = with an agent already. */
  queuePosition: number;
  /** `null` when no agent is available. */
  estimatedWaitMs: number | null;
  agentId: string | null;
}

/** What the lifecycle needs of the learning part. */
export interface OfferLearning {
  maxWait(): Milliseconds;
  expireAfter(): Milliseconds;
  recordResponse(ms: Milliseconds): void;
}

export interface OfferDeps {
  config: Config;
  capacity: OfferCapacity;
  learning: OfferLearning;
  /** Told of every transition (pending, shown, and each end), for metrics and logs. */
  onTransition?: (offer: OfferRecord, session: Session) => void;
}

/** What a heartbeat reply says about offers. */
export interface HeartbeatOffers {
  /** The offer to show now, or `null`. */
  offer: OfferRecord | null;
  /** Ids of offers the beacon must take off the page. */
  withdraw: string[];
}

/** The outcome of `offers/{id}/accept` or `offers/{id}/dismiss`. */
export type Answer =
  | { ok: true; offer: OfferRecord; ticket: QueueTicket | null }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'closed'; state: OfferRecord['state'] }
  | { ok: false; reason: 'queue-full' };

export interface Offers {
  /**
   * A page is going out to the session's visitor: the previous page view ends (its offers are
   * withdrawn), a `next-page` offer waiting for a page goes out if the gate is open, and the
   * `onRequest` triggers `fired` on this request may open one. Returns the offer that goes
   * out with this page, or `null` (always, for a session no heartbeat has proven yet).
   */
  pageServed(
    session: Session,
    path: string,
    fired: readonly FiredTrigger[],
    now: number,
  ): Promise<OfferRecord | null>;
  /**
   * A heartbeat of `page` arrived: expired offers end, a pending offer goes out if the gate
   * opened, and the heartbeat triggers `fired` now may open one.
   */
  heartbeat(
    session: Session,
    page: PageView,
    fired: readonly FiredTrigger[],
    now: number,
  ): Promise<HeartbeatOffers>;
  /** The visitor answered offer `offerId` of this session. */
  answer(
    session: Session,
    offerId: string,
    action: 'accept' | 'dismiss',
    now: number,
  ): Promise<Answer>;
  /** The visitor opened the HELP page of `offer` (claim 11 without JavaScript). */
  viewed(session: Session, offer: OfferRecord): void;
  /**
   * A page showing offer `offerId` is one helpgate does not track (an excluded path, or a
   * visitor without consent): the offer, if shown, is withdrawn. `true` when it was.
   */
  untracked(session: Session, offerId: string, now: number): boolean;
}

export function createOffers(deps: OfferDeps): Offers {
  const { config, capacity, learning } = deps;
  // Two heartbeat intervals: the page's first heartbeat comes one interval after it loads.
  const unconfirmedMs = 2 * config.heartbeat.interval;
  const notify = (offer: OfferRecord, session: Session) => deps.onTransition?.(offer, session);
  /** Each session's release in flight, if any (see `released`). */
  const releasing = new Map<string, Promise<void>>();

  function end(
    session: Session,
    offer: OfferRecord,
    state: EndedState,
    now: number,
    reason?: string,
  ) {
    const wasShown = offer.state === 'shown';
    endOffer(session, offer, state, now, reason);
    if (wasShown) {
      // Never fails: a reservation that cannot be released lapses at the offer's expiry.
      const released = capacity.release(offer.id).catch(() => {});
      releasing.set(session.id, released);
      void released.then(() => {
        if (releasing.get(session.id) === released) releasing.delete(session.id);
      });
    }
    notify(offer, session);
  }

  /**
   * The session's last release, applied: its next offer is gated on slots that count the freed
   * one (on a shared store a release applies a moment after it is sent).
   */
  async function released(session: Session): Promise<void> {
    await releasing.get(session.id);
  }

  /** Ends the shown offer when it expired; `true` when it did. */
  function expireIfDue(session: Session, offer: OfferRecord, now: number): boolean {
    if (offer.state !== 'shown' || now < (offer.expiresAt ?? 0)) return false;
    end(session, offer, 'expired', now);
    return true;
  }

  /** Whether the gate lets an offer out now (claims 13–16, 24, 32). */
  function gateLetsOut(now: number): boolean {
    if (config.gate.mode === 'always') return true;
    return gateOpen(config.gate.mode, capacity.snapshot(now), learning.maxWait());
  }

  /**
   * Shows `offer` if it gets its slot. With `gate.mode: available` an offer needs a free slot,
   * checked again as the slot is taken: of two offers for the last slot (on any instance) one
   * goes out and the other stays pending. With `within` an offer may go out with every slot
   * taken (the visitor would queue within maxWait), so the gate's earlier check stands.
   * `false` when it stays pending.
   */
  async function show(
    session: Session,
    offer: OfferRecord,
    now: number,
    pv: string | null,
  ): Promise<boolean> {
    const expiresAt = now + learning.expireAfter();
    // An offer inside a page holds its slot for its whole life only once a browser shows it:
    // the page's beacon reports it, or the visitor opens the HELP page. Until then it holds
    // it briefly, so a crawler fetching pages cannot reserve every agent (see `confirm`).
    const until = pv === null ? Math.min(expiresAt, now + unconfirmedMs) : expiresAt;
    const onlyIfFree = config.gate.mode === 'available';
    if (!(await capacity.reserve(offer.id, session.id, until, now, onlyIfFree))) return false;
    markShown(session, offer, now, expiresAt - now);
    offer.pv = pv;
    notify(offer, session);
    return true;
  }

  /** A browser shows the offer: its reservation lasts until the offer expires. */
  function confirm(session: Session, offer: OfferRecord) {
    if (offer.state === 'shown') {
      // Never fails: unconfirmed, the reservation lapses early and the slot goes back.
      capacity.reserve(offer.id, session.id, offer.expiresAt!).catch(() => {});
    }
  }

  /**
   * A new pending offer for the first fired trigger allowed to offer, or `null`: with offers
   * disabled (dry run), an offer open already, `maxPerSession` reached, within the cooldown
   * after a dismissal, or when every fired trigger already offered on this page view.
   */
  function open(
    session: Session,
    fired: readonly FiredTrigger[],
    where: { pv: string | null; path: string; route: OfferRecord['route'] },
    now: number,
  ): OfferRecord | null {
    if (!config.offers.enabled || fired.length === 0) return null;
    if (shownOffer(session) !== undefined || pendingOffer(session) !== undefined) return null;
    if ((session.offersShown ?? 0) >= config.offers.maxPerSession) return null;
    if (session.conversationId != null) return null;
    if (
      session.dismissedAt !== undefined &&
      now < session.dismissedAt + config.offers.cooldownAfterDismiss
    ) {
      return null;
    }
    // One offer per trigger per page view (DESIGN.md): a new page view (pv null) starts afresh.
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
      state: 'pending',
      route: where.route,
      createdAt: now,
    };
    addOffer(session, offer);
    notify(offer, session);
    return offer;
  }

  return {
    async pageServed(session, path, fired, now) {
      for (const offer of [...(session.offers ?? [])]) {
        if (expireIfDue(session, offer, now)) continue;
        // The page view an offer was on (or was waiting on) ends with this page; the offer
        // is left out of it (claim 17: "another web page not having said HELP option").
        if (offer.state === 'shown') end(session, offer, 'withdrawn', now, 'page view ended');
        else if (offer.state === 'pending' && offer.route === 'heartbeat') {
          end(session, offer, 'withdrawn', now, 'page view ended');
        }
      }
      // With next-page delivery an offer waits for a page, and the gate is checked then.
      let offer = pendingOffer(session);
      if (offer === undefined) {
        // An onRequest offer goes out with this page when the gate is open, else by heartbeat.
        offer = open(session, fired, { pv: null, path, route: 'heartbeat' }, now) ?? undefined;
      }
      // A page request proves no browser (a client without script or cookies, or one
      // replaying a cookie, could reserve every agent): until a heartbeat has proven the
      // session its offer stays pending, and its first heartbeat sends it if the gate is open.
      if (offer === undefined || !provenByHeartbeat(session)) return null;
      await released(session);
      if (!gateLetsOut(now)) return null;
      offer.path = path;
      return (await show(session, offer, now, null)) ? offer : null;
    },

    async heartbeat(session, page, fired, now) {
      const withdraw: string[] = [];
      // Only a session with a shown offer needs to know; most heartbeats have none.
      let nobody: boolean | undefined;
      const nobodyToAnswer = () =>
        (nobody ??=
          config.gate.mode !== 'always' && capacity.snapshot(now).estimatedWaitMs === null);
      for (const offer of [...(session.offers ?? [])]) {
        if (offer.state !== 'shown' && offer.state !== 'pending') continue;
        if (expireIfDue(session, offer, now)) {
          withdraw.push(offer.id);
          continue;
        }
        if (offer.state === 'pending' && offer.route === 'page') continue;
        if (offer.pv === null) {
          // An offer made with a page learns its page-view id from that page's first heartbeat.
          // A heartbeat of another page — the one the visitor just left, sent before it went
          // and arriving after the new page — neither takes the offer nor ends it.
          if (page.path !== offer.path) continue;
          offer.pv = page.pv;
          confirm(session, offer);
        } else if (offer.pv !== page.pv) {
          end(session, offer, 'withdrawn', now, 'page view ended');
          if (offer.shownAt !== undefined) withdraw.push(offer.id);
          continue;
        }
        if (offer.state === 'shown' && nobodyToAnswer()) {
          end(session, offer, 'withdrawn', now, 'no agent available');
          withdraw.push(offer.id);
        }
      }

      const route = config.offers.delivery === 'next-page' ? 'page' : 'heartbeat';
      const pending =
        pendingOffer(session) ?? open(session, fired, { pv: page.pv, path: page.path, route }, now);
      if (pending === null || pending.route !== 'heartbeat') {
        return { offer: null, withdraw };
      }
      await released(session);
      if (!gateLetsOut(now) || !(await show(session, pending, now, page.pv))) {
        return { offer: null, withdraw };
      }
      return { offer: pending, withdraw };
    },

    viewed(session, offer) {
      confirm(session, offer);
    },

    untracked(session, offerId, now) {
      const offer = session.offers?.find((candidate) => candidate.id === offerId);
      if (offer?.state !== 'shown') return false;
      if (!expireIfDue(session, offer, now))
        end(session, offer, 'withdrawn', now, 'page not tracked');
      return true;
    },

    async answer(session, offerId, action, now) {
      const offer = session.offers?.find((candidate) => candidate.id === offerId);
      if (offer === undefined || offer.state === 'pending') return { ok: false, reason: 'unknown' };
      expireIfDue(session, offer, now);
      if (offer.state !== 'shown') return { ok: false, reason: 'closed', state: offer.state };

      if (action === 'dismiss') {
        session.dismissedAt = now;
        end(session, offer, 'dismissed', now);
        return { ok: true, offer, ticket: null };
      }
      const ticket = await capacity.enqueue(
        { offerId: offer.id, sid: session.id, reasons: offer.reasons, path: offer.path },
        now,
      );
      if (ticket === null) return { ok: false, reason: 'queue-full' };
      // Claims 16 and 18: the response time of this visitor teaches the thresholds.
      learning.recordResponse(now - (offer.shownAt ?? now));
      offer.conversationId = ticket.conversationId;
      session.conversationId = ticket.conversationId;
      // enqueue() took over the reservation; end() must not release it a second time.
      endOffer(session, offer, 'accepted', now);
      notify(offer, session);
      return { ok: true, offer, ticket };
    },
  };
}
