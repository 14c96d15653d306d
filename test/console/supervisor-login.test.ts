// The supervisor view through the console's login: the admin token's cookie opens it, an
// agent's cookie never does, and a person who is not logged in is sent to the login form.
import t from 'tap';
import { ADMIN_TOKEN, AGENTS, startSite } from '../claims/_visitor.js';
import { consoleFetch, login } from './_console-login.js';

const alice = AGENTS[0]!;

t.test(
  "privilege escalation: an agent's console cookie cannot open the supervisor view",
  async (t) => {
    // An agent (or whoever has an agent's browser) reaches for the figures of every agent.
    const site = await startSite(t, { agents: { list: AGENTS } });
    const agent = await login(site, alice.token);
    const page = await consoleFetch(site, agent, 'console/supervisor');
    t.equal(page.status, 403, 'the page is refused');
    t.notMatch(await page.text(), 'supervisor.js', 'and carries no charts');
    const stats = await consoleFetch(site, agent, 'api/stats?since=1h');
    t.equal(stats.status, 403, 'api/stats is refused');
  },
);

t.test('the admin logs in to the console and reaches the supervisor view', async (t) => {
  const site = await startSite(t, { agents: { list: AGENTS } });
  const form = await fetch(`${site.url}/__helpgate/console/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ token: ADMIN_TOKEN }),
    redirect: 'manual',
  });
  t.equal(form.status, 303);
  t.equal(form.headers.get('location'), '/__helpgate/console/supervisor', 'sent to the charts');

  const admin = await login(site, ADMIN_TOKEN);
  const page = await consoleFetch(site, admin, 'console/supervisor');
  t.equal(page.status, 200);
  t.match(await page.text(), /supervisor\.js\?v=\w+/, 'the page with its script');
  const stats = await consoleFetch(site, admin, 'api/stats?since=1h');
  t.equal(stats.status, 200, 'and its figures');
});

t.test('nobody logged in: a browser is sent to the login form, a script gets 401', async (t) => {
  const site = await startSite(t, { agents: { list: AGENTS } });
  const browser = await fetch(`${site.url}/__helpgate/console/supervisor`, {
    headers: { accept: 'text/html,application/xhtml+xml' },
    redirect: 'manual',
  });
  t.equal(browser.status, 303);
  t.equal(browser.headers.get('location'), '/__helpgate/console');
  const script = await fetch(`${site.url}/__helpgate/api/stats`);
  t.equal(script.status, 401);
});
