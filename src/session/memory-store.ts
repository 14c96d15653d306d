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
import type { Session } from './session.js';
import { MOVED_AWAY_MS, type SessionStore } from './store.js';

export interface MemoryStoreOptions {
  /** Unpinned sessions kept; the least recently written goes first. */
  maxSessions: number;
  /** Pinned sessions kept apart from LRU eviction. */
  maxPinned: number;
  /** Idle time after which a session is gone (pinned or not). */
  ttlMs: Milliseconds;
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
  const common = {
    ttl: options.ttlMs,
    // A resolution of 0 reads the clock on every check instead of caching it on a timer,
    // so an injected clock is honoured at once.
    ttlResolution: 0,
    perf: { now: () => clock.now() },
    updateAgeOnGet: false,
  } as const;

  const sessions = new LRUCache<string, Session>({ ...common, max: options.maxSessions });

  const pinned = new LRUCache<string, Session>({
    ...common,
    max: options.maxPinned,
    dispose(session, sid, reason) {
      // Past maxPinned the least recently active pinned session loses its protection rather
      // than its state: it joins the ordinary LRU.
      if (reason !== 'evict') return;
      logger?.warn({ maxPinned: options.maxPinned }, 'pinned sessions over session.maxPinned');
      sessions.set(sid, session);
    },
  });

  // Ids moved away: one per sign-in, as many as sessions at most.
  const moved = new LRUCache<string, true>({
    ...common,
    ttl: MOVED_AWAY_MS,
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

  return {
    async get(sid) {
      return pinned.get(sid) ?? sessions.get(sid);
    },
    async set(sid, session) {
      put(sid, session);
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
    async ping() {},
    async close() {
      pinned.clear();
      sessions.clear();
      moved.clear();
    },
  };
}
