/**
 * The console's HTML: a shell the console script fills in, and the login form that works
 * without it. Nothing visitor-supplied is ever in it; the agent's token never is either.
 */
import { createHash } from 'node:crypto';
import type { ConsoleRole } from './console-sessions.js';
import { CONSOLE_CSS } from './console-styles.js';

/** The page's policy: its own script, its one inline sheet by hash, requests to itself only. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'sha256-${createHash('sha256').update(CONSOLE_CSS).digest('base64')}'`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (value: string) => value.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);

export interface ConsolePageOptions {
  prefix: string;
  scriptUrl: string;
  /** The logged-in session, or `null` for the login form. */
  session: { who: ConsoleRole; csrf: string } | null;
  /** A message above the login form (a refused token, too many tries). */
  error?: string;
}

/** The whole page. */
export function consolePage(options: ConsolePageOptions): string {
  const { prefix, session } = options;
  const data = session
    ? ` data-csrf="${escapeHtml(session.csrf)}" data-role="${session.who.role}"` +
      (session.who.role === 'agent' ? ` data-agent="${escapeHtml(session.who.agentId)}"` : '')
    : '';
  const error = options.error
    ? `<p class="error" role="alert" id="login-error">${escapeHtml(options.error)}</p>`
    : '';
  const login = session
    ? ''
    : `<form class="login" method="post" action="${escapeHtml(`${prefix}console/login`)}">` +
      '<h1>helpgate console</h1>' +
      error +
      '<label for="token">Your token</label>' +
      `<input id="token" name="token" type="password" autocomplete="current-password" required${
        options.error ? ' aria-describedby="login-error" aria-invalid="true"' : ''
      }>` +
      '<button class="primary" type="submit">Log in</button>' +
      '</form>';
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="referrer" content="no-referrer">' +
    `<title>helpgate console</title><style>${CONSOLE_CSS}</style></head><body>` +
    `<div id="console" data-prefix="${escapeHtml(prefix)}"${data}>${login}</div>` +
    `<script src="${escapeHtml(options.scriptUrl)}" defer></script></body></html>`
  );
}
