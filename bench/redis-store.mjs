// The Redis session store against a local redis-server: memory per idle session (`INFO memory`
// before and after writing 100,000 sessions) and the latency of one session get and one set
// (sequential, one at a time, as a heartbeat does them), p50 and p99. Starts its own
// redis-server on a free loopback port and stops it. Markdown on stdout.
//
//   npm run build --silent && node bench/redis-store.mjs
//   BENCH_SESSIONS=20000 BENCH_OPS=2000 node bench/redis-store.mjs
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../dist/src/logger.js';
import { countView, newSession, startPageView } from '../dist/src/session/session.js';
import { createRedisConnection } from '../dist/src/store/redis-connection.js';
import { createRedisSessionStore } from '../dist/src/store/redis-session-store.js';

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

async function freePort() {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const dir = mkdtempSync(join(tmpdir(), 'helpgate-bench-redis-'));
const port = await freePort();
const server = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
  { stdio: 'ignore' },
);
try {
  const connection = createRedisConnection({
    url: `redis://127.0.0.1:${port}`,
    keyPrefix: 'helpgate:',
    timeoutMs: 10_000,
    logger: createLogger('silent'),
    backoff: { firstMs: 20, maxMs: 100 },
  });
  await Promise.race([
    connection.ready(),
    sleep(10_000).then(() => {
      throw new Error('no redis');
    }),
  ]);
  const store = createRedisSessionStore({ connection, ttlMs: 30 * 60_000 });
  const info = async (field) => {
    const text = await connection.redis.info('memory');
    return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(text)[1]);
  };

  // Latency first, on an empty Redis, one command at a time.
  const session = idleSession(sid(0));
  const setMs = [];
  const getMs = [];
  for (let i = 0; i < OPS; i++) {
    const id = sid(i % 1000);
    let started = performance.now();
    await store.set(id, session);
    setMs.push(performance.now() - started);
    started = performance.now();
    await store.get(id);
    getMs.push(performance.now() - started);
  }
  setMs.sort((a, b) => a - b);
  getMs.sort((a, b) => a - b);
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
  await store.close();
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  rmSync(dir, { recursive: true, force: true });
}
