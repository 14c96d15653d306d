/**
 * `consent` (DESIGN.md, config contract): with it configured, only visitors whose consent
 * cookie is set get the beacon and are tracked, on pages and heartbeats alike.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/schema.js';
import { cookieValues } from '../util/cookie-header.js';

/** Whether the request's visitor may be tracked: always without `consent` configured. */
export function hasConsent(config: Config, req: IncomingMessage): boolean {
  if (config.consent === null) return true;
  const [value] = cookieValues(req.headers.cookie, config.consent.cookie);
  if (value === undefined) return false;
  return config.consent.value === undefined || value === config.consent.value;
}
