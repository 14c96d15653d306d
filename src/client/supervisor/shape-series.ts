/**
 * Pure shaping of `api/stats` for the supervisor's charts and tables: columnar data for uPlot
 * (x in Unix seconds, `null` for a gap, never 0), the histogram's bins and markers, and the
 * words and URLs the page shows. Tested under Node; no DOM here.
 */
import type { HistogramReport, SeriesKind, StatsReport } from '../../console/stats/stats-report.js';

/** The ranges the page offers, each read in a step that keeps a chart to ~100 points. */
export const RANGES = [
  { since: '1h', label: '1 hour', step: '1m' },
  { since: '6h', label: '6 hours', step: '5m' },
  { since: '24h', label: '24 hours', step: '15m' },
] as const;
export type Range = (typeof RANGES)[number];

/** uPlot's columnar data: x first, then one column per series. */
export type Columns = [number[], ...(number | null)[][]];

/** x and one column per named series (a series the report lacks is all gaps). */
export function timeColumns(report: StatsReport, names: readonly string[]): Columns {
  const columns: Columns = [report.time];
  for (const name of names) {
    const series = report.series[name];
    columns.push(series ? series.values : report.time.map(() => null));
  }
  return columns;
}

/**
 * Whether a column has a value with a gap (or the edge) on both sides: a line cannot show it,
 * so its points are drawn.
 */
export function hasIsolated(values: ArrayLike<number | null | undefined>): boolean {
  for (let i = 0; i < values.length; i++) {
    if (values[i] != null && values[i - 1] == null && values[i + 1] == null) return true;
  }
  return false;
}

/** Bars of a histogram: x is the bin's index, y its count. */
export function histogramColumns(histogram: HistogramReport): Columns {
  return [histogram.counts.map((_, index) => index), histogram.counts];
}

/** Where `seconds` falls on the histogram's index axis (bars are centred on their index). */
export function binPosition(histogram: HistogramReport, seconds: number): number {
  const edges = histogram.edgesSeconds;
  for (let bin = 0; bin < edges.length; bin++) {
    const high = edges[bin];
    const low = bin === 0 ? 0 : (edges[bin - 1] ?? 0);
    if (high === null || high === undefined) return bin - 0.5;
    if (seconds < high) return bin - 0.5 + (seconds - low) / (high - low);
  }
  return edges.length - 0.5;
}

/** A bin's range in words: `<1 s`, `30 s–45 s`, `≥1 h`. */
export function binLabel(histogram: HistogramReport, bin: number): string {
  const high = histogram.edgesSeconds[bin];
  const low = bin === 0 ? null : (histogram.edgesSeconds[bin - 1] ?? null);
  if (low === null) return `<${formatSeconds(high ?? 0)}`;
  if (high === null || high === undefined) return `≥${formatSeconds(low)}`;
  return `${formatSeconds(low)}–${formatSeconds(high)}`;
}

/** Axis positions of every third bin edge (between bar `i` and `i + 1` is `i + 0.5`). */
export function edgeTicks(histogram: HistogramReport): number[] {
  const ticks: number[] = [];
  for (let bin = 0; bin < histogram.edgesSeconds.length - 1; bin++) {
    if (bin % 3 === 2 || bin === 0) ticks.push(bin + 0.5);
  }
  return ticks;
}

/** The edge at axis position `at`, short (`0`, `1s`, `45s`, `2m`, `1h`). */
export function edgeLabel(histogram: HistogramReport, at: number): string {
  const seconds = at < 0 ? 0 : histogram.edgesSeconds[Math.round(at - 0.5)];
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${seconds / 60}m`;
  return `${seconds / 3600}h`;
}

/** `—`, `42 s`, `3 min 5 s`, `1 h 2 min`. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) {
    const s = whole % 60;
    return `${Math.floor(whole / 60)} min${s ? ` ${s} s` : ''}`;
  }
  const m = Math.floor((whole % 3600) / 60);
  return `${Math.floor(whole / 3600)} h${m ? ` ${m} min` : ''}`;
}

/** A figure as the page shows it: a rate in per cent, a median as a duration. */
export function formatFigure(kind: SeriesKind, value: number | null, unit?: 'seconds'): string {
  if (value === null) return '—';
  if (kind === 'rate') return `${Math.round(value * 1000) / 10} %`;
  if (kind === 'median' || unit === 'seconds') return formatSeconds(value);
  return String(Math.round(value * 10) / 10);
}

/** `1 event`, `12 events`. */
export function eventsText(events: number, noun = 'event'): string {
  return `${events} ${noun}${events === 1 ? '' : 's'}`;
}

/** The `api/stats` URL of a range; `csv` asks for the download, `series` for some columns. */
export function statsUrl(
  prefix: string,
  range: Range,
  options: { series?: readonly string[]; csv?: boolean } = {},
): string {
  const query = new URLSearchParams({ since: range.since, step: range.step });
  if (options.series) query.set('series', options.series.join(','));
  if (options.csv) query.set('format', 'csv');
  return `${prefix}api/stats?${query.toString().replace(/%2C/g, ',')}`;
}

/** The figures behind one point: that step alone, minute by minute. */
export function pointUrl(prefix: string, startUnix: number, stepSeconds: number): string {
  const since = new Date(startUnix * 1000).toISOString();
  const until = new Date((startUnix + stepSeconds) * 1000 - 1).toISOString();
  const query = new URLSearchParams({ since, until, step: '1m' });
  return `${prefix}api/stats?${query.toString()}`;
}

/** `12:05` in the browser's time zone (24-hour, as operations teams read it). */
export function clockTime(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}
