// The supervisor page's pure shaping: columns for uPlot with gaps as null, the histogram's
// markers and labels, the words and URLs the page shows.
import t from 'tap';
import {
  binLabel,
  binPosition,
  edgeLabel,
  edgeTicks,
  formatFigure,
  formatSeconds,
  hasIsolated,
  pointUrl,
  RANGES,
  statsUrl,
  timeColumns,
} from '../../../src/client/supervisor/shape-series.js';
import type { HistogramReport, StatsReport } from '../../../src/console/stats/stats-report.js';

const histogram: HistogramReport = {
  edgesSeconds: [1, 2, 3, 5, 7, 10, null],
  counts: [0, 0, 0, 0, 0, 0, 0],
  events: 0,
  medianSeconds: null,
  p90Seconds: null,
};

t.test('time columns keep gaps as null and name missing series as all gaps', async (t) => {
  const report = {
    time: [60, 120],
    series: { a: { kind: 'gauge', values: [1, null], events: [1, 0] } },
  } as unknown as StatsReport;
  t.same(timeColumns(report, ['a', 'b']), [
    [60, 120],
    [1, null],
    [null, null],
  ]);
  t.ok(hasIsolated([1, null]), 'a lone value needs its point drawn');
  t.notOk(hasIsolated([1, 2, null]), 'a line shows two in a row');
});

t.test('histogram markers fall inside their bin, labels name the bins', async (t) => {
  t.equal(binPosition(histogram, 0), -0.5);
  t.equal(binPosition(histogram, 4), 3, '4 s is the middle of the 3–5 s bar');
  t.equal(binPosition(histogram, 99), 5.5, 'past the last edge: the open bin starts');
  t.equal(binLabel(histogram, 0), '<1 s');
  t.equal(binLabel(histogram, 3), '3 s–5 s');
  t.equal(binLabel(histogram, 6), '≥10 s');
  t.same(edgeTicks(histogram), [0.5, 2.5, 5.5]);
  t.same(
    edgeTicks(histogram).map((at) => edgeLabel(histogram, at)),
    ['1s', '3s', '10s'],
  );
});

t.test('figures in words', async (t) => {
  t.equal(formatSeconds(null), '—');
  t.equal(formatSeconds(12.34), '12.3 s');
  t.equal(formatSeconds(185), '3 min 5 s');
  t.equal(formatSeconds(3720), '1 h 2 min');
  t.equal(formatFigure('rate', 0.6), '60 %');
  t.equal(formatFigure('median', 90), '1 min 30 s');
  t.equal(formatFigure('count', null), '—');
});

t.test('URLs: a range and its series as CSV, the figures behind one point', async (t) => {
  t.equal(
    statsUrl('/__helpgate/', RANGES[1], { series: ['a', 'b'], csv: true }),
    '/__helpgate/api/stats?since=6h&step=5m&series=a,b&format=csv',
  );
  t.equal(
    pointUrl('/hg/', Date.UTC(2026, 0, 1, 12, 5) / 1000, 300),
    '/hg/api/stats?since=2026-01-01T12%3A05%3A00.000Z&until=2026-01-01T12%3A09%3A59.999Z&step=1m',
  );
});
