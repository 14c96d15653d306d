// Two helpgate instances with their console sessions on one Redis: a login through one is
// known on the other, a logout on one closes the session's event stream on the other, and what
// Redis holds of a session names no cookie value and expires with the session.
import t, { type Test } from 'tap';
import { createHelpgate } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import { consoleSessionKey } from '../../src/console/console-session-store.js';
import {
  CONSOLE_SESSION_TTL_MS,
  createConsoleSessions,
} from '../../src/console/console-sessions.js';
import { consoleSessionsFor } from '../../src/console/console-sessions-for.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisConnection, type RedisConnection } from '../../src/store/redis-connection.js';
import { createRedisConsoleSessionStore } from '../../src/store/redis-console-session-store.js';
import { systemClock } from '../../src/util/clock.js';
import { ADMIN_TOKEN, AGENTS } from '../claims/_visitor.js';
import { consoleFetch, login } from '../console/_console-login.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { startServer, testConfig } from '../fixtures/servers.js';
import { openSse } from '../fixtures/sse-client.js';

const alice = AGENTS[0]!;
const redisServer = await startRedisServer(t);
let prefixes = 0;

async function connect(t: Test, keyPrefix: string): Promise<RedisConnection> {
  const connection = createRedisConnection({
    url: redisServer.url,
    keyPrefix,
    timeoutMs: 500,
    logger: silentLogger(),
  });
  t.teardown(() => connection.close());
  await connection.ready();
  return connection;
}

/** Two instances, each with its own Redis connection, sharing the keys of one prefix. */
async function twoInstances(t: Test) {
  const keyPrefix = `shared${++prefixes}:`;
  const config = testConfig({ admin: { token: ADMIN_TOKEN }, agents: { list: AGENTS } });
  const start = async () => {
    const connection = await connect(t, keyPrefix);
    const store = createRedisConsoleSessionStore({ connection });
    const helpgate = createHelpgate(config, {
      logger: silentLogger(),
      consoleSessions: createConsoleSessions(config, systemClock, store),
    });
    t.teardown(async () => {
      await helpgate.close();
      await helpgate.consoleSessions.close();
    });
    const { url } = await startServer(t, (req, res) => helpgate.handleRequest(req, res));
    return { url, helpgate };
  };
  return { a: await start(), b: await start(), keyPrefix };
}

t.test('a login through instance A is known on B, cookie and CSRF value alike', async (t) => {
  const { a, b } = await twoInstances(t);
  const session = await login(a, alice.token);
  const state = await consoleFetch(b, session, 'console/state');
  t.equal(state.status, 200);
  t.match(await state.json(), { role: 'agent', agent: { id: 'alice' } });
  const page = await (await consoleFetch(b, session, 'console')).text();
  t.match(page, `data-csrf="${session.csrf}"`, "B's console page carries the same CSRF value");
  const put = await consoleFetch(b, session, 'api/agents/alice', {
    method: 'PUT',
    body: { status: 'available' },
  });
  t.equal(put.status, 200, 'a change through B passes the CSRF check');
  const forged = await consoleFetch(b, session, 'api/agents/alice', {
    method: 'PUT',
    body: { status: 'away' },
    csrf: 'x'.repeat(43),
  });
  t.equal(forged.status, 403, 'and a wrong CSRF value is refused on B too');
});

