// A crawler (no cookies, no script) fetching a page whose onRequest trigger offers help gets
// the HELP option in every page; it must not keep every agent's slot reserved for the
// offers' whole lifetime, or real visitors would never be offered help.
import t from 'tap';
import { AGENTS, capacity, pageOfferId, setAgent, startSite } from '../claims/_visitor.js';

const CONFIG = {
  agents: { list: AGENTS, defaultCapacity: 1 },
  gate: { mode: 'available' as const },
  offers: { expireAfter: '2m' },
  triggers: [{ name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } }],
};

t.test('a crawler cannot hold every agent slot by fetching pages that carry offers', async (t) => {
  const site = await startSite(t, CONFIG);
  await setAgent(site, 'alice', { status: 'available' });
  const crawler = await fetch(`${site.url}/checkout`, {
    headers: { 'sec-fetch-dest': 'document' },
  });
  t.ok(pageOfferId(await crawler.text()), 'the page it fetched carried an offer');
  t.equal((await capacity(site)).freeSlots, 0, 'reserved at first');
  site.clock.advance(10_000);
  t.equal((await capacity(site)).freeSlots, 1, 'no browser showed it: freed after two intervals');
  t.ok(pageOfferId((await site.visitor().open('/checkout')).html), 'a real visitor is offered');
});

t.test("a browser showing the page's offer keeps it reserved for the offer's life", async (t) => {
  const site = await startSite(t, CONFIG);
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  t.ok(pageOfferId((await visitor.open('/checkout')).html));
  site.clock.advance(5_000);
  await visitor.beat();
  site.clock.advance(60_000);
  t.equal((await capacity(site)).freeSlots, 0, 'its beacon reported it: still reserved at 65 s');

  const noScript = site.visitor();
  await setAgent(site, 'bob', { status: 'available' });
  const id = pageOfferId((await noScript.open('/checkout')).html);
  await fetch(`${site.url}/__helpgate/help?offer=${id}`, { headers: { cookie: noScript.cookie } });
  site.clock.advance(30_000);
  t.equal((await capacity(site)).freeSlots, 0, 'the HELP page counts as shown too');
});
