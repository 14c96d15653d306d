/**
 * Console sessions in this process: an LRU of {@link MAX_CONSOLE_SESSIONS} (past it the least
 * recently used session ends), expired sessions dropped when read.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from '../util/clock.js';
import {
  type ConsoleSessionStore,
  MAX_CONSOLE_SESSIONS,
  type StoredConsoleSession,
} from './console-session-store.js';

export function createMemoryConsoleSessionStore(
  clock: Clock,
  max: number = MAX_CONSOLE_SESSIONS,
): ConsoleSessionStore {
  const sessions = new LRUCache<string, StoredConsoleSession>({ max });
  const listeners: ((key: string) => void)[] = [];
  return {
    async save(key, session) {
      sessions.set(key, session);
    },
    async load(key) {
      const session = sessions.get(key);
      if (session === undefined) return null;
      if (clock.now() >= session.expiresAt) {
        sessions.delete(key);
        return null;
      }
      return session;
    },
    async end(key) {
      sessions.delete(key);
      for (const listener of listeners) listener(key);
    },
    onEnded(listener) {
      listeners.push(listener);
    },
    async size() {
      return sessions.size;
    },
    async close() {},
  };
}
