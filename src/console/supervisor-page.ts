/**
 * `GET {prefix}console/supervisor`: the page of the supervisor's charts. All it shows is
 * drawn by its own script (`supervisor.js`, content-hash versioned) from `api/stats`; the page
 * has no inline script or style, so its policy allows only its own origin's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ScriptAsset } from '../api/beacon-asset.js';
import { sendError } from '../api/respond.js';
import type { Authorize } from '../api/stats-api.js';

const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page's HTML for `prefix` and the script's hash. */
export function supervisorHtml(prefix: string, scriptHash: string): string {
  const attr = (value: string) => value.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Supervisor · helpgate</title>' +
    `<script src="${attr(`${prefix}supervisor.js?v=${scriptHash}`)}" defer></script>` +
    `</head><body><main id="supervisor" data-prefix="${attr(prefix)}">` +
    '<h1>Supervisor</h1><p>Loading the figures…</p>' +
    '<noscript><p>The charts need JavaScript; the figures are at ' +
    `<a href="${attr(`${prefix}api/stats`)}">api/stats</a>.</p></noscript>` +
    '</main></body></html>'
  );
}

export function createSupervisorPage(deps: {
  prefix: string;
  script: ScriptAsset;
  authorize: Authorize;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const body = Buffer.from(supervisorHtml(deps.prefix, deps.script.hash));
  return (req, res) => {
    const denied = deps.authorize(req);
    if (denied !== null) {
      sendError(res, denied, denied.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(body.length),
      'Content-Security-Policy': POLICY,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
