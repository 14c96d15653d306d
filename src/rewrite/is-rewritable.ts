/**
 * Which responses helpgate rewrites (DESIGN.md, "Which responses are rewritten"): HTML
 * document navigations only, and only when the page's own policy lets the beacon run. The
 * request side is decided before forwarding (so that `Range` can be dropped for rewritable
 * requests), the response side once the upstream's headers are in.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { mediaTypeOf } from '../util/media-type.js';
import { asciiIncompatibleEncoding, charsetFromContentType } from './charset.js';
import { beaconAllowedByCsp, type PageOrigin } from './content-security-policy.js';

export interface RewritableRequestOptions {
  /** `rewrite.frames`: also rewrite documents loaded into iframes and frames. */
  frames: boolean;
  /** Whether the request's path is in `exclude` (by any reading), never rewritten nor tracked. */
  excluded: boolean;
}

/** Whether the response to this request may be rewritten, judged from the request alone. */
export function isRewritableRequest(req: IncomingMessage, opts: RewritableRequestOptions): boolean {
  if (req.method !== 'GET' && req.method !== 'POST') return false;
  const dest = headerText(req.headers['sec-fetch-dest'])?.toLowerCase();
  if (dest !== undefined && dest !== 'document') {
    if (!(opts.frames && (dest === 'iframe' || dest === 'frame'))) return false;
  }
  // Browsers without Fetch Metadata still mark script-driven requests (jQuery, legacy XHR).
  if (req.headers['x-requested-with'] !== undefined) return false;
  return !opts.excluded;
}

export type Rewritability =
  | { rewrite: true; nonce: string | null }
  | { rewrite: false; reason: string };

const CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'identity']);

/**
 * Whether this response is rewritten, judged from its status and headers; when it is, the
 * nonce of its Content-Security-Policy (if the policy uses nonces) for the beacon tag.
 */
export function responseRewritability(
  req: IncomingMessage,
  status: number,
  headers: OutgoingHttpHeaders,
): Rewritability {
  if (req.method === 'HEAD') return no('HEAD request');
  if (req.method !== 'GET' && req.method !== 'POST') return no(`${req.method} request`);
  if (status < 200 || status === 204 || status === 206 || status === 304) {
    return no(`status ${status}`);
  }
  const contentType = headerText(headers['content-type']);
  const mediaType = mediaTypeOf(contentType);
  if (mediaType !== 'text/html') return no(`content type ${mediaType || 'missing'}`);
  // In UTF-16 (and the like) markup is not ASCII bytes: such a page goes out as it came.
  const label = charsetFromContentType(contentType);
  const charset = label === null ? null : asciiIncompatibleEncoding(label);
  if (charset !== null) return no(`charset ${charset}`);
  if (headers['content-range'] !== undefined) return no('partial content');
  const disposition = headerText(headers['content-disposition'])?.trim().toLowerCase();
  if (disposition?.startsWith('attachment')) return no('Content-Disposition: attachment');
  const cacheControl = headerText(headers['cache-control'])?.toLowerCase() ?? '';
  if (/(^|[\s,])no-transform($|[\s,;=])/.test(cacheControl))
    return no('Cache-Control: no-transform');
  const encoding = headerText(headers['content-encoding'])?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && !CODINGS.has(encoding)) {
    return no(`Content-Encoding ${encoding}`);
  }
  const policies = headerList(headers['content-security-policy']);
  if (policies.length === 0) return { rewrite: true, nonce: null };
  const verdict = beaconAllowedByCsp(policies, pageOrigin(req));
  if (!verdict.allowed) return no(verdict.reason);
  return { rewrite: true, nonce: verdict.nonce };
}

/** The origin the browser loaded the page from, as far as the request tells. */
export function pageOrigin(req: IncomingMessage): PageOrigin | null {
  const host = headerText(req.headers.host)?.toLowerCase();
  if (host === undefined) return null;
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  return { scheme: encrypted ? 'https' : 'http', host };
}

function no(reason: string): Rewritability {
  return { rewrite: false, reason };
}

function headerText(value: number | string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function headerList(value: number | string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [String(value)];
}
