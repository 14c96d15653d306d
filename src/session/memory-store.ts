/**
 * The in-process session store: an LRU bounded by `session.maxSessions` with an idle
 * time-to-live, and beside it a pool for pinned sessions (an offer shown, a queued request, a
 * conversation) that LRU pressure never evicts, bounded by `session.maxPinned`.
 */
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/schema.js';
import type { Milliseconds } from '../config/units.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import { createKeyedLock } from '../util/keyed-lock.js';
import type { Session } from './session.js';
import { MOVED_AWAY_MS, type SessionStore } from './store.js';

/** The bounds of the store, from the config's `session` section. */
export interface SessionBounds {
  /** Unpinned sessions kept; the least recently written goes first. */
  maxSessions: number;
  /** Pinned sessions kept apart from LRU eviction. */
  maxPinned: number;
  /** Idle time after which a session is gone (pinned or not). */
  ttlMs: Milliseconds;
}

export interface MemoryStoreOptions extends SessionBounds {
  clock: Clock;
  logger?: Logger;
}

/** The memory store, with the pinned count for metrics. */
export interface MemoryStore extends SessionStore {
  /** Pinned sessions held. */
  pinnedSize(): number;
}

/** The memory store with the bounds of the config's `session` section. */
export function memoryStoreFor(
  config: Pick<Config, 'session'>,
  clock: Clock,
  logger?: Logger,
): MemoryStore {
  return createMemoryStore({
    maxSessions: config.session.maxSessions,
    maxPinned: config.session.maxPinned,
    ttlMs: config.session.ttl,
    clock,
    ...(logger && { logger }),
  });
}

/**
 * A memory store. Sessions are held as given (not copied): callers follow the
 * {@link SessionStore} rule and `set` after every change, so a shared store behaves alike.
 */
export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const { clock, logger } = options;
  let bounds: SessionBounds = {
    maxSessions: options.maxSessions,
    maxPinned: options.maxPinned,
    ttlMs: options.ttlMs,
  };

  function lru(max: number, dispose?: LRUCache.Disposer<string, Session>) {
    return new LRUCache<string, Session>({
      max,
      ttl: bounds.ttlMs,
      // A resolution of 0 reads the clock on every check instead of caching it on a timer,
      // so an injected clock is honoured at once.
      ttlResolution: 0,
      perf: { now: () => clock.now() },
      updateAgeOnGet: false,
      ...(dispose && { dispose }),
    });
  }

  // Past maxPinned the least recently active pinned session loses its protection rather
  // than its state: it joins the ordinary LRU.
  const unpin: LRUCache.Disposer<string, Session> = (session, sid, reason) => {
    if (reason !== 'evict') return;
    logger?.warn({ maxPinned: bounds.maxPinned }, 'pinned sessions over session.maxPinned');
    sessions.set(sid, session);
  };

  let sessions = lru(bounds.maxSessions);
  let pinned = lru(bounds.maxPinned, unpin);

  // Ids moved away: one per sign-in, as many as sessions at most.
  const moved = new LRUCache<string, true>({
    ttl: MOVED_AWAY_MS,
    ttlResolution: 0,
    perf: { now: () => clock.now() },
    updateAgeOnGet: false,
    max: options.maxSessions,
  });

  function put(sid: string, session: Session): void {
    if (session.pinned === true) {
      sessions.delete(sid);
      pinned.set(sid, session);
    } else {
      pinned.delete(sid);
      sessions.set(sid, session);
    }
  }

  function forget(sid: string): void {
    pinned.delete(sid);
    sessions.delete(sid);
  }

  const checkouts = createKeyedLock();
  const read = (sid: string) => pinned.get(sid) ?? sessions.get(sid);

  return {
    async get(sid) {
      return read(sid);
    },
    async set(sid, session) {
      put(sid, session);
    },
    async checkout(sid) {
      const unlock = await checkouts.acquire(sid);
      return {
        session: read(sid),
        async save(session) {
          put(sid, session);
        },
        async release() {
          unlock();
        },
      };
    },
    async delete(sid) {
      forget(sid);
    },
    async move(from, to, session) {
      forget(from);
      moved.set(from, true);
      put(to, session);
    },
    async movedAway(sid) {
      return moved.has(sid);
    },
    size: () => sessions.size + pinned.size,
    pinnedSize: () => pinned.size,
    configure(next) {
      const ttlMs = next.ttl;
      if (
        next.maxSessions === bounds.maxSessions &&
        next.maxPinned === bounds.maxPinned &&
        ttlMs === bounds.ttlMs
      ) {
        return;
      }
      // lru-cache fixes `max` at construction: the caches are rebuilt in LRU order, each
      // session keeping its idle time so far under the new time-to-live. A smaller bound
      // evicts the least recently active, as it would have on the way there.
      const keptSessions = sessions.dump();
      const keptPinned = pinned.dump();
      for (const [, entry] of [...keptSessions, ...keptPinned]) entry.ttl = ttlMs;
      bounds = { maxSessions: next.maxSessions, maxPinned: next.maxPinned, ttlMs };
      sessions = lru(bounds.maxSessions);
      pinned = lru(bounds.maxPinned, unpin);
      sessions.load(keptSessions);
      pinned.load(keptPinned);
    },
    async ping() {},
    async close() {
      pinned.clear();
      sessions.clear();
      moved.clear();
    },
  };
}
