/**
 * Parses a Cookie request header. Malformed pairs and undecodable values are skipped rather
 * than failing the request; the first occurrence of a name wins.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!name || cookies.has(name)) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1);
    }
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      // A stray `%` in someone else's cookie must not break the page.
    }
  }
  return cookies;
}

/** Options of a cookie the shop sets; every cookie is site-wide and SameSite=Lax. */
export interface CookieOptions {
  /** Lifetime in seconds; 0 deletes the cookie; absent makes a session cookie. */
  readonly maxAgeSeconds?: number;
  readonly httpOnly?: boolean;
}

/** Builds one Set-Cookie header value. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  let cookie = `${name}=${encodeURIComponent(value)}; Path=/; SameSite=Lax`;
  if (options.maxAgeSeconds !== undefined) cookie += `; Max-Age=${options.maxAgeSeconds}`;
  if (options.httpOnly) cookie += '; HttpOnly';
  return cookie;
}