t.test(
  "stolen-tab attack: a logout through A ends the session on B and closes B's event stream",
  async (t) => {
    // The agent logs out at one desk while a console tab on another instance stays open.
    const { a, b } = await twoInstances(t);
    const session = await login(a, alice.token);
    const other = await login(b, alice.token);
    const stream = await openSse(t, `${b.url}/__helpgate/api/events`, { cookie: session.cookie });
    t.equal(stream.status, 200);
    await stream.until('snapshot');
    const otherStream = await openSse(t, `${b.url}/__helpgate/api/events`, {
      cookie: other.cookie,
    });
    await otherStream.until('snapshot');
    const out = await consoleFetch(a, session, 'console/logout', { method: 'POST' });
    t.equal(out.status, 204);
    await stream.ended;
    t.pass("the stream on B was closed by A's logout");
    t.equal(
      (await consoleFetch(b, session, 'console/state')).status,
      401,
      'the cookie is dead on B',
    );
    t.equal(
      (await consoleFetch(b, other, 'console/state')).status,
      200,
      "the agent's other login lives on",
    );
    t.notOk(otherStream.raw().includes('retry:'), 'and its stream stays open');
    otherStream.close();
  },
);

t.test('Redis holds the session under a hash of the cookie, expiring with it', async (t) => {
  const { a, keyPrefix } = await twoInstances(t);
  const session = await login(a, alice.token);
  const id = decodeURIComponent(session.cookie.slice('hg_console='.length));
  const key = `${keyPrefix}cs:${consoleSessionKey(id)}`;
  const keys = (await redisServer.cli('--scan', '--pattern', `${keyPrefix}*`)).split('\n');
  t.same(keys.sort(), [`${keyPrefix}cs:all`, key].sort(), 'two keys: the session and the index');
  t.notOk(
    keys.some((name) => name.includes(id)),
    'no key names the cookie value',
  );
  const value = await redisServer.cli('GET', key);
  t.notOk(value.includes(id), 'nor does the value');
  t.notOk(value.includes(alice.token), 'nor the token');
  const ttl = Number(await redisServer.cli('PTTL', key));
  t.ok(
    ttl > CONSOLE_SESSION_TTL_MS - 60_000 && ttl <= CONSOLE_SESSION_TTL_MS,
    `expires with the session (${ttl} ms)`,
  );
  const indexTtl = Number(await redisServer.cli('PTTL', `${keyPrefix}cs:all`));
  t.ok(indexTtl > 0 && indexTtl <= CONSOLE_SESSION_TTL_MS, 'the index expires too');
});

t.test('consoleSessionsFor: memory by default, Redis for store.kind redis', async (t) => {
  const memory = consoleSessionsFor(testConfig({ agents: { list: AGENTS } }), {
    clock: systemClock,
  });
  t.ok(await memory.login(alice.token), 'the memory store needs no connection');
  const config: Config = {
    ...testConfig({ agents: { list: AGENTS } }),
    store: { kind: 'redis', url: redisServer.url, keyPrefix: 'for:', timeout: 500 },
  } as Config;
  t.throws(() => consoleSessionsFor(config, { clock: systemClock }), {
    code: 'HG_ERR_START',
  });
  const connection = await connect(t, 'for:');
  const one = consoleSessionsFor(config, { clock: systemClock, connection });
  const two = consoleSessionsFor(config, { clock: systemClock, connection });
  t.teardown(async () => {
    await one.close();
    await two.close();
  });
  const session = (await one.login(alice.token))!;
  t.same(await two.get(session.id), session, 'two instances share the sessions');
});

t.test(
  'Redis frozen: console routes answer 503, not 401 (the console keeps its login), scripts load',
  async (t) => {
    const { a } = await twoInstances(t);
    const session = await login(a, alice.token);
    redisServer.freeze();
    let resumed = false;
    t.teardown(() => {
      if (!resumed) redisServer.resume();
    });
    const state = await consoleFetch(a, session, 'console/state');
    t.equal(state.status, 503);
    t.match(await state.json(), { error: { code: 'HG_ERR_STORE_UNAVAILABLE' } });
    const script = await fetch(`${a.url}/__helpgate/console.js`, {
      headers: { cookie: session.cookie },
    });
    t.equal(script.status, 200, 'a route that asks no one who calls does not wait for Redis');
    redisServer.resume();
    resumed = true;
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await consoleFetch(a, session, 'console/state')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    t.equal(status, 200, 'once Redis answers again, the same login works');
  },
);
