// The heartbeat endpoint under load: requests/s of POST {prefix}hb at 50 connections with
// 100 000 live sessions, and the memory one session costs. Run after `npm run build`:
//
//   node bench/heartbeat.mjs
//   BENCH_SESSIONS=20000 BENCH_SECONDS=5 BENCH_CONNECTIONS=20 node bench/heartbeat.mjs
//
// helpgate runs in a child process (built through the factory, as production does, with the
// rate limits raised so they do not cap the measurement). The sessions are created through
// the real endpoint, one heartbeat each, so they hold what a real visitor's would; memory per
// session is the child's heap growth (after a forced GC) divided by the sessions created.
// During the timed run every request is a new heartbeat of a random one of those sessions.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { checkoutHeartbeat } from './fixtures.mjs';

const SECRET = 'bench-secret-0123456789abcdef';
const dist = new URL('../dist/src/', import.meta.url);

if (process.argv[2] === '--serve') await serve();
else await main();

async function serve() {
  const { createHelpgate } = await import(new URL('app.js', dist).href);
  const { configSchema } = await import(new URL('config/schema.js', dist).href);
  const sessions = Number(process.env.BENCH_SESSIONS ?? 100_000);
  const config = configSchema.parse({
    upstream: 'http://127.0.0.1:9',
    secret: SECRET,
    state: { file: null },
    log: { level: 'silent' },
    rateLimit: { perSession: '1000000/s', perAddress: '1000000/s' },
    session: { maxSessions: sessions * 2 },
    servicePoints: ['/checkout', '/checkout/**'],
    triggers: [
      { name: 'slow-checkout', pages: ['/checkout/**'], when: { timeOnPage: '10m' } },
      { name: 'form-trouble', when: { formErrors: 3 } },
    ],
  });
  const helpgate = createHelpgate(config);
  const server = http.createServer((req, res) => helpgate.handleRequest(req, res));
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    process.send({ url: `http://127.0.0.1:${server.address().port}` });
  });
  process.on('message', (message) => {
    if (message !== 'heap') return;
    globalThis.gc();
    process.send({ heapUsed: process.memoryUsage().heapUsed, sessions: helpgate.store.size() });
  });
}

async function main() {
  const sessions = Number(process.env.BENCH_SESSIONS ?? 100_000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const { createVisitorCookies } = await import(new URL('session/visitor-cookie.js', dist).href);
  const cookies = createVisitorCookies([SECRET]);

  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, BENCH_SESSIONS: String(sessions) },
  });
  const ask = (filter) =>
    new Promise((resolve) => {
      const onMessage = (message) => {
        if (!filter(message)) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
    });
  try {
    const { url } = await ask((m) => m.url);
    const heap = async () => {
      const reply = ask((m) => m.heapUsed !== undefined);
      child.send('heap');
      return reply;
    };
    const before = await heap();

    // One heartbeat per session through the real endpoint.
    const visitors = Array.from({ length: sessions }, (_, i) => ({
      cookie: `hg_sid=${cookies.sign(cookies.mint())}`,
      pv: `pv${i}`,
      seq: 0,
    }));
    const pool = new Pool(url, { connections });
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < visitors.length) {
          const visitor = visitors[next++];
          const res = await pool.request({
            method: 'POST',
            path: '/__helpgate/hb',
            headers: { 'content-type': 'application/json', cookie: visitor.cookie },
            body: checkoutHeartbeat(visitor),
          });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`pre-fill got ${res.statusCode}`);
        }
      }),
    );
    await pool.close();
    const fillSeconds = (Date.now() - started) / 1000;
    const after = await heap();

    const result = await autocannon({
      url,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/__helpgate/hb',
          setupRequest(req) {
            const visitor = visitors[Math.floor(Math.random() * visitors.length)];
            return {
              ...req,
              headers: { 'content-type': 'application/json', cookie: visitor.cookie },
              body: checkoutHeartbeat(visitor),
            };
          },
        },
      ],
    });
    const end = await heap();

    const perSession = (after.heapUsed - before.heapUsed) / sessions;
    console.log(
      JSON.stringify(
        {
          sessions: after.sessions,
          prefillSeconds: fillSeconds,
          connections,
          seconds,
          requestsPerSecond: Math.round(result.requests.average),
          latencyP99Ms: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          heapBytesPerSession: Math.round(perSession),
          heapMBAfterRun: Math.round(end.heapUsed / 1e6),
        },
        null,
        2,
      ),
    );
  } finally {
    child.kill();
  }
}
