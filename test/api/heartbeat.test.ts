import { request } from 'node:http';
import t from 'tap';
import { hb, testConfig } from '../session/_helpers.js';
import { startApi, type TestApi } from './_server.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { error: { code: string; message: string }; [key: string]: unknown };
}

/** A raw POST, so tests control every header and byte. */
function post(
  api: TestApi,
  body: string | Buffer | string[],
  headers: Record<string, string> = {},
  path = 'hb',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          json: text ? JSON.parse(text) : null,
        });
      });
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const part of body) req.write(part);
      req.end();
    } else req.end(body);
  });
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

function beat(api: TestApi, cookie: string, body: unknown = hb('pv1', '/checkout', 0)) {
  return post(api, JSON.stringify(body), { ...JSON_TYPE, Cookie: cookie });
}

t.test('a heartbeat with a signed cookie is recorded and answered per the contract', async (t) => {
  const api = await startApi(t, testConfig({ heartbeat: { interval: '7s' } }));
  const { sid, cookie } = api.visitor();
  const reply = await beat(api, cookie);
  t.equal(reply.status, 200);
  t.same(reply.json, { next: 7000, offer: null, withdraw: [], conversation: null });
  t.equal(reply.headers['cache-control'], 'no-store');
  t.match(reply.headers['content-type'], /^application\/json/);
  t.same((await api.sessions.snapshot(sid))?.views, { '/checkout': 1 });
});

t.test('sendBeacon heartbeats (text/plain) are accepted', async (t) => {
  const api = await startApi(t, testConfig());
  const { sid, cookie } = api.visitor();
  const reply = await post(api, JSON.stringify(hb('pv1', '/a', 0)), {
    'Content-Type': 'text/plain;charset=UTF-8',
    Cookie: cookie,
  });
  t.equal(reply.status, 200);
  t.ok(await api.sessions.snapshot(sid));
});

t.test(
  'session forgery: a heartbeat without a validly signed cookie gets 401 and creates nothing',
  async (t) => {
    // Attack: a script (or a visitor) posts heartbeats for a session id it made up, to plant or
    // steer state in someone's session or to fill the store.
    const api = await startApi(t, testConfig());
    const { sid } = api.visitor();
    const forged = `hg_sid=${sid}.${'A'.repeat(43)}`;
    const attempts: Array<Record<string, string>> = [
      {},
      { Cookie: forged },
      { Cookie: `hg_sid=${sid}` },
    ];
    for (const headers of attempts) {
      const reply = await post(api, JSON.stringify(hb('pv1', '/a', 0)), {
        ...JSON_TYPE,
        ...headers,
      });
      t.equal(reply.status, 401);
      t.equal(reply.json.error.code, 'HG_ERR_HB_NO_SESSION');
    }
    t.equal(api.store.size(), 0, 'no session was created');
  },
);

t.test(
  "cross-site heartbeat forgery: another site's request gets 403 HG_ERR_CROSS_SITE and counts nothing",
  async (t) => {
    // Attack: a page on another site makes the visitor's browser post heartbeats (with the
    // visitor's cookie where SameSite is ignored) to move their triggers, offers and rates.
    const api = await startApi(t, testConfig());
    const { sid, cookie } = api.visitor();
    const attempts: Record<string, string>[] = [
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: api.url.replace(/\/__helpgate\/$/, '') },
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
    ];
    for (const headers of attempts) {
      const reply = await post(api, JSON.stringify(hb('pv1', '/checkout', 0)), {
        ...JSON_TYPE,
        Cookie: cookie,
        ...headers,
      });
      t.equal(reply.status, 403, JSON.stringify(headers));
      t.equal(reply.json.error.code, 'HG_ERR_CROSS_SITE');
    }
    t.equal(await api.sessions.snapshot(sid), undefined, 'no session was created');

    t.equal((await beat(api, cookie)).status, 200);
    const forged = await post(api, JSON.stringify(hb('pv1', '/checkout', 1)), {
      ...JSON_TYPE,
      Cookie: cookie,
      'Sec-Fetch-Site': 'cross-site',
    });
    t.equal(forged.status, 403);
    t.equal((await api.sessions.snapshot(sid))?.page?.heartbeats, 1, 'nor counted in one');
  },
);

