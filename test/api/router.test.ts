import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { testConfig } from '../session/_helpers.js';
import { startApi } from './_server.js';

t.test(
  'healthz answers 200 while the store is reachable, 503 with the reason when not',
  async (t) => {
    const api = await startApi(t, testConfig());
    const ok = await fetch(`${api.url}healthz`);
    t.equal(ok.status, 200);
    t.same(await ok.json(), { status: 'ok' });

    let reachable = true;
    const flaky = {
      ...api.store,
      ping: () => (reachable ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'))),
    };
    const down = await startApi(t, testConfig(), { store: flaky });
    reachable = false;
    const reply = await fetch(`${down.url}healthz`);
    t.equal(reply.status, 503);
    const body = (await reply.json()) as {
      status: string;
      error: { code: string; message: string };
    };
    t.equal(body.status, 'unavailable');
    t.equal(body.error.code, 'HG_ERR_STORE_UNAVAILABLE');
    t.match(body.error.message, /store is unreachable/);
  },
);

t.test('unknown routes get 404 JSON; a wrong method gets 405 with Allow', async (t) => {
  const api = await startApi(t, testConfig());
  const missing = await fetch(`${api.url}nope`);
  t.equal(missing.status, 404);
  t.same(await missing.json(), {
    error: { code: 'HG_ERR_NOT_FOUND', message: 'no such helpgate route' },
  });

  const getHb = await fetch(`${api.url}hb`);
  t.equal(getHb.status, 405);
  t.equal(getHb.headers.get('allow'), 'POST');
  t.equal(
    ((await getHb.json()) as { error: { code: string } }).error.code,
    'HG_ERR_METHOD_NOT_ALLOWED',
  );

  const postBeacon = await fetch(`${api.url}beacon.js`, { method: 'POST' });
  t.equal(postBeacon.status, 405);
  t.equal(postBeacon.headers.get('allow'), 'GET, HEAD');
});

t.test('beacon.js is served versioned by its content hash', async (t) => {
  const api = await startApi(t, testConfig());
  const tag = api.router.beaconTag(null);
  const src = /src="([^"]+)"/.exec(tag)![1]!;
  const hash = /\?v=([0-9a-f]{12})$/.exec(src)![1]!;

  const versioned = await fetch(`http://127.0.0.1:${new URL(api.url).port}${src}`, {
    headers: { 'Accept-Encoding': 'identity' },
  });
  t.equal(versioned.status, 200);
  t.match(versioned.headers.get('content-type'), /^text\/javascript/);
  t.equal(versioned.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const script = Buffer.from(await versioned.arrayBuffer());
  t.equal(
    createHash('sha256').update(script).digest('hex').slice(0, 12),
    hash,
    'v is the content hash',
  );
  t.equal(versioned.headers.get('etag'), `"${hash}"`);
  t.ok(script.length > 100, 'the real bundle');

  const unversioned = await fetch(`${api.url}beacon.js?v=stale`);
  t.equal(
    unversioned.headers.get('cache-control'),
    'public, max-age=300',
    'a short cache otherwise',
  );

  const revalidated = await fetch(`${api.url}beacon.js`, {
    headers: { 'If-None-Match': `"${hash}"` },
  });
  t.equal(revalidated.status, 304);

  const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>(
    (resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(`${api.url}beacon.js`, { headers: { 'Accept-Encoding': 'gzip, br' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        }).on('error', reject),
      );
    },
  );
  t.equal(raw.encoding, 'gzip');
  t.same(gunzipSync(raw.body), script, 'gzipped for clients that accept it');
  t.comment(`beacon: ${script.length} bytes, ${raw.body.length} gzipped`);
});

t.test('chat.js is served versioned by the hash the beacon loads it with', async (t) => {
  const api = await startApi(t, testConfig());
  const plain = Buffer.from(
    await (
      await fetch(`${api.url}chat.js`, { headers: { 'Accept-Encoding': 'identity' } })
    ).arrayBuffer(),
  );
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 12);
  const beacon = await (await fetch(`${api.url}beacon.js`)).text();
  t.match(beacon, `"${hash}"`, 'the beacon carries the hash of the chat.js served');
  const versioned = await fetch(`${api.url}chat.js?v=${hash}`, {
    headers: { 'Accept-Encoding': 'gzip' },
  });
  t.equal(versioned.status, 200);
  t.match(versioned.headers.get('content-type'), /^text\/javascript/);
  t.equal(versioned.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  t.equal(versioned.headers.get('content-encoding'), 'gzip');
  t.equal(versioned.headers.get('etag'), `"${hash}"`);
  const script = Buffer.from(await versioned.arrayBuffer());
  t.same(script, plain, 'fetch decodes the gzipped body to the same script');
  t.match(script.toString(), /EventSource/, 'the chat panel, not the beacon');
  const stale = await fetch(`${api.url}chat.js?v=0123456789ab`);
  t.equal(stale.headers.get('cache-control'), 'public, max-age=300');
  const revalidated = await fetch(`${api.url}chat.js`, {
    headers: { 'If-None-Match': `"${hash}"` },
  });
  t.equal(revalidated.status, 304);
  t.equal((await fetch(`${api.url}chat.js`, { method: 'POST' })).status, 405);
});

t.test(
  'the beacon works under a strict CSP: no eval, no inline code, no console output',
  async (t) => {
    const api = await startApi(t, testConfig());
    const script = await (await fetch(`${api.url}beacon.js`)).text();
    t.notMatch(script, /\beval\s*\(|new Function|\bconsole\./);
  },
);

t.test('the beacon tag carries the page nonce, escaped, and the widget appearance', async (t) => {
  const api = await startApi(
    t,
    testConfig({
      prefix: '/hg/',
      heartbeat: { interval: '3s' },
      offers: { appearance: { position: 'top-left', accent: 'rgb(0, 0, 0)' } },
    }),
  );
  t.match(
    api.router.beaconTag(null),
    /^<script src="\/hg\/beacon\.js\?v=[0-9a-f]{12}" defer data-interval="3000" data-errors="\[&#34;\.error&#34;,&#34;\.field-error&#34;,&#34;\[role=alert\]&#34;\]" data-appearance="\{&#34;position&#34;:&#34;top-left&#34;,&#34;accent&#34;:&#34;rgb\(0, 0, 0\)&#34;,&#34;zIndex&#34;:2147483000\}"><\/script>$/,
  );
  t.match(api.router.beaconTag('r4nd0m+/='), / nonce="r4nd0m\+\/="><\/script>$/);
});

t.test('markup injection through the nonce is neutralised', async (t) => {
  // Attack: a page's CSP nonce crafted to close the attribute and inject markup.
  const api = await startApi(t, testConfig());
  const tag = api.router.beaconTag('x"><img src=x onerror=alert(1)>');
  t.notMatch(tag, /"><img/);
  t.match(tag, /nonce="x&#34;&#62;&#60;img src=x onerror=alert\(1\)&#62;"/);
});
