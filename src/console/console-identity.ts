/**
 * Who calls an agent or admin route: a Bearer token (contact-centre systems, scripts) or the
 * console's login cookie. A request carrying an Authorization header is judged by it alone.
 */
import type { IncomingMessage } from 'node:http';
import { createCallerIdentity } from '../api/admin-auth.js';
import type { Config } from '../config/schema.js';
import { consoleCookieIds } from './console-cookie.js';
import type { ConsoleRole, ConsoleSession, ConsoleSessions } from './console-sessions.js';

/** A caller and how it proved who it is; `session` when by the console cookie. */
export type ConsoleCaller = ConsoleRole &
  ({ via: 'bearer' } | { via: 'cookie'; session: ConsoleSession });

/**
 * Console cookies of one request looked up at most: a browser sends one (or two, set for
 * different paths); a request stuffed with more costs no more store reads.
 */
const MAX_COOKIES_LOOKED_UP = 4;

export interface ConsoleIdentity {
  /**
   * Looks the request's console cookie up in the session store, once per request, before any
   * route runs (the store may be Redis): `undefined` when there is nothing to look up (no
   * cookie, or an Authorization header), so most requests take no detour. Rejects when the
   * store cannot be reached.
   */
  resolve(req: IncomingMessage): Promise<void> | undefined;
  /**
   * `{ role: 'agent', agentId }`, `{ role: 'admin' }` (each with `via`) or `null` for nobody.
   * Every route agents or the supervisor use asks this one function; a cookie counts only
   * once {@link resolve} has looked it up.
   */
  of(req: IncomingMessage): ConsoleCaller | null;
}

export function createConsoleIdentity(config: Config, sessions: ConsoleSessions): ConsoleIdentity {
  const bearer = createCallerIdentity(config);
  const resolved = new WeakMap<IncomingMessage, ConsoleCaller | null>();

  async function lookUp(req: IncomingMessage, ids: string[]): Promise<void> {
    for (const id of ids) {
      const session = await sessions.get(id);
      if (session !== null) {
        resolved.set(req, { ...session.who, via: 'cookie', session });
        return;
      }
    }
    resolved.set(req, null);
  }

  return {
    resolve(req) {
      if (req.headers.authorization !== undefined) return undefined;
      const ids = consoleCookieIds(req.headers.cookie);
      return ids.length === 0 ? undefined : lookUp(req, ids.slice(0, MAX_COOKIES_LOOKED_UP));
    },
    of(req) {
      if (req.headers.authorization !== undefined) {
        const caller = bearer(req);
        if (caller === null) return null;
        return caller.kind === 'admin'
          ? { role: 'admin', via: 'bearer' }
          : { role: 'agent', agentId: caller.id, via: 'bearer' };
      }
      return resolved.get(req) ?? null;
    },
  };
}
