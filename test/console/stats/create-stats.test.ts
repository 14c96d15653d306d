import t from 'tap';
import { createStats, MINUTE_MS } from '../../../src/console/stats/create-stats.js';
import { binOf, histogramQuantile } from '../../../src/console/stats/histogram.js';
import { summariseStats } from '../../../src/console/stats/summarise-stats.js';
import type { OfferRecord } from '../../../src/offers/offer-record.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0);
const minute = (n: number) => Math.floor(T0 / MINUTE_MS) + n;

function offer(change: Partial<OfferRecord>): OfferRecord {
  return {
    id: 'o',
    trigger: 'stuck',
    kind: 'button',
    reasons: [],
    pv: 'pv',
    path: '/checkout',
    state: 'pending',
    route: 'heartbeat',
    createdAt: T0,
    ...change,
  };
}

const sample = (change: Partial<Parameters<ReturnType<typeof createStats>['sample']>[0]> = {}) => ({
  estimatedWaitMs: 0,
  queueLength: 0,
  freeSlots: 2,
  maxWaitMs: 120_000,
  expireAfterMs: 60_000,
  agents: [{ id: 'alice', name: 'Alice', status: 'available' as const, conversations: 0 }],
  ...change,
});

t.test('offers by state per minute, the acceptance rate and missed offers', async (t) => {
  const stats = createStats();
  stats.triggerFired('stuck', T0);
  stats.offerChanged(offer({ state: 'shown', shownAt: T0 + 5_000 }));
  stats.offerChanged(offer({ state: 'accepted', shownAt: T0 + 5_000, endedAt: T0 + 12_000 }));
  stats.offerChanged(offer({ state: 'shown', shownAt: T0 + 70_000 }));
  stats.offerChanged(offer({ state: 'dismissed', shownAt: T0 + 70_000, endedAt: T0 + 80_000 }));
  // Pending while the gate stayed closed, then the page view ended: missed.
  stats.offerChanged(offer({ state: 'withdrawn', endedAt: T0 + 90_000, trigger: 'idle' }));
  const report = summariseStats(stats, {
    fromMinute: minute(0),
    toMinute: minute(2),
    stepMinutes: 1,
  });
  t.same(report.series.offersShown.values, [1, 1, 0]);
  t.same(report.series.offersAccepted.values, [1, 0, 0]);
  t.same(report.series.offersDismissed.values, [0, 1, 0]);
  t.same(report.series.acceptanceRate.values, [1, 0, null], 'no offer ended: a gap, not 0');
  t.same(report.series.acceptanceRate.events, [1, 1, 0]);
  t.same(report.totals.acceptanceRate, { value: 0.5, events: 2 });
  t.same(report.totals.missedForCapacity, { value: 1, events: 1 });
  t.same(report.time, [T0 / 1000, T0 / 1000 + 60, T0 / 1000 + 120]);
  t.same(report.histograms.responseTime.events, 1);
  t.equal(
    report.histograms.responseTime.medianSeconds,
    8.5,
    '7 s falls in the 7–10 s bin (its middle)',
  );
  const triggers = Object.fromEntries(report.triggers.map((x) => [x.name, x]));
  t.match(triggers.stuck, { fired: 1, offered: 2, accepted: 1, missed: 0 });
  t.match(triggers.idle, { fired: 0, missed: 1 });
  t.same(report.pages, [{ path: '/checkout', offered: 2, accepted: 1 }]);
  const two = summariseStats(stats, { fromMinute: minute(0), toMinute: minute(2), stepMinutes: 2 });
  t.same(two.series.offersShown.values, [2, 0], 'steps of two minutes add their buckets');
});

