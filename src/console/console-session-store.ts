/**
 * Where console sessions live: in the process (the default) or in Redis, so an agent who
 * logged in through one helpgate instance is known on every other. The store keeps records
 * under a key derived from the cookie value ({@link consoleSessionKey}); who may log in and
 * what a session may do stay in `console-sessions.ts`, the same for every store.
 */
import { createHash } from 'node:crypto';

/**
 * Console sessions kept at most; past it the least recently used one ends (in memory) or the
 * oldest login (in Redis, across all instances).
 */
export const MAX_CONSOLE_SESSIONS = 1_000;

/** Who a console session, or a Bearer token, stands for. */
export type ConsoleRole = { role: 'agent'; agentId: string } | { role: 'admin' };

/** A console session as a store keeps it. */
export interface StoredConsoleSession {
  who: ConsoleRole;
  /** The value the console sends in its CSRF header with every change. */
  csrf: string;
  expiresAt: number;
  /** Which token the session was opened with, keyed by the config's secret (never the token). */
  tokenTag: string;
}

export interface ConsoleSessionStore {
  /** Keeps `session` under `key` until its `expiresAt`; past the store's bound, the oldest goes. */
  save(key: string, session: StoredConsoleSession): Promise<void>;
  /** The session under `key`, or `null` when unknown, ended or expired. */
  load(key: string): Promise<StoredConsoleSession | null>;
  /** Ends the session under `key` and tells every instance ({@link onEnded}). */
  end(key: string): Promise<void>;
  /** Calls `listener` with the key of each session ended by {@link end}, on any instance. */
  onEnded(listener: (key: string) => void): void;
  /** Live sessions (of every instance, with a shared store). */
  size(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The store's key for cookie value `id`: its SHA-256, so whoever reads the store (a Redis
 * backup, `MONITOR`, a replica) finds no cookie value to present.
 */
export function consoleSessionKey(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}
