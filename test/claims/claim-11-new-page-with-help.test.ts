// Claim 11: the HELP option goes out as a new web page that carries it (delivery next-page).
import t from 'tap';
import { AGENTS, capacity, pageOfferId, setAgent, startSite } from './_visitor.js';

const CONFIG = {
  agents: { list: AGENTS, defaultCapacity: 1 },
  gate: { mode: 'available' as const },
  offers: { delivery: 'next-page' as const, expireAfter: '60s' },
  triggers: [{ name: 'browsing', when: { heartbeats: 2 } }],
};

t.test('claim 11: the next page the visitor gets carries the HELP option', async (t) => {
  const site = await startSite(t, CONFIG);
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null);
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null, 'fired, but it waits for the next page');

  const { res, html } = await visitor.open('/cart');
  const id = pageOfferId(html);
  t.ok(id, 'the new page carries the HELP option');
  t.match(html, `href="/__helpgate/help?offer=${id}"`, 'as a link that works without JavaScript');
  t.equal(res.headers.get('cache-control'), 'private, no-store', 'never stored for others');
  t.equal((await capacity(site)).freeSlots, 0, 'the shown offer reserves the slot');

  // Without JavaScript: the HELP page answers with plain forms.
  const page = await fetch(`${site.url}/__helpgate/help?offer=${id}`, {
    headers: { cookie: visitor.cookie },
  });
  t.equal(page.status, 200);
  const pageHtml = await page.text();
  t.match(pageHtml, `<form method="post" action="/__helpgate/offers/${id}/accept">`);
  t.notMatch(pageHtml, /<script/i, 'the HELP page runs no script');
  const accepted = await fetch(`${site.url}/__helpgate/offers/${id}/accept`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: visitor.cookie,
      'content-type': 'application/x-www-form-urlencoded',
      origin: site.url,
    },
    body: '',
  });
  t.equal(accepted.status, 303, 'the form is answered with a redirect to the HELP page');
  const status = await fetch(`${site.url}${accepted.headers.get('location')}`, {
    headers: { cookie: visitor.cookie },
  });
  t.match(
    await status.text(),
    'You are talking to Alice.',
    'and the conversation is there to join',
  );

  const next = await visitor.open('/products');
  t.equal(pageOfferId(next.html), null, 'an accepted offer is not offered again');
});

t.test('claim 11: a dismissed offer does not come back on the next page', async (t) => {
  const site = await startSite(t, CONFIG);
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  await visitor.beat();
  site.clock.advance(5_000);
  await visitor.beat();
  const id = pageOfferId((await visitor.open('/cart')).html);
  t.ok(id);
  t.equal((await visitor.answer(id!, 'dismiss')).status, 200);
  t.equal(pageOfferId((await visitor.open('/cart')).html), null, 'not on the next page');
  t.equal((await capacity(site)).freeSlots, 1, 'the dismissal frees the reserved slot');
});

t.test('claim 11: with the gate closed the offer waits for a later page', async (t) => {
  const site = await startSite(t, CONFIG);
  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  await visitor.beat();
  site.clock.advance(5_000);
  await visitor.beat();
  t.equal(pageOfferId((await visitor.open('/cart')).html), null, 'no agent: not on this page');
  await setAgent(site, 'alice', { status: 'available' });
  t.ok(pageOfferId((await visitor.open('/checkout')).html), 'an agent: on the next one');
});
