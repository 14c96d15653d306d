/**
 * Reads a window of per-minute buckets back as `api/stats` answers it: one value per step for
 * each series, totals over the window, the window's histograms, per-trigger and per-page
 * figures, the live tiles and the agents' status changes. Every figure carries the number of
 * events it rests on. Pure: the same buckets give the same report.
 */
import {
  COUNTS,
  type CountName,
  DURATIONS,
  type DurationName,
  GAUGES,
  type GaugeName,
  MINUTE_MS,
  type StatsView,
} from './create-stats.js';
import { HISTOGRAM_BINS, HISTOGRAM_EDGES_SECONDS, histogramQuantile } from './histogram.js';
import {
  type Figure,
  type HistogramReport,
  MAX_CONVERSATION_IDS,
  type StatsReport as Report,
  type Series,
} from './stats-report.js';

/** How a series is worked out from the buckets of a step. */
export type SeriesSpec =
  | { kind: 'count'; count: CountName }
  | { kind: 'rate'; of: CountName; among: readonly CountName[] }
  | { kind: 'gauge'; gauge: GaugeName; take: 'last' | 'max' }
  | { kind: 'median'; duration: DurationName };

const ENDED_AFTER_SHOWN: readonly CountName[] = [
  'offersAccepted',
  'offersDismissed',
  'offersExpired',
  'offersWithdrawn',
];

/** Every series `api/stats` knows, in the order of its JSON and CSV columns. */
export const SERIES = {
  triggersFired: { kind: 'count', count: 'triggersFired' },
  offersShown: { kind: 'count', count: 'offersShown' },
  offersAccepted: { kind: 'count', count: 'offersAccepted' },
  offersDismissed: { kind: 'count', count: 'offersDismissed' },
  offersExpired: { kind: 'count', count: 'offersExpired' },
  offersWithdrawn: { kind: 'count', count: 'offersWithdrawn' },
  acceptanceRate: { kind: 'rate', of: 'offersAccepted', among: ENDED_AFTER_SHOWN },
  missedForCapacity: { kind: 'count', count: 'missedForCapacity' },
  heldWaitMedianSeconds: { kind: 'median', duration: 'heldWait' },
  responseTimeMedianSeconds: { kind: 'median', duration: 'responseTime' },
  maxWaitSeconds: { kind: 'gauge', gauge: 'maxWaitSeconds', take: 'last' },
  expireAfterSeconds: { kind: 'gauge', gauge: 'expireAfterSeconds', take: 'last' },
  estimatedWaitSeconds: { kind: 'gauge', gauge: 'estimatedWaitSeconds', take: 'last' },
  estimatedWaitMaxSeconds: { kind: 'gauge', gauge: 'estimatedWaitSeconds', take: 'max' },
  queueLength: { kind: 'gauge', gauge: 'queueLength', take: 'last' },
  queueLengthMax: { kind: 'gauge', gauge: 'queueLength', take: 'max' },
  agentsAvailable: { kind: 'gauge', gauge: 'agentsAvailable', take: 'last' },
  agentsBusy: { kind: 'gauge', gauge: 'agentsBusy', take: 'last' },
  agentsAway: { kind: 'gauge', gauge: 'agentsAway', take: 'last' },
  freeSlots: { kind: 'gauge', gauge: 'freeSlots', take: 'last' },
  conversations: { kind: 'gauge', gauge: 'conversations', take: 'last' },
  unattended: { kind: 'gauge', gauge: 'unattended', take: 'last' },
  queued: { kind: 'count', count: 'queued' },
  assigned: { kind: 'count', count: 'assigned' },
  queueWaitMedianSeconds: { kind: 'median', duration: 'queueWait' },
  fireToAgentMedianSeconds: { kind: 'median', duration: 'fireToAgent' },
  firstReplies: { kind: 'count', count: 'firstReplies' },
  firstResponseMedianSeconds: { kind: 'median', duration: 'firstResponse' },
  conversationsEnded: { kind: 'count', count: 'conversationsEnded' },
  conversationLengthMedianSeconds: { kind: 'median', duration: 'conversationLength' },
  abandoned: { kind: 'count', count: 'abandoned' },
  abandonedWaitMedianSeconds: { kind: 'median', duration: 'abandonedWait' },
  promisesKept: { kind: 'count', count: 'promisesKept' },
  promisesBroken: { kind: 'count', count: 'promisesBroken' },
  promisesKeptRate: { kind: 'rate', of: 'promisesKept', among: ['promisesKept', 'promisesBroken'] },
} as const satisfies Record<string, SeriesSpec>;

