import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SafeHtml } from './_html.js';

/** A complete response; the server adds Content-Length when it sends it. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: string | Buffer;
}

const HTML = 'text/html; charset=utf-8';

/** An HTML page. Pages depend on the visitor's cookies, so shared caches must not keep them. */
export function htmlReply(
  status: number,
  page: SafeHtml,
  headers: Record<string, string | string[]> = {},
): Reply {
  return {
    status,
    headers: { 'Content-Type': HTML, 'Cache-Control': 'private, no-cache', ...headers },
    body: page.value,
  };
}

/** A 303 See Other, the answer to every successful form POST (post/redirect/get). */
export function redirectReply(location: string, setCookies: string[] = []): Reply {
  const headers: Record<string, string | string[]> = {
    Location: location,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
  };
  if (setCookies.length > 0) headers['Set-Cookie'] = setCookies;
  return { status: 303, headers, body: `See ${location}\n` };
}

/** A JSON document. */
export function jsonReply(status: number, value: unknown, cacheControl = 'no-cache'): Reply {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': cacheControl },
    body: `${JSON.stringify(value, null, 2)}\n`,
  };
}

/** A file served under /static/, with a content hash as its strong ETag. */
export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** Wraps text as a static asset. */
export function staticAsset(text: string, contentType: string): StaticAsset {
  const body = Buffer.from(text, 'utf8');
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  return { body, contentType, etag: `"${hash}"` };
}

/** The asset, or 304 Not Modified when the browser already holds this version. */
export function staticReply(asset: StaticAsset, requestHeaders: IncomingHttpHeaders): Reply {
  const headers = {
    'Content-Type': asset.contentType,
    'Cache-Control': 'public, max-age=3600',
    ETag: asset.etag,
  };
  if (etagMatches(requestHeaders['if-none-match'], asset.etag)) {
    return { status: 304, headers, body: '' };
  }
  return { status: 200, headers, body: asset.body };
}

// If-None-Match uses the weak comparison (RFC 9110 §13.1.2), so W/"x" matches "x".
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
