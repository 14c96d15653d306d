/**
 * The console's login cookie `hg_console`: an opaque random session id, HttpOnly,
 * `SameSite=Strict`, scoped to the prefix. It names a server-side console session; the
 * agent's token is never in it, and never in the page.
 */
import { cookieValues } from '../util/cookie-header.js';

/** The name of the console's login cookie (never forwarded upstream, never set by it). */
export const CONSOLE_COOKIE = 'hg_console';

/** The header every change made with the console cookie carries (the session's CSRF token). */
export const CSRF_HEADER = 'x-helpgate-csrf';

const ID = /^[A-Za-z0-9_-]{43}$/;

/** The console session ids in a Cookie header, in order (well-formed ones only). */
export function consoleCookieIds(cookieHeader: string | undefined): string[] {
  return cookieValues(cookieHeader, CONSOLE_COOKIE).filter((value) => ID.test(value));
}

/** The `Set-Cookie` value that hands console session `id` to the browser. */
export function consoleSetCookie(id: string, options: { path: string; secure: boolean }): string {
  // No Max-Age: the cookie dies with the browser; the server ends the session before that.
  const attributes = [
    `${CONSOLE_COOKIE}=${id}`,
    `Path=${options.path}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** The `Set-Cookie` value that removes the console cookie (logout, an ended session). */
export function consoleClearCookie(options: { path: string; secure: boolean }): string {
  return `${consoleSetCookie('', options)}; Max-Age=0`;
}
