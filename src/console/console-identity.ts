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
 * `consoleIdentity(req)`: `{ role: 'agent', agentId }`, `{ role: 'admin' }` (each with `via`)
 * or `null` for nobody. Every route agents or the supervisor use asks this one function.
 */
export function createConsoleIdentity(
  config: Config,
  sessions: ConsoleSessions,
): (req: IncomingMessage) => ConsoleCaller | null {
  const bearer = createCallerIdentity(config);
  return (req) => {
    if (req.headers.authorization !== undefined) {
      const caller = bearer(req);
      if (caller === null) return null;
      return caller.kind === 'admin'
        ? { role: 'admin', via: 'bearer' }
        : { role: 'agent', agentId: caller.id, via: 'bearer' };
    }
    for (const id of consoleCookieIds(req.headers.cookie)) {
      const session = sessions.get(id);
      if (session !== null) return { ...session.who, via: 'cookie', session };
    }
    return null;
  };
}
