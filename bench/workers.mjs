// Worker processes and the Redis store under load, one command, every row in the same run:
// heartbeats and pages through `bin/helpgate start` with one process on the memory store, one
// process on Redis, and `workers: 2` on Redis. For each row: requests/s, p50 and p99, the CPU
// time helpgate spent per request (every process of it: the primary and its workers) and the
// CPU time redis-server spent per request (its /proc/<pid>/stat), each and summed, and the
// ratio of that sum to the memory store's. Progress on stderr, the Markdown report on stdout.
//
//   npm run build --silent && node bench/workers.mjs
//   BENCH_ROUNDS=3 node bench/workers.mjs        # every row three times; medians reported
//
// BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (50), BENCH_ROUNDS (1) as in
// bench/README.md; BENCH_SESSIONS (10000): visitor sessions created before the heartbeat row,
// one heartbeat each through the real endpoint; the timed heartbeats go to random ones of them.
// BENCH_SETUPS (memory,redis,redis-2) and BENCH_KINDS (hb,page,unique) pick rows, e.g.
// `BENCH_SETUPS=memory,redis BENCH_KINDS=hb` for the heartbeat alone.
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { createVisitorCookies } from '../dist/src/session/visitor-cookie.js';
import { assertAlive, stopAll, stopChild, stopChildrenOnExit } from './children.mjs';
import { checkoutHeartbeat } from './fixtures.mjs';
import { load, median, setting } from './load.mjs';
import { ownCpuSeconds, processCpuSeconds } from './process-cpu.mjs';
import { startRedis } from './redis-server.mjs';
import { startHelpgate, startNodeScript, uniquePath } from './servers.mjs';

const settings = {
  seconds: setting('BENCH_SECONDS', 10),
  warmup: setting('BENCH_WARMUP_SECONDS', 3),
  connections: setting('BENCH_CONNECTIONS', 50),
  rounds: setting('BENCH_ROUNDS', 1),
  sessions: setting('BENCH_SESSIONS', 10_000),
};
const SECRET = 'bench-secret-0123456789abcdef';
const SETTLE_MS = 1000;
const progress = (line) => process.stderr.write(`${line}\n`);

/** The three ways helpgate runs here; each is started for its rows and stopped after them. */
/** The rows `name` (a comma-separated list of keys) picks; all of them when it is unset. */
function picked(rows, name) {
  const keys = process.env[name]?.split(',').map((key) => key.trim());
  if (keys === undefined) return rows;
  const unknown = keys.filter((key) => !rows.some((row) => row.key === key));
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')}`);
  return rows.filter((row) => keys.includes(row.key));
}
const SETUPS = picked(
  [
    { key: 'memory', label: 'one process, memory store', redis: false, workers: 1 },
    { key: 'redis', label: 'one process, Redis store', redis: true, workers: 1 },
    { key: 'redis-2', label: '`workers: 2`, Redis store', redis: true, workers: 2 },
  ],
  'BENCH_SETUPS',
);
const KINDS = picked(
  [
    { key: 'hb', label: 'heartbeat' },
    { key: 'page', label: 'HTML page, the same page again and again' },
    { key: 'unique', label: 'HTML page, a different page every request' },
  ],
  'BENCH_KINDS',
);

const hbRequest = (visitor) => ({
  method: 'POST',
  path: '/__helpgate/hb',
  headers: { 'content-type': 'application/json', cookie: visitor.cookie },
  body: checkoutHeartbeat(visitor),
});

