import t, { type Test } from 'tap';
import { createMetricsRoute } from '../../src/api/metrics-route.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startServer, testConfig } from '../fixtures/servers.js';
import { sampleValue } from './_exposition.js';

const ADMIN = 'admin-token-0123456789abcdef';
const SCRAPER = 'scraper-token-0123456789abcdef';
const AGENT = 'agent-token-0123456789abcdef';

/** A server answering every request with the metrics route, as the router would for `metrics`. */
async function serve(t: Test, tokens: { admin?: string | null; metrics?: string | null }) {
  const input: Partial<ConfigInput> = {
    admin: { token: tokens.admin ?? null },
    metrics: { token: tokens.metrics ?? null },
    agents: { list: [{ id: 'alice', token: AGENT }] },
  };
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.triggerFired('slow-checkout');
  const route = createMetricsRoute(testConfig(input), metrics);
  const { url } = await startServer(t, (req, res) => {
    route(req, res).catch(() => res.destroy());
  });
  /** A scrape with `Bearer <token>` (or no header for `null`); `raw` replaces the header. */
  return (token: string | null, options: { method?: string; raw?: string } = {}) => {
    const authorization = options.raw ?? (token === null ? null : `Bearer ${token}`);
    return fetch(`${url}/__helpgate/metrics`, {
      method: options.method ?? 'GET',
      headers: authorization === null ? {} : { authorization },
    });
  };
}

async function assertRefused(t: Test, res: Response, what: string) {
  t.equal(res.status, 401, what);
  t.equal(res.headers.get('www-authenticate'), 'Bearer', `${what}: says how to authenticate`);
  const body = await res.text();
  t.notMatch(body, /helpgate_/, `${what}: no metric leaks`);
  t.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'HG_ERR_UNAUTHORIZED');
}

t.test('the metrics token reads Prometheus text, never cached', async (t) => {
  const scrape = await serve(t, { admin: ADMIN, metrics: SCRAPER });
  const res = await scrape(SCRAPER);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4; charset=utf-8$/);
  t.equal(res.headers.get('cache-control'), 'no-store');
  const body = await res.text();
  t.equal(sampleValue(body, 'helpgate_triggers_fired_total', { trigger: 'slow-checkout' }), 1);
  t.equal(Number(res.headers.get('content-length')), Buffer.byteLength(body));
});

t.test('the admin token reads metrics too, with or without a metrics token', async (t) => {
  for (const metricsToken of [SCRAPER, null]) {
    const scrape = await serve(t, { admin: ADMIN, metrics: metricsToken });
    t.equal((await scrape(ADMIN)).status, 200, `metrics.token ${metricsToken ? 'set' : 'unset'}`);
  }
});

t.test('a metrics token alone (no admin token) is enough', async (t) => {
  const scrape = await serve(t, { metrics: SCRAPER });
  t.equal((await scrape(SCRAPER)).status, 200);
});

t.test('HEAD answers the headers only', async (t) => {
  const scrape = await serve(t, { metrics: SCRAPER });
  const res = await scrape(SCRAPER, { method: 'HEAD' });
  t.equal(res.status, 200);
  t.equal(await res.text(), '');
});

t.test('reading metrics without a token', async (t) => {
  // Attack: anyone on the internet learns the site's traffic, trigger names and staffing.
  const scrape = await serve(t, { admin: ADMIN, metrics: SCRAPER });
  await assertRefused(t, await scrape(null), 'no Authorization header');
});

t.test('reading metrics with a wrong or almost-right token', async (t) => {
  // Attack: guessing the token, or a prefix/suffix of it, or another auth scheme.
  const scrape = await serve(t, { admin: ADMIN, metrics: SCRAPER });
  for (const token of ['wrong-token-0123456789abcdef', `${SCRAPER}x`, SCRAPER.slice(0, -1), '']) {
    await assertRefused(t, await scrape(token), JSON.stringify(token));
  }
  await assertRefused(t, await scrape(null, { raw: `Basic ${SCRAPER}` }), 'Basic scheme');
  await assertRefused(t, await scrape(null, { raw: SCRAPER }), 'a bare token');
});

t.test('an agent token cannot read metrics', async (t) => {
  // Attack: an agent (or a leaked agent token) reads site-wide figures meant for operators.
  const scrape = await serve(t, { admin: ADMIN, metrics: SCRAPER });
  await assertRefused(t, await scrape(AGENT), 'agent token');
});

t.test('with neither a metrics nor an admin token configured, nobody reads metrics', async (t) => {
  // Attack: a deployment that never set a token must not expose metrics (nor accept "null").
  const scrape = await serve(t, {});
  for (const token of [null, '', 'null', ADMIN, SCRAPER, AGENT]) {
    await assertRefused(t, await scrape(token), `token ${JSON.stringify(token)}`);
  }
});
