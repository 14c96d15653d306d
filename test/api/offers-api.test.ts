// POST offers/{id}/accept|dismiss and GET help?offer={id}: who may answer, and how.
import t, { type Test } from 'tap';
import { HELP_PAGE_CSP } from '../../src/offers/help-page.js';
import { AGENTS, setAgent, startSite } from '../claims/_visitor.js';

async function offered(t: Test, path = '/products') {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1 },
    gate: { mode: 'available' },
    offers: { expireAfter: '60s' },
    triggers: [{ name: 'browsing', when: { heartbeats: 1 } }],
  });
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  await visitor.open(path);
  site.clock.advance(5_000);
  const { offer } = await visitor.beat();
  if (!offer) throw new Error('no offer');
  return { site, visitor, id: offer.id };
}

t.test('cross-site request forgery of an accept is refused', async (t) => {
  // A page on another site posts a form to offers/{id}/accept with the visitor's cookie.
  const { site, visitor, id } = await offered(t);
  const post = (headers: Record<string, string>) =>
    fetch(`${site.url}/__helpgate/offers/${id}/accept`, {
      method: 'POST',
      headers: { cookie: visitor.cookie, ...headers },
    });
  const attempts: Record<string, string>[] = [
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
    { origin: 'https://evil.example' },
    { origin: 'null' },
  ];
  for (const headers of attempts) {
    const res = await post(headers);
    t.equal(res.status, 403, JSON.stringify(headers));
    t.match(await res.json(), { error: { code: 'HG_ERR_CROSS_SITE' } });
  }
  const own = await post({ 'sec-fetch-site': 'same-origin', origin: site.url });
  t.equal(own.status, 200, 'the site itself may');
});

t.test('answering without the visitor cookie is refused', async (t) => {
  const { site, id } = await offered(t);
  const res = await fetch(`${site.url}/__helpgate/offers/${id}/accept`, { method: 'POST' });
  t.equal(res.status, 401);
});

t.test('unknown offers are 404, answered ones 409, other methods 405', async (t) => {
  const { site, visitor, id } = await offered(t);
  t.equal((await visitor.answer('AAAAAAAAAAAAAAAAAAAAAA', 'accept')).status, 404);
  t.equal((await visitor.answer('not/an/id', 'accept')).status, 404);
  const get = await fetch(`${site.url}/__helpgate/offers/${id}/accept`, {
    headers: { cookie: visitor.cookie },
  });
  t.equal(get.status, 405);
  t.equal(get.headers.get('allow'), 'POST');
  t.equal((await visitor.answer(id, 'dismiss')).status, 200);
  const again = await visitor.answer(id, 'accept');
  t.equal(again.status, 409);
  t.match(await again.json(), {
    error: { code: 'HG_ERR_OFFER_CLOSED', message: /it is dismissed/ },
  });
});

t.test("reading another visitor's HELP page is forbidden", async (t) => {
  // Offer ids appear in pages; another visitor must not read or answer someone else's.
  const { site, visitor, id } = await offered(t);
  const stranger = site.visitor();
  await stranger.open('/');
  const page = await fetch(`${site.url}/__helpgate/help?offer=${id}`, {
    headers: { cookie: stranger.cookie },
  });
  t.equal(page.status, 403);
  t.equal((await stranger.answer(id, 'accept')).status, 403);
  t.equal((await visitor.answer(id, 'accept')).status, 200, 'the owner still may');
});

t.test('the HELP page runs no script, cannot be framed, and escapes what it shows', async (t) => {
  const { site, visitor, id } = await offered(
    t,
    '/products/%22%3E%3Cscript%3Ealert(1)%3C/script%3E',
  );
  const page = await fetch(`${site.url}/__helpgate/help?offer=${id}`, {
    headers: { cookie: visitor.cookie },
  });
  t.equal(page.status, 200);
  t.match(page.headers.get('content-security-policy'), /default-src 'none'/);
  t.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  t.equal(page.headers.get('cache-control'), 'private, no-store');
  const html = await page.text();
  t.notMatch(html, /<script/i);
  t.match(html, '<a href="/products/%22%3E%3Cscript%3Ealert(1)%3C/script%3E">Back to the page</a>');

  const dismissed = await fetch(`${site.url}/__helpgate/offers/${id}/dismiss`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: visitor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(dismissed.status, 303, 'the form dismissal goes back to the page');
  t.equal(dismissed.headers.get('location'), '/products/%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
});

t.test('open redirect: a page path like //evil.example never leads off the site', async (t) => {
  // A page at https://shop//evil.example/x makes the beacon report the path //evil.example/x;
  // "Back to the page" and the dismissal's 303 must not send the visitor to evil.example.
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1 },
    gate: { mode: 'available' },
    offers: { expireAfter: '60s' },
    triggers: [{ name: 'browsing', when: { heartbeats: 1 } }],
  });
  await setAgent(site, 'alice', { status: 'available' });
  const origin = new URL(site.url).origin;
  const variants = [
    ['//evil.example/x', '/evil.example/x'],
    ['///evil.example/x', '/evil.example/x'],
    ['/\\evil.example/x', '/evil.example/x'],
    ['/\\\\evil.example/x', '/evil.example/x'],
    // The heartbeat's path is stored in its canonical reading, where a tab is escaped.
    ['/\t/evil.example/x', '/%09/evil.example/x'],
    ['/%2F%2Fevil.example/x', '/evil.example/x'],
    ['/%2f%5cevil.example/x', '/evil.example/x'],
    ['/x/..//evil.example/x', '/evil.example/x'],
  ];
  for (const [path, expected] of variants as [string, string][]) {
    const visitor = site.visitor();
    await visitor.open('/');
    visitor.path = path;
    const { offer } = await visitor.beat();
    if (!offer) throw new Error(`no offer on ${path}`);
    const page = await fetch(`${site.url}/__helpgate/help?offer=${offer.id}`, {
      headers: { cookie: visitor.cookie },
    });
    const href = /<a href="([^"]*)">Back to the page<\/a>/.exec(await page.text())?.[1];
    t.equal(href, expected, `${JSON.stringify(path)}: the link stays on the site`);
    t.equal(new URL(href ?? '', site.url).origin, origin);

    const dismissed = await fetch(`${site.url}/__helpgate/offers/${offer.id}/dismiss`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: visitor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    t.equal(dismissed.status, 303);
    const location = dismissed.headers.get('location') ?? '';
    t.equal(location, expected, `${JSON.stringify(path)}: so does the 303`);
    t.equal(new URL(location, site.url).origin, origin);
  }
});

