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

const attr = (value: string) => value.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The page's HTML for `prefix` and the script's hash. */
export function supervisorHtml(prefix: string, scriptHash: string): string {
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
    if (denied !== null && opensPage(req)) return sendLoginWay(res, deps.prefix, denied.status);
    if (denied !== null) {
      sendError(res, denied, denied.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
      return;
    }
    sendPage(res, 200, body, req.method === 'HEAD');
  };
}

/** The page's HTML with its policy: never cached, framed or sniffed. */
function sendPage(res: ServerResponse, status: number, body: Buffer, head = false): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
    'Content-Security-Policy': POLICY,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(head ? undefined : body);
}

/** A person opened the page (a browser navigating), not a script asking for it. */
function opensPage(req: IncomingMessage): boolean {
  return /\btext\/html\b/.test(req.headers.accept ?? '') && req.headers.authorization === undefined;
}

/**
 * Nobody logged in: to the console's login form (an admin's login comes back here). An agent
 * logged in: a page saying the view needs the admin token, never the figures.
 */
function sendLoginWay(res: ServerResponse, prefix: string, status: number): void {
  if (status === 401) {
    res.writeHead(303, {
      Location: `${prefix}console`,
      'Cache-Control': 'no-store',
      'Content-Length': '0',
    });
    res.end();
    return;
  }
  const body = Buffer.from(
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
      '<title>Supervisor · helpgate</title></head><body><main><h1>Supervisor</h1>' +
      '<p>The supervisor view needs the admin token. Log out of the console and log in with it.</p>' +
      `<p><a href="${attr(`${prefix}console`)}">Back to the console</a></p></main></body></html>`,
  );
  sendPage(res, status, body);
}
