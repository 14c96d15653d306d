/**
 * The console's own routes: `GET console` (the page, or the login form), `POST console/login`
 * (a token, as a form or JSON, for the login cookie), `POST console/logout` and
 * `GET console/state` (who I am, my status, the other agents for a transfer, canned replies).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCrossSite } from '../api/cross-site.js';
import { createRateLimiter } from '../api/rate-limiter.js';
import { readBody } from '../api/read-body.js';
import { retryAfterHeaders, sendError, sendJson } from '../api/respond.js';
import type { Capacity } from '../capacity/capacity.js';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { mediaTypeOf } from '../util/media-type.js';
import { checkConsoleWrite } from './check-console-write.js';
import { consoleClearCookie, consoleSetCookie } from './console-cookie.js';
import type { ConsoleCaller } from './console-identity.js';
import { CONSOLE_CSP, consolePage } from './console-page.js';
import type { ConsoleSession, ConsoleSessions } from './console-sessions.js';

/** Login attempts per client address: a burst of 10, then one every 6 seconds. */
export const LOGIN_RATE = { count: 10, windowMs: 60_000 } as const;

/** The largest login body read (a token is at most a few hundred bytes). */
const LOGIN_BODY_LIMIT = 4 * 1024;

type Origin = { proto: 'http' | 'https'; clientIp: string; origin: string };
type Handler = (req: IncomingMessage, res: ServerResponse, origin: Origin) => Promise<void> | void;

export interface ConsoleRoutes {
  page: Handler;
  login: Handler;
  logout: Handler;
  state: Handler;
}

export function createConsoleRoutes(deps: {
  config: Config;
  sessions: ConsoleSessions;
  identify: (req: IncomingMessage) => ConsoleCaller | null;
  capacity: Capacity;
  clock: Clock;
  /** The console script's URL, versioned by its content hash. */
  scriptUrl: string;
}): ConsoleRoutes {
  const { config, sessions, identify, capacity } = deps;
  const limiter = createRateLimiter({ rate: LOGIN_RATE, maxKeys: 10_000, clock: deps.clock });
  const cookieOptions = (origin: Origin) => ({
    path: config.prefix,
    secure: origin.proto === 'https',
  });

  function sendPage(
    res: ServerResponse,
    status: number,
    session: ConsoleSession | null,
    extra: { error?: string; headers?: Record<string, string> } = {},
  ) {
    const html = consolePage({
      prefix: config.prefix,
      scriptUrl: deps.scriptUrl,
      session,
      ...(extra.error !== undefined && { error: extra.error }),
    });
    const body = Buffer.from(html);
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      ...extra.headers,
    });
    res.end(body);
  }

  /** The token of a login body (form or JSON), or `null` when there is none. */
  async function tokenOf(req: IncomingMessage): Promise<string | null | 'too-large'> {
    const read = await readBody(req, LOGIN_BODY_LIMIT);
    if (read.kind === 'too-large') return 'too-large';
    if (read.kind !== 'ok') return null;
    const text = read.body.toString('utf8');
    if (mediaTypeOf(req.headers['content-type']) === 'application/json') {
      try {
        const json = JSON.parse(text) as unknown;
        const token = (json as { token?: unknown } | null)?.token;
        return typeof token === 'string' ? token : null;
      } catch {
        return null;
      }
    }
    return new URLSearchParams(text).get('token');
  }

  return {
    page(req, res) {
      const caller = identify(req);
      const session = caller?.via === 'cookie' ? caller.session : null;
      sendPage(res, 200, session);
    },

    async login(req, res, origin) {
      const wantsJson = mediaTypeOf(req.headers['content-type']) === 'application/json';
      const refuse = (error: HelpgateError, headers: Record<string, string> = {}) => {
        if (wantsJson) return sendError(res, error, headers);
        sendPage(res, error.status, null, { error: error.message, headers });
      };
      // Login CSRF: another site must not log the agent's browser in with the attacker's token.
      if (isCrossSite(req, origin)) {
        req.resume();
        return refuse(new HelpgateError('HG_ERR_CONSOLE_CSRF'));
      }
      const taken = limiter.take(origin.clientIp);
      if (!taken.allowed) {
        req.resume();
        const error = new HelpgateError('HG_ERR_RATE_LIMITED', {
          retryAfterMs: taken.retryAfterMs,
        });
        return refuse(error, retryAfterHeaders(error));
      }
      const token = await tokenOf(req);
      if (token === 'too-large') {
        return refuse(new HelpgateError('HG_ERR_CONSOLE_LOGIN'), { Connection: 'close' });
      }
      const session = token === null ? null : await sessions.login(token.trim());
      if (session === null) return refuse(new HelpgateError('HG_ERR_CONSOLE_LOGIN'));
      const cookie = consoleSetCookie(session.id, cookieOptions(origin));
      if (wantsJson) {
        return sendJson(res, 200, describe(session), { 'Set-Cookie': cookie });
      }
      // Post/Redirect/Get: a reload of the console does not post the token again.
      // The admin token opens the supervisor's charts; an agent's, the console.
      const home = session.who.role === 'admin' ? 'console/supervisor' : 'console';
      res.writeHead(303, {
        Location: `${config.prefix}${home}`,
        'Set-Cookie': cookie,
        'Cache-Control': 'no-store',
        'Content-Length': '0',
      });
      res.end();
    },

    async logout(req, res, origin) {
      req.resume();
      const caller = identify(req);
      const refused = checkConsoleWrite(req, origin, caller);
      if (refused) return sendError(res, refused);
      if (caller?.via === 'cookie') await sessions.logout(caller.session.id);
      res.writeHead(204, {
        'Set-Cookie': consoleClearCookie(cookieOptions(origin)),
        'Cache-Control': 'no-store',
      });
      res.end();
    },

    state(req, res) {
      const caller = identify(req);
      if (caller === null) return sendError(res, new HelpgateError('HG_ERR_UNAUTHORIZED'));
      const me = caller.role === 'agent' ? capacity.agent(caller.agentId) : undefined;
      sendJson(res, 200, {
        role: caller.role,
        agent: me ? { id: me.id, name: me.name, status: me.status, capacity: me.capacity } : null,
        agents: capacity.agents().map((agent) => ({
          id: agent.id,
          name: agent.name,
          status: agent.status,
          capacity: agent.capacity,
          conversations: agent.conversations,
        })),
        cannedReplies: config.agents.cannedReplies,
      });
    },
  };

  function describe(session: ConsoleSession) {
    return {
      role: session.who.role,
      ...(session.who.role === 'agent' && { agentId: session.who.agentId }),
      csrf: session.csrf,
    };
  }
}
