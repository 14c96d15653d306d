import t, { type Test } from 'tap';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection, type RedisConnection } from '../../src/store/redis-connection.js';
import { startRedisServer } from '../fixtures/redis-server.js';

const TIMEOUT_MS = 200;
const FAST_BACKOFF = { firstMs: 20, maxMs: 200 };

const redisServer = await startRedisServer(t);

function connect(t: Test, keyPrefix: string) {
  const lines: { msg: string; reason?: string; at?: string }[] = [];
  const logger = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line)) });
  const connection = createRedisConnection({
    url: redisServer.url,
    keyPrefix,
    timeoutMs: TIMEOUT_MS,
    logger,
    backoff: FAST_BACKOFF,
  });
  t.teardown(() => connection.close());
  return { connection, lines, messages: () => lines.map((l) => l.msg) };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const healthy = (connection: RedisConnection) => connection.health().status === 'ok';

t.test('commands carry the key prefix; health is ok once connected, logged once', async (t) => {
  const { connection, messages } = connect(t, 'prefix-a:');
  await until('connected', () => healthy(connection));
  await connection.run((redis) => redis.set('k', 'v'));
  t.equal(await redisServer.cli('GET', 'prefix-a:k'), 'v');
  t.equal(await connection.run((redis) => redis.get('k')), 'v');
  t.same(messages(), ['store: connected to Redis']);
});

t.test(
  'hung store: a frozen Redis fails every command within the timeout, one "lost" line, then "back"',
  async (t) => {
    // A Redis that stops answering must not hold requests nor flood the log.
    const { connection, lines, messages } = connect(t, 'prefix-b:');
    await until('connected', () => healthy(connection));
    redisServer.freeze();
    t.teardown(() => redisServer.resume());
    const started = Date.now();
    const failures = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => connection.run((redis) => redis.set(`k${i}`, 'v'))),
    );
    t.ok(Date.now() - started < TIMEOUT_MS + 300, 'every command failed within the timeout');
    t.ok(failures.every((f) => f.status === 'rejected'));
    const first = failures[0] as PromiseRejectedResult;
    t.equal(first.reason.code, 'HG_ERR_STORE_UNAVAILABLE');
    t.match(connection.health(), { status: 'unavailable', reason: String });
    // More failures while down add no lines.
    await Promise.allSettled([connection.run((redis) => redis.get('k0'))]);
    await new Promise((resolve) => setTimeout(resolve, 3 * TIMEOUT_MS));
    t.same(messages(), ['store: connected to Redis', 'store: Redis lost; reconnecting']);
    t.notMatch(JSON.stringify(lines), /password/);

    redisServer.resume();
    await until('back', () => healthy(connection));
    t.same(messages(), [
      'store: connected to Redis',
      'store: Redis lost; reconnecting',
      'store: Redis back',
    ]);
    t.equal(await connection.run((redis) => redis.set('after', 'v')), 'OK');
  },
);

t.test(
  'a Redis not there at start: unavailable with the reason, one line, connected once it runs',
  async (t) => {
    const server = await startRedisServer(t);
    await server.stop();
    const lines: { msg: string }[] = [];
    const connection = createRedisConnection({
      url: server.url,
      keyPrefix: 'p:',
      timeoutMs: TIMEOUT_MS,
      logger: createLogger('info', { write: (line: string) => lines.push(JSON.parse(line)) }),
      backoff: FAST_BACKOFF,
    });
    t.teardown(() => connection.close());
    await until('a failed attempt', () => lines.length > 0);
    await new Promise((resolve) => setTimeout(resolve, (5 * FAST_BACKOFF.maxMs) / 2));
    t.same(connection.health(), { status: 'unavailable', reason: 'cannot connect (ECONNREFUSED)' });
    await t.rejects(
      connection.run((redis) => redis.ping()),
      {
        code: 'HG_ERR_STORE_UNAVAILABLE',
        params: { reason: 'cannot connect (ECONNREFUSED)' },
      },
    );
    await server.restart();
    await until('connected', () => healthy(connection));
    t.same(
      lines.map((l) => l.msg),
      [
        'store: Redis unreachable; retrying with backoff (pages are served meanwhile)',
        'store: connected to Redis',
      ],
    );
  },
);
