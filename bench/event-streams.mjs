// Event streams at scale: 1,000 visitors' chat streams open on one helpgate, the memory one
// open stream costs, and how long an agent's message takes to reach the visitor's stream
// (fan-out latency) while pages are being served. Run after `npm run build`:
//
//   node bench/event-streams.mjs
//   BENCH_STREAMS=2000 BENCH_SECONDS=20 BENCH_MESSAGES=200 node bench/event-streams.mjs
//
// helpgate runs in a child process, built through the factory, in front of a small upstream
// of its own. The conversations are opened through the conversation service (as an accepted
// offer opens them), each for a visitor with a validly signed cookie; every stream is then a
// real `GET {prefix}chat/{id}/events` over its own TCP connection. Messages are sent through
// the agents' API (`POST api/conversations/{id}/messages`, admin token) to random
// conversations at BENCH_MESSAGES per second, while autocannon asks for pages at 10
// connections. Latency is from the send to the event's arrival on the visitor's stream.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { processCpuSeconds } from './process-cpu.mjs';

const SECRET = 'bench-secret-0123456789abcdef';
const ADMIN = 'bench-admin-token-0123456789';
const AGENTS = 10;
const dist = new URL('../dist/src/', import.meta.url);

if (process.argv[2] === '--serve') await serve();
else await main();

