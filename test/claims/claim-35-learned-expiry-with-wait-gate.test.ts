// Claim 35: claim 34's response time is learned from earlier visitors.
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

t.test('claim 35: a page offer is answerable for the learned response time', async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 3 },
    gate: { mode: 'within' as const, maxWait: '90s' },
    offers: {
      expireAfter: 'learned',
      learnedExpiry: {
        percentile: 90,
        factor: 2,
        minSamples: 2,
        fallback: '2m',
        min: '30s',
        max: '10m',
      },
    },
    triggers: [
      BUSY_TRIGGER,
      { name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } },
    ],
  });
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  t.match((await visitor.open('/checkout')).html, /data-expires-in="120000"/, 'fallback 2 min');
  await visitor.open('/products'); // leaves the checkout: its offer is withdrawn
  await learnFrom(site, [10_000, 25_000]);
  t.match(await capacity(site), { samples: 2, expireAfterSeconds: 50 });
  const { html } = await visitor.open('/checkout');
  t.ok(pageOfferId(html));
  t.match(html, /data-expires-in="50000"/, 'p90 of 10 s and 25 s is 25 s; × 2 = 50 s');
  site.clock.advance(50_000);
  t.equal(pageOfferId((await visitor.open('/cart')).html), null, 'then the next page has none');
});
