// Claim 3: the time the customer spends on the page exceeds a predetermined time.
import t from 'tap';
import { startSite } from './_visitor.js';

t.test(
  'claim 3: help is offered once the time on the page reaches the predetermined time',
  async (t) => {
    const site = await startSite(t, {
      triggers: [{ name: 'slow-checkout', pages: ['/checkout/**'], when: { timeOnPage: '45s' } }],
    });
    const visitor = site.visitor();
    await visitor.open('/checkout/pay');
    for (let s = 5; s < 45; s += 5) {
      site.clock.advance(5_000);
      t.equal((await visitor.beat()).offer, null, `no offer after ${s} s`);
    }
    site.clock.advance(5_000);
    const reply = await visitor.beat();
    t.same(reply.offer?.reasons, ['on /checkout/pay for 45 s'], 'fires at 45 s (≥)');
  },
);

t.test('claim 3: time in a hidden tab is not time on the page', async (t) => {
  const site = await startSite(t, {
    triggers: [{ name: 'slow-checkout', when: { timeOnPage: '20s' } }],
  });
  const visitor = site.visitor();
  await visitor.open('/checkout/pay');
  for (let i = 0; i < 10; i++) {
    site.clock.advance(5_000);
    t.equal((await visitor.beat({ visible: false })).offer, null);
  }
  t.equal((await visitor.beat()).offer, null, 'visible again: 0 s credited so far');
});

t.test('claim 3: other pages than the trigger names are not timed for it', async (t) => {
  const site = await startSite(t, {
    triggers: [{ name: 'slow-checkout', pages: ['/checkout/**'], when: { timeOnPage: '10s' } }],
  });
  const visitor = site.visitor();
  await visitor.open('/products');
  for (let i = 0; i < 6; i++) {
    site.clock.advance(5_000);
    t.equal((await visitor.beat()).offer, null);
  }
});
