/**
 * What the upstream's response says about the customer (DESIGN.md, "Profiles"): the customer
 * id named by `profiles.idFrom` (its Set-Cookie of that cookie, or that response header) and
 * the `X-Helpgate-Profile` header. Only the upstream's responses count; a cookie the browser
 * sends could name anyone. helpgate's own headers are removed before the browser sees them.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Config } from '../config/schema.js';
import { isCustomerId } from './profile.js';

/** The response header through which the upstream sets profile fields (`assist`). */
export const PROFILE_HEADER = 'x-helpgate-profile';

export interface CustomerSignals {
  /** The customer id; `null` when the upstream signed the customer out; `undefined`: no word. */
  customerId: string | null | undefined;
  /** `X-Helpgate-Profile: assist` was sent. */
  assist: boolean;
}

/**
 * Reads the customer signals from the upstream's client-bound `headers` and removes the
 * headers the browser must not see (`X-Helpgate-Profile`, and the `idFrom` header). `now` is
 * for cookie expiry dates.
 */
export function takeCustomerSignals(
  headers: OutgoingHttpHeaders,
  idFrom: Config['profiles']['idFrom'],
  now: number,
): CustomerSignals {
  const profileHeader = headerValues(headers[PROFILE_HEADER]);
  delete headers[PROFILE_HEADER];
  const assist = profileHeader.some((value) =>
    value.split(',').some((token) => token.trim().toLowerCase() === 'assist'),
  );

  let customerId: string | null | undefined;
  if (idFrom !== null && 'header' in idFrom) {
    const name = idFrom.header.toLowerCase();
    const value = headerValues(headers[name])[0]?.trim();
    delete headers[name];
    if (value !== undefined) customerId = value === '' ? null : usable(value);
  } else if (idFrom !== null) {
    for (const line of headerValues(headers['set-cookie'])) {
      const found = customerCookie(line, idFrom.cookie, now);
      if (found !== undefined) customerId = found;
    }
  }
  return { customerId, assist };
}

/** The id a Set-Cookie line gives for cookie `name`: `null` when it deletes it. */
function customerCookie(line: string, name: string, now: number): string | null | undefined {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq < 0 || pair.slice(0, eq).trim() !== name) return undefined;
  let value = pair.slice(eq + 1).trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  for (const attribute of attributes) {
    const [key = '', ...rest] = attribute.split('=');
    const text = rest.join('=').trim();
    const lower = key.trim().toLowerCase();
    // RFC 6265 §5.2.2 and §5.2.1: a cookie that expires at once is a sign-out.
    if (lower === 'max-age' && /^-?\d+$/.test(text) && Number(text) <= 0) return null;
    if (lower === 'expires' && Date.parse(text) <= now) return null;
  }
  return value === '' ? null : usable(value);
}

/** A value that is no usable customer id says nothing (it is not taken as a sign-out). */
function usable(value: string): string | undefined {
  return isCustomerId(value) ? value : undefined;
}

function headerValues(value: OutgoingHttpHeaders[string]): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}