async function serve() {
  const { createHelpgate } = await import(new URL('app.js', dist).href);
  const { configSchema } = await import(new URL('config/schema.js', dist).href);
  const { createVisitorCookies } = await import(new URL('session/visitor-cookie.js', dist).href);
  const page = `<!DOCTYPE html><html><head><title>Shop</title></head><body>${'<p>Lamp</p>'.repeat(200)}</body></html>`;
  const upstream = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const config = configSchema.parse({
    upstream: `http://127.0.0.1:${upstream.address().port}`,
    secret: SECRET,
    state: { file: null },
    log: { level: 'silent' },
    admin: { token: ADMIN },
    rateLimit: { perSession: '1000000/s', perAddress: '1000000/s' },
    agents: {
      defaultCapacity: 100,
      list: Array.from({ length: AGENTS }, (_, i) => ({
        id: `agent-${i}`,
        token: `agent-${i}-token-0123456789`,
      })),
    },
  });
  const helpgate = createHelpgate(config);
  const cookies = createVisitorCookies([SECRET]);
  for (let i = 0; i < AGENTS; i++)
    helpgate.capacity.setAgent(`agent-${i}`, { status: 'available' }, Date.now());
  const server = http.createServer((req, res) => helpgate.handleRequest(req, res));
  server.keepAliveTimeout = 65_000;
  server.maxConnections = 100_000;
  server.listen(0, '127.0.0.1', () => {
    process.send({ url: `http://127.0.0.1:${server.address().port}` });
  });
  process.on('message', async (message) => {
    if (message.open) {
      const opened = [];
      for (let i = 0; i < message.open; i++) {
        const sid = cookies.mint();
        const offerId = `bench-offer-${i}`;
        const now = Date.now();
        const ticket = helpgate.capacity.enqueue(
          { offerId, sid, reasons: ['bench'], path: '/checkout' },
          now,
        );
        await helpgate.conversations.opened(
          {
            conversationId: ticket.conversationId,
            sid,
            offerId,
            promisedWaitSeconds: 0,
            context: {
              reasons: ['bench'],
              trigger: 'bench',
              path: '/checkout',
              pagesBefore: [],
              timeOnPageMs: 0,
              field: null,
              formErrors: [],
              returns: 0,
              customerId: null,
              profile: null,
            },
          },
          now,
        );
        opened.push({ id: ticket.conversationId, cookie: `hg_sid=${cookies.sign(sid)}` });
      }
      process.send({ opened });
    }
    if (message === 'heap') {
      globalThis.gc();
      const { heapUsed, rss } = process.memoryUsage();
      process.send({ heapUsed, rss });
    }
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const streams = Number(process.env.BENCH_STREAMS ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const rate = Number(process.env.BENCH_MESSAGES ?? 100);
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (message, key) =>
    new Promise((resolve) => {
      const on = (reply) => {
        if (key in reply) {
          child.off('message', on);
          resolve(reply);
        }
      };
      child.on('message', on);
      child.send(message);
    });
  const { url } = await new Promise((resolve) => child.once('message', resolve));
  const { opened } = await ask({ open: streams }, 'opened');
  const before = await ask('heap', 'heapUsed');

  // One connection per stream, as one browser per visitor has.
  const received = new Map();
  const sockets = [];
  let ready = 0;
  await Promise.all(
    opened.map(
      ({ id, cookie }) =>
        new Promise((resolve, reject) => {
          const req = http.get(`${url}/__helpgate/chat/${id}/events`, {
            agent: false,
            headers: { cookie, 'sec-fetch-site': 'same-origin' },
          });
          req.on('error', reject);
          req.on('response', (res) => {
            if (res.statusCode !== 200)
              return reject(new Error(`stream answered ${res.statusCode}`));
            sockets.push(req);
            res.setEncoding('utf8');
            let buffer = '';
            let first = true;
            res.on('data', (chunk) => {
              buffer += chunk;
              let end = buffer.indexOf('\n\n');
              while (end >= 0) {
                const block = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                end = buffer.indexOf('\n\n');
                if (first && block.includes('event: assigned')) {
                  first = false;
                  ready += 1;
                  resolve();
                }
                const tag = /"text":"bench (\d+)"/.exec(block);
                if (tag) received.set(Number(tag[1]), performance.now());
              }
            });
          });
        }),
    ),
  );
  const open = await ask('heap', 'heapUsed');
  const perStream = (open.heapUsed - before.heapUsed) / streams;
  const rssPerStream = (open.rss - before.rss) / streams;

  // Messages to random conversations at `rate` per second, pages alongside.
  const sent = new Map();
  const cpuBefore = processCpuSeconds(child.pid);
  const pages = autocannon({
    url: `${url}/`,
    connections: 10,
    duration: seconds,
    headers: { 'sec-fetch-dest': 'document' },
  });
  const started = performance.now();
  let sequence = 0;
  let failed = 0;
  const sends = [];
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sequence < due) {
      const n = sequence++;
      const { id } = opened[Math.floor(Math.random() * opened.length)];
      sent.set(n, performance.now());
      sends.push(
        fetch(`${url}/__helpgate/api/conversations/${id}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ text: `bench ${n}` }),
        }).then(
          (res) => {
            if (res.status !== 201) failed += 1;
            return res.arrayBuffer();
          },
          () => {
            failed += 1;
          },
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(sends);
  const pageResult = await pages;
  await new Promise((resolve) => setTimeout(resolve, 500));
  const cpuAfter = processCpuSeconds(child.pid);

  const latencies = [];
  let lost = 0;
  for (const [n, at] of sent) {
    const got = received.get(n);
    if (got === undefined) lost += 1;
    else latencies.push(got - at);
  }
  latencies.sort((a, b) => a - b);
  const ms = (value) => (value === null ? 'n/a' : value.toFixed(1));
  console.log(`event streams open:            ${ready} of ${streams}`);
  console.log(
    `memory per open stream:        ${(perStream / 1024).toFixed(1)} KiB heap, ${(rssPerStream / 1024).toFixed(1)} KiB RSS`,
  );
  console.log(
    `messages sent:                 ${sent.size} (${rate}/s for ${seconds} s), ${failed} refused, ${lost} not received`,
  );
  console.log(
    `fan-out latency (send → event): p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms, max ${ms(latencies.at(-1) ?? null)} ms`,
  );
  console.log(
    `pages meanwhile:               ${Math.round(pageResult.requests.average)} req/s, p99 ${pageResult.latency.p99} ms`,
  );
  if (cpuBefore !== null && cpuAfter !== null) {
    const requests = pageResult.requests.total + sent.size;
    console.log(
      `helpgate CPU:                  ${((cpuAfter - cpuBefore) * 1000).toFixed(0)} ms over ${requests} requests (${(((cpuAfter - cpuBefore) * 1000) / requests).toFixed(3)} ms each)`,
    );
  }
  for (const req of sockets) req.destroy();
  child.kill();
}
