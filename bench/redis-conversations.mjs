// The Redis conversation store against a local redis-server: memory per conversation (`INFO
// memory` before and after 2,000 conversations of 20 messages of 100 characters), the latency
// from an append through one instance to its delivery to a follower on another (two stores, two
// connections, as two processes have), and that latency as one process's blocking read follows
// more conversations. Starts its own redis-server on a free loopback port and stops it.
// Markdown on stdout.
//
//   npm run build --silent && node bench/redis-conversations.mjs
//   BENCH_CONVERSATIONS=500 BENCH_OPS=500 node bench/redis-conversations.mjs
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisConversationStore } from '../dist/src/store/redis-conversation-store.js';
import { connectTo, infoField, startRedis } from './redis-server.mjs';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 2_000);
const OPS = Number(process.env.BENCH_OPS ?? 2_000);
const FOLLOWED = (process.env.BENCH_FOLLOWED ?? '1,1000,10000').split(',').map(Number);

function record(id) {
  return {
    id,
    sid: `sid-${id}-AbCdEfGhIjKlMnOp`,
    offerId: `offer-${id}-AbCdEfGh`,
    context: {
      reasons: ['on /checkout/pay for 47 s', 'a form error on card number'],
      trigger: 'slow-checkout',
      path: '/checkout/pay',
      pagesBefore: ['/', '/products/blue-kettle', '/cart'],
      timeOnPageMs: 47_000,
      field: { name: 'card-number', ms: 12_000 },
      formErrors: ['card-number'],
      returns: 1,
      customerId: null,
      profile: null,
    },
    acceptedAt: Date.now(),
    promisedWaitSeconds: 120,
    path: '/checkout/pay',
    seenAt: Date.now(),
    transferNote: null,
    firstReplyAt: null,
    endedAt: null,
    endedBy: null,
  };
}

let ids = 0;
const TEXT = 'x'.repeat(100);
const message = (text = TEXT) => ({
  type: 'message',
  data: {
    id: `m${++ids}`,
    from: ids % 2 ? 'visitor' : 'agent',
    text,
    at: new Date().toISOString(),
  },
});

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const server = await startRedis();
const stores = [];
try {
  const instance = async () => {
    const connection = await connectTo(server.url);
    const store = createRedisConversationStore({
      connection,
      keepEvents: 1000,
      keepMessages: 500,
      keepFor: 86_400_000,
      maxConversations: 1_000_000,
      timeoutMs: 10_000,
    });
    stores.push({ store, connection });
    return { store, connection };
  };
  const a = await instance();
  const b = await instance();
  const info = (field) => infoField(a.connection.redis, 'memory', field);

  // Memory: conversations as a chat leaves them (queued, assigned, 20 messages).
  const before = await info('used_memory');
  for (let i = 0; i < CONVERSATIONS; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, CONVERSATIONS - i) }, async (_, j) => {
        const id = `mem${i + j}`;
        await b.store.create(record(id), Date.now());
        await b.store.append(
          id,
          {
            type: 'queued',
            data: { position: 1, estimatedWaitSeconds: 60, revised: false, late: false },
          },
          Date.now(),
        );
        await b.store.append(
          id,
          { type: 'assigned', data: { agent: { name: 'Alice' } } },
          Date.now(),
        );
        for (let m = 0; m < 20; m++) await b.store.append(id, message(), Date.now());
      }),
    );
  }
  const after = await info('used_memory');

  // Latency across instances, with `followed` conversations followed on A.
  const rows = [];
  for (const followed of FOLLOWED) {
    await a.connection.redis.flushall();
    let delivered;
    const stops = [];
    for (let i = 0; i < followed; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, followed - i) }, async (_, j) => {
          const id = `f${i + j}`;
          await b.store.create(record(id), Date.now());
          const f = await a.store.follow(id, null, { onEvent: (e) => delivered?.(e) });
          stops.push(f.stop);
        }),
      );
    }
    await sleep(200);
    const latencies = [];
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    for (let i = 0; i < OPS; i++) {
      const id = `f${i % followed}`;
      const got = new Promise((resolve) => {
        delivered = resolve;
      });
      const started = performance.now();
      await b.store.append(id, message('hi'), Date.now());
      await got;
      latencies.push(performance.now() - started);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const wall = performance.now() - wallBefore;
    latencies.sort((x, y) => x - y);
    rows.push({
      followed,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      cpuPerEvent: (cpu.user + cpu.system) / 1000 / OPS,
      perSecond: OPS / (wall / 1000),
    });
    for (const stop of stops) stop();
  }

  const f = (ms) => `${ms.toFixed(2)} ms`;
  console.log('| Redis conversation store (local redis-server) | |');
  console.log('|---|---|');
  console.log(
    `| used_memory per conversation (20 messages of 100 chars) | ${((after - before) / CONVERSATIONS).toFixed(0)} bytes (${CONVERSATIONS.toLocaleString('en')} conversations) |`,
  );
  console.log('');
  console.log(
    '| conversations followed by one process | append → follower on the other p50 / p99 | helpgate CPU per event (both instances) | events/s, one at a time |',
  );
  console.log('|---|---|---|---|');
  for (const row of rows) {
    console.log(
      `| ${row.followed.toLocaleString('en')} | ${f(row.p50)} / ${f(row.p99)} | ${f(row.cpuPerEvent)} | ${row.perSecond.toFixed(0)} |`,
    );
  }
} finally {
  for (const { store, connection } of stores) {
    await store.close();
    await connection.close();
  }
  await server.stop();
}
