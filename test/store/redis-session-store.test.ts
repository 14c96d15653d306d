// What the Redis session store adds to the contract (test/session/store.test.ts): what it
// leaves in Redis, and how much.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/logger.js';
import { countView, newSession, type Session, startPageView } from '../../src/session/session.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import {
  createRedisSessionStore,
  LOCK_MS,
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
  // A checkout never released (its instance died): its lock expires too.
  await store.checkout('d');
  const keys = await keysUnder('expiry:');
  t.ok(keys.includes('expiry:s:a') && keys.includes('expiry:moved:b'), keys.join(' '));
  t.ok(keys.includes('expiry:sl:d'), 'the lock of a checkout');
  for (const key of keys) {
    const pttl = await inspect.redis.pttl(key);
    t.ok(pttl > 0 && pttl <= LOCK_MS, `${key} expires (in ${pttl} ms)`);
  }
  // Sessions and moved ids go after their ttl; the size buckets two bucket widths (1 s) later.
  await sleep(400);
  t.same(
    (await keysUnder('expiry:')).filter((k) => !/^expiry:(live|sl):/.test(k)),
    [],
  );
  await inspect.redis.del('expiry:sl:d');
  await sleep(2_000);
  t.same(await keysUnder('expiry:'), []);
});

t.test(
  'two instances: a checkout on one waits for the other to save, then reads what it saved',
  async (t) => {
    const a = await storeAt(t, 'two:', { ttlMs: 60_000 });
    const b = await storeAt(t, 'two:', { ttlMs: 60_000 });
    await a.set('v', idleSession('v'));
    const onA = await a.checkout('v');
    let began = false;
    const onB = b.checkout('v').then((checkout) => {
      began = true;
      return checkout;
    });
    await sleep(50);
    t.notOk(began, 'B waits while A holds the session');
    await onA.save({ ...onA.session!, lastSeenAt: 42 });
    const next = await onB;
    t.equal(next.session?.lastSeenAt, 42, "B reads A's change: nothing is lost");
    await onA.release();
    await next.save({ ...next.session!, lastSeenAt: 43 });
    await next.release();
    t.equal((await a.get('v'))?.lastSeenAt, 43);
    t.same(await keysUnder('two:sl:'), [], 'no lock left behind');
  },
);

t.test(
  'an instance that died holding a session: the others give up after store.timeout, not never',
  async (t) => {
    const dead = await storeAt(t, 'dead:', { ttlMs: 60_000 });
    const alive = await storeAt(t, 'dead:', { ttlMs: 60_000, lockWaitMs: 100 });
    await dead.checkout('v');
    const started = Date.now();
    await t.rejects(alive.checkout('v'), {
      code: 'HG_ERR_STORE_UNAVAILABLE',
      params: { reason: /held by another instance/ },
    });
    t.ok(Date.now() - started < LOCK_MS, 'a page or a heartbeat is not held for the lock');
    t.equal(alive.health?.().status, 'ok', 'the store is not counted as down for it');
    const pttl = await inspect.redis.pttl('dead:sl:v');
    t.ok(pttl > 0 && pttl <= LOCK_MS, `the lock lapses by itself (in ${pttl} ms)`);
  },
);

t.test(
  "a lock left by this instance's abandoned checkout (its answer came too late) is taken over",
  async (t) => {
    // Redis froze while a checkout's lock command waited: the checkout gave up, then Redis ran
    // the command and the lock stayed. The instance must not lock its own visitor out for 5 s.
    const mine = await storeAt(t, 'stale:', { ttlMs: 60_000 });
    const other = await storeAt(t, 'stale:', { ttlMs: 60_000, lockWaitMs: 100 });
    await mine.set('v', idleSession('v'));
    const first = await mine.checkout('v');
    const token = await inspect.redis.get('stale:sl:v');
    await first.release();
    await inspect.redis.set('stale:sl:v', token!, 'PX', LOCK_MS);
    await t.rejects(
      other.checkout('v'),
      { code: 'HG_ERR_STORE_UNAVAILABLE' },
      'another instance waits',
    );
    const again = await mine.checkout('v');
    t.ok(again.session, 'this instance goes on at once');
    t.not(await inspect.redis.get('stale:sl:v'), token, 'under a lock of its own');
    await again.release();
    t.equal(await inspect.redis.get('stale:sl:v'), null);
  },
);

t.test('releasing a checkout while Redis is away neither rejects nor hangs', async (t) => {
  const connection = connect(t, 'away:');
  await connection.ready();
  const store = createRedisSessionStore({ connection, ttlMs: 60_000 });
  const checkout = await store.checkout('v');
  await connection.close();
  await t.resolves(checkout.release());
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
