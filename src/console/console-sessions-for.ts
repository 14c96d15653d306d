/**
 * Console sessions in the store the config asks for: in the process with `store.kind: memory`,
 * in Redis (shared by every instance) with `store.kind: redis`, on the process's one Redis
 * connection, which the caller owns and closes.
 */
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { RedisConnection } from '../store/redis-connection.js';
import { createRedisConsoleSessionStore } from '../store/redis-console-session-store.js';
import type { Clock } from '../util/clock.js';
import { type ConsoleSessions, createConsoleSessions } from './console-sessions.js';

export function consoleSessionsFor(
  config: Config,
  parts: { clock: Clock; connection?: RedisConnection },
): ConsoleSessions {
  if (config.store.kind !== 'redis') return createConsoleSessions(config, parts.clock);
  if (parts.connection === undefined) {
    throw new HelpgateError('HG_ERR_START', {
      reason: 'console sessions in Redis need the Redis connection',
    });
  }
  const store = createRedisConsoleSessionStore({
    connection: parts.connection,
    clock: parts.clock,
  });
  return createConsoleSessions(config, parts.clock, store);
}
