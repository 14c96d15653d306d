/**
 * The state file's interface (`StateFile`: sections of JSON, read at start, saved on change)
 * kept in Redis instead of `state.file`, so learned figures survive a restart of helpgate with
 * the Redis store as they do in the file with the memory store. One hash, `state`, with a field
 * per section. Saves are debounced like the file's and write only the sections this process
 * registered; with several instances the last to save a section wins it (the learned figures
 * are the same on every instance: `redis-learning.ts` shares the samples).
 */

import type { Logger } from '../logger.js';
import { createSectionedState, SAVE_DEBOUNCE_MS, type StateFile } from '../profiles/state-file.js';
import type { RedisConnection } from './redis-connection.js';

const KEY = 'state';

/**
 * Reads the saved sections (so `read` can stay synchronous, as the parts expect at start) and
 * returns the state file. A Redis that cannot be read starts the parts empty: fail open.
 */
export async function loadRedisStateFile(
  connection: RedisConnection,
  options: { logger: Logger; debounceMs?: number },
): Promise<StateFile> {
  const { logger } = options;
  const debounceMs = options.debounceMs ?? SAVE_DEBOUNCE_MS;
  const loaded: Record<string, unknown> = {};
  try {
    const fields = await connection.run((redis) => redis.hgetall(KEY));
    for (const [section, json] of Object.entries(fields)) {
      try {
        loaded[section] = JSON.parse(json);
      } catch {
        logger.warn({ section }, 'state in Redis: an unreadable section is ignored');
      }
    }
  } catch (error) {
    logger.error({ err: error }, 'state in Redis could not be read: starting without it');
  }
  return createSectionedState({
    loaded,
    debounceMs,
    async write(sections) {
      const fields: Record<string, string> = {};
      for (const [section, value] of Object.entries(sections)) {
        fields[section] = JSON.stringify(value);
      }
      await connection.run((redis) => redis.hset(KEY, fields));
    },
    failed(error) {
      // Kept for the next change or flush: nothing learned is dropped while Redis is away.
      logger.warn({ err: error }, 'state not saved in Redis; saved at the next change');
    },
  });
}