t.test("the beacon's own heartbeats pass the cross-site check", async (t) => {
  // fetch() and sendBeacon() from the page: Sec-Fetch-Site same-origin and the page's Origin,
  // which behind a proxy or with publicUrl is not the address helpgate listens on.
  const direct = await startApi(t, testConfig());
  const own = direct.url.replace(/\/__helpgate\/$/, '');
  const cases: [TestApi, Record<string, string>][] = [
    [direct, { 'Sec-Fetch-Site': 'same-origin', Origin: own }],
    [direct, { Origin: own }],
    [direct, {}],
    [
      await startApi(t, testConfig({ publicUrl: 'https://shop.example' })),
      { Origin: 'https://shop.example' },
    ],
    [
      await startApi(t, testConfig({ trustProxy: true })),
      {
        Origin: 'https://shop.example',
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'shop.example',
      },
    ],
  ];
  for (const [api, headers] of cases) {
    const { cookie } = api.visitor();
    const reply = await post(api, JSON.stringify(hb('pv1', '/a', 0)), {
      'Content-Type': 'text/plain;charset=UTF-8',
      Cookie: cookie,
      ...headers,
    });
    t.equal(reply.status, 200, JSON.stringify(headers));
  }
});

t.test('a body that is not JSON gets 400 HG_ERR_HB_BAD_JSON', async (t) => {
  const api = await startApi(t, testConfig());
  const { cookie } = api.visitor();
  const reply = await post(api, '{"pv": "a",', { ...JSON_TYPE, Cookie: cookie });
  t.equal(reply.status, 400);
  t.equal(reply.json.error.code, 'HG_ERR_HB_BAD_JSON');
  t.equal(api.store.size(), 0);
});

t.test('a body that breaks the schema gets 400 naming the field', async (t) => {
  const api = await startApi(t, testConfig());
  const { cookie } = api.visitor();
  const good = hb('pv1', '/a', 0);
  const cases: Array<[unknown, RegExp]> = [
    [{ ...good, pv: 'has spaces' }, /pv/],
    [{ ...good, pv: 'x'.repeat(65) }, /pv/],
    [{ ...good, path: 'no-slash' }, /path/],
    [{ ...good, path: `/${'x'.repeat(2048)}` }, /path/],
    [{ ...good, seq: -1 }, /seq/],
    [{ ...good, seq: 1.5 }, /seq/],
    [{ ...good, visible: 'yes' }, /visible/],
    [{ ...good, focus: { field: 'x'.repeat(257), ms: 1 } }, /focus\.field/],
    [{ ...good, focus: { field: 'email', ms: -1 } }, /focus\.ms/],
    [
      { ...good, errors: Array.from({ length: 51 }, () => ({ field: 'a', message: 'b' })) },
      /errors/,
    ],
    [{ ...good, errors: [{ field: 'a', message: 'm'.repeat(513) }] }, /errors\.0\.message/],
    [{ ...good, offer: { id: 'o1' } }, /offer\.state/],
    [[good], /body/],
    [null, /body/],
  ];
  for (const [body, field] of cases) {
    const reply = await post(api, JSON.stringify(body), { ...JSON_TYPE, Cookie: cookie });
    t.equal(reply.status, 400, `400 for ${JSON.stringify(body).slice(0, 60)}`);
    t.equal(reply.json.error.code, 'HG_ERR_HB_BAD_BODY');
    t.match(reply.json.error.message, field);
    api.clock.advance(1000); // stay under the per-session rate
  }
  t.equal(api.store.size(), 0, 'nothing was recorded');
  const ok = await beat(api, cookie, {
    ...good,
    focus: { field: 'email', ms: 1200 },
    errors: [{ field: 'email', message: 'Please enter an email address' }],
    offer: { id: 'o1', state: 'shown' },
  });
  t.equal(ok.status, 200, 'every optional field at its limit is fine');
});