export type SeriesName = keyof typeof SERIES;
export const SERIES_NAMES = Object.keys(SERIES) as SeriesName[];

/** A window: whole minutes `fromMinute … toMinute` (inclusive), read in steps of minutes. */
export interface StatsWindow {
  fromMinute: number;
  toMinute: number;
  stepMinutes: number;
}

export type StatsReport = Report<SeriesName, DurationName>;

/** Pages listed, most offered first. */
export const TOP_PAGES = 10;

/** The figures of `window`; `names` limits the series (default: all). */
export function summariseStats(
  stats: StatsView,
  window: StatsWindow,
  names: readonly SeriesName[] = SERIES_NAMES,
): StatsReport {
  const { fromMinute, toMinute, stepMinutes } = window;
  const time: number[] = [];
  const series = {} as Record<SeriesName, Series>;
  for (const name of names) series[name] = { kind: SERIES[name].kind, values: [], events: [] };
  const total = emptyAggregate();
  const conversationIds: string[] = [];
  // One step's aggregate, reset for each step: 24 hours of minutes allocate nothing per step.
  const step = emptyAggregate();
  for (let start = fromMinute; start <= toMinute; start += stepMinutes) {
    resetAggregate(step);
    for (let minute = start; minute < start + stepMinutes && minute <= toMinute; minute++) {
      const bucket = stats.bucket(minute);
      if (bucket === undefined) continue;
      addBucket(step, bucket, false);
      addBucket(total, bucket, true);
      if (bucket.conversationIds) conversationIds.push(...bucket.conversationIds);
    }
    time.push((start * MINUTE_MS) / 1000);
    for (const name of names) {
      const figure = figureOf(SERIES[name], step);
      series[name].values.push(figure.value);
      series[name].events.push(figure.events);
    }
  }
  const totals = {} as Record<SeriesName, Figure>;
  for (const name of names) totals[name] = figureOf(SERIES[name], total);
  const histograms = {} as Record<DurationName, HistogramReport>;
  DURATIONS.forEach((name, index) => {
    const offset = index * HISTOGRAM_BINS;
    const counts = Array.from(total.durations.subarray(offset, offset + HISTOGRAM_BINS));
    histograms[name] = {
      edgesSeconds: HISTOGRAM_EDGES_SECONDS.map((edge) => (Number.isFinite(edge) ? edge : null)),
      counts,
      events: counts.reduce((sum, n) => sum + n, 0),
      medianSeconds: histogramQuantile(counts, 0.5),
      p90Seconds: histogramQuantile(counts, 0.9),
    };
  });
  const triggers = [...total.triggers].map(([name, t]) => ({
    name,
    fired: t.fired,
    offered: t.offered,
    accepted: t.accepted,
    missed: t.missed,
    fireToAgentMedianSeconds: histogramQuantile(t.fireToAgent, 0.5),
    reachedAgent: t.fireToAgent.reduce((sum, n) => sum + n, 0),
  }));
  triggers.sort((a, b) => b.fired - a.fired || a.name.localeCompare(b.name));
  const pages = [...total.pages]
    .map(([path, p]) => ({ path, ...p }))
    .sort((a, b) => b.offered - a.offered || b.accepted - a.accepted)
    .slice(0, TOP_PAGES);
  const fromMs = fromMinute * MINUTE_MS;
  const toMs = (toMinute + 1) * MINUTE_MS;
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    stepSeconds: stepMinutes * 60,
    bucketSeconds: 60,
    bucketsKept: stats.bucketCount,
    time,
    series,
    totals,
    histograms,
    triggers,
    pages,
    live: stats.latest(),
    statusChanges: stats.statusChanges(fromMs, toMs - 1),
    conversationIds: conversationIds.slice(-MAX_CONVERSATION_IDS),
  };
}

