/**
 * `POST {prefix}hb`: the beacon's heartbeat. Cheap refusals come first (another site's
 * request, rate per address, the signed cookie, rate per session, content type, size) so a
 * hostile client spends as little of the server as possible and never touches another
 * visitor's session.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { hasConsent } from '../session/has-consent.js';
import { MAX_HEARTBEAT_BYTES, parseHeartbeat } from '../session/heartbeat-body.js';
import type { Sessions } from '../session/sessions.js';
import type { VisitorCookies } from '../session/visitor-cookie.js';
import type { Clock } from '../util/clock.js';
import { mediaTypeOf } from '../util/media-type.js';
import { isCrossSite } from './cross-site.js';
import { createRateLimiter } from './rate-limiter.js';
import { readBody } from './read-body.js';
import { STORE_RETRY_AFTER_S, sendError, sendJson } from './respond.js';

/** Client addresses whose rate is tracked at once; the least recently seen is forgotten. */
const MAX_TRACKED_ADDRESSES = 10_000;

export interface HeartbeatDeps {
  config: Config;
  sessions: Sessions;
  cookies: VisitorCookies;
  clock: Clock;
  logger: Logger;
  /** Whether the session store logs its own outages (one line per change of state). */
  storeLogsItself?: boolean;
  /** Counts heartbeats by outcome (metrics). */
  metrics?: { heartbeat(outcome: 'ok' | 'rejected'): void };
}

export type HeartbeatHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  origin: { clientIp: string; origin: string },
) => Promise<void>;

export function createHeartbeatHandler(deps: HeartbeatDeps): HeartbeatHandler {
  const { config, sessions, cookies, clock, logger } = deps;
  const perAddress = createRateLimiter({
    rate: config.rateLimit.perAddress,
    maxKeys: MAX_TRACKED_ADDRESSES,
    clock,
  });
  const perSession = createRateLimiter({
    rate: config.rateLimit.perSession,
    maxKeys: config.session.maxSessions + config.session.maxPinned,
    clock,
  });

  const tooMany = (res: ServerResponse, retryAfterMs: number) =>
    sendError(res, new HelpgateError('HG_ERR_RATE_LIMITED'), {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    });

  return async (req, res, origin) => {
    if (deps.metrics) {
      const { metrics } = deps;
      res.once('finish', () => metrics.heartbeat(res.statusCode === 200 ? 'ok' : 'rejected'));
    }
    // First, so a page on another site cannot move a visitor's session nor spend its rates.
    if (isCrossSite(req, origin)) return sendError(res, new HelpgateError('HG_ERR_CROSS_SITE'));

    const byAddress = perAddress.take(origin.clientIp);
    if (!byAddress.allowed) return tooMany(res, byAddress.retryAfterMs);

    const sid = cookies.read(req.headers.cookie);
    if (sid === null) return sendError(res, new HelpgateError('HG_ERR_HB_NO_SESSION'));

    const bySession = perSession.take(sid);
    if (!bySession.allowed) return tooMany(res, bySession.retryAfterMs);

    // sendBeacon() with a string body can only send text/plain.
    const mediaType = mediaTypeOf(req.headers['content-type']);
    if (mediaType !== 'application/json' && mediaType !== 'text/plain') {
      return sendError(res, new HelpgateError('HG_ERR_HB_CONTENT_TYPE'));
    }

    const read = await readBody(req, MAX_HEARTBEAT_BYTES);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      // The rest of the body is not read: closing the connection is cheaper than draining it.
      return sendError(
        res,
        new HelpgateError('HG_ERR_HB_TOO_LARGE', { limit: MAX_HEARTBEAT_BYTES }),
        {
          Connection: 'close',
        },
      );
    }

    let json: unknown;
    try {
      json = JSON.parse(read.body.toString('utf8'));
    } catch {
      return sendError(res, new HelpgateError('HG_ERR_HB_BAD_JSON'));
    }
    const parsed = parseHeartbeat(json);
    if (!parsed.ok)
      return sendError(res, new HelpgateError('HG_ERR_HB_BAD_BODY', { reason: parsed.reason }));

    let reply: Awaited<ReturnType<Sessions['heartbeat']>>;
    try {
      reply = await sessions.heartbeat(sid, parsed.heartbeat, {
        consent: hasConsent(config, req),
      });
    } catch (error) {
      // A store with a health state logs its outage once; a line per heartbeat would flood.
      if (deps.storeLogsItself !== true) {
        logger.warn({ err: error }, 'heartbeat not recorded: the session store failed');
      }
      // The beacon waits this long before its next heartbeat, so an outage is not hammered.
      return sendError(res, new HelpgateError('HG_ERR_STORE_UNAVAILABLE', {}, { cause: error }), {
        'Retry-After': String(STORE_RETRY_AFTER_S),
      });
    }
    sendJson(res, 200, reply);
  };
}
