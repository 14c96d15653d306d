/**
 * At most N open event streams per visitor or agent. A browser that reconnects before its old
 * connection is noticed as gone would be refused by a hard limit; closing the oldest instead
 * keeps the newest (the one somebody is looking at) and still bounds what one client holds.
 */

export interface StreamLimits {
  /**
   * Counts a new stream of `key`; past the limit the oldest of `key`'s streams is closed
   * through its `close`. Returns the release to call when the stream ends.
   */
  admit(key: string, close: () => void): () => void;
  /** Open streams of every key (for gauges and tests). */
  size(): number;
}

export function createStreamLimits(max: number): StreamLimits {
  const open = new Map<string, Array<() => void>>();
  let total = 0;
  return {
    admit(key, close) {
      const streams = open.get(key) ?? [];
      open.set(key, streams);
      streams.push(close);
      total += 1;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        total -= 1;
        const at = streams.indexOf(close);
        if (at >= 0) streams.splice(at, 1);
        if (streams.length === 0 && open.get(key) === streams) open.delete(key);
      };
      if (streams.length > max) streams[0]?.();
      return release;
    },
    size: () => total,
  };
}
