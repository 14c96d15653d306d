// Two helpgate instances adding their statistics into one Redis: `api/stats` on either shows
// the sum of both instances' events; capacity figures both sample are not summed; every key
// expires after the 24 hours the buckets are kept.
import t, { type Test } from 'tap';
import { MINUTE_MS } from '../../src/console/stats/create-stats.js';
import { statsFor } from '../../src/console/stats/stats-for.js';
import { summariseStats } from '../../src/console/stats/summarise-stats.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisConnection, type RedisConnection } from '../../src/store/redis-connection.js';
import { createRedisStats } from '../../src/store/redis-stats.js';
import { ADMIN_TOKEN } from '../claims/_visitor.js';
import { EXPECTED, runScenario } from '../console/_supervisor-scenario.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { testConfig } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

const redisServer = await startRedisServer(t);
let prefixes = 0;

async function connect(t: Test, keyPrefix: string): Promise<RedisConnection> {
  const connection = createRedisConnection({
    url: redisServer.url,
    keyPrefix,
    timeoutMs: 500,
    logger: silentLogger(),
  });
  t.teardown(() => connection.close());
  await connection.ready();
  return connection;
}

interface Report {
  totals: Record<string, { value: number | null; events: number }>;
  live: Record<string, unknown>;
  triggers: { name: string; fired: number; offered: number; accepted: number }[];
  conversationIds: string[];
}

t.test("api/stats on either instance shows the sum of both instances' events", async (t) => {
  const keyPrefix = `two${++prefixes}:`;
  const sites = [];
  for (const name of ['A', 'B']) {
    const clock = new TestClock();
    const stats = createRedisStats({ connection: await connect(t, keyPrefix), clock });
    const { site } = await runScenario(t, 'Alice', { clock, stats });
    sites.push({ name, site });
  }
  for (const { name, site } of sites) {
    const url = `${site.url}/__helpgate/api/stats?since=2h&step=1m`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    t.equal(res.status, 200);
    const report = (await res.json()) as Report;
    for (const [series, value] of Object.entries(EXPECTED)) {
      if (series === 'acceptanceRate') continue;
      t.equal(report.totals[series]?.value, 2 * value, `${name}: ${series} of both`);
    }
    t.same(report.totals.acceptanceRate, { value: 0.6, events: 10 }, `${name}: the rate of both`);
    t.match(report.triggers, [{ name: 'stuck-at-checkout', fired: 10, offered: 10, accepted: 6 }]);
    t.equal(report.conversationIds.length, 6, `${name}: both instances' conversations`);
    t.match(report.live, { unattended: 2 }, `${name}: unattended counted across instances`);

    const csv = await fetch(url, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/csv' },
    });
    const [header, ...rows] = (await csv.text()).trimEnd().split('\r\n');
    const column = header!.split(',').indexOf('offersShown');
    const shown = rows.reduce((sum, row) => sum + Number(row.split(',')[column] || 0), 0);
    t.equal(shown, 2 * EXPECTED.offersShown, `${name}: the CSV adds up to both too`);
  }
});

t.test('a shared figure both instances sample is never summed: last and highest', async (t) => {
  const keyPrefix = `gauge${++prefixes}:`;
  const T0 = Date.UTC(2026, 0, 1, 12, 0);
  const clock = new TestClock(T0);
  const [a, b] = [
    createRedisStats({ connection: await connect(t, keyPrefix), clock }),
    createRedisStats({ connection: await connect(t, keyPrefix), clock }),
  ];
  const sample = (queueLength: number) => ({
    estimatedWaitMs: 30_000,
    queueLength,
    freeSlots: 0,
    maxWaitMs: 120_000,
    expireAfterMs: 60_000,
    agents: [{ id: 'alice', name: 'Alice', status: 'busy' as const, conversations: 2 }],
  });
  a.sample(sample(3), T0 + 10_000);
  b.sample(sample(3), T0 + 10_500);
  b.sample(sample(5), T0 + 20_000);
  a.sample(sample(2), T0 + 30_000);
  // B's sample taken before A's last one arrives late: it does not replace the later value.
  b.sample(sample(4), T0 + 25_000);
  await Promise.all([a.flush(), b.flush()]);
  const minute = Math.floor(T0 / MINUTE_MS);
  const report = summariseStats(await a.read(minute, minute), {
    fromMinute: minute,
    toMinute: minute,
    stepMinutes: 1,
  });
  t.same(report.series.queueLength.values, [2], 'the latest sample of either instance');
  t.same(report.series.queueLengthMax.values, [5], 'the highest of all');
  t.same(report.series.conversations.values, [2], 'two conversations, not four');
  t.same(report.series.queueLength.events, [5], 'resting on the samples of both');
  t.equal(report.statusChanges.length, 1, "Alice's status, recorded once for both");
});

