// Claim 32: on a page request, the page carries HELP when the estimated wait is below maxWait.
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

t.test('claim 32: the estimated wait decides whether the page carries HELP', async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '40s' },
    gate: { mode: 'within', maxWait: '120s' },
    offers: { expireAfter: '60s' },
    triggers: [
      BUSY_TRIGGER,
      { name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } },
    ],
  });
  const visitor = await site.visitor().arrive('/');
  t.equal(pageOfferId((await visitor.open('/checkout')).html), null, 'no agent: wait unknown');
  t.equal((await capacity(site)).estimatedWaitSeconds, null);

  await setAgent(site, 'alice', { status: 'available' });
  await occupySlot(site);
  // Exponential handle times of mean 40 s until some are learned: 99 s holds for nine in ten.
  t.match(await capacity(site), { freeSlots: 0, estimatedWaitSeconds: 99 });
  const first = await site.visitor().arrive('/');
  t.ok(pageOfferId((await first.open('/checkout')).html), '99 s ≤ 120 s: with HELP');
  // Two chats in a row: 164 s.
  t.match(
    await capacity(site),
    { estimatedWaitSeconds: 164 },
    'its reservation lengthens the wait',
  );
  const next = await site.visitor().arrive('/');
  t.equal(
    pageOfferId((await next.open('/checkout')).html),
    null,
    '164 s > 120 s: the next visitor gets the page without it',
  );
});