t.test(
  'promises: kept on assignment within the wait, broken past it or on leaving late',
  async (t) => {
    const stats = createStats();
    const accepted = (id: string, at: number) =>
      stats.offerChanged(
        offer({ id, state: 'accepted', shownAt: at - 1000, endedAt: at, conversationId: id }),
      );
    accepted('kept', T0);
    stats.opened('kept', 60);
    stats.assigned('kept', T0 + 30_000);
    accepted('broken', T0);
    stats.opened('broken', 10);
    stats.assigned('broken', T0 + 30_000);
    accepted('left', T0);
    stats.opened('left', 20);
    stats.ended('left', T0 + 50_000);
    accepted('now', T0);
    stats.opened('now', 0);
    accepted('at-once', T0 + 1000);
    stats.offerChanged(
      offer({ id: 'x', state: 'accepted', shownAt: T0, endedAt: T0 + 1000, conversationId: 'x' }),
      T0 + 1000,
    );
    stats.opened('x', 0);
    const report = summariseStats(stats, {
      fromMinute: minute(0),
      toMinute: minute(0),
      stepMinutes: 1,
    });
    t.same(report.totals.promisesKept, { value: 1, events: 1 });
    t.same(report.totals.promisesBroken, { value: 2, events: 2 });
    t.same(report.totals.promisesKeptRate, { value: 0.333, events: 3 });
    t.same(report.totals.abandoned, { value: 1, events: 1 });
    t.equal(report.histograms.abandonedWait.events, 1);
    t.same(report.totals.assigned, { value: 3, events: 3 }, 'the one assigned at once counts');
    t.equal(report.histograms.queueWait.events, 3);
    stats.firstReply('kept', T0 + 40_000);
    stats.firstReply('kept', T0 + 45_000);
    stats.ended('kept', T0 + 50_000);
    const after = summariseStats(stats, {
      fromMinute: minute(0),
      toMinute: minute(0),
      stepMinutes: 1,
    });
    t.same(after.totals.firstResponseMedianSeconds, { value: 12.5, events: 1 }, 'first reply once');
    t.equal(after.histograms.conversationLength.events, 1);
  },
);

t.test(
  'capacity samples: last and max per minute, unknown wait as null, status timeline',
  async (t) => {
    const stats = createStats();
    stats.sample(sample({ queueLength: 3, estimatedWaitMs: 90_000 }), T0);
    stats.sample(sample({ queueLength: 1, estimatedWaitMs: 30_000 }), T0 + 30_000);
    stats.sample(
      sample({
        estimatedWaitMs: null,
        agents: [{ id: 'alice', name: 'Alice', status: 'away', conversations: 0 }],
      }),
      T0 + 2 * MINUTE_MS,
    );
    const report = summariseStats(stats, {
      fromMinute: minute(0),
      toMinute: minute(2),
      stepMinutes: 1,
    });
    t.same(report.series.queueLength.values, [1, null, 0], 'no sample: a gap');
    t.same(report.series.queueLengthMax.values, [3, null, 0]);
    t.same(report.series.estimatedWaitSeconds.values, [30, null, null]);
    t.same(report.series.estimatedWaitMaxSeconds.values, [90, null, null]);
    t.same(report.series.queueLength.events, [2, 0, 1]);
    t.same(report.series.agentsAway.values, [0, null, 1]);
    t.same(
      report.statusChanges.map((c) => c.status),
      ['available', 'away'],
    );
    t.match(report.live, { waiting: 0, agents: { available: 0, busy: 0, away: 1 } });
  },
);

t.test(
  'bounded: a ring of buckets reuses its oldest slot, and events older than it are dropped',
  async (t) => {
    const stats = createStats({ bucketCount: 3 });
    stats.triggerFired('a', T0);
    stats.triggerFired('a', T0 + 3 * MINUTE_MS);
    stats.triggerFired('a', T0 + 10);
    t.equal(stats.bucket(minute(0)), undefined, 'minute 0 went when minute 3 came');
    t.equal(stats.bucket(minute(3))?.counts[0], 1, 'the late event did not wipe minute 3');
  },
);

t.test('histogram bins and quantiles', async (t) => {
  t.equal(binOf(0), 0);
  t.equal(binOf(999), 0);
  t.equal(binOf(1000), 1);
  t.equal(binOf(10 * 3_600_000), 23, 'past an hour: the open bin');
  const counts = new Array(24).fill(0);
  t.equal(histogramQuantile(counts, 0.5), null);
  counts[23] = 1;
  t.equal(histogramQuantile(counts, 0.5), 3600, 'the open bin answers its lower edge');
});
