/**
 * The session service: the orchestrator reports served pages and customer ids, the `hb` route
 * reports heartbeats, and all of it lands in the visitor's session record in the store. After
 * each page or heartbeat the trigger engine decides whether help is offered.
 */
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import {
  type Answer,
  createOffers,
  type OfferCapacity,
  type OfferLearning,
} from '../offers/offer-lifecycle.js';
import { helpButtonHtml, pageOfferHtml } from '../offers/offer-markup.js';
import { mustPin, type OfferRecord, takenBackOn } from '../offers/offer-record.js';
import type { Profile } from '../profiles/profile.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import { recordAcceptance } from '../profiles/record-acceptance.js';
import { evaluateTriggers, type FiredTrigger } from '../triggers/evaluate-triggers.js';
import type { Clock } from '../util/clock.js';
import { applyHeartbeat } from './apply-heartbeat.js';
import type { Heartbeat, HeartbeatReply, OfferReply } from './heartbeat-body.js';
import { countView, newSession, pathnameOf, provenByHeartbeat, type Session } from './session.js';
import type { SessionStore } from './store.js';

/** What a served page carries besides the site's own content. */
export interface PageOutcome {
  /** The HELP option going out with this very page, or `null`. */
  offerHtml: string | null;
}

/** The outcome of a visitor's answer, as the offers API needs it. */
export type AnswerOutcome = Answer | { ok: false; reason: 'forbidden' };

/** An offer as its owner may see it (the HELP page), or why not. */
export type OfferLookup =
  | { ok: true; offer: OfferRecord; session: Session }
  | { ok: false; reason: 'unknown' | 'forbidden' };

/** Offer ids remembered with their session, so another visitor's id answers 403, not 404. */
const MAX_INDEXED_OFFERS = 100_000;

export interface Sessions {
  /**
   * An HTML page was served to a request carrying a validly signed cookie for `sid`: counts a
   * view of `pathname` (the query string never counts), creating the session when it is new,
   * expired or lost, ends the offer shown on the previous page and decides the `onRequest`
   * triggers. With `fresh` (a cookie minted for this very page) the session is stored only
   * when an offer goes out with the page. Rejects when the store fails; the caller serves the
   * page anyway.
   */
  pageServed(sid: string, pathname: string, options?: { fresh?: boolean }): Promise<PageOutcome>;
  /** Applies a validated heartbeat of `sid`'s beacon, creating the session when missing. */
  heartbeat(sid: string, body: Heartbeat): Promise<HeartbeatReply>;
  /**
   * Binds the customer id the upstream named (`null`: signed out; `undefined`: no change) to
   * an existing or new session and resolves with the bound id. With `undefined` and no
   * session, nothing is created.
   */
  bindCustomer(sid: string, customerId: string | null | undefined): Promise<string | null>;
  /** The session as stored, or `undefined`. */
  snapshot(sid: string): Promise<Session | undefined>;
  /** The saved profile of the session's customer, or `null`. */
  profileOf(session: Session): Promise<Profile | null>;
  /** The visitor of `sid` accepts or dismisses offer `offerId`. */
  answer(sid: string, offerId: string, action: 'accept' | 'dismiss'): Promise<AnswerOutcome>;
  /** Offer `offerId` if it is `sid`'s. */
  offer(sid: string, offerId: string): Promise<OfferLookup>;
}

export interface SessionsDeps {
  config: Config;
  store: SessionStore;
  clock: Clock;
  logger: Logger;
  /** Saved profiles for `profile:` conditions; without it no profile ever matches. */
  profiles?: ProfileStore;
  /** Agents' slots, reservations and the help queue (the capacity gate). */
  capacity: OfferCapacity & {
    conversation(id: string): unknown;
    touch(conversationId: string, now: number): void;
  };
  /** Learned maxWait and expiry; takes the response times of accepted offers. */
  learning: OfferLearning;
  /** Told of every offer transition (metrics). */
  onOfferTransition?: (offer: OfferRecord) => void;
  /** Told of every trigger that fires (metrics). */
  onTriggerFired?: (trigger: FiredTrigger) => void;
}

/**
 * The level of a session's trigger and offer lines: info once a heartbeat has proven the
 * session; before that debug, since a client without script can make them with every page
 * request it sends (metrics still count them).
 */
function levelFor(session: Session): 'info' | 'debug' {
  return provenByHeartbeat(session) ? 'info' : 'debug';
}

