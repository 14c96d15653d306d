// Claim 23: on a page request, when a representative is available, the page goes out with HELP.
// The visitor's browser has run the beacon (a heartbeat proved the session) before that page.
import t from 'tap';
import { AGENTS, pageOfferId, setAgent, startSite } from './_visitor.js';

t.test(
  'claim 23: the requested page itself carries the HELP option while an agent is free',
  async (t) => {
    const site = await startSite(t, {
      agents: { list: AGENTS, defaultCapacity: 1 },
      gate: { mode: 'available' },
      offers: { delivery: 'inline', expireAfter: '60s' },
      triggers: [{ name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } }],
    });
    const visitor = await site.visitor().arrive('/');
    t.equal(pageOfferId((await visitor.open('/checkout')).html), null, 'nobody available: none');

    await setAgent(site, 'alice', { status: 'available' });
    const { res, html } = await visitor.open('/checkout');
    const id = pageOfferId(html);
    t.ok(id, 'decided on the request: the HELP option is part of this very page');
    t.match(html, `href="/__helpgate/help?offer=${id}"`);
    t.equal(res.headers.get('cache-control'), 'private, no-store');
    t.equal(pageOfferId((await visitor.open('/products')).html), null, 'other pages: none');
  },
);
