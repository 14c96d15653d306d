/**
 * Saved customer profiles in Redis (`store.kind: redis`), shared by every instance and kept by
 * Redis's own persistence (no state file). Bounded like the memory store: past
 * {@link MAX_PROFILES} profiles or {@link MAX_PROFILE_STORE_BYTES} bytes of JSON the least
 * recently written goes first. Keys, after the prefix:
 *
 * - `profile:{customerId}`: the profile's JSON (no expiry: a profile is kept until pushed out);
 * - `profiles:order`: a sorted set of customer ids by write sequence (the eviction order);
 * - `profiles:bytes`: a hash of each profile's JSON length; `profiles:total`, their sum;
 * - `profiles:seq`: the write sequence.
 *
 * Every write is one Lua script, so the bounds hold with several instances writing at once, and
 * `merge` is a compare-and-set retried on conflict: two instances merging different fields into
 * one profile at the same moment both keep theirs.
 */
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkProfile, isCustomerId, type Profile } from '../profiles/profile.js';
import {
  MAX_PROFILE_STORE_BYTES,
  MAX_PROFILES,
  type ProfileStore,
} from '../profiles/profile-store.js';
import type { RedisConnection } from './redis-connection.js';

/** How often a merge is retried when another instance changed the profile in between. */
const MERGE_ATTEMPTS = 20;

const KEYS = ['profiles:order', 'profiles:bytes', 'profiles:total', 'profiles:seq'];

/**
 * ARGV: profile key prefix, customer id, json, expected ('' for any, or '\0' for absent, or
 * the JSON it must hold), max profiles, max bytes. Returns the profile count, or -1 when the
 * expected value did not match (nothing written).
 */
const WRITE = `
local key = ARGV[1] .. ARGV[2]
local current = redis.call('GET', key)
if ARGV[4] ~= '' then
  local expected = ARGV[4]
  if (current or '\\0') ~= expected then return -1 end
end
redis.call('SET', key, ARGV[3])
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[4]), ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], #ARGV[3])
local total = redis.call('INCRBY', KEYS[3], #ARGV[3] - (current and #current or 0))
local count = redis.call('ZCARD', KEYS[1])
local maxProfiles, maxBytes = tonumber(ARGV[5]), tonumber(ARGV[6])
while count > 1 and (count > maxProfiles or total > maxBytes) do
  local oldest = redis.call('ZPOPMIN', KEYS[1])[1]
  total = redis.call('DECRBY', KEYS[3], tonumber(redis.call('HGET', KEYS[2], oldest) or '0'))
  redis.call('HDEL', KEYS[2], oldest)
  redis.call('DEL', ARGV[1] .. oldest)
  count = count - 1
end
return count
`;

/** ARGV: profile key prefix, customer id. Returns whether it existed. */
const DELETE = `
local removed = redis.call('DEL', ARGV[1] .. ARGV[2])
if removed == 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('DECRBY', KEYS[3], tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0'))
redis.call('HDEL', KEYS[2], ARGV[2])
return 1
`;

/** The value a compare-and-set expects of a profile that does not exist. */
const ABSENT = '\0';

export interface RedisProfileStoreOptions {
  connection: RedisConnection;
  logger: Logger;
  maxProfiles?: number;
  maxBytes?: number;
}

/** The Redis profile store, with a refresh of `size()` for callers that need it now. */
export interface RedisProfileStore extends ProfileStore {
  /** Reads the profile count from Redis; `size()` answers it until the next write. */
  refreshSize(): Promise<number>;
}

export function createRedisProfileStore(options: RedisProfileStoreOptions): RedisProfileStore {
  const { connection, logger } = options;
  const maxProfiles = options.maxProfiles ?? MAX_PROFILES;
  const maxBytes = options.maxBytes ?? MAX_PROFILE_STORE_BYTES;
  // Scripts name keys built at run time (the evicted profiles), so they get the full prefix.
  const profilePrefix = `${connection.keyPrefix}profile:`;
  let count = 0;

  function validated(customerId: string, profile: Profile): string {
    if (!isCustomerId(customerId)) throw new TypeError('not a usable customer id');
    const problem = checkProfile(profile);
    if (problem !== undefined) throw new TypeError(problem);
    return JSON.stringify(profile);
  }

  async function write(customerId: string, json: string, expected: string): Promise<boolean> {
    const written = (await connection.run((redis) =>
      redis.eval(
        WRITE,
        KEYS.length,
        ...KEYS,
        profilePrefix,
        customerId,
        json,
        expected,
        maxProfiles,
        maxBytes,
      ),
    )) as number;
    if (written === -1) return false;
    count = written;
    return true;
  }

  const merging = new Map<string, Promise<void>>();

  async function mergeOnce(customerId: string, fields: Profile): Promise<Profile> {
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const current = await connection.run((redis) => redis.get(`profile:${customerId}`));
      const merged: Profile = {
        ...(current === null ? {} : (JSON.parse(current) as Profile)),
        ...fields,
      };
      if (await write(customerId, validated(customerId, merged), current ?? ABSENT)) {
        return merged;
      }
      // Lost to another instance: a short random pause breaks the lockstep in which an instance
      // with merges queued back to back wins every round and this one never does.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * (attempt + 1)));
    }
    logger.warn({ customerId }, 'profile merge gave up: the profile kept changing');
    throw new HelpgateError('HG_ERR_STORE_UNAVAILABLE', { reason: 'the profile kept changing' });
  }

  async function refreshSize(): Promise<number> {
    count = await connection.run((redis) => redis.zcard(KEYS[0]!));
    return count;
  }
  refreshSize().catch(() => {});

  return {
    async get(customerId) {
      const json = await connection.run((redis) => redis.get(`profile:${customerId}`));
      return json === null ? undefined : (JSON.parse(json) as Profile);
    },
    async put(customerId, profile) {
      await write(customerId, validated(customerId, profile), '');
    },
    merge(customerId, fields) {
      // Merges of one profile take turns in this process, so only instances contend.
      const previous = merging.get(customerId) ?? Promise.resolve();
      const turn = previous.then(
        () => mergeOnce(customerId, fields),
        () => mergeOnce(customerId, fields),
      );
      const settled = turn.then(
        () => {},
        () => {},
      );
      merging.set(customerId, settled);
      settled.then(() => {
        if (merging.get(customerId) === settled) merging.delete(customerId);
      });
      return turn;
    },
    async delete(customerId) {
      const removed = (await connection.run((redis) =>
        redis.eval(DELETE, KEYS.length, ...KEYS, profilePrefix, customerId),
      )) as number;
      if (removed === 1) count = Math.max(0, count - 1);
      return removed === 1;
    },
    size: () => count,
    refreshSize,
    // Redis keeps what it holds (append-only persistence: docs/redis.md).
    flush: async () => {},
  };
}