export function createSessions(deps: SessionsDeps): Sessions {
  const { config, store, clock, logger, profiles, capacity } = deps;
  const intervalMs = config.heartbeat.interval;
  const queues = new Map<string, Promise<unknown>>();
  const owners = new LRUCache<string, string>({ max: MAX_INDEXED_OFFERS });
  const offers = createOffers({
    config,
    capacity,
    learning: deps.learning,
    onTransition(offer, session) {
      if (offer.state === 'pending') owners.set(offer.id, session.id);
      logger[levelFor(session)](
        {
          session: session.id,
          offer: offer.id,
          trigger: offer.trigger,
          state: offer.state,
          ...(offer.endReason !== undefined && { reason: offer.endReason }),
        },
        `offer ${offer.state}`,
      );
      deps.onOfferTransition?.(offer);
    },
  });

  /**
   * Runs read-modify-write steps of one session one after another, so a page request and a
   * heartbeat arriving together cannot overwrite each other's changes.
   */
  function serialized<T>(sid: string, step: () => Promise<T>): Promise<T> {
    const previous = queues.get(sid) ?? Promise.resolve();
    const run = previous.then(step, step);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(sid, settled);
    void settled.then(() => {
      if (queues.get(sid) === settled) queues.delete(sid);
    });
    return run;
  }

  async function load(sid: string, now: number): Promise<Session> {
    // An expired or lost session is replaced transparently (DESIGN.md, "Visitor and session").
    const session = (await store.get(sid)) ?? newSession(sid, now);
    if (
      session.conversationId != null &&
      capacity.conversation(session.conversationId) === undefined
    ) {
      // The conversation ended (or this instance restarted): the session need not stay pinned.
      session.conversationId = null;
      session.pinned = mustPin(session);
    }
    // A visitor waiting for an agent is still there (see Capacity.touch).
    if (session.conversationId != null) capacity.touch(session.conversationId, now);
    return session;
  }

  function offerReply(offer: OfferRecord, now: number): OfferReply {
    return {
      id: offer.id,
      kind: offer.kind,
      html: helpButtonHtml(offer.id, config.offers.content.button.label),
      expiresInMs: Math.max(0, (offer.expiresAt ?? now) - now),
      reasons: offer.reasons,
    };
  }

  async function profileOf(session: Session): Promise<Profile | null> {
    if (!profiles || !session.customerId) return null;
    return (await profiles.get(session.customerId)) ?? null;
  }

  function logFired(session: Session, fired: FiredTrigger, path: string): void {
    deps.onTriggerFired?.(fired);
    logger[levelFor(session)](
      { session: session.id, trigger: fired.name, reasons: fired.reasons, path },
      config.offers.enabled ? 'trigger fired' : 'trigger fired (dry run: no offer is shown)',
    );
  }

  return {
    pageServed(sid, pathname, options = {}) {
      return serialized(sid, async () => {
        const now = clock.now();
        const path = pathnameOf(pathname);
        const session = options.fresh ? newSession(sid, now) : await load(sid, now);
        session.lastSeenAt = now;
        countView(session, path);

        let fired: FiredTrigger[] = [];
        if (config.triggers.some((t) => t.when.onRequest)) {
          const input = { session, page: null, pathname: path, onRequest: true };
          fired = evaluateTriggers({ ...input, profile: await profileOf(session) }, config, now);
          for (const trigger of fired) logFired(session, trigger, path);
        }
        const offer = offers.pageServed(session, path, fired, now);
        const offerHtml = offer === null ? null : pageOfferHtml(offer, config, now);
        // A cookie minted for this page costs nothing until it comes back, unless help went
        // out with the page (DESIGN.md, "Visitor and session").
        if (!options.fresh || offer !== null || session.offers?.length)
          await store.set(sid, session);
        return { offerHtml };
      });
    },

    heartbeat(sid, body) {
      return serialized(sid, async () => {
        const now = clock.now();
        const session = await load(sid, now);
        const { effect, page } = applyHeartbeat(session, body, now, intervalMs);
        const reply: HeartbeatReply = { next: intervalMs, offer: null, withdraw: [] };
        if (page && page.pv === body.pv) page.nextMs = reply.next;

        if (effect === 'old-page-view') {
          // A page view that is no longer the current one: the visitor's other tab, or a late
          // heartbeat of a page left behind. It takes no offer of the current page view (that
          // would show in the wrong tab), and learns which of its own the server took back.
          reply.withdraw = takenBackOn(session, body.pv);
        } else if (page && effect !== 'stale') {
          let fired: FiredTrigger[] = [];
          if (effect === 'counted' || effect === 'new-page-view') {
            const input = { session, page, pathname: page.path, onRequest: false };
            fired = evaluateTriggers({ ...input, profile: await profileOf(session) }, config, now);
            page.fired ??= [];
            for (const trigger of fired) {
              if (page.fired.includes(trigger.name)) continue;
              page.fired.push(trigger.name);
              logFired(session, trigger, page.path);
            }
          }
          const outcome = offers.heartbeat(session, page, fired, now);
          reply.withdraw = outcome.withdraw;
          if (outcome.offer) reply.offer = offerReply(outcome.offer, now);
        }
        await store.set(sid, session);
        return reply;
      });
    },

    bindCustomer(sid, customerId) {
      return serialized(sid, async () => {
        const now = clock.now();
        const existing = await store.get(sid);
        if (customerId === undefined) return existing?.customerId ?? null;
        const session = existing ?? newSession(sid, now);
        if (session.customerId !== customerId || existing === undefined) {
          session.customerId = customerId;
          await store.set(sid, session);
        }
        return customerId;
      });
    },

    snapshot(sid) {
      return store.get(sid);
    },

    profileOf,

    answer(sid, offerId, action) {
      return serialized(sid, async () => {
        const now = clock.now();
        const session = await store.get(sid);
        const owner = owners.get(offerId);
        if (session === undefined || !session.offers?.some((offer) => offer.id === offerId)) {
          return {
            ok: false,
            reason: owner !== undefined && owner !== sid ? 'forbidden' : 'unknown',
          };
        }
        const answer = offers.answer(session, offerId, action, now);
        session.lastSeenAt = now;
        await store.set(sid, session);
        if (answer.ok && action === 'accept' && profiles) {
          // acceptedBefore (claim 2); a profile store failure must not undo the acceptance.
          await recordAcceptance(profiles, session.customerId).catch((error: unknown) =>
            logger.warn({ err: error }, 'acceptedBefore not saved'),
          );
        }
        return answer;
      });
    },

    async offer(sid, offerId) {
      const session = await store.get(sid);
      const offer = session?.offers?.find((candidate) => candidate.id === offerId);
      if (session === undefined || offer === undefined || offer.state === 'pending') {
        const owner = owners.get(offerId);
        return {
          ok: false,
          reason: owner !== undefined && owner !== sid ? 'forbidden' : 'unknown',
        };
      }
      offers.viewed(session, offer);
      return { ok: true, offer, session };
    },
  };
}
