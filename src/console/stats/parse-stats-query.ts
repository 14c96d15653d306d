/**
 * The query of `GET {prefix}api/stats` (DESIGN.md's endpoint table): `since` and `until` as
 * durations back from now (`2h`, `90m`) or ISO times, `step` as a duration in whole minutes,
 * `series` as a comma-separated list of series names. Throws HG_ERR_STATS_BAD_QUERY (400)
 * naming what is wrong; the window must lie within the buckets kept.
 */
import { parseDuration } from '../../config/units.js';
import { HelpgateError } from '../../errors.js';
import { MINUTE_MS } from './create-stats.js';
import { SERIES_NAMES, type SeriesName, type StatsWindow } from './summarise-stats.js';

export const DEFAULT_SINCE_MS = 3_600_000;
export const DEFAULT_STEP_MS = MINUTE_MS;

export interface StatsQuery extends StatsWindow {
  series: SeriesName[];
}

const bad = (reason: string) => new HelpgateError('HG_ERR_STATS_BAD_QUERY', { reason });

/** A time given as a duration ago (with its unit) or an ISO 8601 date-time. */
function timeOf(name: string, value: string, now: number): number {
  if (/^\d+(\.\d+)?(ms|s|m|h)$/i.test(value.trim())) {
    return now - (parseDuration(value) ?? 0);
  }
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const at = Date.parse(value);
    if (Number.isFinite(at)) return at;
  }
  throw bad(`${name} must be a duration such as 2h or 30m, or an ISO time (got ${quote(value)})`);
}

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** Reads `search` against `now` for a ring of `bucketCount` minutes. */
export function parseStatsQuery(
  search: URLSearchParams,
  now: number,
  bucketCount: number,
): StatsQuery {
  for (const key of search.keys()) {
    if (!['since', 'until', 'step', 'series'].includes(key)) {
      throw bad(`unknown parameter ${quote(key)} (since, until, step, series)`);
    }
  }
  const since = search.get('since');
  const until = search.get('until');
  const from = since === null ? now - DEFAULT_SINCE_MS : timeOf('since', since, now);
  const to = until === null ? now : timeOf('until', until, now);
  if (to > now) throw bad('until lies in the future');
  if (from > to) throw bad('since must come before until');
  const nowMinute = Math.floor(now / MINUTE_MS);
  const toMinute = Math.floor(to / MINUTE_MS);
  if (nowMinute - Math.floor(from / MINUTE_MS) > bucketCount) {
    throw bad(`since reaches past the ${bucketCount} minutes kept`);
  }
  // `since=24h` names the minute whose slot the current one took: it starts at the oldest kept.
  const fromMinute = Math.min(
    toMinute,
    Math.max(Math.floor(from / MINUTE_MS), nowMinute - bucketCount + 1),
  );
  const step = search.get('step');
  let stepMs = DEFAULT_STEP_MS;
  if (step !== null) {
    const parsed = /^\d+(\.\d+)?(ms|s|m|h)$/i.test(step.trim()) ? parseDuration(step) : undefined;
    if (parsed === undefined || parsed < MINUTE_MS || parsed % MINUTE_MS !== 0) {
      throw bad(`step must be a whole number of minutes such as 1m, 5m or 1h (got ${quote(step)})`);
    }
    stepMs = parsed;
  }
  const stepMinutes = stepMs / MINUTE_MS;
  if (stepMinutes > bucketCount) throw bad(`step is longer than the ${bucketCount} minutes kept`);
  const wanted = search.get('series');
  let series = SERIES_NAMES;
  if (wanted !== null) {
    series = [];
    for (const name of wanted.split(',')) {
      const known = SERIES_NAMES.find((candidate) => candidate === name.trim());
      if (known === undefined) throw bad(`unknown series ${quote(name)}`);
      if (!series.includes(known)) series.push(known);
    }
  }
  return { fromMinute, toMinute, stepMinutes, series };
}