t.test('an oversize body gets 413 without being read to the end', async (t) => {
  const api = await startApi(t, testConfig());
  const { cookie } = api.visitor();
  const big = JSON.stringify({ ...hb('pv1', '/a', 0), pad: 'x'.repeat(9000) });
  const declared = await post(api, big, { ...JSON_TYPE, Cookie: cookie });
  t.equal(declared.status, 413, 'by its Content-Length');
  t.equal(declared.json.error.code, 'HG_ERR_HB_TOO_LARGE');
  t.equal(declared.headers.connection, 'close');

  api.clock.advance(1000);
  const chunked = await post(api, [big.slice(0, 4000), big.slice(4000)], {
    ...JSON_TYPE,
    Cookie: cookie,
    'Transfer-Encoding': 'chunked',
  });
  t.equal(chunked.status, 413, 'streamed without a length');
  t.equal(api.store.size(), 0);

  api.clock.advance(1000);
  const justUnder = JSON.stringify({ ...hb('pv1', '/a', 0), pad: 'x'.repeat(8000) });
  t.equal(
    (await post(api, justUnder, { ...JSON_TYPE, Cookie: cookie })).status,
    200,
    '8 KiB is fine',
  );
});

t.test('a body of another type gets 415', async (t) => {
  const api = await startApi(t, testConfig());
  const { cookie } = api.visitor();
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
    const headers: Record<string, string> = { Cookie: cookie };
    if (type) headers['Content-Type'] = type;
    const reply = await post(api, JSON.stringify(hb('pv1', '/a', 0)), headers);
    t.equal(reply.status, 415, `415 for "${type}"`);
    t.equal(reply.json.error.code, 'HG_ERR_HB_CONTENT_TYPE');
    api.clock.advance(1000);
  }
});

t.test('heartbeat flooding from one session is cut off with 429 and Retry-After', async (t) => {
  // Attack: a script hammers hb with one session to inflate counters or burn server time.
  const api = await startApi(
    t,
    testConfig({ rateLimit: { perSession: '2/s', perAddress: '100/s' } }),
  );
  const { cookie } = api.visitor();
  t.equal((await beat(api, cookie, hb('pv1', '/a', 0))).status, 200);
  t.equal((await beat(api, cookie, hb('pv1', '/a', 1))).status, 200);
  const limited = await beat(api, cookie, hb('pv1', '/a', 2));
  t.equal(limited.status, 429);
  t.equal(limited.json.error.code, 'HG_ERR_RATE_LIMITED');
  t.equal(limited.headers['retry-after'], '1');
  t.equal((await api.sessions.snapshot(api.cookies.read(cookie)!))?.page?.heartbeats, 2);

  const other = api.visitor();
  t.equal((await beat(api, other.cookie)).status, 200, 'other visitors are unaffected');

  api.clock.advance(500);
  t.equal((await beat(api, cookie, hb('pv1', '/a', 3))).status, 200, 'a token refills in time');
});

t.test('heartbeat flooding from one address with many sessions is cut off with 429', async (t) => {
  // Attack: one client mints many cookies (by loading pages) to sidestep the per-session limit.
  const api = await startApi(
    t,
    testConfig({ rateLimit: { perSession: '2/s', perAddress: '5/m' } }),
  );
  const replies = [];
  for (let i = 0; i < 6; i++) {
    replies.push(
      await post(api, JSON.stringify(hb('pv1', '/a', 0)), {
        ...JSON_TYPE,
        Cookie: api.visitor().cookie,
        'X-Test-IP': '203.0.113.7',
      }),
    );
  }
  t.same(
    replies.map((r) => r.status),
    [200, 200, 200, 200, 200, 429],
  );
  t.equal(replies[5]!.headers['retry-after'], '12', 'one token per 12 s');
  const elsewhere = await post(api, JSON.stringify(hb('pv1', '/a', 0)), {
    ...JSON_TYPE,
    Cookie: api.visitor().cookie,
    'X-Test-IP': '198.51.100.1',
  });
  t.equal(elsewhere.status, 200, 'other addresses are unaffected');
});

t.test('the store failing gives 503, not a crash', async (t) => {
  const config = testConfig();
  const broken = {
    get: () => Promise.reject(new Error('connection refused')),
    set: () => Promise.reject(new Error('connection refused')),
    checkout: () => Promise.reject(new Error('connection refused')),
    delete: () => Promise.reject(new Error('connection refused')),
    move: () => Promise.reject(new Error('connection refused')),
    movedAway: () => Promise.reject(new Error('connection refused')),
    size: () => 0,
    ping: () => Promise.reject(new Error('connection refused')),
    close: () => Promise.resolve(),
  };
  const api = await startApi(t, config, { store: broken });
  const reply = await beat(api, api.visitor().cookie);
  t.equal(reply.status, 503);
  t.equal(reply.json.error.code, 'HG_ERR_STORE_UNAVAILABLE');
});
