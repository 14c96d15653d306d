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
    await visitor.beat(); // the beacon ran: the session is proven

    const { res, html } = await visitor.open('/checkout');
    t.match(
      html,
      /<div id="helpgate-page-offer" data-helpgate-offer="[\w-]{22}"[^>]*><a class="helpgate-help" href="\/__helpgate\/help\?offer=[\w-]{22}">Need help\?<\/a><\/div><\/body>/,
    );
    t.equal(res.headers.get('cache-control'), 'private, no-store', 'never cached with the offer');
  },
);

t.test(
  'claim 10: a first visit that lands on a service point gets the HELP option by its first heartbeat',
  async (t) => {
    const site = await startSite(t, {
      servicePoints,
      triggers: [{ name: 'at-checkout', when: { servicePoint: true, onRequest: true } }],
    });
    const visitor = site.visitor();
    const { html } = await visitor.open('/checkout');
    t.notMatch(html, /helpgate-help/, 'no heartbeat has proven the session yet: none in the page');
    const reply = await visitor.beat();
    t.same(reply.offer?.reasons, ['at a service point (/checkout)'], 'its first heartbeat has it');
    t.same(reply.withdraw, []);
  },
);
