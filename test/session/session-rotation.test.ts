// Session id rotation: when the upstream names a customer (or another, or none), the visitor's
// session moves to a new id with all its state, and the old id leads nowhere.
import t, { type Test } from 'tap';
import type { SessionView } from '../../src/api/session-view.js';
import { ADMIN_TOKEN, PAGE, Visitor } from '../claims/_visitor.js';
import { startHelpgate, startServer } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

/**
 * A shop with a sign-in: `POST /login?as=<id>` answers 303 and sets `customer_id`; `POST
 * /logout` clears it; `GET /api/ping` renews the cookie of a signed-in browser (as a site with
 * sliding sessions does on every response), after `hold` when one is set. Other paths are HTML
 * pages; with `?as=<id>` the page itself signs the customer in.
 */
async function startShop(t: Test) {
  const shop = { hold: null as Promise<void> | null };
  const upstream = await startServer(t, async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/login') {
      res.writeHead(303, {
        location: '/account',
        'set-cookie': `customer_id=${url.searchParams.get('as')}; Path=/; HttpOnly`,
      });
      res.end();
    } else if (url.pathname === '/logout') {
      res.writeHead(303, { location: '/', 'set-cookie': 'customer_id=; Path=/; Max-Age=0' });
      res.end();
    } else if (url.pathname === '/api/ping') {
      if (shop.hold) await shop.hold;
      const customer = /customer_id=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(customer && { 'set-cookie': `customer_id=${customer}; Path=/; HttpOnly` }),
      });
      res.end('{}');
    } else {
      const as = url.searchParams.get('as');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        ...(as && { 'set-cookie': `customer_id=${as}; Path=/` }),
      });
      res.end(PAGE);
    }
  });
  const clock = new TestClock();
  const { url, helpgate } = await startHelpgate(
    t,
    {
      upstream: upstream.url,
      heartbeat: { interval: '5s' },
      admin: { token: ADMIN_TOKEN },
      gate: { mode: 'always' },
      profiles: { idFrom: { cookie: 'customer_id' } },
      triggers: [{ name: 'checkout', pages: ['/checkout'], when: { heartbeats: 1 } }],
    },
    { clock },
  );

  /** A request as the browser's page script or form sends it; keeps the cookies it is given. */
  async function send(visitor: Visitor, method: string, path: string, customer = '') {
    const res = await fetch(`${url}${path}`, {
      method,
      redirect: 'manual',
      headers: { cookie: [visitor.cookie, customer].filter(Boolean).join('; ') },
    });
    await res.arrayBuffer();
    const lines = res.headers.getSetCookie();
    const own = lines.find((line) => line.startsWith('hg_sid='));
    if (own) visitor.cookie = own.split(';')[0]!;
    return { res, lines, own };
  }

  async function view(sid: string): Promise<{ status: number; body: SessionView }> {
    const res = await fetch(`${url}/__helpgate/api/sessions/${sid}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return { status: res.status, body: (await res.json()) as SessionView };
  }

  return { shop, url, clock, helpgate, send, view };
}

t.test(
  'session fixation: a planted hg_sid does not follow the visitor into their account',
  async (t) => {
    // Attack: the attacker gets a signed hg_sid by visiting the site, plants it in the
    // victim's browser (a sibling subdomain's cookie, a shared computer), and once the victim
    // signs in, uses it to see the victim's offers and to take their place with an agent.
    const site = await startShop(t);
    const attacker = new Visitor(site.url);
    await attacker.open('/');
    const planted = attacker.sid;

    const victim = new Visitor(site.url);
    victim.cookie = attacker.cookie;
    await victim.open('/checkout');
    site.clock.advance(5_000);
    const { offer } = await victim.beat();
    t.ok(offer, 'the victim is offered help before signing in');

    const login = await site.send(victim, 'POST', '/login?as=c-1');
    t.equal(login.res.status, 303);
    t.ok(login.own, 'the sign-in response gives the browser a new hg_sid');
    t.match(login.own, /; HttpOnly; SameSite=Lax$/);
    t.match(login.res.headers.get('cache-control'), /private/, 'not for shared caches');
    t.ok(login.lines.includes('customer_id=c-1; Path=/; HttpOnly'), "the site's cookie passes");
    t.not(victim.sid, planted, 'the session id changed');

    t.equal((await site.view(planted)).status, 404, 'the planted id resolves to nothing');
    const moved = await site.view(victim.sid);
    t.equal(moved.status, 200);
    t.equal(moved.body.customerId, 'c-1');
    t.same(moved.body.views, { '/checkout': 1 }, 'its page views moved');
    t.equal(moved.body.page?.pv, victim.pv, 'its page view moved');
    t.match(moved.body.offers, [{ id: offer!.id, state: 'shown' }], 'its open offer moved');

    // The victim's tab goes on where it was, under the new id.
    site.clock.advance(5_000);
    const after = await victim.beat();
    t.same(after.withdraw, [], 'the offer is not taken back');
    const accepted = await victim.answer(offer!.id, 'accept');
    t.equal(accepted.status, 200, 'the victim can still accept it');

    // The attacker, with the planted cookie, finds a fresh, empty session.
    const stolen = await attacker.answer(offer!.id, 'accept');
    t.equal(stolen.status, 403, "the victim's offer is not the attacker's");
    const beat = await attacker.beat();
    t.same(beat, { next: 5_000, offer: null, withdraw: [], conversation: null });
    const fresh = await site.view(planted);
    t.equal(fresh.body.customerId, null, 'the old id is not signed in');
    t.same(fresh.body.offers, [], 'and has none of the victim offers');

    // Another customer signs in on the same browser: the queue place follows again.
    const before = victim.sid;
    const conversationId = (await site.helpgate.store.get(before))?.conversationId;
    t.ok(conversationId, 'the victim is in the help queue');
    await site.send(victim, 'POST', '/login?as=c-2');
    t.not(victim.sid, before, 'a different customer gets a new id too');
    t.equal((await site.view(before)).status, 404);
    const now = await site.helpgate.store.get(victim.sid);
    t.equal(now?.customerId, 'c-2');
    t.equal(now?.conversationId, conversationId, 'the queue place moved');
    t.equal(now?.pinned, true, 'and keeps the session pinned');
    t.equal(site.helpgate.capacity.conversation(conversationId!)?.sid, victim.sid);
    t.equal(site.helpgate.capacity.snapshot(site.clock.now()).queueLength, 1);

    // Signing out rotates as well; the visitor keeps their place.
    const signedIn = victim.sid;
    await site.send(victim, 'POST', '/logout');
    t.not(victim.sid, signedIn, 'signing out gives a new id');
    t.equal((await site.view(signedIn)).status, 404);
    const out = await site.helpgate.store.get(victim.sid);
    t.equal(out?.customerId, null);
    t.equal(out?.conversationId, conversationId);

    // A customer id the upstream repeats (a renewed cookie) changes nothing.
    await site.send(victim, 'POST', '/login?as=c-3');
    const signedInAgain = victim.sid;
    const renewed = await site.send(victim, 'GET', '/api/ping', 'customer_id=c-3');
    t.notOk(renewed.own, 'no new hg_sid while the customer stays the same');
    t.equal((await site.view(signedInAgain)).body.customerId, 'c-3');

    // A sign-in answered with an HTML page: the page counts in the new session.
    const page = await victim.open('/welcome?as=c-4');
    t.match(page.html, /__helpgate\/beacon/, 'the page is rewritten as usual');
    t.not(victim.sid, signedInAgain);
    t.equal((await site.view(signedInAgain)).status, 404);
    const welcomed = await site.view(victim.sid);
    t.equal(welcomed.body.customerId, 'c-4');
    t.equal(welcomed.body.views['/welcome'], 1, 'the sign-in page counted in the new session');
  },
);

t.test(
  'a request still carrying the old id when the id rotates forks no second session',
  async (t) => {
    // Fault: the page's script calls the site while the sign-in is under way; the site renews
    // the customer cookie on that answer too. Rotating again would hand the browser a second,
    // empty session, and the tab could lose its offer to whichever cookie arrives last.
    const site = await startShop(t);
    const visitor = new Visitor(site.url);
    await visitor.open('/');
    await visitor.open('/checkout');
    site.clock.advance(5_000);
    const { offer } = await visitor.beat();
    t.ok(offer);
    const old = { cookie: visitor.cookie, sid: visitor.sid };

    let release!: () => void;
    site.shop.hold = new Promise((resolve) => {
      release = resolve;
    });
    const inFlight = new Visitor(site.url);
    inFlight.cookie = old.cookie;
    const ping = site.send(inFlight, 'GET', '/api/ping', 'customer_id=c-1');
    await site.send(visitor, 'POST', '/login?as=c-1');
    t.not(visitor.sid, old.sid);
    release();
    const late = await ping;
    t.equal(late.res.status, 200);
    t.notOk(late.own, 'the late answer carries no hg_sid');

    const session = await site.view(visitor.sid);
    t.equal(session.body.customerId, 'c-1');
    t.match(session.body.offers, [{ id: offer!.id, state: 'shown' }], 'the tab keeps its offer');
    t.equal((await site.view(old.sid)).status, 404, 'and nothing was bound to the old id');
    t.equal(site.helpgate.store.size(), 1, 'one session: no second one was made');
  },
);
