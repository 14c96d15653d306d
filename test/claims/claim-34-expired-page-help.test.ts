// Claim 34: with the estimated-wait gate, an unanswered page offer is gone from the next page.
import t from 'tap';
import { AGENTS, capacity, pageOfferId, setAgent, startSite } from './_visitor.js';

t.test('claim 34: after the response time the next page goes out without HELP', async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1 },
    gate: { mode: 'within' as const, maxWait: '90s' },
    offers: { expireAfter: '30s' },
    triggers: [{ name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } }],
  });
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  const id = pageOfferId((await visitor.open('/checkout')).html);
  t.ok(id, 'sent with the page');
  t.match((await visitor.open('/checkout')).html, /data-expires-in="30000"/, 'answerable 30 s');
  const shown = pageOfferId((await visitor.open('/checkout')).html)!;
  site.clock.advance(25_000);
  t.same((await visitor.beat()).withdraw, [], 'within 30 s it stays');
  site.clock.advance(5_000);
  t.same((await visitor.beat()).withdraw, [shown], 'unanswered for 30 s: taken off the page');
  t.equal(
    pageOfferId((await visitor.open('/cart')).html),
    null,
    'the next page has no HELP option',
  );
  t.equal((await visitor.answer(shown, 'accept')).status, 409, 'and it cannot be accepted');
  t.equal((await capacity(site)).freeSlots, 1, 'nor does it hold a slot');
});
