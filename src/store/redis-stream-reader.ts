/**
 * The blocking `XREAD` of a helpgate process: a connection of its own that follows every
 * stream local followers watch, so a thousand followed conversations cost one connection and
 * one waiting command, not a thousand. Each follower has its own cursor (the last id it was
 * given) and gets each entry after it exactly once, in order; the read always starts from the
 * lowest cursor of a stream, so nothing appended in the meantime (on any instance) is skipped.
 * After a failure (Redis lost or frozen) it retries from the same cursors: followers resume
 * where they were, without loss. A read names every stream it follows and is sent again after
 * each event, so its cost grows with them: past {@link STREAMS_PER_READ} streams another
 * connection with its own read takes the next ones.
 */
import type { Redis } from 'ioredis';
import type { Milliseconds } from '../config/units.js';
import type { RedisConnection } from './redis-connection.js';
import { compareStreamIds } from './stream-id.js';

/** Streams one read follows at most (measured: about 2 ms per event at 1,000; docs/redis.md). */
export const STREAMS_PER_READ = 1_000;
/** How long one `XREAD` waits for new entries before it is sent again. */
const BLOCK_MS = 1_000;
/** Entries read per stream and round: a busy stream cannot hold up the others for long. */
const COUNT = 100;
/** Retry delays after a failed read: the first, doubled up to the cap. */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 1_000;

/** One follower of a stream: its cursor and what it is given. */
interface Cursor {
  after: string;
  deliver(id: string, fields: string[]): void;
}

export interface StreamReader {
  /**
   * Gives `deliver` every entry of `key` (unprefixed) after `afterId`, in order, each once,
   * from the next read on; returns the stop.
   */
  follow(key: string, afterId: string, deliver: (id: string, fields: string[]) => void): () => void;
  /** Streams followed now (each counted once, whatever its followers). */
  streams(): number;
  /** Whether `key` has a follower now. */
  following(key: string): boolean;
  /** Connections its reads take. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Reads spread over as many connections as the followed streams need, {@link STREAMS_PER_READ}
 * each (`perRead` for tests); a stream stays on the read it joined while followed.
 */
export function createStreamReader(
  connection: RedisConnection,
  timeoutMs: Milliseconds,
  perRead: number = STREAMS_PER_READ,
): StreamReader {
  const reads: StreamReader[] = [];
  const readOf = new Map<string, StreamReader>();
  return {
    follow(key, afterId, deliver) {
      let read = readOf.get(key);
      if (read === undefined) {
        read = reads.find((r) => r.streams() < perRead);
        if (read === undefined) {
          read = createRead(connection, timeoutMs);
          reads.push(read);
        }
        readOf.set(key, read);
      }
      const chosen = read;
      const stop = chosen.follow(key, afterId, deliver);
      return () => {
        stop();
        if (!chosen.following(key)) readOf.delete(key);
      };
    },
    streams: () => readOf.size,
    following: (key) => readOf.has(key),
    connections: () => reads.length,
    async close() {
      await Promise.all(reads.map((r) => r.close()));
    },
  };
}

/** One read: one connection, one waiting `XREAD` for the streams it was given. */
function createRead(connection: RedisConnection, timeoutMs: Milliseconds): StreamReader {
  // Its own connection: a blocking command holds the one it is sent on. The read may take
  // BLOCK_MS by design, so its timeouts are that much longer than the store's.
  const reader: Redis = connection.redis.duplicate({
    commandTimeout: BLOCK_MS + timeoutMs,
    socketTimeout: BLOCK_MS + 2 * timeoutMs,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
  reader.on('error', () => {});
  reader.on('close', () => {
    readerId = undefined;
  });
  const prefix = connection.keyPrefix;
  const followed = new Map<string, Set<Cursor>>();
  let readerId: number | undefined;
  let reading = false;
  let closed = false;
  let wake: (() => void) | undefined;

  /** Makes the loop read again now, with the streams and cursors as they are. */
  function refresh(): void {
    if (wake !== undefined) {
      wake();
      return;
    }
    if (reading && readerId !== undefined) {
      // The waiting XREAD names the old streams: end it (it answers as a timeout would).
      const id = readerId;
      connection.redis.client('UNBLOCK', id).catch(() => {});
    }
  }

  async function read(): Promise<void> {
    let retryMs = RETRY_FIRST_MS;
    while (!closed) {
      if (followed.size === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const keys: string[] = [];
      const ids: string[] = [];
      for (const [key, cursors] of followed) {
        let lowest: string | undefined;
        for (const cursor of cursors) {
          if (lowest === undefined || compareStreamIds(cursor.after, lowest) < 0) {
            lowest = cursor.after;
          }
        }
        keys.push(key);
        ids.push(lowest ?? '0-0');
      }
      let reply: [string, [string, string[]][]][] | null;
      reading = true;
      try {
        readerId ??= (await reader.client('ID')) as number;
        reply = (await reader.xread(
          'COUNT',
          COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...keys,
          ...ids,
        )) as typeof reply;
        retryMs = RETRY_FIRST_MS;
      } catch {
        // Lost, frozen or reconnecting: read again from the same cursors after a pause.
        reading = false;
        if (closed) return;
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(2 * retryMs, RETRY_MAX_MS);
        continue;
      }
      reading = false;
      for (const [name, entries] of reply ?? []) {
        const cursors = followed.get(name.startsWith(prefix) ? name.slice(prefix.length) : name);
        if (cursors === undefined) continue;
        for (const [id, fields] of entries) {
          for (const cursor of cursors) {
            if (compareStreamIds(id, cursor.after) <= 0) continue;
            cursor.after = id;
            try {
              cursor.deliver(id, fields);
            } catch {
              // One follower's failure (a closed response, say) must not stop the others' read.
            }
          }
        }
      }
    }
  }

  const loop = read();

  return {
    follow(key, afterId, deliver) {
      const cursor: Cursor = { after: afterId, deliver };
      let cursors = followed.get(key);
      if (cursors === undefined) {
        cursors = new Set();
        followed.set(key, cursors);
      }
      // A read already waiting from an earlier cursor of the stream covers this one.
      const covered = [...cursors].some((c) => compareStreamIds(c.after, afterId) <= 0);
      cursors.add(cursor);
      if (!covered) refresh();
      return () => {
        const set = followed.get(key);
        if (set === undefined || !set.delete(cursor)) return;
        // The waiting read may go on naming the stream: entries for no one are dropped.
        if (set.size === 0) followed.delete(key);
      };
    },
    streams: () => followed.size,
    following: (key) => followed.has(key),
    connections: () => 1,
    async close() {
      closed = true;
      followed.clear();
      wake?.();
      reader.disconnect();
      await loop;
    },
  };
}
