// Console logins: the cookie, wrong tokens, the CSRF rule, the cookie kept from the site, an
// agent's cookie kept from admin APIs, and tokens a reload removes or changes.
import t from 'tap';
import { createHelpgate, type Helpgate } from '../../src/app.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { ADMIN_TOKEN, AGENTS, startSite } from '../claims/_visitor.js';
import { startHelpgate, startServer, testConfig } from '../fixtures/servers.js';
import { openSse } from '../fixtures/sse-client.js';
import { consoleFetch, login } from './_console-login.js';

const alice = AGENTS[0]!;

t.test(
  'a login with an agent token sets an HttpOnly, Strict cookie that carries no token',
  async (t) => {
    const site = await startSite(t, { agents: { list: AGENTS } });
    const res = await fetch(`${site.url}/__helpgate/console/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ token: alice.token }).toString(),
      redirect: 'manual',
    });
    t.equal(res.status, 303, 'the form posts, then the console is loaded again (no re-post)');
    t.equal(res.headers.get('location'), '/__helpgate/console');
    const setCookie = res.headers.get('set-cookie') ?? '';
    t.match(
      setCookie,
      /^hg_console=[A-Za-z0-9_-]{43}; Path=\/__helpgate\/; HttpOnly; SameSite=Strict$/,
    );
    t.notMatch(setCookie, alice.token, 'the token is not in the cookie');
    const page = await fetch(`${site.url}/__helpgate/console`, {
      headers: { cookie: setCookie.split(';')[0]! },
    });
    const html = await page.text();
    t.match(html, 'data-role="agent"');
    t.match(html, 'data-agent="alice"');
    t.notMatch(html, alice.token, 'nor in the page');
    t.match(page.headers.get('content-security-policy'), "script-src 'self'");
    t.match(page.headers.get('cache-control'), 'no-store');
  },
);

t.test(
  'wrong-token attack: a guessed token is refused in words and guessing is rate-limited',
  async (t) => {
    // An attacker tries tokens at the login form until one works.
    const site = await startSite(t, { agents: { list: AGENTS } });
    const attempt = (token: string, type = 'application/json') =>
      fetch(`${site.url}/__helpgate/console/login`, {
        method: 'POST',
        headers: { 'content-type': type, 'x-forwarded-for': '203.0.113.9' },
        body: type === 'application/json' ? JSON.stringify({ token }) : `token=${token}`,
      });
    const json = await attempt('not-a-token-0123456789');
    t.equal(json.status, 401);
    t.match(await json.json(), { error: { code: 'HG_ERR_CONSOLE_LOGIN' } });
    t.notOk(json.headers.get('set-cookie'), 'no cookie for a wrong token');
    const form = await attempt('not-a-token-0123456789', 'application/x-www-form-urlencoded');
    t.equal(form.status, 401);
    t.match(
      await form.text(),
      /role="alert"[^>]*>that token is not an agent&#39;s or the admin&#39;s token/,
    );
    let last = form;
    for (let i = 0; i < 10; i++) last = await attempt(`guess-${i}-0123456789abcdef`);
    t.equal(last.status, 429, 'the eleventh try in a minute is refused');
    t.ok(Number(last.headers.get('retry-after')) >= 1, 'with Retry-After');
    const right = await attempt(alice.token);
    t.equal(right.status, 429, 'even the right token waits: guessing cannot go on in parallel');
    site.clock.advance(60_000);
    t.equal((await attempt(alice.token)).status, 200, 'and works once the minute has passed');
  },
);

t.test(
  'cross-site POST attack: another site cannot log in, log out or act with the cookie',
  async (t) => {
    // A page on another site makes the agent's browser post to helpgate with the agent's cookie.
    const site = await startSite(t, { agents: { list: AGENTS } });
    const crossLogin = await fetch(`${site.url}/__helpgate/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ token: alice.token }),
    });
    t.equal(crossLogin.status, 403, "login CSRF: the attacker's token is not planted");
    const session = await login(site, alice.token);
    const put = (init: Parameters<typeof consoleFetch>[3]) =>
      consoleFetch(site, session, 'api/agents/alice', {
        method: 'PUT',
        body: { status: 'available' },
        ...init,
      });
    const noHeader = await put({ csrf: null });
    t.equal(noHeader.status, 403, 'no CSRF header');
    t.match(await noHeader.json(), { error: { code: 'HG_ERR_CONSOLE_CSRF' } });
    t.equal((await put({ csrf: 'x'.repeat(43) })).status, 403, 'a wrong CSRF header');
    t.equal((await put({ site: 'cross-site' })).status, 403, 'the right header from another site');
    t.equal((await put({ site: 'same-site' })).status, 403, 'from a sibling subdomain');
    t.equal(site.helpgate.capacity.agent('alice')?.status, 'away', 'nothing changed');
    t.equal((await put({})).status, 200, 'the console itself may');
    t.equal(site.helpgate.capacity.agent('alice')?.status, 'available');
    const bearer = await fetch(`${site.url}/__helpgate/api/agents/alice`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'busy' }),
    });
    t.equal(bearer.status, 200, 'a Bearer caller needs no CSRF header');
    const crossLogout = await consoleFetch(site, session, 'console/logout', {
      method: 'POST',
      site: 'cross-site',
    });
    t.equal(crossLogout.status, 403, 'logout from another site');
    t.equal((await consoleFetch(site, session, 'console/state')).status, 200, 'still logged in');
  },
);