t.test('every key expires after the minutes kept', async (t) => {
  const keyPrefix = `expiry${++prefixes}:`;
  const now = Date.UTC(2026, 0, 1, 12, 0, 30);
  const clock = new TestClock(now);
  const config = {
    ...testConfig(),
    store: { kind: 'redis', url: redisServer.url, keyPrefix, timeout: 500 },
  } as Parameters<typeof statsFor>[0];
  t.throws(() => statsFor(config, { clock }), { code: 'HG_ERR_START' });
  const stats = statsFor(config, { clock, connection: await connect(t, keyPrefix) });
  const offer = {
    id: 'o',
    trigger: 'stuck',
    kind: 'button' as const,
    reasons: [],
    pv: 'pv',
    path: '/checkout',
    route: 'heartbeat' as const,
    createdAt: now - 5_000,
    shownAt: now - 4_000,
    endedAt: now,
    conversationId: 'c1',
  };
  stats.offerChanged({ ...offer, state: 'accepted' });
  stats.opened('c1', 60);
  stats.assigned('c1', now + 1_000);
  stats.sample(
    {
      estimatedWaitMs: null,
      queueLength: 0,
      freeSlots: 0,
      maxWaitMs: 1,
      expireAfterMs: 1,
      agents: [{ id: 'alice', name: 'Alice', status: 'busy', conversations: 1 }],
    },
    now,
  );
  await stats.flush();
  const keys = (await redisServer.cli('--scan', '--pattern', `${keyPrefix}*`)).split('\n').sort();
  const minute = Math.floor(now / MINUTE_MS);
  t.same(
    keys,
    [`st:${minute}`, `st:${minute}:ids`, 'st:agents', 'st:status', 'st:t:c1', 'st:unattended'].map(
      (key) => `${keyPrefix}${key}`,
    ),
  );
  const day = 1440 * MINUTE_MS;
  for (const key of keys) {
    const ttl = Number(await redisServer.cli('PTTL', key));
    t.ok(ttl > day - 60_000 && ttl <= day + MINUTE_MS, `${key} expires in ${ttl} ms`);
  }
});

t.test(
  'race: the promise made on A and the assignment seen on B judge it once, whichever comes first',
  async (t) => {
    // The record (with its promise) and the assignment reach two instances at the same moment.
    const keyPrefix = `race${++prefixes}:`;
    const T0 = Date.UTC(2026, 0, 1, 12, 0);
    const clock = new TestClock(T0);
    const [a, b] = [
      createRedisStats({ connection: await connect(t, keyPrefix), clock }),
      createRedisStats({ connection: await connect(t, keyPrefix), clock }),
    ];
    const conversations = 100;
    for (let i = 0; i < conversations; i++) {
      a.offerChanged({
        id: `o${i}`,
        trigger: 'stuck',
        kind: 'button',
        reasons: [],
        pv: 'pv',
        path: '/checkout',
        route: 'heartbeat',
        state: 'accepted',
        createdAt: T0,
        shownAt: T0,
        endedAt: T0 + 1_000,
        conversationId: `c${i}`,
      });
    }
    await a.flush();
    for (let i = 0; i < conversations; i++) {
      // Half kept (assigned within the 30 s promised), half broken; each twice on each side.
      const at = T0 + (i % 2 === 0 ? 10_000 : 50_000);
      const [first, second] = i % 3 === 0 ? [a, b] : [b, a];
      first.opened(`c${i}`, 30);
      second.assigned(`c${i}`, at);
      second.opened(`c${i}`, 30);
      first.assigned(`c${i}`, at);
    }
    await Promise.all([a.flush(), b.flush()]);
    const minute = Math.floor(T0 / MINUTE_MS);
    const report = summariseStats(await b.read(minute, minute), {
      fromMinute: minute,
      toMinute: minute,
      stepMinutes: 1,
    });
    t.equal(report.totals.assigned.value, conversations, 'each assignment counted once');
    t.equal(report.totals.promisesKept.value, conversations / 2, 'each promise judged once');
    t.equal(report.totals.promisesBroken.value, conversations / 2);
  },
);

t.test('after Redis forgets the scripts (a restart), observations still count', async (t) => {
  const keyPrefix = `flush${++prefixes}:`;
  const T0 = Date.UTC(2026, 0, 1, 12, 0);
  const stats = createRedisStats({
    connection: await connect(t, keyPrefix),
    clock: new TestClock(T0),
  });
  stats.triggerFired('stuck', T0);
  await stats.flush();
  await redisServer.cli('SCRIPT', 'FLUSH');
  stats.triggerFired('stuck', T0);
  stats.sample(
    {
      estimatedWaitMs: null,
      queueLength: 1,
      freeSlots: 0,
      maxWaitMs: 1,
      expireAfterMs: 1,
      agents: [],
    },
    T0,
  );
  await stats.flush();
  const minute = Math.floor(T0 / MINUTE_MS);
  const bucket = (await stats.read(minute, minute)).bucket(minute);
  t.equal(bucket?.counts[0], 2, 'both triggers counted');
  t.equal(bucket?.samples, 1, 'and the sample');
});

t.test(
  'a report re-reads only recent minutes; a late observation for a settled one shows within 5 min',
  async (t) => {
    const keyPrefix = `cache${++prefixes}:`;
    const T0 = Date.UTC(2026, 0, 1, 12, 0);
    const clock = new TestClock(T0 + 10 * MINUTE_MS);
    const [reader, writer] = [
      createRedisStats({ connection: await connect(t, keyPrefix), clock }),
      createRedisStats({ connection: await connect(t, keyPrefix), clock }),
    ];
    const first = Math.floor(T0 / MINUTE_MS);
    const fired = async () => {
      const view = await reader.read(first, first + 10);
      return [view.bucket(first)?.counts[0] ?? 0, view.bucket(first + 10)?.counts[0] ?? 0];
    };
    writer.triggerFired('stuck', T0);
    writer.triggerFired('stuck', T0 + 10 * MINUTE_MS);
    await writer.flush();
    t.same(await fired(), [1, 1]);
    writer.triggerFired('stuck', T0);
    writer.triggerFired('stuck', T0 + 10 * MINUTE_MS);
    await writer.flush();
    t.same(await fired(), [1, 2], 'the current minute is read each time, the settled one kept');
    clock.advance(5 * MINUTE_MS + 1);
    t.same(await fired(), [2, 2], 'and read again after 5 minutes');
  },
);
