// Claim 1: the page goes out without a HELP option; helpgate decides on its own that the
// visitor should be helped, and the HELP option follows.
import t from 'tap';
import { beatUntilOffer, startSite } from './_visitor.js';

t.test(
  'claim 1: a page goes out without HELP, the decision is automatic, the HELP option follows',
  async (t) => {
    const site = await startSite(t, {
      triggers: [{ name: 'lingering', when: { timeOnPage: '15s' } }],
      offers: { content: { button: { label: 'Need <help>?' } } },
    });
    const visitor = site.visitor();
    const { res, html } = await visitor.open('/products');
    t.equal(res.status, 200);
    t.notMatch(html, /helpgate-help/, 'the page itself carries no HELP option');
    t.match(html, /<script src="\/__helpgate\/beacon\.js/, 'it carries the beacon');

    // Nobody asks for help: only heartbeats arrive, and the offer follows once the rule holds.
    const { reply, beats } = await beatUntilOffer(site, visitor, 10);
    t.equal(beats, 3, 'offered on the heartbeat at which 15 s on the page were reached');
    t.equal(reply.offer?.kind, 'button');
    t.equal(
      reply.offer?.html,
      `<button type="button" class="helpgate-help" data-offer="${reply.offer?.id}">Need &#60;help&#62;?</button>`,
    );
    t.same(reply.offer?.reasons, ['on /products for 15 s']);
    t.ok((reply.offer?.expiresInMs ?? 0) > 0);

    site.clock.advance(5_000);
    const after = await visitor.beat();
    t.equal(after.offer, null, 'a visitor with a shown offer is not shown a second one');
  },
);
