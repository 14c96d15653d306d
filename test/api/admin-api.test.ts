import t from 'tap';
import { tokensEqual } from '../../src/api/admin-auth.js';
import { hb, testConfig } from '../session/_helpers.js';
import { startApi, type TestApi } from './_server.js';

const ADMIN = 'admin-token-0123456789abcdef';
const AGENT = 'agent-token-0123456789abcdef';

function config(admin: string | null = ADMIN) {
  return testConfig({
    admin: { token: admin },
    agents: { list: [{ id: 'alice', token: AGENT }] },
    gate: { mode: 'always' },
    servicePoints: ['/checkout/**'],
    triggers: [
      { name: 'at-checkout', when: { servicePoint: true } },
      { name: 'slow', when: { timeOnPage: '1m' } },
    ],
  });
}

function call(api: TestApi, method: string, path: string, init: RequestInit = {}, token = ADMIN) {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${api.url}${path}`, { ...init, method, headers });
}

const ROUTES: [string, string][] = [
  ['GET', 'api/profiles/c-1'],
  ['PUT', 'api/profiles/c-1'],
  ['DELETE', 'api/profiles/c-1'],
  ['GET', 'api/sessions/AAAAAAAAAAAAAAAAAAAAAA'],
];

t.test('admin API without token is refused', async (t) => {
  // Attack: anyone on the internet reads visitors' sessions or rewrites customer profiles.
  const api = await startApi(t, config());
  await api.profiles.put('c-1', { assist: true });
  for (const [method, path] of ROUTES) {
    for (const token of ['', 'wrong-token-0123456789abcdef', `${ADMIN}x`, ADMIN.slice(0, -1)]) {
      const res = await call(api, method, path, { body: method === 'PUT' ? '{}' : null }, token);
      t.equal(res.status, 401, `${method} ${path} with ${token ? 'a wrong' : 'no'} token`);
      t.equal(res.headers.get('www-authenticate'), 'Bearer');
      t.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        'HG_ERR_UNAUTHORIZED',
      );
    }
  }
  t.same(await api.profiles.get('c-1'), { assist: true }, 'nothing was changed');
});

t.test('admin API with admin.token unset answers 401 to every token', async (t) => {
  // Attack: a deployment that never set a token must not be open (nor open to an empty token).
  const api = await startApi(t, config(null));
  for (const [method, path] of ROUTES) {
    for (const token of ['', ADMIN, 'null']) {
      t.equal((await call(api, method, path, {}, token)).status, 401, `${method} ${path}`);
    }
  }
});

t.test(
  'privilege escalation: an agent token is valid but not for the admin APIs (403)',
  async (t) => {
    // Attack: an agent (or a stolen agent token) edits profiles or reads every session.
    const api = await startApi(t, config());
    for (const [method, path] of ROUTES) {
      const res = await call(api, method, path, {}, AGENT);
      t.equal(res.status, 403, `${method} ${path}`);
      t.equal(((await res.json()) as { error: { code: string } }).error.code, 'HG_ERR_FORBIDDEN');
    }
  },
);

t.test('timing-safe token comparison: digests of equal length, whatever the input', async (t) => {
  // Attack: guessing the admin token byte by byte from how long a wrong guess takes to fail.
  // timingSafeEqual throws on inputs of different lengths; hashing first makes every
  // comparison the same length, so length is no oracle either and nothing throws.
  t.equal(tokensEqual(ADMIN, ADMIN), true);
  t.equal(tokensEqual('', ADMIN), false);
  t.equal(tokensEqual(ADMIN.slice(0, 1), ADMIN), false, 'a prefix is no match');
  t.equal(tokensEqual(`${ADMIN}${'x'.repeat(10_000)}`, ADMIN), false, 'a longer token');
  t.equal(tokensEqual('ä'.repeat(40), ADMIN), false, 'non-ASCII input');
});

t.test('profiles: PUT creates and replaces, GET reads, DELETE removes', async (t) => {
  const api = await startApi(t, config());
  const json = { 'content-type': 'application/json' };
  const body = JSON.stringify({ assist: true, tier: 'gold' });
  t.equal((await call(api, 'GET', 'api/profiles/c-1')).status, 404, 'unknown at first');
  t.equal((await call(api, 'PUT', 'api/profiles/c-1', { headers: json, body })).status, 201);
  const replaced = await call(api, 'PUT', 'api/profiles/c-1', {
    headers: json,
    body: '{"assist":false}',
  });
  t.equal(replaced.status, 200);
  const read = await call(api, 'GET', 'api/profiles/c-1');
  t.equal(read.status, 200);
  t.same(await read.json(), { assist: false }, 'PUT replaces the whole profile');
  t.equal((await call(api, 'DELETE', 'api/profiles/c-1')).status, 204);
  const gone = await call(api, 'GET', 'api/profiles/c-1');
  t.equal(gone.status, 404);
  t.equal(
    ((await gone.json()) as { error: { code: string } }).error.code,
    'HG_ERR_PROFILE_NOT_FOUND',
  );
  t.equal((await call(api, 'DELETE', 'api/profiles/c-1')).status, 404);
  const encoded = await call(api, 'PUT', 'api/profiles/a%40b.example', { headers: json, body });
  t.equal(encoded.status, 201, 'ids are percent-decoded');
  t.same(await api.profiles.get('a@b.example'), { assist: true, tier: 'gold' });
  t.equal((await call(api, 'POST', 'api/profiles/c-1')).status, 405);
});

t.test('profiles: bodies that are no usable profile are refused', async (t) => {
  const api = await startApi(t, config());
  const json = { 'content-type': 'application/json' };
  const cases: [string, RequestInit, number, string][] = [
    ['not JSON', { headers: json, body: '{assist' }, 400, 'HG_ERR_API_BAD_JSON'],
    ['an array', { headers: json, body: '[1]' }, 400, 'HG_ERR_PROFILE_BAD_BODY'],
    ['null', { headers: json, body: 'null' }, 400, 'HG_ERR_PROFILE_BAD_BODY'],
    [
      'over 16 KiB',
      { headers: json, body: JSON.stringify({ a: 'x'.repeat(16 * 1024) }) },
      413,
      'HG_ERR_PROFILE_TOO_LARGE',
    ],
    [
      'text/plain',
      { headers: { 'content-type': 'text/plain' }, body: '{}' },
      415,
      'HG_ERR_API_CONTENT_TYPE',
    ],
    [
      'prototype pollution: a __proto__ key',
      { headers: json, body: '{"__proto__":{"admin":true}}' },
      400,
      'HG_ERR_PROFILE_BAD_BODY',
    ],
  ];
  for (const [name, init, status, code] of cases) {
    const res = await call(api, 'PUT', 'api/profiles/c-1', init);
    t.equal(res.status, status, name);
    t.equal(((await res.json()) as { error: { code: string } }).error.code, code, name);
  }
  t.equal(({} as Record<string, unknown>)['admin'], undefined, 'no prototype was polluted');
  const longId = await call(api, 'GET', `api/profiles/${'x'.repeat(300)}`);
  t.equal(longId.status, 400, 'an overlong customer id');
  t.equal(api.profiles.size(), 0);
});

t.test(
  'sessions: the session as the trigger engine sees it, with the triggers firing now',
  async (t) => {
    const api = await startApi(t, config());
    const { sid } = api.visitor();
    await api.sessions.pageServed(sid, '/checkout/pay');
    await api.sessions.heartbeat(sid, {
      ...hb('pv1', '/checkout/pay', 0),
      focus: { field: 'card-number', ms: 3_000 },
      errors: [{ field: 'email', message: 'Required' }],
    });
    const res = await call(api, 'GET', `api/sessions/${sid}`);
    t.equal(res.status, 200);
    t.equal(res.headers.get('cache-control'), 'no-store');
    const view = (await res.json()) as Record<string, unknown>;
    t.match(view, {
      id: sid,
      customerId: null,
      profile: null,
      views: { '/checkout/pay': 1 },
      page: {
        pv: 'pv1',
        path: '/checkout/pay',
        heartbeats: 1,
        timeOnPageMs: 5_000,
        focus: { field: 'card-number', ms: 3_000 },
        errors: ['email'],
        returns: 0,
        servicePoint: true,
      },
      offersShown: 1,
      pinned: true,
      firing: [
        { name: 'at-checkout', offer: 'button', reasons: ['at a service point (/checkout/pay)'] },
      ],
    });
    const unknown = await call(api, 'GET', 'api/sessions/BBBBBBBBBBBBBBBBBBBBBB');
    t.equal(unknown.status, 404);
    t.equal(
      ((await unknown.json()) as { error: { code: string } }).error.code,
      'HG_ERR_SESSION_NOT_FOUND',
    );
    t.equal((await call(api, 'GET', 'api/sessions/..%2F..%2Fetc')).status, 404);
    t.equal((await call(api, 'GET', 'api/sessions/')).status, 404);
  },
);
