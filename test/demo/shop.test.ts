import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { createDemoShop, type DemoShopOptions, startDemoShop } from '../../src/demo/shop.js';
import { TestClock } from '../fixtures/test-clock.js';

/** Starts the shop on 127.0.0.1:0 (clock at 2026-01-01), closed when the test ends. */
async function startShop(t: Test, options: DemoShopOptions = {}): Promise<string> {
  const server = createDemoShop({ clock: new TestClock(), ...options });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function post(url: string, fields: Record<string, string>, cookie?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (cookie) headers.cookie = cookie;
  return fetch(url, {
    method: 'POST',
    headers,
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

/** A raw request, so the test sees exactly the bytes and headers on the wire. */
function rawRequest(
  url: string,
  options: http.RequestOptions & { body?: Buffer; chunked?: boolean } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body && options.chunked) {
      // Written in pieces without a Content-Length, so the limit is met while streaming.
      for (let i = 0; i < options.body.length; i += 8192)
        req.write(options.body.subarray(i, i + 8192));
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

const GOOD_CHECKOUT = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  address: '12 Analytical Row, London',
  postcode: '12345',
  'card-number': '4111 1111 1111 1111',
  expiry: '12/29',
};

t.test('every page carries the shop’s own help links and chat widget', async (t) => {
  const url = await startShop(t);
  const pages = [
    '/',
    '/catalogue',
    '/products/brass-desk-lamp',
    '/cart',
    '/checkout',
    '/checkout/done',
    '/account',
    '/account/orders',
    '/help',
  ];
  for (const path of pages) {
    const res = await fetch(url + path);
    const body = await res.text();
    t.equal(res.status, 200, `${path} answers 200`);
    t.equal(res.headers.get('content-type'), 'text/html; charset=utf-8', `${path} is HTML`);
    t.equal(Number(res.headers.get('content-length')), Buffer.byteLength(body), `${path} length`);
    t.match(body, '<a class="help-link" href="/help">Help</a>', `${path} header help link`);
    t.match(body, /<a class="help-link"[^>]*>Contact support<\/a>/, `${path} footer link`);
    t.match(body, /<div id="help-widget">[\s\S]*<button[^>]*>Chat with us<\/button>/, `${path}`);
    t.match(body, '<link rel="stylesheet" href="/static/site.css">');
  }
});

t.test('home shows featured products and the catalogue lists all twelve', async (t) => {
  const url = await startShop(t);
  const home = await (await fetch(`${url}/`)).text();
  t.match(home, 'href="/products/brass-desk-lamp"');
  const catalogue = await (await fetch(`${url}/catalogue`)).text();
  t.equal(catalogue.match(/<h3><a href="\/products\//g)?.length, 12);
  const kitchen = await (await fetch(`${url}/catalogue?category=Kitchen`)).text();
  t.equal(kitchen.match(/<h3><a href="\/products\//g)?.length, 2);
  const product = await (await fetch(`${url}/products/enamel-coffee-pot`)).text();
  t.match(product, 'Enamel Coffee Pot');
  t.match(product, '$32.00');
  t.match(product, /<form method="post" action="\/cart\/add"[\s\S]*Add to cart<\/button>/);
});

t.test('adding to the cart sets the cart cookie and the cart page lists it', async (t) => {
  const url = await startShop(t);
  const added = await post(`${url}/cart/add`, { slug: 'tin-robot', quantity: '3' });
  t.equal(added.status, 303);
  t.equal(added.headers.get('location'), '/cart');
  const cookie = added.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  t.match(cookie, /^cart=/);

  const again = await post(`${url}/cart/add`, { slug: 'leather-key-fob' }, cookie);
  const both = again.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const cart = await (await fetch(`${url}/cart`, { headers: { cookie: both } })).text();
  t.match(cart, /data-slug="tin-robot">[\s\S]*?<td class="quantity">3<\/td>/);
  t.match(cart, 'Leather Key Fob');
  t.match(cart, '<th id="cart-total">$54.00</th>');
  t.match(cart, '<span id="cart-count">4</span>');

  const removed = await post(`${url}/cart/remove`, { slug: 'tin-robot' }, both);
  const left = removed.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const after = await (await fetch(`${url}/cart`, { headers: { cookie: left } })).text();
  t.notMatch(after, 'Wind-up Tin Robot');
  t.match(after, 'Leather Key Fob');

  const unknown = await post(`${url}/cart/add`, { slug: 'no-such-thing' });
  t.equal(unknown.status, 404);
});

t.test('a forged or garbled cart cookie still shows a sane cart', async (t) => {
  const url = await startShop(t);
  const cookies = [
    'cart=%E0%A4%A',
    'cart=tin-robot:abc|ghost:5|tin-robot:5000',
    `cart=${'x'.repeat(4000)}`,
    'cart',
    ';;=;cart="tin-robot:2"',
  ];
  for (const cookie of cookies) {
    const res = await fetch(`${url}/cart`, { headers: { cookie } });
    t.equal(res.status, 200, cookie.slice(0, 40));
    await res.text();
  }
  const clamped = await (
    await fetch(`${url}/cart`, { headers: { cookie: 'cart=tin-robot%3A99%7Ctin-robot%3A99' } })
  ).text();
  t.match(clamped, '<td class="quantity">99</td>', 'quantities are capped at 99');
});

t.test('checkout with bad data re-renders the form with the entries and errors', async (t) => {
  const url = await startShop(t);
  const res = await post(`${url}/checkout`, {
    name: '<b>Ada</b>',
    email: 'not-an-email',
    address: '',
    postcode: '12',
    'card-number': '4111 1111 1111 1111',
    expiry: '12/29',
  });
  const body = await res.text();
  t.equal(res.status, 200, 're-rendered with the errors, as legacy sites do');
  t.match(body, /<div class="error" role="alert" id="error-summary">[\s\S]*3 problems/);
  for (const field of ['email', 'address', 'postcode']) {
    t.match(body, new RegExp(`<span class="field-error" id="err-${field}">[^<]+</span>`), field);
    t.match(body, new RegExp(`id="${field}"[^>]*aria-invalid="true"`), `${field} is invalid`);
  }
  t.notMatch(body, 'id="err-name"', 'a valid field has no error');
  t.notMatch(body, /id="name"[^>]*aria-invalid/);
  t.match(body, 'value="&lt;b&gt;Ada&lt;/b&gt;"', 'entries are kept, escaped');
  t.match(body, 'value="not-an-email"');
  t.match(body, 'value="4111 1111 1111 1111"');
});

t.test('card number check digit and expiry are only checked by the server', async (t) => {
  // The clock says 2026-01-01, so a card ending 12/25 has expired.
  const url = await startShop(t);
  const form = await (await fetch(`${url}/checkout`)).text();
  t.match(form, /id="card-number"[^>]*pattern="\[0-9 \]\{13,23\}"/);
  const res = await post(`${url}/checkout`, {
    ...GOOD_CHECKOUT,
    'card-number': '4111 1111 1111 1112',
    expiry: '12/25',
  });
  const body = await res.text();
  t.equal(res.status, 200, 're-rendered with the errors, as legacy sites do');
  t.match(body, /id="err-card-number">This card number is not valid/);
  t.match(body, /id="err-expiry">This card has expired/);
  const thisMonth = await post(`${url}/checkout`, { ...GOOD_CHECKOUT, expiry: '01/26' });
  t.equal(thisMonth.status, 303, 'a card is valid to the end of its expiry month');
});

t.test('the form has HTML5 constraints, and ?novalidate=1 turns them off', async (t) => {
  const url = await startShop(t);
  const plain = await (await fetch(`${url}/checkout`)).text();
  t.match(plain, /<form method="post" action="\/checkout" id="checkout-form">/);
  t.match(plain, /id="email"[^>]*type="email" required/);
  t.match(plain, /id="postcode"[^>]*pattern="\[0-9\]\{5\}"/);
  const lax = await (await fetch(`${url}/checkout?novalidate=1`)).text();
  t.match(
    lax,
    /<form method="post" action="\/checkout\?novalidate=1" id="checkout-form" novalidate>/,
  );
  const failed = await (await post(`${url}/checkout?novalidate=1`, { name: 'x' })).text();
  t.match(failed, / novalidate>/, 'the re-rendered form keeps novalidate');
});

t.test('good checkout data redirects to /checkout/done and empties the cart', async (t) => {
  const url = await startShop(t);
  const cookie = 'cart=brass-desk-lamp%3A1; customer_id=ada-lovelace';
  const res = await post(`${url}/checkout`, GOOD_CHECKOUT, cookie);
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/checkout/done');
  t.match(res.headers.getSetCookie()[0], /^cart=; Path=\/; SameSite=Lax; Max-Age=0/);
  const orders = await (
    await fetch(`${url}/account/orders`, { headers: { cookie: 'customer_id=ada-lovelace' } })
  ).text();
  t.match(orders, /href="\/account\/orders\/N5001" data-view-link>N5001/, 'the order is listed');
  const done = await (await fetch(`${url}/checkout/done`)).text();
  t.match(done, 'Thank you for your order!');
});

t.test('logging in sets the customer_id cookie from the name', async (t) => {
  const url = await startShop(t);
  const res = await post(`${url}/account/login`, { name: 'Zoë  O’Brien' });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/account');
  const cookie = res.headers.getSetCookie()[0] ?? '';
  t.match(cookie, /^customer_id=zoe-o-brien; Path=\/; SameSite=Lax; Max-Age=\d+; HttpOnly$/);

  const account = await (
    await fetch(`${url}/account`, { headers: { cookie: cookie.split(';')[0]! } })
  ).text();
  t.match(account, 'Hello, zoe-o-brien');
  t.match(account, /<table class="grid orders">[\s\S]*href="\/account\/orders\/H\d+"/);

  const empty = await post(`${url}/account/login`, { name: '!!!' });
  t.equal(empty.status, 200);
  t.match(await empty.text(), /id="name"[^>]*aria-invalid="true"[\s\S]*id="err-name"/);

  const out = await post(`${url}/account/logout`, {}, 'customer_id=zoe-o-brien');
  t.match(out.headers.getSetCookie()[0], /^customer_id=; .*Max-Age=0/);
});

t.test('a customer_id cookie that is not a valid id is ignored', async (t) => {
  // A hand-made cookie must not inject markup into the page or pose as a login.
  const url = await startShop(t);
  const body = await (
    await fetch(`${url}/account`, { headers: { cookie: 'customer_id=%3Cscript%3E' } })
  ).text();
  t.match(body, 'Log in to your account');
  t.notMatch(body, '<script>');
});

t.test('the orders section renders every view and links them for pushState', async (t) => {
  const url = await startShop(t);
  const list = await (await fetch(`${url}/account/orders`)).text();
  t.match(list, '<script src="/static/account.js" defer></script>');
  t.notMatch(list, /<script>/, 'no inline script');
  t.match(list, /data-view-path="\/account\/orders" data-title="Your orders">/);
  const id = /data-view-path="\/account\/orders\/(H\d+)"/.exec(list)?.[1] ?? '';
  t.match(
    list,
    new RegExp(`data-view-path="/account/orders/${id}" data-title="Order ${id}" hidden>`),
  );

  const deep = await fetch(`${url}/account/orders/${id}`);
  const deepBody = await deep.text();
  t.equal(deep.status, 200, 'a deep link renders on the server');
  t.match(deepBody, `<title>Order ${id} - Cobblestone Goods</title>`);
  t.match(deepBody, /data-view-path="\/account\/orders" data-title="Your orders" hidden>/);
  t.equal((await fetch(`${url}/account/orders/returns`)).status, 200);
  t.equal((await fetch(`${url}/account/orders/Z999`)).status, 404);

  const script = await fetch(`${url}/static/account.js`);
  t.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  t.match(await script.text(), 'history.pushState');
});

t.test('static files are cacheable and revalidate with their ETag', async (t) => {
  const url = await startShop(t);
  const css = await fetch(`${url}/static/site.css`);
  t.equal(css.status, 200);
  t.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  t.equal(css.headers.get('cache-control'), 'public, max-age=3600');
  t.match(await css.text(), '#help-widget{position:fixed;right:16px;bottom:16px');
  const etag = css.headers.get('etag') ?? '';
  t.match(etag, /^"[\w-]+"$/);
  const again = await fetch(`${url}/static/site.css`, { headers: { 'if-none-match': etag } });
  t.equal(again.status, 304);
  t.equal(await again.text(), '');
  const weak = await fetch(`${url}/static/site.css`, { headers: { 'if-none-match': `W/${etag}` } });
  t.equal(weak.status, 304);
});

t.test('the catalogue CSV downloads as an attachment; stock is JSON', async (t) => {
  const url = await startShop(t);
  const csv = await fetch(`${url}/download/catalogue.csv`);
  t.equal(csv.headers.get('content-disposition'), 'attachment; filename="catalogue.csv"');
  t.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  const rows = (await csv.text()).trimEnd().split('\r\n');
  t.equal(rows.length, 13);
  t.equal(rows[0], 'slug,name,category,price,stock');

  const stock = await fetch(`${url}/api/stock.json`);
  t.equal(stock.headers.get('content-type'), 'application/json; charset=utf-8');
  const json = (await stock.json()) as { updated: string; items: unknown[] };
  t.equal(json.items.length, 12);
  t.equal(json.updated, '2026-01-01T00:00:00.000Z');
});

t.test('unknown pages get the shop’s 404 page; wrong methods get 405', async (t) => {
  const url = await startShop(t);
  for (const path of ['/nope', '/products/no-such-thing', '/products/../etc/passwd']) {
    const res = await fetch(url + path);
    t.equal(res.status, 404, path);
    t.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    t.match(await res.text(), /<h1>Page not found<\/h1>[\s\S]*id="help-widget"/);
  }
  const wrong = await fetch(`${url}/cart/add`);
  t.equal(wrong.status, 405);
  t.equal(wrong.headers.get('allow'), 'POST');
  const head = await rawRequest(`${url}/`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.ok(Number(head.headers['content-length']) > 0, 'HEAD tells the length');
  t.equal(head.body.length, 0, 'HEAD has no body');
});

t.test('/gzip is sent compressed to clients that accept gzip', async (t) => {
  const url = await startShop(t);
  const zipped = await rawRequest(`${url}/gzip`, { headers: { 'accept-encoding': 'gzip, br' } });
  t.equal(zipped.headers['content-encoding'], 'gzip');
  t.equal(zipped.headers.vary, 'Accept-Encoding');
  t.equal(Number(zipped.headers['content-length']), zipped.body.length);
  const page = gunzipSync(zipped.body).toString('utf8');
  t.match(page, 'This page was sent gzip-compressed');
  t.match(page, '<div id="help-widget">');
  t.ok(zipped.body.length < Buffer.byteLength(page) / 3, 'compression pays off');

  const plain = await rawRequest(`${url}/gzip`, { headers: { 'accept-encoding': 'gzip;q=0' } });
  t.equal(plain.headers['content-encoding'], undefined);
  t.match(plain.body.toString('utf8'), 'This page was sent gzip-compressed');
  t.equal((await fetch(`${url}/gzip`)).status, 200, 'fetch decodes it transparently');
});

t.test('a request body over 64 KiB is refused with 413 and the server keeps serving', async (t) => {
  // An attacker streaming a huge form must not make the shop buffer it all or fall over.
  const url = await startShop(t);
  const body = Buffer.alloc(70 * 1024, 'a');
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const declared = await rawRequest(`${url}/checkout`, { method: 'POST', headers, body });
  t.equal(declared.status, 413);
  const streamed = await rawRequest(`${url}/account/login`, {
    method: 'POST',
    headers,
    body,
    chunked: true,
  });
  t.equal(streamed.status, 413);
  t.match(streamed.body.toString(), 'Request too large');
  t.equal((await fetch(`${url}/`)).status, 200);
});

t.test('malformed requests get an answer, never a crash', async (t) => {
  const url = await startShop(t);
  const badEncoding = await fetch(`${url}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=%E0%A4%A&email=%%%&postcode=\u0000',
  });
  t.equal(badEncoding.status, 200);
  const notAForm = await fetch(`${url}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(GOOD_CHECKOUT),
  });
  t.equal(notAForm.status, 200, 'only form bodies are read');
  const asterisk = await rawRequest(url, { method: 'OPTIONS', path: '*' });
  t.equal(asterisk.status, 400);
  const doubleSlash = await rawRequest(url, { path: '//evil.example/' });
  t.equal(doubleSlash.status, 404, '//host stays a path on this site');
  t.equal((await fetch(`${url}/`)).status, 200);
});

t.test('/slow answers only after its delay', async (t) => {
  const url = await startShop(t, { slowDelayMs: 150 });
  const started = performance.now();
  const res = await fetch(`${url}/slow`);
  t.equal(res.status, 200);
  t.match(await res.text(), 'This page took 0.15 s to answer.');
  t.ok(performance.now() - started >= 140, 'the answer waited for the delay');
});

t.test('startDemoShop listens on a free port and closes', async (t) => {
  const shop = await startDemoShop();
  t.match(shop.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${shop.url}/help`);
  t.match(await res.text(), '<h1>Help &amp; FAQ</h1>');
  await shop.close();
  t.notOk(shop.server.listening);
});
