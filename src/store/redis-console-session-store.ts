/**
 * Console sessions in Redis, shared by every helpgate instance on it: an agent who logged in
 * through one instance is known on all, and a logout on one ends the session everywhere. Keys,
 * after the prefix:
 *
 * - `cs:{key}`: the session's JSON, expiring when the session does (12 h after login); `key`
 *   is the SHA-256 of the cookie value, never the value itself;
 * - `cs:all`: a sorted set of the keys by expiry, for the count and the bound.
 *
 * A logout deletes the key and publishes it on `{keyPrefix}console:ended`; each instance's
 * subscription closes the event streams that session holds there (streams are connections of
 * one process). Pub/sub is lossy: an instance whose subscription is down at that moment keeps
 * those streams open until they next reconnect, when the ended session answers 401.
 */
import type { Redis } from 'ioredis';
import type {
  ConsoleSessionStore,
  StoredConsoleSession,
} from '../console/console-session-store.js';
import { MAX_CONSOLE_SESSIONS } from '../console/console-session-store.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { RedisConnection } from './redis-connection.js';

const ALL_KEY = 'cs:all';

/**
 * Stores a session, drops expired keys from the index, and past the bound ends the sessions
 * that expire first (the oldest logins): one script, so the bound holds with several instances
 * logging in at once. KEYS: index, session. ARGV: session key prefix (with the key prefix),
 * key, JSON, ttl, expiry, now, bound.
 */
const SAVE = `
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[6])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[7])
if over > 0 then
  local gone = redis.call('ZPOPMIN', KEYS[1], over)
  for i = 1, #gone, 2 do redis.call('DEL', ARGV[1] .. gone[i]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 0
`;

export interface RedisConsoleSessionStoreOptions {
  connection: RedisConnection;
  /** Sessions kept at most across all instances; {@link MAX_CONSOLE_SESSIONS} by default. */
  max?: number;
  clock?: Clock;
}

export function createRedisConsoleSessionStore(
  options: RedisConsoleSessionStoreOptions,
): ConsoleSessionStore {
  const { connection } = options;
  const clock = options.clock ?? systemClock;
  const max = options.max ?? MAX_CONSOLE_SESSIONS;
  const prefix = connection.keyPrefix;
  const channel = `${prefix}console:ended`;
  const sessionKey = (key: string) => `cs:${key}`;
  const listeners: ((key: string) => void)[] = [];

  function ended(key: string): void {
    for (const listener of listeners) {
      try {
        listener(key);
      } catch {
        // One listener's failure must not keep the others from closing their streams.
      }
    }
  }

  const subscriber: Redis = connection.redis.duplicate({ enableOfflineQueue: true });
  subscriber.on('error', () => {});
  subscriber.subscribe(channel).catch(() => {});
  subscriber.on('message', (_channel: string, key: string) => ended(key));

  return {
    async save(key, session) {
      const now = clock.now();
      const ttlMs = Math.max(1, session.expiresAt - now);
      await connection.run((redis) =>
        redis.eval(
          SAVE,
          2,
          ALL_KEY,
          sessionKey(key),
          `${prefix}cs:`,
          key,
          JSON.stringify(session),
          ttlMs,
          session.expiresAt,
          now,
          max,
        ),
      );
    },

    async load(key) {
      const json = await connection.run((redis) => redis.get(sessionKey(key)));
      return json === null ? null : parse(json);
    },

    async end(key) {
      await connection.run((redis) =>
        redis.multi().del(sessionKey(key)).zrem(ALL_KEY, key).publish(channel, key).exec(),
      );
      // This instance's streams close now; the others' when the message reaches them.
      ended(key);
    },

    onEnded(listener) {
      listeners.push(listener);
    },

    async size() {
      return connection.run((redis) => redis.zcount(ALL_KEY, `(${clock.now()}`, '+inf'));
    },

    async close() {
      subscriber.disconnect();
    },
  };
}

/** A stored session, or `null` for a value that is not one (written by hand, say). */
function parse(json: string): StoredConsoleSession | null {
  try {
    const value = JSON.parse(json) as Partial<StoredConsoleSession> | null;
    if (
      typeof value?.csrf !== 'string' ||
      typeof value.expiresAt !== 'number' ||
      typeof value.tokenTag !== 'string' ||
      (value.who?.role !== 'admin' && value.who?.role !== 'agent')
    ) {
      return null;
    }
    return value as StoredConsoleSession;
  } catch {
    return null;
  }
}