/** Asserts `res` is the HELP page's refusal page: `status`, HTML, no script, the page's CSP. */
async function refusalPage(t: Test, res: Response, status: number, title: RegExp) {
  t.equal(res.status, status);
  t.match(res.headers.get('content-type'), /^text\/html/);
  t.equal(res.headers.get('content-security-policy'), HELP_PAGE_CSP);
  t.equal(res.headers.get('cache-control'), 'private, no-store');
  const html = await res.text();
  t.match(html, /^<!DOCTYPE html>/);
  t.match(html, title);
  t.match(html, '<a href="/">Back to the site</a>');
  t.notMatch(html, /<script|heartbeat|HG_ERR_|"error"/i, 'a page for a person, not the API');
}

t.test('the HELP page answers a person with a page, never JSON: 401, 403, 404', async (t) => {
  // A visitor opening the HELP link without their cookie (another browser, cookies cleared)
  // got the heartbeat's JSON 401; 403 and 404 were JSON too.
  const { site, id } = await offered(t);
  const help = (offer: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${site.url}/__helpgate/help?offer=${offer}`, { method, headers });

  await refusalPage(t, await help(id), 401, /<h1>This help link does not work here<\/h1>/);
  const stranger = site.visitor();
  await stranger.open('/');
  await refusalPage(
    t,
    await help(id, { cookie: stranger.cookie }),
    403,
    /<h1>This offer was made to someone else<\/h1>/,
  );
  await refusalPage(
    t,
    await help('AAAAAAAAAAAAAAAAAAAAAA', { cookie: stranger.cookie }),
    404,
    /<h1>This offer does not exist<\/h1>/,
  );
  const head = await help(id, {}, 'HEAD');
  t.equal(head.status, 401, 'HEAD: the same status');
  t.equal(await head.text(), '', 'without a body');
});

t.test('the HELP page answers a person with a page, never JSON: 429', async (t) => {
  // Too many HELP page requests from one address: a page that says to wait, with Retry-After.
  const site = await startSite(t, { rateLimit: { perAddress: '5/s' } });
  const visitor = site.visitor();
  await visitor.open('/');
  let res: Response | undefined;
  for (let i = 0; i < 20; i++) {
    res = await fetch(`${site.url}/__helpgate/help?offer=AAAAAAAAAAAAAAAAAAAAAA`, {
      headers: { cookie: visitor.cookie },
    });
    if (res.status === 429) break;
    await res.text();
  }
  t.ok(res?.headers.get('retry-after'));
  await refusalPage(t, res!, 429, /<h1>Too many requests<\/h1>/);
});

t.test("the HELP page's forms are answered with a page when refused", async (t) => {
  // The HELP page's forms navigate: a refused form (no cookie, another site, another
  // visitor's offer) shows the person a page; the beacon's own requests still get JSON.
  const { site, visitor, id } = await offered(t);
  const form = (headers: Record<string, string>) =>
    fetch(`${site.url}/__helpgate/offers/${id}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  await refusalPage(t, await form({}), 401, /This help link does not work here/);
  await refusalPage(
    t,
    await form({ cookie: visitor.cookie, 'sec-fetch-site': 'cross-site' }),
    403,
    /<h1>This form must be sent from the site itself<\/h1>/,
  );
  const stranger = site.visitor();
  await stranger.open('/');
  await refusalPage(t, await form({ cookie: stranger.cookie }), 403, /made to someone else/);
  const beacon = await fetch(`${site.url}/__helpgate/offers/${id}/accept`, { method: 'POST' });
  t.equal(beacon.status, 401);
  t.match(await beacon.json(), { error: { code: 'HG_ERR_HB_NO_SESSION' } }, 'the API stays JSON');
});
