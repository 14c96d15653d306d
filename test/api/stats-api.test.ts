// GET api/stats: the supervisor's figures after a scripted scenario, as JSON and CSV, its
// query validated, and only for the admin.
import t from 'tap';
import { ADMIN_TOKEN, AGENTS, startSite } from '../claims/_visitor.js';
import { ALICE, EXPECTED, runScenario } from '../console/_supervisor-scenario.js';

const get = (url: string, token: string | null, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { ...(token && { authorization: `Bearer ${token}` }), ...headers } });

t.test(
  'api/stats returns exactly the numbers of a scripted scenario, as JSON and CSV',
  async (t) => {
    const { site } = await runScenario(t);
    const url = `${site.url}/__helpgate/api/stats?since=2h&step=1m`;
    const res = await get(url, ADMIN_TOKEN);
    t.equal(res.status, 200);
    const report = (await res.json()) as {
      totals: Record<string, { value: number | null; events: number }>;
      time: number[];
      series: Record<string, { values: (number | null)[]; events: number[] }>;
      live: Record<string, unknown>;
      pages: { path: string; offered: number; accepted: number }[];
      triggers: { name: string; fired: number; offered: number; accepted: number }[];
    };
    for (const [name, value] of Object.entries(EXPECTED)) {
      t.equal(report.totals[name]?.value, value, name);
    }
    t.equal(
      report.totals.acceptanceRate?.events,
      5,
      'the rate rests on the five offers that ended',
    );
    t.equal(report.time.length, 121, 'two hours of minutes and the current one');
    t.match(report.live, { waiting: 0, unattended: 1, active: 1 });
    const ids = (report as unknown as { conversationIds: string[] }).conversationIds;
    t.equal(ids.length, EXPECTED.offersAccepted, 'the conversations behind the window are named');
    const behind = await get(`${site.url}/__helpgate/api/conversations/${ids[0]}`, ADMIN_TOKEN);
    t.equal(behind.status, 200, 'and each can be opened');
    t.match(report.triggers, [{ name: 'stuck-at-checkout', offered: 5, accepted: 3 }]);
    t.ok(
      report.pages.some((page) => page.path.startsWith('/checkout/') && page.path.includes('img')),
    );

    const csv = await get(url, ADMIN_TOKEN, { accept: 'text/csv' });
    t.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8; header=present');
    t.match(
      csv.headers.get('content-disposition'),
      /^attachment; filename="helpgate-stats-[\dT-]+\.csv"$/,
    );
    const [header, ...rows] = (await csv.text()).trimEnd().split('\r\n');
    const columns = header!.split(',');
    t.equal(rows.length, 121, 'one row per step');
    const sum = (name: string) =>
      rows.reduce((total, row) => total + Number(row.split(',')[columns.indexOf(name)] || 0), 0);
    for (const name of [
      'offersShown',
      'offersAccepted',
      'offersDismissed',
      'offersExpired',
      'promisesKept',
      'promisesBroken',
      'queued',
    ]) {
      t.equal(sum(name), EXPECTED[name as keyof typeof EXPECTED], `CSV ${name}`);
    }
    t.ok(columns.includes('acceptanceRate_events'), 'a rate carries its events');

    const one = await get(`${url}&series=offersShown,offersAccepted&format=csv`, ADMIN_TOKEN);
    t.equal((await one.text()).split('\r\n')[0], 'time,unix,offersShown,offersAccepted');
  },
);

t.test('an agent token cannot read api/stats or open the supervisor view', async (t) => {
  // An agent reading every colleague's figures (and the visitors' paths) is a leak of scope.
  const { site } = await runScenario(t);
  for (const path of ['api/stats', 'console/supervisor']) {
    const agent = await get(`${site.url}/__helpgate/${path}`, ALICE.token);
    t.equal(agent.status, 403, `${path}: agent refused`);
    const nobody = await get(`${site.url}/__helpgate/${path}`, null);
    t.equal(nobody.status, 401, `${path}: no token refused`);
    t.equal(nobody.headers.get('www-authenticate'), 'Bearer');
  }
});

t.test('a bad statistics query answers 400 with what is wrong', async (t) => {
  const { site } = await runScenario(t);
  const cases: [string, RegExp][] = [
    ['since=yesterday', /since must be a duration/],
    ['since=25h', /past the 1440 minutes kept/],
    ['step=90s', /whole number of minutes/],
    ['step=0m', /whole number of minutes/],
    ['since=2h&until=3h', /since must come before until/],
    ['series=nope', /unknown series "nope"/],
    ['window=1h', /unknown parameter "window"/],
  ];
  for (const [query, message] of cases) {
    const res = await get(`${site.url}/__helpgate/api/stats?${query}`, ADMIN_TOKEN);
    t.equal(res.status, 400, query);
    const body = (await res.json()) as { error: { code: string; message: string } };
    t.equal(body.error.code, 'HG_ERR_STATS_BAD_QUERY');
    t.match(body.error.message, message, query);
  }
  const iso = new Date(site.clock.now() - 3_600_000).toISOString();
  const ok = await get(`${site.url}/__helpgate/api/stats?since=${iso}&step=5m`, ADMIN_TOKEN);
  t.equal(ok.status, 200, 'an ISO time is a valid since');
  t.equal(((await ok.json()) as { time: number[] }).time.length, 13);
});

t.test(
  'a visitor whose trigger fired while no agent was free counts as missed for lack of capacity',
  async (t) => {
    const site = await startSite(t, {
      agents: { list: AGENTS, defaultCapacity: 1 },
      gate: { mode: 'within', maxWait: '1m' },
      triggers: [{ name: 'stuck', pages: ['/checkout/**'], when: { heartbeats: 1 } }],
    });
    const visitor = site.visitor();
    await visitor.open('/checkout/pay');
    site.clock.advance(5_000);
    t.equal((await visitor.beat()).offer, null, 'every agent is away: the gate stays closed');
    await visitor.open('/');
    const res = await get(`${site.url}/__helpgate/api/stats?since=10m`, ADMIN_TOKEN);
    const report = (await res.json()) as {
      totals: Record<string, { value: number }>;
      triggers: { name: string; fired: number; offered: number; missed: number }[];
    };
    t.equal(report.totals.missedForCapacity?.value, 1);
    t.equal(report.totals.offersShown?.value, 0);
    t.match(report.triggers, [{ name: 'stuck', fired: 1, offered: 0, missed: 1 }]);
  },
);
