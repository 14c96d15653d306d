/**
 * The one place where a failed forward becomes an answer: 502 when the upstream cannot be
 * reached or answers nonsense, 504 when it is too slow, each with a small self-contained HTML
 * page and one warn log line.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** undici's refusals of a request it was given: the visitor's request cannot be forwarded. */
const BAD_REQUEST_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/** TLS failures towards the upstream (untrusted or expired certificate, wrong name, …). */
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH/;

/** The system or undici code of an upstream error (looking through `cause`), if any. */
export function upstreamErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !(current instanceof HelpgateError)) return code;
    current = current.cause;
  }
  return undefined;
}

/** Maps any failure of a forward to its catalogue error (502, 504, or 400 for bad requests). */
export function classifyUpstreamError(error: unknown): HelpgateError {
  if (error instanceof HelpgateError) return error;
  const code = upstreamErrorCode(error) ?? '';
  const options = { cause: error };
  if (TIMEOUT_CODES.has(code)) return new HelpgateError('HG_ERR_UPSTREAM_TIMEOUT', {}, options);
  if (UNREACHABLE_CODES.has(code) || TLS_CODE.test(code)) {
    return new HelpgateError('HG_ERR_UPSTREAM_UNREACHABLE', {}, options);
  }
  if (BAD_REQUEST_CODES.has(code)) {
    const reason = error instanceof Error ? error.message : 'rejected';
    return new HelpgateError('HG_ERR_BAD_REQUEST', { reason }, options);
  }
  // Parser errors (HPE_*), length mismatches, invalid status or header values, and anything
  // unforeseen: the answer could not be relayed.
  return new HelpgateError('HG_ERR_UPSTREAM_BAD_RESPONSE', {}, options);
}

/** True when the visitor has gone, so there is nobody left to answer. */
function clientGone(res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed;
}

/** Logs one forwarding failure (warn), or at debug when only the visitor went away. */
export function logProxyError(
  logger: Logger,
  req: IncomingMessage,
  hgError: HelpgateError,
  error: unknown,
  clientAborted = false,
): void {
  const fields = {
    method: req.method,
    path: (req.url ?? '').split('?')[0],
    code: hgError.code,
    status: hgError.status,
    upstreamCode: upstreamErrorCode(error) ?? null,
    reason: error instanceof Error ? error.message : String(error),
  };
  if (clientAborted) logger.debug(fields, 'client went away');
  else logger.warn(fields, 'upstream error');
}

/**
 * Answers a failed forward: the catalogue status with an HTML error page and a log line. When
 * the response has already started, the connection is destroyed instead, so the browser never
 * takes a truncated body for a whole one.
 */
export function sendProxyError(
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  logger: Logger,
): void {
  const hgError = classifyUpstreamError(error);
  const gone = clientGone(res);
  logProxyError(logger, req, hgError, error, gone);
  if (gone || res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorPage(hgError);
  const headers: Record<string, string | number> = {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (hgError.code === 'HG_ERR_METHOD_NOT_ALLOWED') headers['allow'] = ALLOWED_METHODS;
  try {
    res.writeHead(hgError.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.destroy();
  }
}

/** Methods helpgate forwards (everything but CONNECT), for the Allow header of a 405. */
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** The small, self-contained error page (inline style, no external assets). */
export function errorPage(error: HelpgateError): string {
  const title = `${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`;
  const text = error.message.charAt(0).toUpperCase() + error.message.slice(1);
  const advice = error.status >= 500 ? ' Please try again in a moment.' : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#222;max-width:36rem;margin:4rem auto;padding:0 1rem}h1{font-size:1.4rem}small{color:#666}</style>
</head><body><h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}.${advice}</p>
<p><small>${escapeHtml(error.code)}</small></p>
</body></html>
`;
}

/** The raw HTTP/1.1 error answer for an upgrade request, whose socket has no ServerResponse. */
export function rawErrorResponse(error: HelpgateError): string {
  const body = errorPage(error);
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    'Content-Type: text/html; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\nConnection: close\r\n\r\n' +
    body
  );
}
