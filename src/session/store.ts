/**
 * Where sessions live. Asynchronous because a shared store (Redis) serves several helpgate
 * instances; the memory store is the zero-setup default.
 */
import type { Config } from '../config/schema.js';
import type { StoreHealth } from '../store/store-health.js';
import type { Session } from './session.js';

/**
 * How long an id moved away by {@link SessionStore.move} is remembered as such: longer than
 * a request sent before the move can take to come back from the upstream (`timeouts.headers`
 * is 30 s by default; a long poll may take a minute), short enough that a browser which never
 * got its new id (the response was lost) is not kept from signing in for long.
 */
export const MOVED_AWAY_MS = 5 * 60_000;

/** A session taken out to be changed (see {@link SessionStore.checkout}). */
export interface SessionCheckout {
  /** The session as stored when the checkout began; `undefined` when unknown or expired. */
  readonly session: Session | undefined;
  /** Stores `session` as {@link SessionStore.set} does; the checkout stays open. */
  save(session: Session): Promise<void>;
  /** Ends the checkout (once saved or not); never rejects, and calling it again does nothing. */
  release(): Promise<void>;
}

/**
 * A session store. `set` stores the whole record and restarts its idle time-to-live; a
 * caller that changes a session it got must `set` it again (a shared store holds copies).
 */
export interface SessionStore {
  /** The live session, or `undefined` when unknown, expired or evicted. */
  get(sid: string): Promise<Session | undefined>;
  set(sid: string, session: Session): Promise<void>;
  /**
   * Reads a session to change it: one checkout of an id at a time, in the order asked. The
   * next one begins once this one is released; on a shared store, another instance's begins
   * once this one is saved or released (what follows a save no longer writes the session).
   * So a page served by one instance and a heartbeat answered by another at the same moment
   * cannot overwrite each other's changes.
   */
  checkout(sid: string): Promise<SessionCheckout>;
  delete(sid: string): Promise<void>;
  /**
   * Gives a session a new id (rotation when a customer signs in): stores `session` under `to`
   * and forgets `from` in one step, so `from` resolves to nothing from then on. `from` is
   * remembered as moved away for {@link MOVED_AWAY_MS}, whatever is stored under it later.
   */
  move(from: string, to: string, session: Session): Promise<void>;
  /** Whether `sid` was moved away by {@link move} within the last {@link MOVED_AWAY_MS}. */
  movedAway(sid: string): Promise<boolean>;
  /**
   * Sessions held (pinned included). A shared store answers for all instances, from an
   * estimate refreshed in the background (the Redis store: see docs/redis.md).
   */
  size(): number;
  /**
   * Applies the `session` section of a reloaded config (ttl, maxSessions, maxPinned) to the
   * sessions held; a store that keeps its bounds elsewhere leaves it out.
   */
  configure?(session: Config['session']): void;
  /** Resolves when the store is reachable; rejects with the reason otherwise. */
  ping(): Promise<void>;
  /**
   * The store's own view of its reachability, kept from its connection's events and commands
   * (a store in this process, always reachable, leaves it out).
   */
  health?(): StoreHealth;
  close(): Promise<void>;
}
