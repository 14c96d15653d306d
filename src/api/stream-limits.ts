/**
 * The open event streams of one route: at most N per visitor or agent, and all of them at hand
 * for shutdown. A browser that reconnects before its old connection is noticed as gone would be
 * refused by a hard limit; closing the oldest instead keeps the newest (the one somebody is
 * looking at) and still bounds what one client holds.
 */
import type { EventStream } from '../conversations/event-stream.js';

export interface StreamRegistry {
  /**
   * Counts `stream` as one of `key`'s; past the limit the oldest of `key`'s streams is closed
   * (told to reconnect after `retryMs`). `onEnd` runs once when the stream ends, for any reason.
   */
  register(key: string, stream: EventStream, onEnd: () => void): void;
  /** Ends every open stream, telling browsers when to reconnect (shutdown). */
  closeAll(retryMs: number): void;
  /** Open streams of every key (for gauges and tests). */
  size(): number;
}

export function createStreamRegistry(max: number, retryMs: number): StreamRegistry {
  const byKey = new Map<string, EventStream[]>();
  const all = new Set<EventStream>();
  return {
    register(key, stream, onEnd) {
      const streams = byKey.get(key) ?? [];
      byKey.set(key, streams);
      streams.push(stream);
      all.add(stream);
      stream.onClose(() => {
        all.delete(stream);
        const at = streams.indexOf(stream);
        if (at >= 0) streams.splice(at, 1);
        if (streams.length === 0 && byKey.get(key) === streams) byKey.delete(key);
        onEnd();
      });
      if (streams.length > max) streams[0]?.close(retryMs);
    },
    closeAll(retry) {
      for (const stream of [...all]) stream.close(retry);
    },
    size: () => all.size,
  };
}
