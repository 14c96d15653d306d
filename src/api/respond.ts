/**
 * The one way the own routes answer with JSON, so every reply carries the same headers and
 * every error the catalogue's body `{ "error": { "code", "message" } }`.
 */
import type { ServerResponse } from 'node:http';
import { HelpgateError } from '../errors.js';

/**
 * `Retry-After` (seconds) while the session store is unreachable (healthz, heartbeats): the
 * beacon waits at least this long before its next heartbeat, so an outage is not hammered.
 */
export const STORE_RETRY_AFTER_S = 10;

/** Sends `body` as JSON with `status`; API replies are never cached. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(payload.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(payload);
}

/** Sends a catalogue error with its status. */
export function sendError(
  res: ServerResponse,
  error: HelpgateError,
  headers: Record<string, string> = {},
): void {
  sendJson(res, error.status, error.toJSON(), headers);
}

/** Any thrown value as a catalogue error (unknown ones become HG_ERR_INTERNAL). */
export function asHelpgateError(error: unknown): HelpgateError {
  return error instanceof HelpgateError
    ? error
    : new HelpgateError('HG_ERR_INTERNAL', {}, { cause: error });
}

/** `Retry-After` (whole seconds, at least 1) for an error that says when to retry. */
export function retryAfterHeaders(error: HelpgateError): Record<string, string> {
  const ms = error.params.retryAfterMs;
  return typeof ms === 'number' ? { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) } : {};
}
