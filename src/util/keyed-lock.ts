/**
 * One holder per key at a time, in the order asked, within this process: what keeps a page
 * request and a heartbeat of the same session from changing it at once.
 */

/** Ends a hold; calling it again does nothing. */
export type Unlock = () => void;

export interface KeyedLock {
  /** Resolves once `key` is free and held for the caller, who must unlock it. */
  acquire(key: string): Promise<Unlock>;
  /** Keys held or waited for now (bounded by the requests in flight). */
  readonly size: number;
}

export function createKeyedLock(): KeyedLock {
  // The last hold of each key: a new one waits for it. A key is dropped once its last hold ends.
  const tails = new Map<string, Promise<void>>();
  return {
    async acquire(key) {
      const previous = tails.get(key);
      let end!: () => void;
      const tail = new Promise<void>((resolve) => {
        end = resolve;
      });
      tails.set(key, tail);
      if (previous !== undefined) await previous;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        end();
        if (tails.get(key) === tail) tails.delete(key);
      };
    },
    get size() {
      return tails.size;
    },
  };
}
