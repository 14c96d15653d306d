/**
 * The session service: the orchestrator reports served pages and customer ids, the `hb` route
 * reports heartbeats, and all of it lands in the visitor's session record in the store. After
 * each page or heartbeat the trigger engine decides whether help is offered.
 */
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/schema.js';
import { conversationContext } from '../conversations/conversation-context.js';
import type { Conversations } from '../conversations/conversation-service.js';
import type { Logger } from '../logger.js';
import {
  type Answer,
  createOffers,
  type OfferCapacity,
  type OfferLearning,
} from '../offers/offer-lifecycle.js';
import { offerHtml, pageOfferHtml } from '../offers/offer-markup.js';
import { mustPin, type OfferRecord, takenBackOn } from '../offers/offer-record.js';
import type { Profile } from '../profiles/profile.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import { recordAcceptance } from '../profiles/record-acceptance.js';
import { evaluateTriggers, type FiredTrigger } from '../triggers/evaluate-triggers.js';
import type { Clock } from '../util/clock.js';
import { compileExclude } from '../util/glob.js';
import { canonicalPath } from '../util/normalise-path.js';
import { applyHeartbeat } from './apply-heartbeat.js';
import type { Heartbeat, HeartbeatReply, OfferReply } from './heartbeat-body.js';
import { countView, newSession, noteServed, provenByHeartbeat, type Session } from './session.js';
import type { SessionCheckout, SessionStore } from './store.js';
import { mintSessionId } from './visitor-cookie.js';

/** What a served page carries besides the site's own content. */
export interface PageOutcome {
  /** The HELP option going out with this very page, or `null`. */
  offerHtml: string | null;
}

