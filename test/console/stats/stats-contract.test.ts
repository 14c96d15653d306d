// The supervisor's statistics' contract, one test body run against each store: the memory
// store and the Redis store on a real redis-server (each test its own key prefix), fed the
// same observations and read back through the same summary `api/stats` answers with.
import t, { type Test } from 'tap';
import {
  type CapacitySample,
  createStats,
  MINUTE_MS,
  type Stats,
} from '../../../src/console/stats/create-stats.js';
import { summariseStats } from '../../../src/console/stats/summarise-stats.js';
import { silentLogger } from '../../../src/logger.js';
import type { OfferRecord } from '../../../src/offers/offer-record.js';
import { createRedisConnection } from '../../../src/store/redis-connection.js';
import { createRedisStats } from '../../../src/store/redis-stats.js';
import { startRedisServer } from '../../fixtures/redis-server.js';
import { TestClock } from '../../fixtures/test-clock.js';

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

const sample = (change: Partial<CapacitySample> = {}): CapacitySample => ({
  estimatedWaitMs: 0,
  queueLength: 0,
  freeSlots: 2,
  maxWaitMs: 120_000,
  expireAfterMs: 60_000,
  agents: [{ id: 'alice', name: 'Alice', status: 'available' as const, conversations: 0 }],
  ...change,
});

const redisServer = await startRedisServer(t);
let prefixes = 0;

const stores: Record<string, (t: Test, clock: TestClock, bucketCount?: number) => Promise<Stats>> =
  {
    async memory(_t, _clock, bucketCount) {
      return createStats(bucketCount === undefined ? {} : { bucketCount });
    },
    async redis(t, clock, bucketCount) {
      const connection = createRedisConnection({
        url: redisServer.url,
        keyPrefix: `stats${++prefixes}:`,
        timeoutMs: 500,
        logger: silentLogger(),
      });
      t.teardown(() => connection.close());
      await connection.ready();
      return createRedisStats({
        connection,
        clock,
        ...(bucketCount !== undefined && { bucketCount }),
      });
    },
  };

/** The report `api/stats` would give for minutes `from … to` (offsets from T0). */
async function reportOf(stats: Stats, from: number, to: number, stepMinutes = 1) {
  const view = await stats.read(minute(from), minute(to));
  return summariseStats(view, { fromMinute: minute(from), toMinute: minute(to), stepMinutes });
}

for (const [name, make] of Object.entries(stores)) {
  t.test(
    `${name}: offers by state per minute, the acceptance rate and missed offers`,
    async (t) => {
      const stats = await make(t, new TestClock(T0));
      stats.triggerFired('stuck', T0);
      stats.offerChanged(offer({ state: 'shown', shownAt: T0 + 5_000 }));
      stats.offerChanged(offer({ state: 'accepted', shownAt: T0 + 5_000, endedAt: T0 + 12_000 }));
      stats.offerChanged(offer({ state: 'shown', shownAt: T0 + 70_000 }));
      stats.offerChanged(offer({ state: 'dismissed', shownAt: T0 + 70_000, endedAt: T0 + 80_000 }));
      // Pending while the gate stayed closed, then the page view ended: missed.
      stats.offerChanged(offer({ state: 'withdrawn', endedAt: T0 + 90_000, trigger: 'idle' }));
      const report = await reportOf(stats, 0, 2, 1);
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
      const two = await reportOf(stats, 0, 2, 2);
      t.same(two.series.offersShown.values, [2, 0], 'steps of two minutes add their buckets');
    },
  );

  t.test(
    `${name}: promises: kept on assignment within the wait, broken past it or on leaving late`,
    async (t) => {
      const stats = await make(t, new TestClock(T0));
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
      const report = await reportOf(stats, 0, 0, 1);
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
      const after = await reportOf(stats, 0, 0, 1);
      t.same(
        after.totals.firstResponseMedianSeconds,
        { value: 12.5, events: 1 },
        'first reply once',
      );
      t.equal(after.histograms.conversationLength.events, 1);
    },
  );

  t.test(
    `${name}: capacity samples: last and max per minute, unknown wait as null, status timeline`,
    async (t) => {
      const stats = await make(t, new TestClock(T0));
      stats.sample(sample({ queueLength: 3, estimatedWaitMs: 90_000 }), T0);
      stats.sample(sample({ queueLength: 1, estimatedWaitMs: 30_000 }), T0 + 30_000);
      stats.sample(
        sample({
          estimatedWaitMs: null,
          agents: [{ id: 'alice', name: 'Alice', status: 'away', conversations: 0 }],
        }),
        T0 + 2 * MINUTE_MS,
      );
      const report = await reportOf(stats, 0, 2, 1);
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

  t.test(`${name}: bounded: 32 pages and triggers a minute, then (other); 20 ids`, async (t) => {
    const stats = await make(t, new TestClock(T0));
    for (let i = 0; i < 40; i++) {
      const id = `c${i}`;
      stats.offerChanged(
        offer({
          id,
          path: `/p${i}`,
          trigger: `t${i}`,
          state: 'accepted',
          shownAt: T0,
          endedAt: T0 + 1000,
          conversationId: id,
        }),
      );
    }
    const { pages, triggers, conversationIds } = await reportOf(stats, 0, 0);
    const all = (await stats.read(minute(0), minute(0))).bucket(minute(0))!;
    t.equal(all.pages?.size, 33, '32 paths and (other)');
    t.same(all.pages?.get('(other)'), { offered: 0, accepted: 8 });
    t.equal(pages.length, 10, 'the report lists the top 10');
    t.equal(triggers.length, 33);
    t.same(
      conversationIds,
      Array.from({ length: 20 }, (_, i) => `c${i}`),
      'the first 20 conversations of the minute',
    );
  });

  t.test(`${name}: an observation older than the buckets kept is dropped`, async (t) => {
    const clock = new TestClock(T0 + 3 * MINUTE_MS);
    const stats = await make(t, clock, 3);
    stats.triggerFired('a', T0 + 3 * MINUTE_MS);
    stats.triggerFired('a', T0 + 10);
    const view = await stats.read(minute(0), minute(3));
    t.equal(view.bucket(minute(0)), undefined, 'minute 0 is past the 3 minutes kept');
    t.equal(view.bucket(minute(3))?.counts[0], 1, 'and the late event changed nothing else');
  });
}
