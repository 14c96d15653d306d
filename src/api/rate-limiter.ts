/**
 * Token-bucket rate limits per key (a session id, a client address), in a bounded LRU so a
 * flood of distinct keys costs fixed memory.
 */
import { LRUCache } from 'lru-cache';
import type { Rate } from '../config/units.js';
import type { Clock } from '../util/clock.js';

export interface RateLimiter {
  /** Takes one token for `key`: allowed, or how long until a token is free. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterMs: number };
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A limiter allowing bursts of `rate.count` and refilling `rate.count` tokens per
 * `rate.windowMs`. Past `maxKeys` the least recently limited key is forgotten (its next
 * request starts with a full bucket).
 */
export function createRateLimiter(options: {
  rate: Rate;
  maxKeys: number;
  clock: Clock;
}): RateLimiter {
  const { rate, clock } = options;
  const perMs = rate.count / rate.windowMs;
  const buckets = new LRUCache<string, Bucket>({ max: options.maxKeys });

  return {
    take(key) {
      const now = clock.now();
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: rate.count, at: now };
        buckets.set(key, bucket);
      } else {
        // A clock that steps back refills nothing rather than draining the bucket.
        bucket.tokens = Math.min(rate.count, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
        bucket.at = now;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs) };
    },
  };
}
