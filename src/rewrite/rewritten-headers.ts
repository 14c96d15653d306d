/**
 * The headers a rewritten page goes out with: the upstream's, with helpgate's own added
 * (Set-Cookie appended to the upstream's cookies), minus what the rewrite makes untrue (weak
 * ETag; no Content-MD5, Accept-Ranges or stale Content-Length).
 */
import type { OutgoingHttpHeaders } from 'node:http';

/** The headers of a rewritten page, from the upstream's and the job's extra headers. */
export function rewrittenHeaders(
  upstream: OutgoingHttpHeaders,
  extra: Record<string, string | string[]> | undefined,
): OutgoingHttpHeaders {
  const headers = headersWithExtras(upstream, extra);
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'content-md5' || lower === 'accept-ranges') {
      delete headers[name];
    } else if (lower === 'etag') {
      const etag = headerText(headers[name]);
      if (etag !== undefined && !etag.startsWith('W/')) headers[name] = `W/${etag}`;
    }
  }
  return headers;
}

/** The upstream's headers plus the extra ones, as for a page sent unmodified. */
export function headersWithExtras(
  upstream: OutgoingHttpHeaders,
  extra: Record<string, string | string[]> | undefined,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...upstream };
  for (const [name, value] of Object.entries(extra ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'set-cookie') {
      const existing = headers['set-cookie'];
      const list =
        existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
      headers['set-cookie'] = [...list, ...(Array.isArray(value) ? value : [value])];
    } else {
      for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) delete headers[key];
      headers[lower] = value;
    }
  }
  return headers;
}

/** A header's value as one string (a list joined with commas), or undefined when absent. */
export function headerText(value: OutgoingHttpHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
