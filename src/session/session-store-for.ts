/**
 * The session store of a helpgate built on its own (tests, embedding): the memory store. The
 * Redis store comes with every other shared part from `store/shared-parts-for.ts`, which the
 * server uses; a config asking for Redis here is refused rather than silently given memory.
 */
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import { memoryStoreFor } from './memory-store.js';
import type { SessionStore } from './store.js';

/** Throws HG_ERR_START for `store.kind: redis` (see `sharedPartsFor`). */
export function sessionStoreFor(
  config: Pick<Config, 'session' | 'store'>,
  clock: Clock,
  logger?: Logger,
): SessionStore {
  if (config.store.kind === 'redis') {
    // Silently falling back to memory would split a multi-instance deployment into islands.
    throw new HelpgateError('HG_ERR_START', {
      reason:
        'store.kind "redis" needs the shared parts built together (sharedPartsFor), not a session store alone',
    });
  }
  return memoryStoreFor(config, clock, logger);
}
