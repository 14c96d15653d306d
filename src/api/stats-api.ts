/**
 * `GET {prefix}api/stats` (admin): the supervisor's time series and figures for a window, as
 * JSON, or as CSV for `Accept: text/csv` or `format=csv` (what a download link can ask for).
 * Who may read it is the caller's decision (`authorize`): the admin's Bearer token today, the
 * console's admin login as well once it exists.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MINUTE_MS, type Stats } from '../console/stats/create-stats.js';
import { parseStatsQuery } from '../console/stats/parse-stats-query.js';
import { statsCsv } from '../console/stats/stats-csv.js';
import { summariseStats } from '../console/stats/summarise-stats.js';
import type { HelpgateError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { sendError, sendJson } from './respond.js';

/** `null` when the request may read the statistics, else the error to answer with. */
export type Authorize = (req: IncomingMessage) => HelpgateError | null;

export function createStatsApi(deps: {
  stats: Stats;
  /** Samples the capacity now, so the live tiles are current. */
  sample: () => void;
  authorize: Authorize;
  clock: Clock;
}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { stats, clock } = deps;
  return async (req, res) => {
    const denied = deps.authorize(req);
    if (denied !== null) {
      sendError(res, denied, denied.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
      return;
    }
    const search = new URL(req.url ?? '/', 'http://x').searchParams;
    const format = search.get('format');
    search.delete('format');
    const now = clock.now();
    const query = parseStatsQuery(search, now, stats.bucketCount);
    deps.sample();
    const view = await stats.read(query.fromMinute, query.toMinute);
    const report = summariseStats(view, query, query.series);
    const csv =
      format === 'csv' || (format === null && /\btext\/csv\b/i.test(req.headers.accept ?? ''));
    if (!csv) {
      sendJson(res, 200, report, { Vary: 'Accept' });
      return;
    }
    const stamp = new Date(query.fromMinute * MINUTE_MS)
      .toISOString()
      .slice(0, 16)
      .replace(':', '');
    const body = Buffer.from(statsCsv(report, query.series));
    res.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Length': String(body.length),
      'Content-Disposition': `attachment; filename="helpgate-stats-${stamp}.csv"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept',
    });
    res.end(body);
  };
}
