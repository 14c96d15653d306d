/**
 * The response-time histogram (offer shown → accepted) over the range, with the learned
 * maxWait and the learned expiry marked on it: whether the thresholds sit where visitors
 * actually answer. One uPlot, created once; a table of its bins for readers without the canvas.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { HistogramReport, StatsReport } from '../../console/stats/stats-report.js';
import { holdPlot, PLOT_HEIGHT, PLOT_MIN_WIDTH } from './hold-plot.js';
import {
  binLabel,
  binPosition,
  edgeLabel,
  edgeTicks,
  eventsText,
  formatSeconds,
  histogramColumns,
  type Range,
  statsUrl,
} from './shape-series.js';

interface Marker {
  label: string;
  seconds: number;
  color: string;
}

function markersOf(report: StatsReport): Marker[] {
  const live = report.live;
  if (!live) return [];
  return [
    { label: 'maxWait', seconds: live.maxWaitSeconds, color: '#b3261e' },
    { label: 'expiry', seconds: live.expireAfterSeconds, color: '#6b3fa0' },
  ];
}

export function HistogramChart(props: { report: StatsReport; prefix: string; range: Range }) {
  const { report, prefix, range } = props;
  const histogram: HistogramReport | undefined = report.histograms.responseTime;
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(report);
  latest.current = report;

  useEffect(() => {
    const element = holder.current;
    if (!element || !histogram) return;
    const bins = histogram.counts.length;
    const u = new uPlot(
      {
        width: Math.max(PLOT_MIN_WIDTH, element.clientWidth),
        height: PLOT_HEIGHT,
        legend: { show: false },
        cursor: { points: { show: false } },
        scales: {
          x: { time: false, range: [-0.5, bins - 0.5] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [
          {
            label: 'seconds from offer shown to accepted',
            // Ticks on the bins' edges, every third one, so the labels have room.
            splits: () => edgeTicks(latest.current.histograms.responseTime!),
            values: (_u, splits) =>
              splits.map((at) => edgeLabel(latest.current.histograms.responseTime!, at)),
          },
          { label: 'visitors' },
        ],
        series: [
          {},
          {
            label: 'visitors',
            fill: 'rgba(31, 95, 191, 0.35)',
            stroke: '#1f5fbf',
            paths: uPlot.paths.bars!({ size: [0.85, 80] }),
            points: { show: false },
          },
        ],
        hooks: {
          draw: [
            (u: uPlot) => {
              const current = latest.current.histograms.responseTime;
              if (!current) return;
              const { ctx } = u;
              const { top, height } = u.bbox;
              ctx.save();
              ctx.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
              for (const marker of markersOf(latest.current)) {
                const x = u.valToPos(binPosition(current, marker.seconds), 'x', true);
                ctx.strokeStyle = marker.color;
                ctx.fillStyle = marker.color;
                ctx.lineWidth = 2 * devicePixelRatio;
                ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
                ctx.beginPath();
                ctx.moveTo(x, top);
                ctx.lineTo(x, top + height);
                ctx.stroke();
                ctx.fillText(
                  `${marker.label} ${formatSeconds(marker.seconds)}`,
                  x + 4 * devicePixelRatio,
                  top + (marker.label === 'maxWait' ? 14 : 30) * devicePixelRatio,
                );
              }
              ctx.restore();
            },
          ],
        },
      },
      histogramColumns(histogram) as uPlot.AlignedData,
      element,
    );
    return holdPlot(u, element, plot);
  }, []);

  useEffect(() => {
    const current = report.histograms.responseTime;
    if (current) plot.current?.setData(histogramColumns(current) as uPlot.AlignedData);
  }, [report]);

  if (!histogram) return null;
  const markers = markersOf(report);
  return (
    <figure class="chart" aria-labelledby="chart-response-caption">
      <figcaption id="chart-response-caption">
        <h3>Response time</h3>
        <p>
          How long visitors took to accept an offer once it was shown (
          {eventsText(histogram.events, 'acceptance')}; median{' '}
          {formatSeconds(histogram.medianSeconds)}, 90th percentile{' '}
          {formatSeconds(histogram.p90Seconds)}), with{' '}
          {markers
            .map((m) => `the learned ${m.label} (${formatSeconds(m.seconds)})`)
            .join(' and ') || 'the learned thresholds'}{' '}
          marked.
        </p>
      </figcaption>
      <div class="plot" ref={holder} aria-hidden="true" data-chart="response" />
      <p class="chart-links">
        <a
          href={statsUrl(prefix, range, {
            series: ['responseTimeMedianSeconds', 'maxWaitSeconds', 'expireAfterSeconds'],
            csv: true,
          })}
          download
        >
          Response time: series as CSV
        </a>
      </p>
      <details>
        <summary>Response time: bins as a table</summary>
        <table>
          <caption>Acceptances by response time, last {range.label}</caption>
          <thead>
            <tr>
              <th scope="col">Response time</th>
              <th scope="col">Visitors</th>
            </tr>
          </thead>
          <tbody>
            {histogram.counts.map((count, bin) =>
              count === 0 ? null : (
                <tr key={bin}>
                  <th scope="row">{binLabel(histogram, bin)}</th>
                  <td>{count}</td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
