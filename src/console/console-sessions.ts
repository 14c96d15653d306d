/**
 * Console sessions: who logged in to the console with which token, kept in a store (the
 * process's memory, or Redis shared by every instance) and bounded. A session is an agent's
 * (its token) or the supervisor's (the admin token). It lasts {@link CONSOLE_SESSION_TTL_MS}
 * at most; a config reload that removes an agent or changes its token (or the admin token)
 * ends its sessions and closes its event streams (DESIGN.md, "Shutdown": SIGHUP); a logout
 * closes the event streams of that session, on every instance. One instance outlives
 * reloads, as the conversations do.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { tokensEqual } from '../api/admin-auth.js';
import type { Config } from '../config/schema.js';
import type { EventStream } from '../conversations/event-stream.js';
import type { Clock } from '../util/clock.js';
import {
  type ConsoleRole,
  type ConsoleSessionStore,
  consoleSessionKey,
  type StoredConsoleSession,
} from './console-session-store.js';
import { createMemoryConsoleSessionStore } from './memory-console-session-store.js';

/** How long a console session lasts after login, whatever happens: 12 hours (a long shift). */
export const CONSOLE_SESSION_TTL_MS = 12 * 3_600_000;

export { type ConsoleRole, MAX_CONSOLE_SESSIONS } from './console-session-store.js';

/** The key of the event streams of a role: the agent's id, or `(admin)`. */
export const streamKey = (who: ConsoleRole) => (who.role === 'admin' ? '(admin)' : who.agentId);

export interface ConsoleSession {
  /** The cookie value: 256 random bits, base64url. */
  id: string;
  who: ConsoleRole;
  /** The value the console sends in its CSRF header with every change. */
  csrf: string;
  expiresAt: number;
}

export interface ConsoleSessions {
  /** A new session for `token`, or `null` when it is neither an agent's nor the admin's. */
  login(token: string): Promise<ConsoleSession | null>;
  /**
   * The live session of cookie value `id`, or `null` (unknown, ended, expired, or its token
   * removed or changed by this instance's config).
   */
  get(id: string): Promise<ConsoleSession | null>;
  /** Ends the session and closes its event streams, on every instance. */
  logout(id: string): Promise<void>;
  /**
   * Counts `stream` as one of `who`'s: it is closed when a reload ends that agent's (or the
   * admin's) access, whether the stream was opened with the cookie or a Bearer token, and when
   * the session of cookie value `sessionId` (a stream opened with the cookie) logs out.
   */
  holdStream(who: ConsoleRole, stream: EventStream, sessionId?: string): void;
  /** Takes a reloaded config: ends sessions and streams of removed or changed tokens. */
  configure(config: Config): void;
  /** Live sessions (tests, gauges); with a shared store, every instance's. */
  size(): Promise<number>;
  close(): Promise<void>;
}

/** When a closed stream of an agent who lost access may try again (it then gets a 401). */
const REVOKED_RETRY_MS = 1000;

/**
 * Console sessions over `store` (the memory store unless given). Streams are connections of
 * this process and are held here, whatever the store.
 */
export function createConsoleSessions(
  config: Config,
  clock: Clock,
  store: ConsoleSessionStore = createMemoryConsoleSessionStore(clock),
): ConsoleSessions {
  let current = config;
  /** Streams by role ({@link streamKey}) and by session key. */
  const byRole = new Map<string, Set<EventStream>>();
  const bySession = new Map<string, Set<EventStream>>();

  /** Every token is compared, not only until a match, so timing names no agent. */
  function roleOf(token: string): ConsoleRole | null {
    let found: ConsoleRole | null = null;
    const admin = current.admin.token;
    if (admin !== null && tokensEqual(token, admin)) found = { role: 'admin' };
    for (const agent of current.agents.list) {
      if (tokensEqual(token, agent.token) && found === null) {
        found = { role: 'agent', agentId: agent.id };
      }
    }
    return found;
  }

  function tokenOf(who: ConsoleRole, config: Config): string | null {
    if (who.role === 'admin') return config.admin.token;
    return config.agents.list.find((agent) => agent.id === who.agentId)?.token ?? null;
  }

  /**
   * Whether `session` was opened with the token its role has in this instance's config. The
   * tag is an HMAC under the config's secrets (any of them, as for visitor cookies), so a
   * store holds nothing a token could be guessed from offline.
   */
  function stillValid(session: StoredConsoleSession): boolean {
    const token = tokenOf(session.who, current);
    if (token === null) return false;
    const given = Buffer.from(session.tokenTag);
    return current.secret.some((secret) => {
      const expected = Buffer.from(tagOf(token, secret));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  function hold(map: Map<string, Set<EventStream>>, key: string, stream: EventStream): void {
    const held = map.get(key) ?? new Set<EventStream>();
    map.set(key, held);
    held.add(stream);
    stream.onClose(() => {
      held.delete(stream);
      if (held.size === 0 && map.get(key) === held) map.delete(key);
    });
  }

  function closeHeld(map: Map<string, Set<EventStream>>, key: string): void {
    for (const stream of [...(map.get(key) ?? [])]) stream.close(REVOKED_RETRY_MS);
  }

  store.onEnded((key) => closeHeld(bySession, key));

  return {
    async login(token) {
      const who = roleOf(token);
      if (who === null) return null;
      const session: ConsoleSession = {
        id: randomBytes(32).toString('base64url'),
        who,
        csrf: randomBytes(32).toString('base64url'),
        expiresAt: clock.now() + CONSOLE_SESSION_TTL_MS,
      };
      const { id: _, ...stored } = session;
      await store.save(consoleSessionKey(session.id), {
        ...stored,
        tokenTag: tagOf(token, current.secret[0]!),
      });
      return session;
    },

    async get(id) {
      const key = consoleSessionKey(id);
      const stored = await store.load(key);
      if (stored === null) return null;
      if (clock.now() >= stored.expiresAt) return null;
      if (!stillValid(stored)) {
        await store.end(key);
        return null;
      }
      return { id, who: stored.who, csrf: stored.csrf, expiresAt: stored.expiresAt };
    },

    async logout(id) {
      await store.end(consoleSessionKey(id));
    },

    holdStream(who, stream, sessionId) {
      hold(byRole, streamKey(who), stream);
      if (sessionId !== undefined) hold(bySession, consoleSessionKey(sessionId), stream);
    },

    configure(next) {
      const previous = current;
      current = next;
      const roles: ConsoleRole[] = [
        { role: 'admin' },
        ...previous.agents.list.map((agent) => ({ role: 'agent', agentId: agent.id }) as const),
      ];
      // The sessions themselves end when next read (they no longer pass `stillValid`), on
      // every instance with this config; the streams of this process close now.
      for (const who of roles) {
        const before = tokenOf(who, previous);
        const after = tokenOf(who, next);
        if (before === null) continue;
        if (after === null || digest(before) !== digest(after)) closeHeld(byRole, streamKey(who));
      }
    },

    size: () => store.size(),
    close: () => store.close(),
  };
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const tagOf = (token: string, secret: string) =>
  createHmac('sha256', secret).update(`console-token:${token}`, 'utf8').digest('base64url');

/** Whether the CSRF header `given` is the session's, in time independent of the content. */
export function csrfMatches(session: ConsoleSession, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(session.csrf).digest();
  return timingSafeEqual(a, b);
}
