/**
 * `GET {prefix}metrics` (DESIGN.md, "Tokens"): the Prometheus scrape, for the metrics token or
 * the admin token only. Metrics name triggers, show how many agents are free and how busy the
 * site is, so with neither token configured nobody may read them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import { HelpgateError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { bearerToken, tokensEqual } from './admin-auth.js';
import { sendError } from './respond.js';

/** Answers one scrape; rejects only if rendering fails (the router then answers 500). */
export type MetricsRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The metrics handler for a config. Any token other than `metrics.token` or `admin.token`
 * (an agent's included) gets 401 with `WWW-Authenticate: Bearer`; HEAD answers the headers only.
 */
export function createMetricsRoute(config: Config, metrics: Metrics): MetricsRoute {
  const allowed = [config.metrics.token, config.admin.token].filter(
    (token): token is string => token !== null,
  );

  function authorised(req: IncomingMessage): boolean {
    const token = bearerToken(req);
    if (token === null) return false;
    // Every configured token is compared, so timing does not tell which one matched.
    let match = false;
    for (const expected of allowed) if (tokensEqual(token, expected)) match = true;
    return match;
  }

  return async (req, res) => {
    if (!authorised(req)) {
      sendError(res, new HelpgateError('HG_ERR_UNAUTHORIZED'), { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    const { contentType, body } = await metrics.render();
    const payload = Buffer.from(body);
    res.writeHead(200, {
      'Content-Type': contentType,
      'Content-Length': String(payload.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : payload);
  };
}
