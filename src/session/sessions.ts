/**
 * The session service: the orchestrator reports served pages and customer ids, the `hb` route
 * reports heartbeats, and all of it lands in the visitor's session record in the store. After
 * each page or heartbeat the trigger engine decides whether help is offered.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { Profile } from '../profiles/profile.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import { evaluateTriggers, type FiredTrigger } from '../triggers/evaluate-triggers.js';
import type { Clock } from '../util/clock.js';
import { applyHeartbeat } from './apply-heartbeat.js';
import type { Heartbeat, HeartbeatReply } from './heartbeat-body.js';
import { helpButtonHtml } from './help-button.js';
import { offerReply, openOffer, settleOffers } from './interim-offer.js';
import { countView, newSession, pathnameOf, type Session } from './session.js';
import type { SessionStore } from './store.js';

/** What a served page carries besides the site's own content. */
export interface PageOutcome {
  /** The HELP option for this very page (an `onRequest` trigger fired), or `null`. */
  offerHtml: string | null;
}

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
}

export interface SessionsDeps {
  config: Config;
  store: SessionStore;
  clock: Clock;
  logger: Logger;
  /** Saved profiles for `profile:` conditions; without it no profile ever matches. */
  profiles?: ProfileStore;
}

export function createSessions(deps: SessionsDeps): Sessions {
  const { config, store, clock, logger, profiles } = deps;
  const intervalMs = config.heartbeat.interval;
  const queues = new Map<string, Promise<unknown>>();

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
    return (await store.get(sid)) ?? newSession(sid, now);
  }

  async function profileOf(session: Session): Promise<Profile | null> {
    if (!profiles || !session.customerId) return null;
    return (await profiles.get(session.customerId)) ?? null;
  }

  function logFired(session: Session, fired: FiredTrigger, path: string): void {
    logger.info(
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
        settleOffers(session, null, now);
        countView(session, path);

        let offerHtml: string | null = null;
        if (config.triggers.some((t) => t.when.onRequest)) {
          const input = { session, page: null, pathname: path, onRequest: true };
          const fired = evaluateTriggers(
            { ...input, profile: await profileOf(session) },
            config,
            now,
          );
          for (const trigger of fired) logFired(session, trigger, path);
          const offer = openOffer(session, fired, { pv: null, path }, config, now);
          if (offer) offerHtml = helpButtonHtml(offer.id, config.offers.content.button.label);
        }
        // A cookie minted for this page costs nothing until it comes back, unless help went
        // out with the page (DESIGN.md, "Visitor and session").
        if (!options.fresh || offerHtml !== null) await store.set(sid, session);
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
        if (page) reply.withdraw = settleOffers(session, page.pv, now);

        if (page && (effect === 'counted' || effect === 'new-page-view')) {
          const input = { session, page, pathname: page.path, onRequest: false };
          const fired = evaluateTriggers(
            { ...input, profile: await profileOf(session) },
            config,
            now,
          );
          page.fired ??= [];
          for (const trigger of fired) {
            if (page.fired.includes(trigger.name)) continue;
            page.fired.push(trigger.name);
            logFired(session, trigger, page.path);
          }
          const offer = openOffer(session, fired, { pv: page.pv, path: page.path }, config, now);
          if (offer) reply.offer = offerReply(offer, config, now);
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
  };
}
