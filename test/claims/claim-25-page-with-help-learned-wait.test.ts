// Claim 25: the predetermined wait of claim 24 is learned from earlier response times.
import t from 'tap';
import {
  AGENTS,
  BUSY_TRIGGER,
  capacity,
  learnFrom,
  pageOfferId,
  setAgent,
  startSite,
} from './_visitor.js';

t.test('claim 25: the page carries HELP once the learned maxWait covers the wait', async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
    gate: {
      mode: 'within',
      maxWait: 'learned',
      learned: { percentile: 50, minSamples: 3, fallback: '10s', min: '5s', max: '5m' },
    },
    offers: { expireAfter: '5m' },
    triggers: [
      BUSY_TRIGGER,
      { name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } },
    ],
  });
  await setAgent(site, 'alice', { status: 'available', capacity: 2 });
  await learnFrom(site, [30_000, 100_000]);
  const visitor = site.visitor();
  t.equal(
    pageOfferId((await visitor.open('/checkout')).html),
    null,
    'two samples: the 10 s fallback is below the 60 s wait',
  );
  await setAgent(site, 'bob', { status: 'available' });
  await learnFrom(site, [120_000]);
  t.match(await capacity(site), { samples: 3, maxWaitSeconds: 100, estimatedWaitSeconds: 60 });
  t.ok(
    pageOfferId((await visitor.open('/checkout')).html),
    'learned 100 s (p50 of 30, 100, 120 s) ≥ 60 s: in the page',
  );
});