/** Waits until `healthz` answers 200: helpgate listens before its Redis connection is up. */
async function waitHealthy(url) {
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/__helpgate/healthz`).catch(() => null);
    await res?.body?.cancel();
    if (res?.status === 200) return;
    if (i > 200) throw new Error(`${url}: healthz answers ${res?.status}`);
    await sleep(100);
  }
}

/**
 * One heartbeat per visitor through the real endpoint, so every session is a real one. A 503
 * (a store call that timed out on the busy machine) is tried again after a moment.
 */
async function createSessions(url, visitors) {
  const pool = new Pool(url, { connections: settings.connections });
  let next = 0;
  await Promise.all(
    Array.from({ length: settings.connections }, async () => {
      while (next < visitors.length) {
        const visitor = visitors[next++];
        for (let attempt = 1; ; attempt++) {
          const res = await pool.request(hbRequest(visitor));
          await res.body.dump();
          if (res.statusCode === 200) break;
          if (res.statusCode !== 503 || attempt === 5) {
            throw new Error(`creating sessions: ${res.statusCode}`);
          }
          await sleep(200);
        }
      }
    }),
  );
  await pool.close();
}

function heartbeats(url, visitors, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: settings.connections,
        duration: seconds,
        requests: [
          {
            setupRequest: () => hbRequest(visitors[Math.floor(Math.random() * visitors.length)]),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          rps: result.requests.total / result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
          requests: result.requests.total,
          failures: result.errors + result.timeouts + result.non2xx,
        });
      },
    );
  });
}

const IDLE_SECONDS = 5;

/**
 * CPU seconds so far: helpgate with its workers, redis-server, and the primary alone (with
 * `workers` above 1 the helpgate process is the primary; alone it is the whole of helpgate).
 */
const cpuNow = (helpgate, redis) => [
  processCpuSeconds(helpgate.pid),
  processCpuSeconds(redis.pid),
  ownCpuSeconds(helpgate.pid),
];

/** Warm-up, then the timed run with the CPU helpgate and redis-server spent during it. */
async function measure(run, helpgate, redis) {
  await run(settings.warmup);
  const before = cpuNow(helpgate, redis);
  const result = await run(settings.seconds);
  const after = cpuNow(helpgate, redis);
  const perRequest = (i) =>
    before[i] === null || after[i] === null || result.requests === 0
      ? null
      : ((after[i] - before[i]) * 1000) / result.requests;
  assertAlive(helpgate);
  await sleep(SETTLE_MS);
  return {
    ...result,
    helpgateCpuMs: perRequest(0),
    redisCpuMs: perRequest(1),
    primaryCpuMs: perRequest(2),
  };
}

/** CPU ms per second helpgate (all its processes) and redis-server spend with no requests. */
async function idleCpu(helpgate, redis) {
  const before = cpuNow(helpgate, redis);
  await sleep(IDLE_SECONDS * 1000);
  const after = cpuNow(helpgate, redis);
  const perSecond = (i) =>
    before[i] === null || after[i] === null ? null : ((after[i] - before[i]) * 1000) / IDLE_SECONDS;
  return { helpgateCpuMs: perSecond(0), redisCpuMs: perSecond(1) };
}

async function measureSetup(setup, upstream, redis, cookies) {
  const extra = [
    "servicePoints: ['/checkout', '/checkout/**']",
    "triggers: [{ name: slow-checkout, pages: ['/checkout/**'], when: { timeOnPage: 10m } }, " +
      '{ name: form-trouble, when: { formErrors: 3 } }]',
    "rateLimit: { perSession: '1000000/s', perAddress: '1000000/s' }",
    `session: { maxSessions: ${settings.sessions * 2} }`,
    `workers: ${setup.workers}`,
    ...(setup.redis ? [`store: { kind: redis, url: "${redis.url}", timeout: 2s }`] : []),
  ];
  const helpgate = await startHelpgate(`helpgate (${setup.label})`, upstream.url, { extra });
  try {
    const visitors = Array.from({ length: settings.sessions }, (_, i) => ({
      cookie: `hg_sid=${cookies.sign(cookies.mint())}`,
      pv: `pv${i}`,
      seq: 0,
    }));
    await waitHealthy(helpgate.url);
    await createSessions(helpgate.url, visitors);
    const rows = {};
    rows.idle = await idleCpu(helpgate, redis);
    const wanted = (key) => KINDS.some((kind) => kind.key === key);
    if (wanted('hb')) {
      rows.hb = await measure((s) => heartbeats(helpgate.url, visitors, s), helpgate, redis);
    }
    for (const [key, path] of [
      ['page', '/page'],
      ['unique', uniquePath],
    ]) {
      if (!wanted(key)) continue;
      const run = (seconds) =>
        load({ base: helpgate.url, path, seconds, connections: settings.connections });
      rows[key] = await measure(run, helpgate, redis);
    }
    return rows;
  } finally {
    await stopChild(helpgate);
    await redis.flush();
  }
}

const fixed = (value, digits = 0) => (value == null ? 'n/a' : value.toFixed(digits));
const sum = (a, b) => (a == null || b == null ? null : a + b);
const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
const times = (value) => (value == null ? 'n/a' : `${value.toFixed(2)}×`);

async function main() {
  stopChildrenOnExit();
  const cookies = createVisitorCookies([SECRET]);
  const upstream = await startNodeScript('upstream', 'bench/upstream.mjs');
  const redis = await startRedis();
  const loadBefore = loadavg()[0];
  const runs = new Map();
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      for (const setup of SETUPS) {
        const rows = await measureSetup(setup, upstream, redis, cookies);
        runs.set(`${setup.key}/idle`, [...(runs.get(`${setup.key}/idle`) ?? []), rows.idle]);
        for (const kind of KINDS) {
          const r = rows[kind.key];
          const key = `${setup.key}/${kind.key}`;
          runs.set(key, [...(runs.get(key) ?? []), r]);
          progress(
            `${settings.rounds > 1 ? `round ${round}: ` : ''}${kind.label} — ${setup.label}: ` +
              `${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, helpgate ${fixed(r.helpgateCpuMs, 3)} ` +
              `+ redis ${fixed(r.redisCpuMs, 3)} CPU ms/req${r.failures ? `, ${r.failures} failed` : ''}`,
          );
        }
      }
    }
  } finally {
    await redis.stop();
  }

  const result = new Map();
  for (const [key, list] of runs) {
    const mid = (field) =>
      list.some((r) => r[field] == null) ? null : median(list.map((r) => r[field]));
    result.set(key, {
      rps: mid('rps'),
      p50: mid('p50'),
      p99: mid('p99'),
      helpgateCpuMs: mid('helpgateCpuMs'),
      redisCpuMs: mid('redisCpuMs'),
      primaryCpuMs: mid('primaryCpuMs'),
      failures: list.reduce((n, r) => n + (r.failures ?? 0), 0),
    });
  }
  const lines = [
    `### helpgate workers and the Redis store, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ` +
      'shared by the load generator (autocannon, in the bench process), helpgate, redis-server ' +
      `and the upstream. ${settings.connections} connections, ${settings.seconds} s per row ` +
      `after ${settings.warmup} s of warm-up, ${settings.sessions.toLocaleString('en')} sessions` +
      `${settings.rounds > 1 ? `, median of ${settings.rounds} rounds` : ''}; load average ` +
      `${loadBefore.toFixed(1)} before the run, ${loadavg()[0].toFixed(1)} after. CPU ms/req is ` +
      'the figure that carries to bigger machines; req/s here is bounded by the shared cores.',
    '',
    '| requests | helpgate | req/s | p50 ms | p99 ms | helpgate CPU ms/req | redis-server CPU ms/req | sum | sum ÷ memory store | failed |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const kind of KINDS) {
    const base = result.get(`memory/${kind.key}`);
    for (const setup of SETUPS) {
      const r = result.get(`${setup.key}/${kind.key}`);
      const total = setup.redis ? sum(r.helpgateCpuMs, r.redisCpuMs) : r.helpgateCpuMs;
      lines.push(
        `| ${kind.label} | ${setup.label} | ${fixed(r.rps)} | ${fixed(r.p50)} | ${fixed(r.p99)} | ` +
          `${fixed(r.helpgateCpuMs, 3)} | ${setup.redis ? fixed(r.redisCpuMs, 3) : '—'} | ` +
          `${fixed(total, 3)} | ${times(ratio(total, base.helpgateCpuMs))} | ${r.failures} |`,
      );
    }
  }
  lines.push(
    '',
    `| helpgate | idle: helpgate CPU ms/s | idle: redis-server CPU ms/s | the primary alone, CPU ms/req (heartbeats / same page / different pages) |`,
    '|---|---:|---:|---|',
  );
  for (const setup of SETUPS) {
    const idle = result.get(`${setup.key}/idle`);
    const primary =
      setup.workers > 1
        ? KINDS.map((kind) => fixed(result.get(`${setup.key}/${kind.key}`).primaryCpuMs, 3)).join(
            ' / ',
          )
        : '— (no primary)';
    lines.push(
      `| ${setup.label} | ${fixed(idle.helpgateCpuMs, 1)} | ${fixed(idle.redisCpuMs, 1)} | ${primary} |`,
    );
  }
  const hbRedis = result.get('redis/hb');
  const hbTwo = result.get('redis-2/hb');
  const hbMemory = result.get('memory/hb');
  const verdict = (value, ok) => (value == null ? 'n/a' : ok(value) ? 'yes' : '**no**');
  // A row left out (BENCH_SETUPS, BENCH_KINDS) reads as n/a.
  const cpuRatio = (r) =>
    r && hbMemory ? ratio(sum(r.helpgateCpuMs, r.redisCpuMs), hbMemory.helpgateCpuMs) : null;
  lines.push(
    '',
    '| target (issue 19) | measured | goal | met |',
    '|---|---:|---|---|',
    `| heartbeat CPU, helpgate + redis-server ÷ memory store, one process | ${times(cpuRatio(hbRedis))} | ≤ 1.5× | ${verdict(cpuRatio(hbRedis), (x) => x <= 1.5)} |`,
    `| heartbeat CPU, helpgate + redis-server ÷ memory store, \`workers: 2\` | ${times(cpuRatio(hbTwo))} | ≤ 1.5× | ${verdict(cpuRatio(hbTwo), (x) => x <= 1.5)} |`,
    `| heartbeat p99 on Redis, one process, ${settings.connections} connections | ${fixed(hbRedis?.p99)} ms | < 20 ms | ${verdict(hbRedis?.p99, (x) => x < 20)} |`,
    `| heartbeat p99 on Redis, \`workers: 2\`, ${settings.connections} connections | ${fixed(hbTwo?.p99)} ms | < 20 ms | ${verdict(hbTwo?.p99, (x) => x < 20)} |`,
    '',
  );
  process.stdout.write(`\n${lines.join('\n')}`);
  if ([...result.values()].some((r) => r.failures > 0)) process.exitCode = 1;
}

try {
  await main();
} finally {
  await stopAll();
}
