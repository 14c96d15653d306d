/**
 * The whole request path through the factory: a real upstream, helpgate in front, a client
 * that behaves like a browser (keeps the cookie, sends heartbeats).
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { startDemoShop } from '../../src/demo/shop.js';
import { startHelpgate, startServer } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

const PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Shop</title></head>
<body><nav><a href="/">Home</a> <a class="help-link" href="/help">Help</a></nav>
<main><h1>Checkout</h1><!-- keep me --><p>Pay   here</p></main>
<div id="help-widget"><button>Chat with us</button></div>
</body></html>`;

const BEACON = /<script src="\/__helpgate\/beacon\.js\?v=[0-9a-f]{12}" defer[^>]*><\/script>/g;

/** An upstream that records what it was sent and answers per path. */
async function upstream(t: Test) {
  const seen: { url: string; cookie: string | undefined }[] = [];
  const { url } = await startServer(t, (req, res) => {
    seen.push({ url: req.url ?? '', cookie: req.headers.cookie });
    if (req.url === '/data.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    } else if (req.url === '/gz') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      res.end(gzipSync(PAGE));
    } else {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'public, max-age=60',
        etag: '"v1"',
      });
      res.end(PAGE);
    }
  });
  return { url, seen };
}

function cookieOf(res: Response): string {
  const header = res.headers.get('set-cookie') ?? '';
  return header.split(';')[0] ?? '';
}

async function heartbeat(url: string, cookie: string, body: object) {
  return fetch(`${url}/__helpgate/hb`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(body),
  });
}

