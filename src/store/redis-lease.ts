/**
 * A lease in Redis: which one of the instances sharing a store does the periodic work that must
 * run once (ending the conversations of visitors who left, telling queued visitors their new
 * place). One key, `lease:{name}`, holding the holder's id with an expiry; the holder renews it
 * a third of the way through, and counts itself the holder only until the expiry of its last
 * renewal, so two instances never both think they hold it (short of clocks running at very
 * different rates). A holder that dies hands over within one lease time.
 */
import { randomUUID } from 'node:crypto';
import type { Milliseconds } from '../config/units.js';
import type { Logger } from '../logger.js';
import type { RedisConnection } from './redis-connection.js';

/** How long a lease lasts without renewal: a dead holder's work waits this long at most. */
export const LEASE_MS = 5_000;

const TAKE = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const GIVE_UP = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface Lease {
  /** Whether this process holds the lease now. */
  held(): boolean;
  /** Gives the lease up (another instance takes it at once) and stops renewing. */
  close(): Promise<void>;
}

export function createRedisLease(
  connection: RedisConnection,
  name: string,
  options: { logger: Logger; leaseMs?: Milliseconds; holder?: string },
): Lease {
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const holder = options.holder ?? randomUUID();
  const key = `lease:${name}`;
  /** Held until then (monotonic time): the expiry of the last renewal, less a margin. */
  let until = 0;
  let wasHeld = false;

  async function renew(): Promise<void> {
    const asked = performance.now();
    try {
      const taken = await connection.run(
        (redis) => redis.eval(TAKE, 1, key, holder, leaseMs) as Promise<number>,
      );
      // Counted from the moment the request left, not when the answer came.
      until = taken === 1 ? asked + leaseMs * 0.9 : 0;
    } catch {
      until = 0;
    }
    const held = performance.now() < until;
    if (held !== wasHeld) {
      wasHeld = held;
      options.logger.info({ lease: name }, held ? 'lease taken' : 'lease lost');
    }
  }

  void renew();
  const timer = setInterval(() => void renew(), leaseMs / 3);
  timer.unref();

  return {
    held: () => performance.now() < until,
    async close() {
      clearInterval(timer);
      until = 0;
      await connection
        .run((redis) => redis.eval(GIVE_UP, 1, key, holder) as Promise<number>)
        .catch(() => {});
    },
  };
}
