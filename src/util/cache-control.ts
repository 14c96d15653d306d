/**
 * Cache-Control edits for responses that must not be stored by shared caches: a response that
 * sets the visitor cookie (or, later, carries an offer) would otherwise hand one visitor's
 * cookie or offer to the next.
 */
import type { OutgoingHttpHeaders } from 'node:http';

/** Makes a response private: `public` and `s-maxage` go, `private` is added, the rest stays. */
export function makeSharedCacheSafe(headers: OutgoingHttpHeaders): void {
  const current = headerText(headers['cache-control']);
  const kept = current
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '' && !/^(public|private|s-maxage\s*=.*)$/i.test(d));
  headers['cache-control'] = ['private', ...kept].join(', ');
}

/** Makes a response unstorable anywhere (responses that carry one visitor's offer). */
export function makeUncacheable(headers: OutgoingHttpHeaders): void {
  headers['cache-control'] = 'private, no-store';
}

function headerText(value: OutgoingHttpHeaders[string]): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}