interface Aggregate {
  counts: Float64Array;
  durations: Float64Array;
  /** The latest bucket's last sample per gauge, NaN when none. */
  last: Float64Array;
  max: Float64Array;
  samples: number;
  triggers: Map<
    string,
    { fired: number; offered: number; accepted: number; missed: number; fireToAgent: number[] }
  >;
  pages: Map<string, { offered: number; accepted: number }>;
}

function emptyAggregate(): Aggregate {
  return {
    counts: new Float64Array(COUNTS.length),
    durations: new Float64Array(DURATIONS.length * HISTOGRAM_BINS),
    last: new Float64Array(GAUGES.length).fill(Number.NaN),
    max: new Float64Array(GAUGES.length).fill(Number.NaN),
    samples: 0,
    triggers: new Map(),
    pages: new Map(),
  };
}

function resetAggregate(aggregate: Aggregate): void {
  aggregate.counts.fill(0);
  aggregate.durations.fill(0);
  aggregate.last.fill(Number.NaN);
  aggregate.max.fill(Number.NaN);
  aggregate.samples = 0;
}

/** Adds a bucket's figures; `keyed`: its triggers and pages too (the window's, not a step's). */
function addBucket(
  into: Aggregate,
  bucket: NonNullable<ReturnType<StatsView['bucket']>>,
  keyed: boolean,
): void {
  for (let i = 0; i < into.counts.length; i++) into.counts[i]! += bucket.counts[i]!;
  for (let i = 0; i < into.durations.length; i++) into.durations[i]! += bucket.durations[i]!;
  if (bucket.samples > 0) {
    // Buckets are added oldest first: the last one sampled holds the step's last values.
    into.last.set(bucket.last);
    for (let i = 0; i < into.max.length; i++) {
      const value = bucket.max[i]!;
      if (!(into.max[i]! >= value)) into.max[i] = value;
    }
    into.samples += bucket.samples;
  }
  if (!keyed) return;
  for (const [name, t] of bucket.triggers ?? []) {
    let sum = into.triggers.get(name);
    if (sum === undefined) {
      sum = {
        fired: 0,
        offered: 0,
        accepted: 0,
        missed: 0,
        fireToAgent: new Array<number>(HISTOGRAM_BINS).fill(0),
      };
      into.triggers.set(name, sum);
    }
    sum.fired += t.fired;
    sum.offered += t.offered;
    sum.accepted += t.accepted;
    sum.missed += t.missed;
    for (let bin = 0; bin < HISTOGRAM_BINS; bin++) sum.fireToAgent[bin]! += t.fireToAgent[bin]!;
  }
  for (const [path, p] of bucket.pages ?? []) {
    const sum = into.pages.get(path) ?? { offered: 0, accepted: 0 };
    sum.offered += p.offered;
    sum.accepted += p.accepted;
    into.pages.set(path, sum);
  }
}

function figureOf(spec: SeriesSpec, step: Aggregate): Figure {
  switch (spec.kind) {
    case 'count': {
      const n = step.counts[COUNTS.indexOf(spec.count)]!;
      return { value: n, events: n };
    }
    case 'rate': {
      const among = spec.among.reduce((sum, name) => sum + step.counts[COUNTS.indexOf(name)]!, 0);
      const of = step.counts[COUNTS.indexOf(spec.of)]!;
      return { value: among === 0 ? null : Math.round((of / among) * 1000) / 1000, events: among };
    }
    case 'gauge': {
      const index = GAUGES.indexOf(spec.gauge);
      const value = (spec.take === 'last' ? step.last : step.max)[index]!;
      return { value: Number.isNaN(value) ? null : value, events: step.samples };
    }
    case 'median': {
      const offset = DURATIONS.indexOf(spec.duration) * HISTOGRAM_BINS;
      const counts = step.durations.subarray(offset, offset + HISTOGRAM_BINS);
      return {
        value: histogramQuantile(counts, 0.5),
        events: counts.reduce((sum, n) => sum + n, 0),
      };
    }
  }
}
