// The Redis session store against a local redis-server: memory per idle session (`INFO memory`
// before and after writing 100,000 sessions) and the latency of one session get and one set,
// and of one checkout and its save (what a heartbeat does: the session's lock taken with the
// read, let go with the write), sequential, one at a time, p50 and p99. Starts its own
// redis-server on a free loopback port and stops it. Markdown on stdout.
//
//   npm run build --silent && node bench/redis-store.mjs
//   BENCH_SESSIONS=20000 BENCH_OPS=2000 node bench/redis-store.mjs
import { countView, newSession, startPageView } from '../dist/src/session/session.js';
import { createRedisSessionStore } from '../dist/src/store/redis-session-store.js';
import { connectTo, infoField, startRedis } from './redis-server.mjs';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const OPS = Number(process.env.BENCH_OPS ?? 5_000);

/** A session as it sits between two visits: a few pages seen, the last page view kept. */
function idleSession(id) {
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

const sid = (n) => `${String(n).padStart(8, '0')}AbCdEfGhIjKlMn`;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const server = await startRedis();
try {
  const connection = await connectTo(server.url);
  const store = createRedisSessionStore({ connection, ttlMs: 30 * 60_000 });
  const info = (field) => infoField(connection.redis, 'memory', field);

  // Latency first, on an empty Redis, one command at a time.
  const session = idleSession(sid(0));
  const setMs = [];
  const getMs = [];
  const checkoutMs = [];
  for (let i = 0; i < OPS; i++) {
    const id = sid(i % 1000);
    let started = performance.now();
    await store.set(id, session);
    setMs.push(performance.now() - started);
    started = performance.now();
    await store.get(id);
    getMs.push(performance.now() - started);
    started = performance.now();
    const checkout = await store.checkout(id);
    await checkout.save(checkout.session);
    await checkout.release();
    checkoutMs.push(performance.now() - started);
  }
  for (const list of [setMs, getMs, checkoutMs]) list.sort((a, b) => a - b);
  await connection.redis.flushall();

  const before = await info('used_memory');
  for (let i = 0; i < SESSIONS; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, SESSIONS - i) }, (_, j) =>
        store.set(sid(i + j), idleSession(sid(i + j))),
      ),
    );
  }
  const after = await info('used_memory');
  const estimate = await store.refreshSize();
  const json = JSON.stringify(idleSession(sid(1))).length;

  const f = (ms) => `${ms.toFixed(3)} ms`;
  console.log('| Redis session store (local redis-server) | |');
  console.log('|---|---|');
  console.log(`| sessions written | ${SESSIONS.toLocaleString('en')} (JSON ${json} bytes each) |`);
  console.log(
    `| used_memory per idle session | ${((after - before) / SESSIONS).toFixed(0)} bytes |`,
  );
  console.log(`| size() estimate | ${estimate.toLocaleString('en')} |`);
  console.log(
    `| session set p50 / p99 | ${f(percentile(setMs, 50))} / ${f(percentile(setMs, 99))} |`,
  );
  console.log(
    `| session get p50 / p99 | ${f(percentile(getMs, 50))} / ${f(percentile(getMs, 99))} |`,
  );
  console.log(
    `| checkout and save p50 / p99 | ${f(percentile(checkoutMs, 50))} / ${f(percentile(checkoutMs, 99))} |`,
  );
  await store.close();
} finally {
  await server.stop();
}
