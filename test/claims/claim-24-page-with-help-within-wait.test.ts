// Claim 24: no representative free, but the estimated wait is below the predetermined time.
// Each visitor's browser has run the beacon (a heartbeat proved the session) before the page.
import t from 'tap';
import {
  AGENTS,
  BUSY_TRIGGER,
  capacity,
  occupySlot,
  pageOfferId,
  setAgent,
  startSite,
} from './_visitor.js';

const config = (maxWait: string) => ({
  agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
  gate: { mode: 'within' as const, maxWait },
  offers: { expireAfter: '60s' },
  triggers: [
    BUSY_TRIGGER,
    { name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } },
  ],
});

t.test('claim 24: a page goes out with HELP when the wait is within maxWait', async (t) => {
  const site = await startSite(t, config('150s'));
  await setAgent(site, 'alice', { status: 'available' });
  await occupySlot(site);
  // Exponential handle times of mean 60 s until some are learned: 149 s holds for nine in ten.
  t.match(await capacity(site), { freeSlots: 0, estimatedWaitSeconds: 149 });
  const visitor = await site.visitor().arrive('/');
  t.ok(pageOfferId((await visitor.open('/checkout')).html), '149 s ≤ 150 s: in the page');
});

t.test(
  'claim 24: beyond maxWait the page goes without; the heartbeat brings HELP once it opens',
  async (t) => {
    const site = await startSite(t, config('30s'));
    await setAgent(site, 'alice', { status: 'available' });
    await occupySlot(site);
    const visitor = await site.visitor().arrive('/');
    t.equal(
      pageOfferId((await visitor.open('/checkout')).html),
      null,
      '149 s > 30 s: not in the page',
    );
    site.clock.advance(5_000);
    t.equal((await visitor.beat()).offer, null, 'still closed');
    await setAgent(site, 'bob', { status: 'available' });
    site.clock.advance(5_000);
    const { offer } = await visitor.beat();
    t.ok(offer, 'pending, then sent by heartbeat');
  },
);