t.test('an HTML page loses the site help and gains the beacon, once, in the head', async (t) => {
  const site = await upstream(t);
  const { url } = await startHelpgate(t, {
    upstream: site.url,
    strip: ['.help-link', '#help-widget'],
  });
  const res = await fetch(`${url}/checkout`);
  const body = await res.text();
  t.equal(res.status, 200);
  t.notMatch(body, /help-link|help-widget|Chat with us/);
  t.equal(body.match(BEACON)?.length, 1);
  t.match(body, /<title>Shop<\/title><script src="\/__helpgate\/beacon\.js/, 'in the head');
  t.match(body, '<!-- keep me --><p>Pay   here</p>', 'the rest is byte for byte');
  t.equal(res.headers.get('etag'), 'W/"v1"', 'the ETag is weakened');
  t.equal(Number(res.headers.get('content-length')), Buffer.byteLength(body));
});

t.test('gzip pages are decoded, rewritten and re-encoded', async (t) => {
  const site = await upstream(t);
  const { url } = await startHelpgate(t, { upstream: site.url, strip: ['.help-link'] });
  const res = await fetch(`${url}/gz`);
  t.equal(res.headers.get('content-encoding'), 'gzip');
  const body = await res.text();
  t.notMatch(body, /help-link/);
  t.equal(body.match(BEACON)?.length, 1);
});

t.test('non-HTML responses pass through untouched and set no cookie', async (t) => {
  const site = await upstream(t);
  const { url } = await startHelpgate(t, { upstream: site.url });
  const res = await fetch(`${url}/data.json`);
  t.equal(await res.text(), '{"ok":true}');
  t.equal(res.headers.get('set-cookie'), null);
});

t.test(
  'a visitor gets a signed cookie on the first page; the page is not shared-cacheable',
  async (t) => {
    const site = await upstream(t);
    const { url, helpgate } = await startHelpgate(t, { upstream: site.url });
    const res = await fetch(`${url}/`);
    await res.arrayBuffer();
    const setCookie = res.headers.get('set-cookie') ?? '';
    t.match(setCookie, /^hg_sid=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);
    t.equal(res.headers.get('cache-control'), 'private, max-age=60');
    t.equal(helpgate.store.size(), 0, 'no session until the cookie comes back');

    const again = await fetch(`${url}/`, { headers: { cookie: cookieOf(res) } });
    await again.arrayBuffer();
    t.equal(again.headers.get('set-cookie'), null, 'a valid cookie is not replaced');
    t.equal(again.headers.get('cache-control'), 'public, max-age=60');
    t.equal(helpgate.store.size(), 1, 'the next page creates the session');
  },
);

t.test('the session cookie never reaches the site; the site’s own cookies do', async (t) => {
  const site = await upstream(t);
  const { url } = await startHelpgate(t, { upstream: site.url });
  const first = await fetch(`${url}/`);
  await first.arrayBuffer();
  await (
    await fetch(`${url}/data.json`, { headers: { cookie: `a=1; ${cookieOf(first)}; b=2` } })
  ).text();
  t.equal(site.seen.at(-1)?.cookie, 'a=1; b=2');
});

t.test('a tampered cookie is ignored and replaced', async (t) => {
  const site = await upstream(t);
  const { url, helpgate } = await startHelpgate(t, { upstream: site.url });
  const res = await fetch(`${url}/`, { headers: { cookie: 'hg_sid=abc.forged' } });
  await res.arrayBuffer();
  t.match(res.headers.get('set-cookie') ?? '', /^hg_sid=/);
  t.not(cookieOf(res), 'hg_sid=abc.forged');
  t.equal(helpgate.store.size(), 0);
});

t.test('page views and returns are counted as DESIGN.md says', async (t) => {
  const site = await upstream(t);
  const clock = new TestClock();
  const { url, helpgate } = await startHelpgate(t, { upstream: site.url }, { clock });
  const first = await fetch(`${url}/a`);
  await first.arrayBuffer();
  const cookie = cookieOf(first);
  const sid = cookie.slice('hg_sid='.length).split('.')[0] ?? '';

  // The first page was served before the session existed: its heartbeat counts it.
  clock.advance(5000);
  t.equal(
    (await heartbeat(url, cookie, { pv: 'pv1', path: '/a', seq: 0, visible: true })).status,
    200,
  );
  // A reload of /a is served to an existing session: counted at serve time…
  await (await fetch(`${url}/a?x=1`, { headers: { cookie } })).text();
  // …and its heartbeat (new pv, same path as the last counted view) does not count again.
  clock.advance(5000);
  await heartbeat(url, cookie, { pv: 'pv2', path: '/a', seq: 0, visible: true });
  // A single-page-app navigation to /b is counted from its heartbeat.
  clock.advance(5000);
  await heartbeat(url, cookie, { pv: 'pv3', path: '/b', seq: 0, visible: true });

  const session = await helpgate.store.get(sid);
  t.ok(session, 'the session exists');
  t.same(session?.views, { '/a': 2, '/b': 1 });
});

t.test('a heartbeat without a validly signed cookie gets 401 and creates nothing', async (t) => {
  const site = await upstream(t);
  const { url, helpgate } = await startHelpgate(t, { upstream: site.url });
  const res = await heartbeat(url, 'hg_sid=forged.value', {
    pv: 'p',
    path: '/',
    seq: 0,
    visible: true,
  });
  t.equal(res.status, 401);
  t.match(await res.json(), { error: { code: 'HG_ERR_HB_NO_SESSION' } });
  t.equal(helpgate.store.size(), 0);
});

t.test('excluded paths are neither rewritten nor tracked', async (t) => {
  const site = await upstream(t);
  const { url } = await startHelpgate(t, {
    upstream: site.url,
    strip: ['.help-link'],
    exclude: ['/pay/**'],
  });
  const res = await fetch(`${url}/pay/card`);
  t.equal(await res.text(), PAGE);
  t.equal(res.headers.get('set-cookie'), null);
});

t.test('with consent configured, only consenting visitors get the beacon', async (t) => {
  const site = await upstream(t);
  const { url } = await startHelpgate(t, {
    upstream: site.url,
    strip: ['.help-link'],
    consent: { cookie: 'consent', value: 'yes' },
  });
  const without = await fetch(`${url}/`);
  const withoutBody = await without.text();
  t.notMatch(withoutBody, BEACON);
  t.notMatch(withoutBody, /help-link/, 'the site help is still removed');
  t.equal(without.headers.get('set-cookie'), null, 'no tracking cookie');
  const consenting = await fetch(`${url}/`, { headers: { cookie: 'consent=yes' } });
  t.match(await consenting.text(), BEACON);
  t.match(consenting.headers.get('set-cookie') ?? '', /^hg_sid=/);
});

t.test('the beacon script is served, versioned by its content hash', async (t) => {
  const site = await upstream(t);
  const { url } = await startHelpgate(t, { upstream: site.url });
  const page = await (await fetch(`${url}/`)).text();
  const src = /src="([^"]+beacon\.js[^"]*)"/.exec(page)?.[1] ?? '';
  const res = await fetch(`${url}${src}`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type') ?? '', /javascript/);
  t.match(res.headers.get('cache-control') ?? '', /immutable/);
  t.match(await res.text(), /sendBeacon/);
});

t.test('the own routes are not forwarded, even in absolute form', async (t) => {
  const site = await upstream(t);
  const { url } = await startHelpgate(t, { upstream: site.url });
  const res = await fetch(`${url}/__helpgate/nothing-here`);
  t.equal(res.status, 404);
  t.equal(site.seen.length, 0, 'the site saw nothing');
  const health = await fetch(`${url}/__helpgate/healthz`);
  t.equal(health.status, 200);
  // An absolute-form target names the prefix too: it must not slip past the own routes.
  const absolute = await new Promise<number>((resolve, reject) => {
    const target = new URL(url);
    http
      .request({
        host: target.hostname,
        port: target.port,
        path: 'http://elsewhere.example/__helpgate/nothing-here',
      })
      .on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject)
      .end();
  });
  t.equal(absolute, 404);
  t.equal(site.seen.length, 0, 'the site still saw nothing');
});

t.test('the demo shop works through helpgate: help stripped, checkout errors intact', async (t) => {
  const shop = await startDemoShop(0, '127.0.0.1');
  t.teardown(() => shop.close());
  const { url } = await startHelpgate(t, {
    upstream: shop.url,
    strip: ['.help-link', '#help-widget'],
  });
  const home = await (await fetch(`${url}/`)).text();
  t.notMatch(home, /class="help-link"|id="help-widget"/);
  t.equal(home.match(BEACON)?.length, 1);

  const form = new URLSearchParams({ name: '', email: 'x' });
  const checkout = await fetch(`${url}/checkout`, { method: 'POST', body: form });
  const body = await checkout.text();
  t.match(body, /class="field-error"/, 'the site’s validation errors are left alone');
  t.equal(body.match(BEACON)?.length, 1, 'a POST answer is a page too');
});
