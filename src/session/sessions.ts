/**
 * The session service: the orchestrator reports served pages, the `hb` route reports
 * heartbeats, and both land in the visitor's session record in the store.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import { applyHeartbeat } from './apply-heartbeat.js';
import type { Heartbeat, HeartbeatReply } from './heartbeat-body.js';
import { countView, newSession, pathnameOf, type Session } from './session.js';
import type { SessionStore } from './store.js';

export interface Sessions {
  /**
   * An HTML page was served to a request carrying a validly signed cookie for `sid`: counts a
   * view of `pathname` (the query string never counts), creating the session when it is new,
   * expired or lost. Rejects when the store fails; the caller serves the page anyway.
   */
  pageServed(sid: string, pathname: string): Promise<void>;
  /** Applies a validated heartbeat of `sid`'s beacon, creating the session when missing. */
  heartbeat(sid: string, body: Heartbeat): Promise<HeartbeatReply>;
  /** The session as stored, or `undefined`. */
  snapshot(sid: string): Promise<Session | undefined>;
}

export interface SessionsDeps {
  config: Config;
  store: SessionStore;
  clock: Clock;
  logger: Logger;
}

export function createSessions(deps: SessionsDeps): Sessions {
  const { config, store, clock } = deps;
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

  return {
    pageServed(sid, pathname) {
      return serialized(sid, async () => {
        const now = clock.now();
        const session = await load(sid, now);
        session.lastSeenAt = now;
        countView(session, pathnameOf(pathname));
        await store.set(sid, session);
      });
    },

    heartbeat(sid, body) {
      return serialized(sid, async () => {
        const now = clock.now();
        const session = await load(sid, now);
        const { page } = applyHeartbeat(session, body, now, intervalMs);
        const reply: HeartbeatReply = { next: intervalMs, offer: null, withdraw: [] };
        if (page && page.pv === body.pv) page.nextMs = reply.next;
        await store.set(sid, session);
        return reply;
      });
    },

    snapshot(sid) {
      return store.get(sid);
    },
  };
}
