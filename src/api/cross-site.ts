/**
 * The same-origin check of the visitor's own routes (`hb`, `offers/{id}/…`): a page on another
 * site must not make the visitor's browser send them with the visitor's cookie (cross-site
 * request forgery of an answer, or heartbeats that move a visitor's triggers and offers).
 */
import type { IncomingMessage } from 'node:http';

/**
 * Whether the request comes from another site: browsers say so in `Sec-Fetch-Site` (anything
 * but `same-origin`, or `none` for what the person typed), older ones in `Origin`. `origin` is
 * the visitor's origin as helpgate sees it (`publicUrl`, or the Host and, from trusted proxies,
 * X-Forwarded-Host and -Proto), so the beacon's own fetch and sendBeacon requests pass behind
 * a TLS-terminating proxy too. The cookie's SameSite=Lax keeps it off cross-site POSTs
 * already; this holds even where a browser ignores SameSite.
 */
export function isCrossSite(req: IncomingMessage, origin: { origin: string }): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const from = req.headers.origin;
  if (from === undefined) return false;
  if (from === 'null') return true;
  try {
    return new URL(from).origin !== origin.origin;
  } catch {
    return true;
  }
}
