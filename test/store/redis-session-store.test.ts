// What the Redis session store adds to the contract (test/session/store.test.ts): what it
// leaves in Redis, and how much.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/logger.js';
import { countView, newSession, type Session, startPageView } from '../../src/session/session.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import {
  createRedisSessionStore,
  type RedisSessionStoreOptions,
} from '../../src/store/redis-session-store.js';
import { startRedisServer } from '../fixtures/redis-server.js';

const redisServer = await startRedisServer(t);

function connect(t: Test, keyPrefix: string, timeoutMs = 500) {
  const connection = createRedisConnection({
    url: redisServer.url,
    keyPrefix,
    timeoutMs,
    logger: silentLogger(),
  });
  t.teardown(() => connection.close());
  return connection;
}

async function storeAt(
  t: Test,
  keyPrefix: string,
  options: Omit<RedisSessionStoreOptions, 'connection'>,
  timeoutMs?: number,
) {
  const connection = connect(t, keyPrefix, timeoutMs);
  await connection.ready();
  const store = createRedisSessionStore({ connection, ...options });
  t.teardown(() => store.close());
  return store;
}

/** Reads Redis as it is, without a prefix. */
const inspect = connect(t, '');
await inspect.ready();

const keysUnder = async (prefix: string) => (await inspect.redis.keys(`${prefix}*`)).sort();

/** A session as it sits between two visits: a few pages seen, the last page view kept. */
function idleSession(id: string): Session {
  const s = newSession(id, Date.now());
  for (const path of ['/', '/products/blue-kettle', '/cart']) countView(s, path);
  startPageView(s, {
    pv: 'k3J9x2Lm',
    path: '/cart',
    startedAt: s.createdAt,
    heartbeats: 6,
    lastHeartbeatAt: s.createdAt + 30_000,
    timeOnPageMs: 30_000,
    lastSeq: 5,
    nextMs: 5_000,
  });
  return s;
}

t.test('unbounded growth: nothing a session wrote outlives its ttl in Redis', async (t) => {
  // Keys without expiry would fill Redis with every visitor ever seen.
  const store = await storeAt(t, 'expiry:', { ttlMs: 300, movedAwayMs: 300 });
  await store.set('a', idleSession('a'));
  await store.set('b', idleSession('b'));
  await store.move('b', 'c', idleSession('c'));
  const keys = await keysUnder('expiry:');
  t.ok(keys.includes('expiry:s:a') && keys.includes('expiry:moved:b'), keys.join(' '));
  for (const key of keys) {
    const pttl = await inspect.redis.pttl(key);
    t.ok(pttl > 0, `${key} expires (in ${pttl} ms)`);
  }
  // Sessions and moved ids go after their ttl; the size buckets two bucket widths (1 s) later.
  await sleep(400);
  t.same(
    (await keysUnder('expiry:')).filter((k) => !k.startsWith('expiry:live:')),
    [],
  );
  await sleep(2_000);
  t.same(await keysUnder('expiry:'), []);
});

t.test('an idle session takes at most 1 KB of Redis memory (100,000 sessions)', async (t) => {
  const count = 100_000;
  // A generous timeout: the machine is busy writing 100,000 sessions, not measuring latency.
  const store = await storeAt(t, 'helpgate:', { ttlMs: 30 * 60_000 }, 10_000);
  const before = Number(await redisServer.info('used_memory'));
  const batch = 500;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from({ length: batch }, (_, j) => {
        const sid = `${String(i + j).padStart(8, '0')}AbCdEfGhIjKlMn`;
        return store.set(sid, idleSession(sid));
      }),
    );
  }
  const after = Number(await redisServer.info('used_memory'));
  const perSession = (after - before) / count;
  t.comment(`Redis memory per idle session: ${perSession.toFixed(0)} bytes`);
  t.ok(perSession <= 1024, `${perSession.toFixed(0)} bytes per session`);
  const estimate = await store.refreshSize();
  // A HyperLogLog's standard error is 0.81%: 2% is two and a half of those.
  t.ok(Math.abs(estimate - count) <= count / 50, `size() estimates ${estimate} (within 2%)`);
  await inspect.redis.flushall();
});
