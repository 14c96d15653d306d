/**
 * The orchestrator's one call per upstream response (every response, not only HTML): takes
 * the customer signals out of the headers and binds them to the visitor's session and
 * profile, unless the response is one helpgate must not track. When binding rotates the
 * session id, the response gives the browser the new cookie. Fails open: a store failure is
 * logged and the response goes on.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { VisitorOrigin } from '../proxy/request-origin.js';
import type { Sessions } from '../session/sessions.js';
import type { VisitorCookies } from '../session/visitor-cookie.js';
import { makeSharedCacheSafe } from '../util/cache-control.js';
import type { Clock } from '../util/clock.js';
import { type CustomerSignals, takeCustomerSignals } from './customer-signals.js';
import type { ProfileStore } from './profile-store.js';

/**
 * Reads and removes the customer signals of an upstream response to `req`; the promise, if
 * any, resolves once they are bound, with the visitor's new session id when binding rotated it
 * (else `null`); the new cookie is then in `headers`. The signals are removed synchronously. A
 * response without signals (nearly all of them) returns `undefined`, so the request path need
 * not await. Without `track` (an `exclude`d path, a visitor without consent) the signals are
 * still removed but nothing is bound or saved: no session is created, no customer id bound,
 * and `X-Helpgate-Profile: assist` is not applied.
 */
export type CustomerHook = (
  req: IncomingMessage,
  headers: OutgoingHttpHeaders,
  origin: VisitorOrigin,
  track: boolean,
) => Promise<string | null> | undefined;

export function createCustomerHook(deps: {
  config: Config;
  cookies: VisitorCookies;
  sessions: Sessions;
  profiles: ProfileStore;
  clock: Clock;
  logger: Logger;
}): CustomerHook {
  const { config, cookies, sessions, profiles, clock, logger } = deps;
  async function bind(
    req: IncomingMessage,
    headers: OutgoingHttpHeaders,
    origin: VisitorOrigin,
    signals: CustomerSignals,
  ): Promise<string | null> {
    const sid = cookies.read(req.headers.cookie);
    let rotatedTo: string | null = null;
    try {
      const bound = sid === null ? null : await sessions.bindCustomer(sid, signals.customerId);
      rotatedTo = bound?.rotatedTo ?? null;
      if (rotatedTo !== null) {
        const cookie = cookies.setCookie(rotatedTo, { secure: origin.proto === 'https' });
        appendSetCookie(headers, cookie);
        makeSharedCacheSafe(headers);
      }
      const customerId = signals.customerId ?? bound?.customerId;
      if (signals.assist && customerId) await profiles.merge(customerId, { assist: true });
    } catch (error) {
      logger.warn({ err: error }, 'customer signals not recorded');
    }
    return rotatedTo;
  }
  return (req, headers, origin, track) => {
    const signals = takeCustomerSignals(headers, config.profiles.idFrom, clock.now());
    if (!track || (signals.customerId === undefined && !signals.assist)) return undefined;
    return bind(req, headers, origin, signals);
  };
}

/** Adds a Set-Cookie line after the upstream's own. */
function appendSetCookie(headers: OutgoingHttpHeaders, line: string): void {
  const existing = headers['set-cookie'];
  if (existing === undefined) headers['set-cookie'] = [line];
  else if (Array.isArray(existing)) existing.push(line);
  else headers['set-cookie'] = [String(existing), line];
}
