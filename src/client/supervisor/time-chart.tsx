/**
 * One time chart: a uPlot created once, `setData` on each refresh (keeping a zoom the reader
 * made), resized by a ResizeObserver, destroyed on unmount; charts of the page share a cursor
 * and range through `uPlot.sync`. Under it: a caption, its series as CSV, the figures behind a
 * chosen point, and a table of its key figures for readers who cannot see the canvas.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { StatsReport } from '../../console/stats/stats-report.js';
import type { ChartSpec } from './chart-specs.js';
import { holdPlot, PLOT_HEIGHT, PLOT_MIN_WIDTH } from './hold-plot.js';
import {
  clockTime,
  eventsText,
  formatFigure,
  hasIsolated,
  pointUrl,
  type Range,
  statsUrl,
  timeColumns,
} from './shape-series.js';

export const SYNC_KEY = 'helpgate-supervisor';

function options(
  spec: ChartSpec,
  width: number,
  onPick: (idx: number) => void,
  onZoom: (zoomed: boolean) => void,
): uPlot.Options {
  return {
    width,
    height: PLOT_HEIGHT,
    cursor: { sync: { key: SYNC_KEY } },
    legend: { live: true },
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
    },
    axes: [
      // Room for "11:30am" between ticks on a half-width chart.
      { space: 80 },
      { label: spec.y },
      ...(spec.y2
        ? [{ scale: 'y2', side: 1 as const, label: spec.y2, grid: { show: false } }]
        : []),
    ],
    series: [
      {},
      ...spec.series.map((series) => ({
        label: series.label,
        stroke: series.color,
        width: 2,
        scale: series.axis ?? 'y',
        spanGaps: false,
        points: { show: (u: uPlot, index: number) => hasIsolated(u.data[index] ?? []), size: 6 },
        ...(series.dash && { dash: series.dash }),
      })),
    ],
    hooks: {
      ready: [
        (u: uPlot) => {
          u.over.addEventListener('click', () => {
            if (u.cursor.idx !== null && u.cursor.idx !== undefined) onPick(u.cursor.idx);
          });
        },
      ],
      // Zoomed when x shows less than the data: by a drag here, or in a synced chart.
      setScale: [
        (u: uPlot, key: string) => {
          if (key !== 'x') return;
          const xs = u.data[0];
          const first = xs[0];
          const last = xs[xs.length - 1];
          const { min, max } = u.scales.x ?? {};
          if (first === undefined || last === undefined || min == null || max == null) return;
          onZoom(min > first || max < last);
        },
      ],
    },
  };
}

export function TimeChart(props: {
  spec: ChartSpec;
  report: StatsReport;
  prefix: string;
  range: Range;
}) {
  const { spec, report, prefix, range } = props;
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoomed = useRef(false);
  const latest = useRef(report);
  latest.current = report;
  const [picked, setPicked] = useState<number | null>(null);
  const [behind, setBehind] = useState<string[] | null>(null);

  // The conversations behind a chosen point: those accepted in its step.
  useEffect(() => {
    setBehind(null);
    if (picked === null) return;
    let current = true;
    fetch(pointUrl(prefix, picked, latest.current.stepSeconds), { credentials: 'same-origin' })
      .then((res) => (res.ok ? (res.json() as Promise<StatsReport>) : null))
      .then((step) => {
        if (current && step) setBehind(step.conversationIds);
      })
      .catch(() => {});
    return () => {
      current = false;
    };
  }, [picked]);
  const names = spec.series.map((series) => series.name);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const u = new uPlot(
      options(
        spec,
        Math.max(PLOT_MIN_WIDTH, element.clientWidth),
        (idx) => {
          const at = latest.current.time[idx];
          if (at !== undefined) setPicked(at);
        },
        (now) => {
          zoomed.current = now;
        },
      ),
      timeColumns(latest.current, names) as uPlot.AlignedData,
      element,
    );
    return holdPlot(u, element, plot);
  }, []);

  useEffect(() => {
    plot.current?.setData(timeColumns(report, names) as uPlot.AlignedData, !zoomed.current);
  }, [report]);

  const captionId = `chart-${spec.id}-caption`;
  return (
    <figure class="chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>
        <h3>{spec.title}</h3>
        <p>{spec.caption}</p>
      </figcaption>
      <div class="plot" ref={holder} aria-hidden="true" data-chart={spec.id} />
      <p class="chart-links">
        <a href={statsUrl(prefix, range, { series: names, csv: true })} download>
          {spec.title}: series as CSV
        </a>
        {picked !== null && (
          <>
            {' · '}
            <a href={pointUrl(prefix, picked, report.stepSeconds)} target="_blank" rel="noopener">
              Figures behind {clockTime(picked)} (JSON)
            </a>
          </>
        )}
      </p>
      {picked !== null && behind !== null && (
        <p class="chart-links">
          {behind.length === 0
            ? `No visitor accepted help at ${clockTime(picked)}.`
            : `Conversations accepted at ${clockTime(picked)}: `}
          {behind.map((id, index) => (
            <span key={id}>
              {index > 0 && ', '}
              <a
                href={`${prefix}api/conversations/${encodeURIComponent(id)}`}
                target="_blank"
                rel="noopener"
              >
                {id.slice(0, 8)}
              </a>
            </span>
          ))}
        </p>
      )}
      <details>
        <summary>{spec.title}: key figures as a table</summary>
        <table>
          <caption>Over the last {range.label}</caption>
          <thead>
            <tr>
              <th scope="col">Figure</th>
              <th scope="col">Value</th>
              <th scope="col">Rests on</th>
            </tr>
          </thead>
          <tbody>
            {spec.series.map((series) => {
              const total = report.totals[series.name];
              const kind = report.series[series.name]?.kind ?? 'count';
              const seconds = series.name.endsWith('Seconds') ? 'seconds' : undefined;
              return (
                <tr key={series.name}>
                  <th scope="row">{series.label}</th>
                  <td>{formatFigure(kind, total?.value ?? null, seconds)}</td>
                  <td>{eventsText(total?.events ?? 0, kind === 'gauge' ? 'sample' : 'event')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