/** What binding a customer id did to the visitor's session. */
export interface Binding {
  /** The customer id bound to the session now, or `null`. */
  customerId: string | null;
  /**
   * The session's new id when the binding rotated it (the browser must be given it), else
   * `null`.
   */
  rotatedTo: string | null;
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
   * view of `pathname` under its canonical reading (`canonicalPath`; the query string never
   * counts), creating the session when it is new, expired or lost, ends the offer shown on the
   * previous page and decides the `onRequest` triggers. With `fresh` (a cookie minted for this very page) the session is stored only
   * when an offer goes out with the page. Rejects when the store fails; the caller serves the
   * page anyway.
   */
  pageServed(sid: string, pathname: string, options?: { fresh?: boolean }): Promise<PageOutcome>;
  /**
   * Applies a validated heartbeat of `sid`'s beacon, creating the session when missing. A
   * heartbeat from an `exclude`d path (a single-page app navigated into one) or, with
   * `consent: false`, of a visitor without consent is not tracked: it counts nothing, creates
   * nothing and gets no offer; an offer its page reports shown is withdrawn.
   */
  heartbeat(sid: string, body: Heartbeat, options?: { consent?: boolean }): Promise<HeartbeatReply>;
  /**
   * Binds the customer id the upstream named (`null`: signed out; `undefined`: no change) to
   * an existing or new session. When the bound id changes (signing in, another customer,
   * signing out) the session gets a new id, its whole state moves there, and `sid` resolves
   * to nothing from then on: a session id an attacker planted before the sign-in does not
   * lead into the customer's session. An id moved away moments ago (a request sent before the
   * rotation) binds nothing. With `undefined` and no session, nothing is created.
   */
  bindCustomer(sid: string, customerId: string | null | undefined): Promise<Binding>;
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
    moveSession(from: string, to: string): Promise<void>;
  };
  /** Learned maxWait and expiry; takes the response times of accepted offers. */
  learning: OfferLearning;
  /** Told of every offer transition (metrics). */
  onOfferTransition?: (offer: OfferRecord) => void;
  /** Told of every trigger that fires (metrics). */
  onTriggerFired?: (trigger: FiredTrigger) => void;
  /** Told of accepted offers (with the context an agent needs) and of visitors in a chat. */
  conversations?: Pick<Conversations, 'opened' | 'seen' | 'moveSession'>;
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
  const isExcluded = compileExclude(config.exclude, config.paths);
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
   * Runs a read-modify-write step of one session with the session checked out: a page request
   * and a heartbeat arriving together, at this instance or (on a shared store) at two, run one
   * after the other and cannot overwrite each other's changes.
   */
  async function changing<T>(
    sid: string,
    step: (checkout: SessionCheckout) => Promise<T>,
  ): Promise<T> {
    const checkout = await store.checkout(sid);
    try {
      return await step(checkout);
    } finally {
      await checkout.release();
    }
  }

  /** The checked-out session, or a new one in its place. */
  function load(checkout: SessionCheckout, sid: string, now: number): Session {
    // An expired or lost session is replaced transparently (DESIGN.md, "Visitor and session").
    const session = checkout.session ?? newSession(sid, now);
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
      html: offerHtml(offer, config.offers.content),
      expiresInMs: Math.max(0, (offer.expiresAt ?? now) - now),
      reasons: offer.reasons,
    };
  }

  async function profileOf(session: Session): Promise<Profile | null> {
    if (!profiles || !session.customerId) return null;
    return (await profiles.get(session.customerId)) ?? null;
  }

  /** The visitor in a conversation is still there, now on `path` (the agent sees it). */
  function seenInConversation(session: Session, path: string | null, now: number): void {
    if (session.conversationId == null || !deps.conversations) return;
    deps.conversations
      .seen(session.conversationId, session.id, path, now)
      .catch((error: unknown) => logger.warn({ err: error }, 'conversation not updated'));
  }

  function logFired(session: Session, fired: FiredTrigger, path: string): void {
    deps.onTriggerFired?.(fired);
    logger[levelFor(session)](
      { session: session.id, trigger: fired.name, reasons: fired.reasons, path },
      config.offers.enabled ? 'trigger fired' : 'trigger fired (dry run: no offer is shown)',
    );
  }

  /**
   * Moves session `from` (or a new one) to a fresh id bound to `customerId` and returns the
   * id. Whatever refers to the session by id follows it: the store record, the offer index,
   * the queue place or conversation and the reservations.
   */
  async function rotate(
    from: string,
    existing: Session | undefined,
    customerId: string | null,
    now: number,
  ): Promise<string> {
    const to = mintSessionId();
    const session = existing ?? newSession(to, now);
    session.id = to;
    session.customerId = customerId;
    await store.move(from, to, session);
    // A failure must not undo the sign-in: the old id's reservations lapse by themselves.
    await capacity
      .moveSession(from, to)
      .catch((error: unknown) => logger.warn({ err: error }, 'queue place not moved'));
    if (session.conversationId != null) {
      await deps.conversations?.moveSession(session.conversationId, from, to);
    }
    for (const offer of session.offers ?? []) {
      if (owners.has(offer.id)) owners.set(offer.id, to);
    }
    logger.debug({ session: to }, 'session id rotated: the customer changed');
    return to;
  }

  /**
   * The reply to a heartbeat helpgate must not track. Only an offer the page still shows is
   * looked up, to take it off the page and free its agent's slot; other open offers are left
   * alone, since this may be another tab's beacon and the visitor's offer is in the tracked one.
   */
  function untracked(sid: string, body: Heartbeat): Promise<HeartbeatReply> {
    const reply: HeartbeatReply = {
      next: intervalMs,
      offer: null,
      withdraw: [],
      conversation: null,
    };
    const shown = body.offer?.id;
    if (shown === undefined) return Promise.resolve(reply);
    reply.withdraw.push(shown);
    return changing(sid, async (checkout) => {
      const { session } = checkout;
      if (session !== undefined && offers.untracked(session, shown, clock.now())) {
        await checkout.save(session);
      }
      return reply;
    });
  }

  /**
   * Counts a page view; `checkout` is null for a page whose cookie is minted with it (no one
   * else can know the id yet, and nothing is stored unless help goes out with the page).
   */
  async function servePage(
    sid: string,
    pathname: string,
    checkout: SessionCheckout | null,
  ): Promise<{ offerHtml: string | null }> {
    const now = clock.now();
    const path = canonicalPath(pathname, config.paths);
    const session = checkout === null ? newSession(sid, now) : load(checkout, sid, now);
    session.lastSeenAt = now;
    countView(session, path);
    noteServed(session, path, now);

    let fired: FiredTrigger[] = [];
    if (config.triggers.some((t) => t.when.onRequest)) {
      const input = { session, page: null, pathname: path, onRequest: true };
      fired = evaluateTriggers({ ...input, profile: await profileOf(session) }, config, now);
      for (const trigger of fired) logFired(session, trigger, path);
    }
    seenInConversation(session, path, now);
    const offer = await offers.pageServed(session, path, fired, now);
    const offerHtml = offer === null ? null : pageOfferHtml(offer, config, now);
    if (checkout !== null) await checkout.save(session);
    // A cookie minted for this page costs nothing until it comes back, unless help went out
    // with the page (DESIGN.md, "Visitor and session").
    else if (offer !== null || session.offers?.length) await store.set(sid, session);
    return { offerHtml };
  }

  return {
    pageServed(sid, pathname, options = {}) {
      if (options.fresh) return servePage(sid, pathname, null);
      return changing(sid, (checkout) => servePage(sid, pathname, checkout));
    },

    heartbeat(sid, body, options = {}) {
      if (options.consent === false || isExcluded(body.path)) return untracked(sid, body);
      return changing(sid, async (checkout) => {
        const now = clock.now();
        const session = load(checkout, sid, now);
        const path = canonicalPath(body.path, config.paths);
        const { effect, page } = applyHeartbeat(session, { ...body, path }, now, intervalMs);
        const reply: HeartbeatReply = {
          next: intervalMs,
          offer: null,
          withdraw: [],
          conversation: session.conversationId == null ? null : { id: session.conversationId },
        };
        // Only a page view's start moves the agent's view of where the visitor is: the last
        // heartbeat of the page just left (sent on pagehide) arrives after the next page.
        seenInConversation(session, effect === 'new-page-view' ? path : null, now);
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
          const outcome = await offers.heartbeat(session, page, fired, now);
          reply.withdraw = outcome.withdraw;
          if (outcome.offer) reply.offer = offerReply(outcome.offer, now);
        }
        await checkout.save(session);
        return reply;
      });
    },

    bindCustomer(sid, customerId) {
      return changing(sid, async (checkout) => {
        const now = clock.now();
        // A request that left the browser before the rotation still carries the old id. Its
        // binding must not rotate again, to a second, empty session whose cookie could reach
        // the browser after the one holding the state.
        if (await store.movedAway(sid)) return { customerId: null, rotatedTo: null };
        const existing = checkout.session;
        const bound = existing?.customerId ?? null;
        if (customerId === undefined || customerId === bound) {
          if (customerId === null && existing === undefined) {
            await checkout.save({ ...newSession(sid, now), customerId });
          }
          return { customerId: bound, rotatedTo: null };
        }
        return { customerId, rotatedTo: await rotate(sid, existing, customerId, now) };
      });
    },

    snapshot(sid) {
      return store.get(sid);
    },

    profileOf,

    answer(sid, offerId, action) {
      return changing(sid, async (checkout) => {
        const now = clock.now();
        const { session } = checkout;
        const owner = owners.get(offerId);
        if (session === undefined || !session.offers?.some((offer) => offer.id === offerId)) {
          return {
            ok: false,
            reason: owner !== undefined && owner !== sid ? 'forbidden' : 'unknown',
          };
        }
        const answer = await offers.answer(session, offerId, action, now);
        session.lastSeenAt = now;
        // Saved now: what follows opens the conversation and never writes the session.
        await checkout.save(session);
        if (answer.ok && action === 'accept' && answer.ticket && deps.conversations) {
          const { ticket, offer } = answer;
          const context = conversationContext(session, offer, await profileOf(session));
          // A store failure must not undo the acceptance: the queue place stands.
          await deps.conversations
            .opened(
              {
                conversationId: ticket.conversationId,
                sid,
                offerId,
                context,
                promisedWaitSeconds:
                  ticket.estimatedWaitMs === null ? null : Math.ceil(ticket.estimatedWaitMs / 1000),
              },
              now,
            )
            .catch((error: unknown) => logger.warn({ err: error }, 'conversation not opened'));
        }
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
