import t from 'tap';
import { createStats, MINUTE_MS } from '../../../src/console/stats/create-stats.js';
import { binOf, histogramQuantile } from '../../../src/console/stats/histogram.js';
import type { OfferRecord } from '../../../src/offers/offer-record.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0);
const minute = (n: number) => Math.floor(T0 / MINUTE_MS) + n;

function _offer(change: Partial<OfferRecord>): OfferRecord {
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

const _sample = (
  change: Partial<Parameters<ReturnType<typeof createStats>['sample']>[0]> = {},
) => ({
  estimatedWaitMs: 0,
  queueLength: 0,
  freeSlots: 2,
  maxWaitMs: 120_000,
  expireAfterMs: 60_000,
  agents: [{ id: 'alice', name: 'Alice', status: 'available' as const, conversations: 0 }],
  ...change,
});

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
