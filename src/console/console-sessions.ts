/**
 * Console sessions: who logged in to the console with which token, kept server-side and
 * bounded. A session is an agent's (its token) or the supervisor's (the admin token). It
 * lasts {@link CONSOLE_SESSION_TTL_MS} at most; a config reload that removes an agent or
 * changes its token (or the admin token) ends its sessions and closes its event streams
 * (DESIGN.md, "Shutdown": SIGHUP). One instance outlives reloads, as the conversations do.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { tokensEqual } from '../api/admin-auth.js';
import type { Config } from '../config/schema.js';
import type { EventStream } from '../conversations/event-stream.js';
import type { Clock } from '../util/clock.js';

/** How long a console session lasts after login, whatever happens: 12 hours (a long shift). */
export const CONSOLE_SESSION_TTL_MS = 12 * 3_600_000;

/** Console sessions kept at most; past it the least recently used one ends. */
export const MAX_CONSOLE_SESSIONS = 1_000;

/** Who a console session, or a Bearer token, stands for. */
export type ConsoleRole = { role: 'agent'; agentId: string } | { role: 'admin' };

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
  login(token: string): ConsoleSession | null;
  /** The live session of cookie value `id`, or `null` (unknown, ended or expired). */
  get(id: string): ConsoleSession | null;
  logout(id: string): void;
  /**
   * Counts `stream` as one of `who`'s: it is closed when a reload ends that agent's (or the
   * admin's) access, whether the stream was opened with the cookie or a Bearer token.
   */
  holdStream(who: ConsoleRole, stream: EventStream): void;
  /** Takes a reloaded config: ends sessions and streams of removed or changed tokens. */
  configure(config: Config): void;
  /** Live sessions (tests, gauges). */
  size(): number;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** When a closed stream of an agent who lost access may try again (it then gets a 401). */
const REVOKED_RETRY_MS = 1000;

export function createConsoleSessions(config: Config, clock: Clock): ConsoleSessions {
  let current = config;
  const sessions = new LRUCache<string, ConsoleSession>({ max: MAX_CONSOLE_SESSIONS });
  const streams = new Map<string, Set<EventStream>>();

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

  function revoke(key: string): void {
    for (const [id, session] of sessions.entries()) {
      if (streamKey(session.who) === key) sessions.delete(id);
    }
    for (const stream of [...(streams.get(key) ?? [])]) stream.close(REVOKED_RETRY_MS);
  }

  return {
    login(token) {
      const who = roleOf(token);
      if (who === null) return null;
      const session: ConsoleSession = {
        id: randomBytes(32).toString('base64url'),
        who,
        csrf: randomBytes(32).toString('base64url'),
        expiresAt: clock.now() + CONSOLE_SESSION_TTL_MS,
      };
      sessions.set(session.id, session);
      return session;
    },

    get(id) {
      const session = sessions.get(id);
      if (session === undefined) return null;
      if (clock.now() >= session.expiresAt) {
        sessions.delete(id);
        return null;
      }
      return session;
    },

    logout(id) {
      sessions.delete(id);
    },

    holdStream(who, stream) {
      const key = streamKey(who);
      const held = streams.get(key) ?? new Set<EventStream>();
      streams.set(key, held);
      held.add(stream);
      stream.onClose(() => {
        held.delete(stream);
        if (held.size === 0 && streams.get(key) === held) streams.delete(key);
      });
    },

    configure(next) {
      const previous = current;
      current = next;
      const roles: ConsoleRole[] = [
        { role: 'admin' },
        ...previous.agents.list.map((agent) => ({ role: 'agent', agentId: agent.id }) as const),
      ];
      for (const who of roles) {
        const before = tokenOf(who, previous);
        const after = tokenOf(who, next);
        if (before === null) continue;
        if (after === null || digest(before) !== digest(after)) revoke(streamKey(who));
      }
    },

    size: () => sessions.size,
  };
}

/** Whether the CSRF header `given` is the session's, in time independent of the content. */
export function csrfMatches(session: ConsoleSession, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(session.csrf).digest();
  return timingSafeEqual(a, b);
}
