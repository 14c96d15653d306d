/**
 * The supervisor's statistics in the store the config asks for: in the process with
 * `store.kind: memory`, in Redis (every instance adding into the same buckets) with
 * `store.kind: redis`, on the process's one Redis connection, which the caller owns.
 */
import type { Config } from '../../config/schema.js';
import { HelpgateError } from '../../errors.js';
import type { RedisConnection } from '../../store/redis-connection.js';
import { createRedisStats } from '../../store/redis-stats.js';
import type { Clock } from '../../util/clock.js';
import { createStats, type Stats } from './create-stats.js';

export function statsFor(
  config: Pick<Config, 'store'>,
  parts: { clock: Clock; connection?: RedisConnection },
): Stats {
  if (config.store.kind !== 'redis') return createStats();
  if (parts.connection === undefined) {
    throw new HelpgateError('HG_ERR_START', {
      reason: 'statistics in Redis need the Redis connection',
    });
  }
  return createRedisStats({ connection: parts.connection, clock: parts.clock });
}
