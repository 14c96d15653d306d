/**
 * What helpgate must not track: `exclude`d paths however they are spelled, and visitors without
 * consent. A real upstream behind helpgate, requests sent byte for byte as an attacker or an
 * odd link would send them (fetch() would tidy the path first), and the session store checked
 * afterwards.
 */
import http from 'node:http';
import t, { type Test } from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import { PAGE, type Site, startSite, type Visitor } from '../claims/_visitor.js';

const BEACON = /<script src="\/__helpgate\/beacon\.js/;

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A navigation to `target` exactly as written: origin-form, absolute-form, any bytes. */
function rawGet(base: string, target: string, cookie = ''): Promise<Raw> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        path: target,
        agent: false,
        headers: { 'sec-fetch-dest': 'document', ...(cookie && { cookie }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A visitor whose session exists, with one counted view of `/`. */
async function knownVisitor(site: Site): Promise<Visitor> {
  const visitor = site.visitor();
  await visitor.open('/');
  site.clock.advance(5_000);
  await visitor.beat();
  return visitor;
}

async function siteWith(t: Test, input: Partial<ConfigInput> = {}): Promise<Site> {
  return startSite(t, { exclude: ['/payment/**'], ...input });
}

const SPELLINGS = [
  '/pay%6dent/card',
  '/payment%2Fcard',
  '/payment%2fcard',
  '//payment/card',
  '/payment/./card',
  '/x/../payment/card',
  '/%2e%2e/payment/card',
  '/payment\\card',
  '/payment;jsessionid=1/card',
  '/x/..;/payment/card',
  '/payment%252Fcard',
  '/payment/card?x=1',
];

t.test(
  'exclude bypass: no spelling of an excluded path gets the beacon or is tracked',
  async (t) => {
    // Attack: a link to /pay%6dent/card (or //payment/card, /x/../payment/card, …) reaches the
    // payment page the upstream serves while helpgate, matching the raw target, tracked it.
    const site = await siteWith(t);
    const port = new URL(site.url).port;
    const spellings = [...SPELLINGS, `http://127.0.0.1:${port}/payment/card`];
    const known = await knownVisitor(site);
    const before = structuredClone(await site.helpgate.store.get(known.sid));
    for (const target of spellings) {
      const fresh = await rawGet(site.url, target);
      t.equal(fresh.status, 200, `${target}: served`);
      t.equal(fresh.body, PAGE, `${target}: the page as the site sent it, no beacon`);
      t.equal(fresh.headers['set-cookie'], undefined, `${target}: no visitor cookie`);

      // A visitor whose cookie is valid but whose session does not exist yet.
      const newcomer = site.visitor();
      await newcomer.open('/');
      const mid = await rawGet(site.url, target, newcomer.cookie);
      t.notMatch(mid.body, BEACON, `${target}: no beacon for a visitor with a cookie`);
      t.equal(await site.helpgate.store.get(newcomer.sid), undefined, `${target}: no session`);

      await rawGet(site.url, target, known.cookie);
    }
    t.same(await site.helpgate.store.get(known.sid), before, 'no page view counted');
  },
);

t.test('exclude bypass: the same spellings of a tracked path are still tracked', async (t) => {
  // The reading that decides exclusion must not switch tracking off elsewhere.
  const site = await siteWith(t);
  const visitor = await knownVisitor(site);
  for (const target of ['/products/./lamp', '//products/lamp', '/products%2Flamp']) {
    const res = await rawGet(site.url, target, visitor.cookie);
    t.match(res.body, BEACON, target);
  }
  t.same((await site.helpgate.store.get(visitor.sid))?.views, { '/': 1, '/products/lamp': 3 });
});

t.test('exclude bypass: /PAYMENT/card with paths.caseInsensitive', async (t) => {
  // Attack: on an upstream that ignores case (IIS, many Windows sites), /PAYMENT/card is the
  // payment page; with paths.caseInsensitive, exclude and servicePoints ignore case too.
  const triggers = [{ name: 'at-checkout', when: { servicePoint: true } }];
  const input = { servicePoints: ['/checkout/**'], triggers };

  const folding = await siteWith(t, { ...input, paths: { caseInsensitive: true } });
  const visitor = await knownVisitor(folding);
  for (const target of ['/PAYMENT/card', '/Pay%6Dent/CARD']) {
    const res = await rawGet(folding.url, target, visitor.cookie);
    t.equal(res.body, PAGE, `${target}: excluded`);
  }
  t.same((await folding.helpgate.store.get(visitor.sid))?.views, { '/': 1 }, 'nothing counted');
  await visitor.open('/CHECKOUT/Pay');
  folding.clock.advance(5_000);
  t.same((await visitor.beat()).offer?.reasons, ['at a service point (/checkout/pay)']);

  // Without it, today's behaviour: case matters.
  const exact = await siteWith(t, input);
  t.match((await rawGet(exact.url, '/PAYMENT/card')).body, BEACON, 'tracked when case matters');
  const other = exact.visitor();
  await other.open('/CHECKOUT/Pay');
  exact.clock.advance(5_000);
  t.equal((await other.beat()).offer, null, 'not a service point when case matters');
});

t.test('exclude bypass: a heartbeat from an excluded path is not tracked', async (t) => {
  // A single-page app that navigates into /payment/card keeps its beacon running: its
  // heartbeats must neither count the payment page nor open an offer there, however spelled.
  const site = await siteWith(t, { triggers: [{ name: 'anywhere', when: { heartbeats: 1 } }] });
  const visitor = site.visitor();
  await visitor.open('/');
  site.clock.advance(5_000);
  const shown = (await visitor.beat()).offer;
  t.ok(shown, 'an offer on the tracked page');
  const before = (await site.helpgate.store.get(visitor.sid))!;

  for (const path of ['/payment/card', '/pay%6dent/card', '/x/../payment/card']) {
    site.clock.advance(5_000);
    const res = await visitor.post({ pv: `spa-${path.length}`, path, seq: 0, visible: true });
    t.equal(res.status, 200, `${path}: the beacon keeps working`);
    t.same(
      await res.json(),
      { next: 5_000, offer: null, withdraw: [], conversation: null },
      `${path}: no offer`,
    );
  }
  const after = (await site.helpgate.store.get(visitor.sid))!;
  t.same(after.views, before.views, 'nothing counted');
  t.equal(after.page?.pv, visitor.pv, 'the page view is still the tracked one');

  // The page still shows the offer it had before the navigation: it is taken off the page,
  // and the agent's slot it held is freed.
  site.clock.advance(5_000);
  const res = await visitor.post({
    pv: 'spa-pay',
    path: '/payment/card',
    seq: 1,
    visible: true,
    offer: { id: shown!.id, state: 'shown' },
  });
  t.same(await res.json(), { next: 5_000, offer: null, withdraw: [shown!.id], conversation: null });
  const offer = (await site.helpgate.store.get(visitor.sid))?.offers?.find(
    (o) => o.id === shown!.id,
  );
  t.equal(offer?.state, 'withdrawn');
});

t.test('servicePoints and trigger pages match any spelling of the page', async (t) => {
  // One canonical reading for matching into triggers: /checkout/./pay and /checkout%2Fpay are
  // the page /checkout/pay, for its globs as for its counted views.
  const triggers = [
    { name: 'pay', pages: ['/checkout/pay'], when: { servicePoint: true, heartbeats: 1 } },
  ];
  const site = await startSite(t, { servicePoints: ['/checkout/**'], triggers });
  for (const path of ['/checkout/./pay', '/checkout%2Fpay', '//checkout/pay', '/checkout/pay']) {
    const visitor = site.visitor();
    await visitor.open('/');
    visitor.path = path;
    site.clock.advance(5_000);
    t.same(
      (await visitor.beat()).offer?.reasons,
      ['1 heartbeat on this page', 'at a service point (/checkout/pay)'],
      path,
    );
  }
});

t.test('returns count every spelling of a path as that path; /a/ is not /a', async (t) => {
  // A trailing slash is a different resource to most upstreams, so it stays a different path.
  const site = await startSite(t, {
    triggers: [{ name: 'back-again', pages: ['/a'], when: { returns: 3 } }],
  });
  const visitor = await knownVisitor(site);
  for (const target of ['/a/', '/a', '/%61', '/./a', '//a']) {
    await rawGet(site.url, target, visitor.cookie);
  }
  t.same((await site.helpgate.store.get(visitor.sid))?.views, { '/': 1, '/a': 4, '/a/': 1 });
  visitor.pv = 'reload';
  visitor.path = '/a';
  site.clock.advance(5_000);
  t.same((await visitor.beat()).offer?.reasons, ['3rd return to /a']);
});

t.test('customer binding on an excluded path: nothing is bound, no session made', async (t) => {
  // A visitor who signs in on an excluded page must not be tracked there: the upstream's
  // customer id is not bound, and X-Helpgate-Profile is not applied (both still removed).
  const site = await siteWith(t, {
    exclude: ['/pay/**'],
    profiles: { idFrom: { cookie: 'customer_id' } },
  });
  site.upstreamHeaders.set('/pay/card', {
    'set-cookie': 'customer_id=c-1; Path=/',
    'x-helpgate-profile': 'assist',
  });
  const visitor = site.visitor();
  await visitor.open('/');
  for (const target of ['/pay/card', '/pay/./card']) {
    const res = await rawGet(site.url, target, visitor.cookie);
    t.same(res.headers['set-cookie'], ['customer_id=c-1; Path=/'], "the site's cookie goes on");
    t.equal(res.headers['x-helpgate-profile'], undefined, 'the profile header is removed');
  }
  t.equal(await site.helpgate.store.get(visitor.sid), undefined, 'no session');
  t.equal(site.helpgate.profiles.size(), 0, 'assist not applied');
});

t.test('customer binding by header on an excluded path: the header is still removed', async (t) => {
  const site = await siteWith(t, { profiles: { idFrom: { header: 'x-customer-id' } } });
  site.upstreamHeaders.set('/payment/card', { 'x-customer-id': 'c-2' });
  const visitor = await knownVisitor(site);
  const res = await rawGet(site.url, '/payment/card', visitor.cookie);
  t.equal(res.headers['x-customer-id'], undefined, 'removed from the response');
  t.equal((await site.helpgate.store.get(visitor.sid))?.customerId, undefined, 'not bound');
});

t.test('customer binding without consent: nothing is bound, no session made', async (t) => {
  // A visitor who withdrew consent still carries hg_sid; the upstream naming them must not
  // bind them, on a page or any other response.
  const site = await startSite(t, {
    consent: { cookie: 'consent', value: 'yes' },
    profiles: { idFrom: { cookie: 'customer_id' } },
  });
  site.upstreamHeaders.set('/login', {
    'set-cookie': 'customer_id=c-3; Path=/',
    'x-helpgate-profile': 'assist',
  });
  const visitor = site.visitor();
  await visitor.open('/', { cookie: 'consent=yes' });
  t.ok(visitor.cookie, 'a visitor cookie from when consent was given');
  const res = await rawGet(site.url, '/login', visitor.cookie);
  t.same(res.headers['set-cookie'], ['customer_id=c-3; Path=/']);
  t.notMatch(res.body, BEACON);
  t.equal(await site.helpgate.store.get(visitor.sid), undefined, 'no session');
  t.equal(site.helpgate.profiles.size(), 0, 'assist not applied');

  // With consent the same response binds (and the sign-in gives the session a new id).
  const signedIn = await rawGet(site.url, '/login', `${visitor.cookie}; consent=yes`);
  const rotated = [signedIn.headers['set-cookie']]
    .flat()
    .find((line) => line?.startsWith('hg_sid='));
  const sid = rotated?.slice('hg_sid='.length).split('.')[0] ?? '';
  t.equal((await site.helpgate.store.get(sid))?.customerId, 'c-3');
});

t.test('a heartbeat of a visitor without consent is not tracked', async (t) => {
  // Consent withdrawn in a single-page app: the beacon runs on, helpgate counts nothing.
  const site = await startSite(t, {
    consent: { cookie: 'consent', value: 'yes' },
    triggers: [{ name: 'anywhere', when: { heartbeats: 1 } }],
  });
  const visitor = site.visitor();
  await visitor.open('/', { cookie: 'consent=yes' });
  site.clock.advance(5_000);
  const res = await visitor.post({ pv: visitor.pv, path: '/', seq: 0, visible: true });
  t.same(await res.json(), { next: 5_000, offer: null, withdraw: [], conversation: null });
  t.equal(await site.helpgate.store.get(visitor.sid), undefined, 'no session');
});
