/**
 * Where sessions live. Asynchronous because a shared store (Redis) serves several helpgate
 * instances; the memory store is the zero-setup default.
 */
import type { Config } from '../config/schema.js';
import type { Session } from './session.js';

/**
 * A session store. `set` stores the whole record and restarts its idle time-to-live; a
 * caller that changes a session it got must `set` it again (a shared store holds copies).
 */
export interface SessionStore {
  /** The live session, or `undefined` when unknown, expired or evicted. */
  get(sid: string): Promise<Session | undefined>;
  set(sid: string, session: Session): Promise<void>;
  delete(sid: string): Promise<void>;
  /** Sessions held by this instance (pinned included). */
  size(): number;
  /**
   * Applies the `session` section of a reloaded config (ttl, maxSessions, maxPinned) to the
   * sessions held; a store that keeps its bounds elsewhere leaves it out.
   */
  configure?(session: Config['session']): void;
  /** Resolves when the store is reachable; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
