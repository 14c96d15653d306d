/**
 * RFC 9112 §3.2: a server answers 400 to a request with more than one Host header line and to
 * an HTTP/1.1 request without one. Node keeps only the first of several Host lines in
 * `req.headers`, so helpgate and the upstream could each read another host; and Node's own
 * check for a missing Host does not run for upgrade requests.
 */
import type { IncomingMessage } from 'node:http';
import { HelpgateError } from '../errors.js';

/** Throws HG_ERR_BAD_REQUEST unless `req` has exactly one Host (or none, before HTTP/1.1). */
export function checkHostHeader(req: IncomingMessage): void {
  const raw = req.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.length === 4 && name.toLowerCase() === 'host') count++;
  }
  if (count > 1) {
    throw new HelpgateError('HG_ERR_BAD_REQUEST', { reason: 'more than one Host header' });
  }
  if (count === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
    throw new HelpgateError('HG_ERR_BAD_REQUEST', {
      reason: 'an HTTP/1.1 request needs a Host header',
    });
  }
}
