// helpgate on the Redis session store when Redis goes away: pages keep loading (fail open, no
// offers), heartbeats answer 503 with Retry-After, healthz says why, one log line per change
// of state, and what Redis held is there when it comes back.
import t, { type Test } from 'tap';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import { createRedisSessionStore } from '../../src/store/redis-session-store.js';
import { PAGE, Visitor } from '../claims/_visitor.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { startHelpgate, startServer } from '../fixtures/servers.js';

const TIMEOUT_MS = 200;

async function until(what: string, check: () => Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startOnRedis(t: Test) {
  const redisServer = await startRedisServer(t, { appendonly: true });
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line)) });
  const connection = createRedisConnection({
    url: redisServer.url,
    keyPrefix: 'helpgate:',
    timeoutMs: TIMEOUT_MS,
    logger,
    backoff: { firstMs: 20, maxMs: 200 },
  });
  await connection.ready();
  const store = createRedisSessionStore({ connection, ttlMs: 30 * 60_000 });
  t.teardown(() => store.close());
  const upstream = await startServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  const { url, helpgate } = await startHelpgate(
    t,
    {
      upstream: upstream.url,
      heartbeat: { interval: '5s' },
      gate: { mode: 'always' },
      rateLimit: { perSession: '100/s' },
    },
    { store, logger },
  );
  const healthz = () => fetch(`${url}/__helpgate/healthz`);
  return { redisServer, store, url, helpgate, lines, healthz };
}

t.test(
  'Redis frozen: pages load, heartbeats 503 with Retry-After, healthz 503 then 200, sessions kept',
  async (t) => {
    const { redisServer, url, lines, healthz } = await startOnRedis(t);
    const visitor = await new Visitor(url).arrive('/');
    await visitor.beat();
    const before = (await visitor.beat()).next;
    t.equal((await healthz()).status, 200);

    redisServer.freeze();
    t.teardown(() => redisServer.resume());

    const started = Date.now();
    const page = await visitor.open('/products');
    t.equal(page.res.status, 200, 'the page loads');
    t.match(page.html, /<h1>Shop<\/h1>/);
    // A page reads and writes its session: two store timeouts at most, plus a busy machine.
    t.ok(
      Date.now() - started < 2 * TIMEOUT_MS + 1_000,
      `held for the store timeouts only (${Date.now() - started} ms)`,
    );

    const beat = await visitor.post({ pv: visitor.pv, path: '/products', seq: 0, visible: true });
    t.equal(beat.status, 503);
    t.equal(beat.headers.get('retry-after'), '10');
    t.match(await beat.json(), { error: { code: 'HG_ERR_STORE_UNAVAILABLE' } });

    const down = await healthz();
    t.equal(down.status, 503);
    const body = (await down.json()) as { status: string; reason: string; error: { code: string } };
    t.equal(body.status, 'unavailable');
    t.equal(body.error.code, 'HG_ERR_STORE_UNAVAILABLE');
    t.match(body.reason, /no answer|connection|connect/, body.reason);
    // Many failing requests while down, none of them logged one by one.
    for (let i = 0; i < 5; i++) {
      await visitor.open('/');
      await healthz();
    }

    redisServer.resume();
    await until('healthz 200', async () => (await healthz()).status === 200);
    const reply = await visitor.beat();
    t.ok(reply.next >= before, 'heartbeats are answered again');
    const view = await fetch(`${url}/__helpgate/hb`, { method: 'POST' });
    t.ok(view.status >= 400, 'sanity: a heartbeat without a cookie is still refused');

    const warnings = lines.filter((l) => l.level >= 40).map((l) => l.msg);
    t.same(warnings, ['store: Redis lost; reconnecting'], 'one line for the outage');
    t.same(
      lines.filter((l) => l.msg.startsWith('store:')).map((l) => l.msg),
      ['store: connected to Redis', 'store: Redis lost; reconnecting', 'store: Redis back'],
    );
  },
);

t.test(
  'Redis restarted with append-only persistence: sessions written before are there',
  async (t) => {
    const { redisServer, url, store, healthz } = await startOnRedis(t);
    const visitor = await new Visitor(url).arrive('/');
    await visitor.open('/products');
    await visitor.beat();
    // appendfsync everysec: what was written a second ago is on disk.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await redisServer.restart();
    await until('healthz 200', async () => (await healthz()).status === 200);
    const sid = decodeURIComponent(visitor.cookie.slice('hg_sid='.length)).split('.')[0]!;
    const session = await store.get(sid);
    t.ok(session, 'the session came back from the append-only file');
    t.same(session?.views, { '/': 1, '/products': 1 });
    const reply = await visitor.beat();
    t.ok(reply.next > 0, 'and the visitor goes on with it');
  },
);
