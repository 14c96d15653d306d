// Claim 10: the customer is at a service point.
import t from 'tap';
import { startSite } from './_visitor.js';

const servicePoints = ['/checkout', '/checkout/**'];

t.test('claim 10: a customer at a service point is offered help', async (t) => {
  const site = await startSite(t, {
    servicePoints,
    triggers: [{ name: 'at-checkout', when: { servicePoint: true } }],
  });
  const visitor = site.visitor();
  await visitor.open('/products/lamp');
  t.equal((await visitor.beat()).offer, null, 'not a service point');
  await visitor.open('/checkout/shipping');
  const reply = await visitor.beat();
  t.same(reply.offer?.reasons, ['at a service point (/checkout/shipping)']);
});

t.test(
  'claim 10: with onRequest, the page at the service point carries the HELP option',
  async (t) => {
    const site = await startSite(t, {
      servicePoints,
      triggers: [{ name: 'at-checkout', when: { servicePoint: true, onRequest: true } }],
    });
    const visitor = site.visitor();
    const other = await visitor.open('/products/lamp');
    t.notMatch(other.html, /helpgate-help/);
    t.equal(other.res.headers.get('cache-control'), 'private, max-age=60');

    const { res, html } = await visitor.open('/checkout');
    t.match(
      html,
      /<div id="helpgate-page-offer" data-helpgate-offer="[\w-]{22}"[^>]*><a class="helpgate-help" href="\/__helpgate\/help\?offer=[\w-]{22}">Need help\?<\/a><\/div><\/body>/,
    );
    t.equal(res.headers.get('cache-control'), 'private, no-store', 'never cached with the offer');
  },
);

t.test(
  'claim 10: a first visit that lands on a service point gets the HELP option at once',
  async (t) => {
    const site = await startSite(t, {
      servicePoints,
      triggers: [{ name: 'at-checkout', when: { servicePoint: true, onRequest: true } }],
    });
    const visitor = site.visitor();
    const { html } = await visitor.open('/checkout');
    t.match(html, /class="helpgate-help"/);
    const offerId = /data-helpgate-offer="([\w-]+)"/.exec(html)?.[1];
    const reply = await visitor.beat();
    t.same(reply.withdraw, [], 'the offer lives on in the page that carried it');
    t.ok(offerId);
  },
);
