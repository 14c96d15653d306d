/**
 * The CSRF rule of the console cookie: a change (any method but GET and HEAD) made with it
 * must come from the same origin and carry the session's CSRF header. SameSite=Strict keeps
 * the cookie off cross-site requests already; this holds where a browser ignores SameSite,
 * and against a same-site page (another subdomain) that SameSite lets through. Bearer callers
 * need neither: a browser never adds an Authorization header on its own.
 */
import type { IncomingMessage } from 'node:http';
import { isCrossSite } from '../api/cross-site.js';
import { HelpgateError } from '../errors.js';
import { CSRF_HEADER } from './console-cookie.js';
import type { ConsoleCaller } from './console-identity.js';
import { csrfMatches } from './console-sessions.js';

const READS = new Set(['GET', 'HEAD']);

/** `null` when the request may go on, else the error to refuse it with (403). */
export function checkConsoleWrite(
  req: IncomingMessage,
  origin: { origin: string },
  caller: ConsoleCaller | null,
): HelpgateError | null {
  if (caller === null || caller.via !== 'cookie' || READS.has(req.method ?? '')) return null;
  const header = req.headers[CSRF_HEADER];
  const given = Array.isArray(header) ? undefined : header;
  if (isCrossSite(req, origin) || !csrfMatches(caller.session, given)) {
    return new HelpgateError('HG_ERR_CONSOLE_CSRF');
  }
  return null;
}
