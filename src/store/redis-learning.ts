/**
 * Learned figures shared by every instance on one Redis: each response time and handle time is
 * appended to one Redis Stream, `learning:log`, and every instance adds every other instance's
 * samples, as it reads them, to its own copy of the learning part. So the thresholds (maxWait,
 * the offer's expiry) and the handle-time distribution are learned from all instances' visitors
 * and chats. An instance adds its own samples at once, as the memory store does (the next
 * heartbeat's gate already knows them), so the copies hold the same samples, each in a slightly
 * different order: the figures agree within what the last few samples move them, and nothing
 * decided once (capacity) depends on them.
 *
 * The copies are saved in the `state` hash as with one instance (`redis-state-file.ts`), with the
 * id of the last sample they hold, in the same write: a restarted instance loads them and reads
 * the log after that id, so no sample is counted twice or missed (unless the log, about
 * {@link LOG_LENGTH} samples long, has moved past it: then only those are missed).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Milliseconds } from '../config/units.js';
import { createLearning, type Learning } from '../learning/learning.js';
import type { Logger } from '../logger.js';
import type { StateFile } from '../profiles/state-file.js';
import type { RedisConnection } from './redis-connection.js';
import type { StreamReader } from './redis-stream-reader.js';

const LOG = 'learning:log';
/** The `state` section holding the id of the last sample the saved figures hold. */
const POSITION_SECTION = 'learningLog';
/** Samples the log keeps (about): far more than a restart's worth. */
export const LOG_LENGTH = 10_000;

export function createRedisLearning(
  config: Config,
  options: {
    connection: RedisConnection;
    reader: StreamReader;
    state: StateFile;
    logger: Logger;
  },
): Learning & { close(): void } {
  const { connection, reader, state, logger } = options;
  const local = createLearning(config, { state, logger });
  const instance = randomUUID();
  const saved = state.read(POSITION_SECTION) as { lastId?: unknown } | undefined;
  let lastId = typeof saved?.lastId === 'string' ? saved.lastId : '0-0';
  state.register(POSITION_SECTION, () => ({ lastId }));

  const stop = reader.follow(LOG, lastId, (id, fields) => {
    lastId = id;
    state.changed();
    // This instance's own samples were added when they were taken.
    if (fields[fields.indexOf('o') + 1] === instance) return;
    const kind = fields[fields.indexOf('k') + 1];
    const ms = Number(fields[fields.indexOf('ms') + 1]);
    // The local part drops what is not a sample (negative, not finite, over a day).
    if (kind === 'r') local.recordResponse(ms);
    else if (kind === 'h') local.recordHandleTime(ms);
  });

  function share(kind: 'r' | 'h', ms: Milliseconds): void {
    connection
      .run((redis) =>
        redis.xadd(LOG, 'MAXLEN', '~', LOG_LENGTH, '*', 'o', instance, 'k', kind, 'ms', String(ms)),
      )
      // Lost with Redis away: a sample, not a decision; the figures learn from the next ones.
      .catch((error: unknown) => logger.debug({ err: error }, 'learned sample not shared'));
  }

  return {
    configure: (next) => local.configure(next),
    recordResponse(ms) {
      local.recordResponse(ms);
      share('r', ms);
    },
    recordHandleTime(ms) {
      local.recordHandleTime(ms);
      share('h', ms);
    },
    maxWait: () => local.maxWait(),
    expireAfter: () => local.expireAfter(),
    handleTimes: (running) => local.handleTimes(running),
    averageHandleTime: () => local.averageHandleTime(),
    figures: () => local.figures(),
    close: stop,
  };
}
