/**
 * Sessions in Redis (`store.kind: redis`): one string key per session holding its JSON, with
 * the idle time-to-live (`session.ttl`) as the key's own expiry, restarted on every write.
 * Redis bounds memory with its `maxmemory` policy, so `maxSessions` and `maxPinned` do not
 * apply here (docs/redis.md says which policy to choose). Keys, after the prefix:
 *
 * - `s:{sid}`: the session's JSON, expiring `ttl` after its last write;
 * - `moved:{sid}`: an id moved away by a sign-in, expiring after {@link MOVED_AWAY_MS};
 * - `live:{width}:{n}`: HyperLogLogs of the ids written in each time bucket, for `size()`;
 * - `sl:{sid}`: the lock of a session checked out to be changed (see `checkout`), expiring
 *   after {@link LOCK_MS}.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/schema.js';
import type { Milliseconds } from '../config/units.js';
import { HelpgateError } from '../errors.js';
import type { Session } from '../session/session.js';
import { MOVED_AWAY_MS, type SessionCheckout, type SessionStore } from '../session/store.js';
import { type Clock, systemClock } from '../util/clock.js';
import { createKeyedLock } from '../util/keyed-lock.js';
import type { RedisConnection } from './redis-connection.js';

/** How often the live-session estimate is refreshed (also a probe of the connection). */
export const SIZE_REFRESH_MS = 5_000;
/** Sessions whose live-count bucket this process remembers (see `countWrite`). */
const MAX_COUNTED = 100_000;
/** Buckets per time-to-live in the live-session estimate: its resolution. */
const BUCKETS_PER_TTL = 30;
/**
 * How long a checkout may hold a session's lock: far longer than a page's or a heartbeat's
 * handling takes, short enough that an instance that died holding one blocks its visitor only
 * briefly. A step that outlasts it (Redis answering slowly) loses the lock's protection only.
 */
export const LOCK_MS = 5_000;
/** The longest pause between tries for a lock another instance holds. */
const LOCK_RETRY_MAX_MS = 20;

/**
 * Takes the lock (KEYS[1]) and reads the session (KEYS[2]), or says how long the lock has left.
 * A lock held by this instance (its token starts with ARGV[3]) is taken over: this instance
 * runs one checkout of a session at a time, so such a lock is left over from a checkout whose
 * command was answered too late (Redis froze) and which gave up on it.
 */
