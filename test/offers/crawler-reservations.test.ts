// A client without cookies or script (curl, a crawler) fetching a page whose onRequest trigger
// offers help must not reserve agents' slots nor fill the log: otherwise a few requests keep
// every agent reserved and real visitors are never offered help (DESIGN.md, "onRequest
// triggers": only a session a heartbeat has proven gets an offer inside a page).
import t from 'tap';
import { createLogger } from '../../src/logger.js';
import { AGENTS, capacity, pageOfferId, setAgent, startSite } from '../claims/_visitor.js';

const CONFIG = {
  agents: { list: AGENTS, defaultCapacity: 2 },
  gate: { mode: 'available' as const },
  offers: { expireAfter: '2m' },
  servicePoints: ['/checkout'],
  triggers: [{ name: 'checkout-help', when: { servicePoint: true, onRequest: true } }],
};

/** A site whose info-level log lines are kept in `lines`. */
async function loggedSite(t: Parameters<typeof startSite>[0]) {
  const lines: { msg: string; level: number }[] = [];
  const logger = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line)) });
  const site = await startSite(t, CONFIG, { logger });
  await setAgent(site, 'alice', { status: 'available' });
  return { site, lines };
}

const REQUESTS = 40;

t.test(
  'reservation attack: cookie-less page requests reserve no slot and write no info lines',
  async (t) => {
    // `curl https://shop/checkout` in a loop: no cookie, no script, a fresh session each time.
    const { site, lines } = await loggedSite(t);
    t.equal((await capacity(site)).freeSlots, 2);
    for (let i = 0; i < REQUESTS; i++) {
      const res = await fetch(`${site.url}/checkout`, {
        headers: { 'sec-fetch-dest': 'document' },
      });
      t.equal(pageOfferId(await res.text()), null, `request ${i}: no HELP option in the page`);
    }
    t.equal((await capacity(site)).freeSlots, 2, "both of alice's slots stay free");
    t.same(lines, [], 'nothing at info level, however many requests');

    const visitor = await site.visitor().arrive('/');
    t.ok(pageOfferId((await visitor.open('/checkout')).html), 'a proven visitor is offered');
    t.equal((await capacity(site)).freeSlots, 1);
    t.same(
      lines.map((line) => line.msg),
      ['trigger fired', 'offer pending', 'offer shown'],
      "the proven visitor's offer is logged at info",
    );
  },
);

t.test('reservation attack: a replayed cookie (curl -c, then -b) proves nothing', async (t) => {
  const { site, lines } = await loggedSite(t);
  const replayer = site.visitor();
  for (let i = 0; i < REQUESTS; i++) {
    const { html } = await replayer.open('/checkout');
    t.equal(pageOfferId(html), null, `request ${i}: no HELP option in the page`);
  }
  t.ok(replayer.cookie, 'the cookie was kept and sent back');
  t.equal((await capacity(site)).freeSlots, 2, 'nothing reserved');
  t.same(lines, [], 'nothing at info level');
});

t.test(
  "a page's offer waits for the visitor's first heartbeat, and goes out then if the gate is open",
  async (t) => {
    const { site } = await loggedSite(t);
    const visitor = site.visitor();
    t.equal(pageOfferId((await visitor.open('/checkout')).html), null, 'not in the first page');
    site.clock.advance(5_000);
    const { offer } = await visitor.beat();
    t.ok(offer, 'the first heartbeat brings it');
    t.equal((await capacity(site)).freeSlots, 1, 'reserved from then on');
  },
);

t.test('a page that carries an offer but no browser shows holds its slot briefly', async (t) => {
  // A proven visitor's page fetched again by something that runs no script (a prefetch, a
  // replayed cookie): its offer must not keep the slot for the offer's whole lifetime.
  const { site } = await loggedSite(t);
  const visitor = await site.visitor().arrive('/');
  const res = await fetch(`${site.url}/checkout`, {
    headers: { 'sec-fetch-dest': 'document', cookie: visitor.cookie },
  });
  t.ok(pageOfferId(await res.text()), 'the page it fetched carried an offer');
  t.equal((await capacity(site)).freeSlots, 1, 'reserved at first');
  site.clock.advance(10_000);
  t.equal((await capacity(site)).freeSlots, 2, 'no browser showed it: freed after two intervals');
});

t.test("a browser showing the page's offer keeps it reserved for the offer's life", async (t) => {
  const { site } = await loggedSite(t);
  await setAgent(site, 'alice', { status: 'available', capacity: 1 });
  const visitor = await site.visitor().arrive('/');
  t.ok(pageOfferId((await visitor.open('/checkout')).html));
  site.clock.advance(5_000);
  await visitor.beat();
  site.clock.advance(60_000);
  t.equal((await capacity(site)).freeSlots, 0, 'its beacon reported it: still reserved at 65 s');

  const helpPageReader = await site.visitor().arrive('/');
  await setAgent(site, 'bob', { status: 'available', capacity: 1 });
  const id = pageOfferId((await helpPageReader.open('/checkout')).html);
  t.ok(id);
  await fetch(`${site.url}/__helpgate/help?offer=${id}`, {
    headers: { cookie: helpPageReader.cookie },
  });
  site.clock.advance(30_000);
  t.equal((await capacity(site)).freeSlots, 0, 'the HELP page counts as shown too');
});
