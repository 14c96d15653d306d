// Claim 16: the predetermined wait is learned from how fast earlier visitors answered offers.
import t from 'tap';
import {
  BUSY_TRIGGER,
  capacity,
  LEARNED_WAIT_SITE,
  learnFrom,
  setAgent,
  startSite,
} from './_visitor.js';

t.test('claim 16: maxWait is the percentile of earlier response times', async (t) => {
  const site = await startSite(t, {
    ...LEARNED_WAIT_SITE,
    triggers: [BUSY_TRIGGER, { name: 'browsing', pages: ['/products'], when: { heartbeats: 1 } }],
  });
  await setAgent(site, 'alice', { status: 'available', capacity: 2 });
  await learnFrom(site, [70_000, 80_000]);
  // Handle times taken as exponential, mean 60 s, until learned: the first of two chats ends
  // within 73 s for nine visitors in ten.
  t.match(await capacity(site), { samples: 2, maxWaitSeconds: 10, estimatedWaitSeconds: 73 });

  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null, 'two samples: the 10 s fallback holds it back');

  await setAgent(site, 'bob', { status: 'available' });
  await learnFrom(site, [90_000]);
  // Bob's slot too: the first of three chats ends within 50 s for nine in ten.
  t.match(await capacity(site), { samples: 3, maxWaitSeconds: 80, estimatedWaitSeconds: 50 });
  site.clock.advance(5_000);
  t.ok((await visitor.beat()).offer, 'learned 80 s (p50 of 70, 80, 90 s) ≥ a 50 s wait: sent');
});
