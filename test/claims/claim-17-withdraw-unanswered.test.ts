// Claim 17: an offer unanswered for the response time is removed (or left out of the next page).
import t from 'tap';
import { AGENTS, capacity, pageOfferId, setAgent, startSite } from './_visitor.js';

const config = (delivery: 'inline' | 'next-page') => ({
  agents: { list: AGENTS, defaultCapacity: 1 },
  gate: { mode: 'available' as const },
  offers: { delivery, expireAfter: '30s' },
  triggers: [{ name: 'browsing', pages: ['/products'], when: { heartbeats: 1 } }],
});

t.test('claim 17: an unanswered offer is withdrawn from the page after expireAfter', async (t) => {
  const site = await startSite(t, config('inline'));
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  const { offer } = await visitor.beat();
  t.equal(offer?.expiresInMs, 30_000);
  for (let s = 5; s < 30; s += 5) {
    site.clock.advance(5_000);
    t.same((await visitor.beat()).withdraw, [], `still open after ${s} s`);
  }
  site.clock.advance(5_000);
  t.same((await visitor.beat()).withdraw, [offer?.id], 'removed at 30 s');
  const late = await visitor.answer(offer!.id, 'accept');
  t.equal(late.status, 409, 'an expired offer cannot be accepted');
  t.match(await late.json(), { error: { code: 'HG_ERR_OFFER_CLOSED' } });
  t.equal((await capacity(site)).freeSlots, 1, 'its reserved slot is free again');
});

t.test('claim 17: the next page after expiry goes out without the HELP option', async (t) => {
  const site = await startSite(t, config('next-page'));
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  await visitor.beat();
  const id = pageOfferId((await visitor.open('/cart')).html);
  t.ok(id, 'sent with /cart');
  site.clock.advance(30_000);
  t.equal(pageOfferId((await visitor.open('/cart')).html), null, 'left out of the next page');
  const help = await fetch(`${site.url}/__helpgate/help?offer=${id}`, {
    headers: { cookie: visitor.cookie },
  });
  t.match(await help.text(), 'This offer has ended');
});
