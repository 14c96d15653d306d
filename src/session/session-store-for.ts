/**
 * The session store a config asks for (`store`). This version provides the memory store only;
 * a config asking for Redis is refused rather than silently given memory.
 */
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import { memoryStoreFor } from './memory-store.js';
import type { SessionStore } from './store.js';

/** Throws HG_ERR_START for `store.kind: redis`. */
export function sessionStoreFor(
  config: Pick<Config, 'session' | 'store'>,
  clock: Clock,
  logger?: Logger,
): SessionStore {
  if (config.store.kind === 'redis') {
    // Silently falling back to memory would split a multi-instance deployment into islands.
    throw new HelpgateError('HG_ERR_START', {
      reason:
        'store.kind "redis" is not available in this version of helpgate; use { kind: memory } with a single instance',
    });
  }
  return memoryStoreFor(config, clock, logger);
}
