/**
 * `api/stats` as CSV (`Accept: text/csv`): one row per step, the step's start as an ISO time
 * and Unix seconds, then each series; a series that is not a plain count (a rate, a median,
 * a sampled figure) is followed by the events it rests on (`name_events`).
 */
import type { SeriesName, StatsReport } from './summarise-stats.js';

export function statsCsv(report: StatsReport, names: readonly SeriesName[]): string {
  const header = ['time', 'unix'];
  for (const name of names) {
    header.push(name);
    if (report.series[name].kind !== 'count') header.push(`${name}_events`);
  }
  const rows = [header.join(',')];
  report.time.forEach((unix, step) => {
    const row = [new Date(unix * 1000).toISOString(), String(unix)];
    for (const name of names) {
      const series = report.series[name];
      const value = series.values[step];
      row.push(value === null || value === undefined ? '' : String(value));
      if (series.kind !== 'count') row.push(String(series.events[step] ?? 0));
    }
    rows.push(row.join(','));
  });
  return `${rows.join('\r\n')}\r\n`;
}
