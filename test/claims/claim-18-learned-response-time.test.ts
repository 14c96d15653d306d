// Claim 18: the response time after which an offer goes is learned from earlier visitors.
import t from 'tap';
import { AGENTS, BUSY_TRIGGER, capacity, learnFrom, setAgent, startSite } from './_visitor.js';

t.test('claim 18: expireAfter is the percentile of response times × factor', async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 3 },
    gate: { mode: 'available' },
    offers: {
      expireAfter: 'learned',
      learnedExpiry: {
        percentile: 90,
        factor: 1.5,
        minSamples: 2,
        fallback: '2m',
        min: '30s',
        max: '10m',
      },
    },
    triggers: [BUSY_TRIGGER, { name: 'browsing', pages: ['/products'], when: { heartbeats: 1 } }],
  });
  await setAgent(site, 'alice', { status: 'available' });
  const early = site.visitor();
  await early.open('/products');
  site.clock.advance(5_000);
  const first = (await early.beat()).offer;
  t.equal(first?.expiresInMs, 120_000, 'no samples yet: the 2 min fallback');
  t.equal((await early.answer(first!.id, 'dismiss')).status, 200);

  await learnFrom(site, [20_000, 40_000]);
  t.match(await capacity(site), { samples: 2, expireAfterSeconds: 60 });
  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  t.equal(
    (await visitor.beat()).offer?.expiresInMs,
    60_000,
    'p90 of 20 s and 40 s is 40 s; × 1.5 = 60 s',
  );
});