const CHECKOUT = `
local holder = redis.call('GET', KEYS[1])
if not holder or string.sub(holder, 1, #ARGV[3]) == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, redis.call('GET', KEYS[2])}
end
return {0, redis.call('PTTL', KEYS[1])}`;
/** Stores the session (KEYS[1]) and lets go of the lock (KEYS[2]) if it is still this one's. */
const SAVE = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`;
/** Lets go of the lock (KEYS[1]) if it is still this one's. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface CheckoutCommands {
  hgSessionCheckout(
    lock: string,
    key: string,
    token: string,
    lockMs: number,
    mine: string,
  ): Promise<unknown>;
  hgSessionSave(
    key: string,
    lock: string,
    json: string,
    ttlMs: number,
    token: string,
  ): Promise<unknown>;
  hgSessionRelease(lock: string, token: string): Promise<unknown>;
}
const commandsOf = (redis: Redis) => redis as Redis & CheckoutCommands;

export interface RedisSessionStoreOptions {
  connection: RedisConnection;
  /** `session.ttl`: idle time after which a session is gone. */
  ttlMs: Milliseconds;
  /** How long a moved-away id is remembered; {@link MOVED_AWAY_MS} unless a test shortens it. */
  movedAwayMs?: Milliseconds;
  /** For the estimate's time buckets; expiry itself is Redis's clock. */
  clock?: Clock;
  /**
   * How long a checkout waits for a lock another instance holds before it fails as the store
   * would (`store.timeout`; default 500 ms): a page is never held longer than a store call.
   */
  lockWaitMs?: Milliseconds;
}

/** The Redis session store, with the estimate's refresh for callers that need it now. */
export interface RedisSessionStore extends SessionStore {
  /** Counts the live sessions in Redis now; `size()` answers this until the next refresh. */
  refreshSize(): Promise<number>;
}

export function createRedisSessionStore(options: RedisSessionStoreOptions): RedisSessionStore {
  const { connection } = options;
  const clock = options.clock ?? systemClock;
  const movedAwayMs = options.movedAwayMs ?? MOVED_AWAY_MS;
  const lockWaitMs = options.lockWaitMs ?? 500;
  let ttlMs = options.ttlMs;
  let estimate = 0;
  // The bucket whose expiry this process has set: one PEXPIRE per bucket, not per write.
  let expiringBucket = '';

  // `size()` is synchronous and Redis has no cheap count of keys under a prefix (SCAN walks
  // them all): each write adds its id to the current bucket's HyperLogLog (12 KB at most per
  // bucket, whatever the traffic), and the estimate merges the buckets of the last ttl.
  const bucketWidth = () => Math.max(1_000, Math.ceil(ttlMs / BUCKETS_PER_TTL));
  const bucketKey = (width: number, n: number) => `live:${width}:${n}`;

  /**
   * The bucket each session was last counted in by this process: a heartbeat every few seconds
   * would add the same id to the same bucket a dozen times, so only the first write per bucket
   * sends the `PFADD` (bounded; a forgotten id is just added again).
   */
  const counted = new LRUCache<string, string>({ max: MAX_COUNTED });

  function countWrite(redis: RedisConnection['redis'], sid: string): Promise<unknown> {
    const width = bucketWidth();
    const key = bucketKey(width, Math.floor(clock.now() / width));
    if (counted.get(sid) === key) return Promise.resolve();
    counted.set(sid, key);
    const added =
      key === expiringBucket
        ? redis.pfadd(key, sid)
        : Promise.all([redis.pfadd(key, sid), redis.pexpire(key, ttlMs + 2 * width)]);
    expiringBucket = key;
    // Not counted after all: the next write tries again.
    return added.catch((error: unknown) => {
      counted.delete(sid);
      throw error;
    });
  }

  async function refreshSize(): Promise<number> {
    const width = bucketWidth();
    const last = Math.floor(clock.now() / width);
    const keys: string[] = [];
    for (let n = last - Math.ceil(ttlMs / width); n <= last; n++) keys.push(bucketKey(width, n));
    estimate = await connection.run((redis) => redis.pfcount(...keys));
    return estimate;
  }

  // `EVALSHA`, falling back to `EVAL` once after a Redis restart.
  connection.redis.defineCommand('hgSessionCheckout', { numberOfKeys: 2, lua: CHECKOUT });
  connection.redis.defineCommand('hgSessionSave', { numberOfKeys: 2, lua: SAVE });
  connection.redis.defineCommand('hgSessionRelease', { numberOfKeys: 1, lua: RELEASE });
  // A session's checkouts in this process queue here; only the one at the front asks Redis.
  const local = createKeyedLock();
  /** This instance's tokens start with it: `{random}:{n}`. */
  const instance = `${randomBytes(9).toString('base64url')}:`;
  let checkouts = 0;

  /** Takes `sid`'s lock in Redis for `token` and reads the session, waiting while it is held. */
  async function lockAndRead(sid: string, token: string): Promise<string | null> {
    // Real time, not `clock`: the lock lapses on Redis's clock, and so does `store.timeout`.
    const deadline = Date.now() + lockWaitMs;
    for (let pause = 1; ; pause = Math.min(2 * pause, LOCK_RETRY_MAX_MS)) {
      const [taken, value] = (await connection.run((redis) =>
        commandsOf(redis).hgSessionCheckout(`sl:${sid}`, `s:${sid}`, token, LOCK_MS, instance),
      )) as [number, string | number | null];
      if (taken === 1) return value as string | null;
      // Held by another instance's checkout: typically a few milliseconds.
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new HelpgateError('HG_ERR_STORE_UNAVAILABLE', {
          reason: `session held by another instance for over ${lockWaitMs} ms`,
        });
      }
      await sleep(Math.min(pause, left, Math.max(1, Number(value))));
    }
  }

  async function checkout(sid: string): Promise<SessionCheckout> {
    const unlock = await local.acquire(sid);
    const token = `${instance}${++checkouts}`;
    let json: string | null;
    try {
      json = await lockAndRead(sid, token);
    } catch (error) {
      // A lock command that timed out may still run: let go of what it may take. In the
      // background, past the connection's health: its failure says nothing new.
      commandsOf(connection.redis)
        .hgSessionRelease(`sl:${sid}`, token)
        .catch(() => {});
      unlock();
      throw error;
    }
    /** Whether this checkout may still hold the lock in Redis. */
    let locked = true;
    let open = true;
    return {
      session: json === null ? undefined : parse(json),
      async save(session) {
        const next = JSON.stringify(session);
        await connection.run((redis) =>
          Promise.all([
            commandsOf(redis).hgSessionSave(`s:${sid}`, `sl:${sid}`, next, ttlMs, token),
            countWrite(redis, sid),
          ]),
        );
        locked = false;
      },
      async release() {
        if (!open) return;
        open = false;
        // Sent before the next checkout here asks for the lock: one connection keeps the order.
        const released = locked
          ? connection.run((redis) => commandsOf(redis).hgSessionRelease(`sl:${sid}`, token))
          : null;
        unlock();
        // Not released (Redis away): the lock lapses after LOCK_MS.
        await released?.catch(() => {});
      },
    };
  }

  const refresher = setInterval(() => {
    // A failure is in the connection's health already; the last estimate stays.
    refreshSize().catch(() => {});
  }, SIZE_REFRESH_MS);
  refresher.unref();

  return {
    async get(sid) {
      const json = await connection.run((redis) => redis.get(`s:${sid}`));
      return json === null ? undefined : parse(json);
    },
    async set(sid, session) {
      const json = JSON.stringify(session);
      await connection.run((redis) =>
        Promise.all([redis.set(`s:${sid}`, json, 'PX', ttlMs), countWrite(redis, sid)]),
      );
    },
    checkout,
    async delete(sid) {
      await connection.run((redis) => redis.del(`s:${sid}`));
    },
    async move(from, to, session) {
      const json = JSON.stringify(session);
      // One transaction: no instance ever sees both ids live, or neither.
      await connection.run(async (redis) => {
        const replies = await redis
          .multi()
          .del(`s:${from}`)
          .set(`moved:${from}`, '1', 'PX', movedAwayMs)
          .set(`s:${to}`, json, 'PX', ttlMs)
          .exec();
        const failed = replies?.find(([error]) => error !== null);
        if (replies === null || failed !== undefined) {
          throw failed?.[0] ?? new Error('transaction discarded');
        }
        await countWrite(redis, to);
      });
    },
    async movedAway(sid) {
      return (await connection.run((redis) => redis.exists(`moved:${sid}`))) === 1;
    },
    size: () => estimate,
    refreshSize,
    configure(next: Config['session']) {
      // Applies from each session's next write; keys keep the expiry they were written with.
      ttlMs = next.ttl;
    },
    async ping() {
      await connection.run((redis) => redis.ping());
    },
    health: () => connection.health(),
    async close() {
      clearInterval(refresher);
      await connection.close();
    },
  };
}

/** A stored session, or `undefined` for a value that is not one (written by hand, say). */
function parse(json: string): Session | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null ? (value as Session) : undefined;
  } catch {
    return undefined;
  }
}