t.test('logout ends the console session and removes the cookie', async (t) => {
  const site = await startSite(t, { agents: { list: AGENTS } });
  const session = await login(site, alice.token);
  const out = await consoleFetch(site, session, 'console/logout', { method: 'POST' });
  t.equal(out.status, 204);
  t.match(out.headers.get('set-cookie'), /^hg_console=; .*Max-Age=0/);
  t.equal(
    (await consoleFetch(site, session, 'console/state')).status,
    401,
    'the old cookie is dead',
  );
  const page = await (await consoleFetch(site, session, 'console')).text();
  t.match(page, '<form class="login"', 'the console shows the login form again');
});

t.test(
  'cookie injection from the upstream: the site can neither set nor read the console cookie',
  async (t) => {
    // A compromised or hostile upstream plants its own console session in the agent's browser.
    const site = await startSite(t, { agents: { list: AGENTS } });
    site.upstreamHeaders.set('/', {
      'set-cookie': ['hg_console=planted; Path=/__helpgate/', 'shop=1; Path=/'],
    });
    const page = await fetch(`${site.url}/`, { headers: { 'sec-fetch-dest': 'document' } });
    const set = page.headers.getSetCookie();
    t.notOk(
      set.some((line) => line.startsWith('hg_console')),
      'the planted cookie is dropped',
    );
    t.ok(
      set.some((line) => line.startsWith('shop=1')),
      "the site's own cookie passes",
    );
    const session = await login(site, alice.token);
    const seen: string[] = [];
    const upstream = await startServer(t, (req, res) => {
      seen.push(req.headers.cookie ?? '');
      res.end('ok');
    });
    const proxied = await startHelpgate(t, { upstream: upstream.url, agents: { list: AGENTS } });
    await fetch(`${proxied.url}/api/orders`, { headers: { cookie: `${session.cookie}; shop=1` } });
    t.same(seen, ['shop=1'], 'the console cookie is not forwarded upstream');
  },
);

t.test("an agent's cookie cannot open admin APIs", async (t) => {
  // An agent (or whoever stole an agent's browser) reaches for the operator's powers.
  const site = await startSite(t, { agents: { list: AGENTS } });
  const session = await login(site, alice.token);
  for (const path of ['api/capacity', 'api/agents', 'api/profiles/c1', 'api/agents/bob']) {
    const res = await consoleFetch(site, session, path);
    t.ok([401, 403].includes(res.status), `${path}: ${res.status}`);
  }
  const put = await consoleFetch(site, session, 'api/agents/alice', {
    method: 'PUT',
    body: { capacity: 50 },
  });
  t.equal(put.status, 403, 'nor raise its own capacity');
  const admin = await login(site, ADMIN_TOKEN);
  const state = await (await consoleFetch(site, admin, 'console/state')).json();
  t.match(state, { role: 'admin', agent: null }, 'the admin token gives a supervisor session');
});

t.test(
  'token removed by reload: the agent loses its console session and its event stream',
  async (t) => {
    // An agent who left the company keeps a console tab open after the operator removed them.
    const base: Partial<ConfigInput> = { admin: { token: ADMIN_TOKEN } };
    let current: Helpgate = createHelpgate(testConfig({ ...base, agents: { list: AGENTS } }), {
      logger: silentLogger(),
    });
    const { url } = await startServer(t, (req, res) => current.handleRequest(req, res));
    t.teardown(() => current.close());
    const site = { url };
    const aliceSession = await login(site, alice.token);
    const bobSession = await login(site, AGENTS[1]!.token);
    const stream = await openSse(t, `${url}/__helpgate/api/events`, {
      cookie: aliceSession.cookie,
    });
    t.equal(stream.status, 200);
    await stream.until('snapshot');
    const bearerStream = await openSse(t, `${url}/__helpgate/api/events`, {
      authorization: `Bearer ${alice.token}`,
    });
    await bearerStream.until('snapshot');

    const previous = current;
    current = createHelpgate(testConfig({ ...base, agents: { list: [AGENTS[1]!] } }), {
      logger: silentLogger(),
      capacity: previous.capacity,
      conversations: previous.conversations,
      consoleSessions: previous.consoleSessions,
    });
    await previous.close({ handOver: true });
    await stream.ended;
    await bearerStream.ended;
    t.pass('both of her streams were closed');
    t.equal(
      (await consoleFetch(site, aliceSession, 'console/state')).status,
      401,
      'her cookie is dead',
    );
    t.equal((await consoleFetch(site, bobSession, 'console/state')).status, 200, "Bob's lives on");

    // A changed token ends Bob's session too.
    const changed = { ...AGENTS[1]!, token: 'bob-new-token-0123456789' };
    const before = current;
    current = createHelpgate(testConfig({ ...base, agents: { list: [changed] } }), {
      logger: silentLogger(),
      capacity: before.capacity,
      conversations: before.conversations,
      consoleSessions: before.consoleSessions,
    });
    await before.close({ handOver: true });
    t.equal((await consoleFetch(site, bobSession, 'console/state')).status, 401, 'token changed');
  },
);
