// Console sessions and the supervisor's statistics in Redis: the memory of a console session
// and of a minute bucket (`MEMORY USAGE`, and `used_memory` over many), the Redis commands each
// kind of observation sends, and how long `api/stats` takes to read 24 hours of buckets back.
// Starts its own redis-server on a free loopback port and stops it. Markdown on stdout.
//
//   npm run build --silent && node bench/redis-console-stats.mjs
//   BENCH_SESSIONS=1000 BENCH_MINUTES=60 node bench/redis-console-stats.mjs
import { configSchema } from '../dist/src/config/schema.js';
import { createConsoleSessions } from '../dist/src/console/console-sessions.js';
import { DEFAULT_BUCKETS, MINUTE_MS } from '../dist/src/console/stats/create-stats.js';
import { parseStatsQuery } from '../dist/src/console/stats/parse-stats-query.js';
import { summariseStats } from '../dist/src/console/stats/summarise-stats.js';
import { createRedisConsoleSessionStore } from '../dist/src/store/redis-console-session-store.js';
import { createRedisStats } from '../dist/src/store/redis-stats.js';
import { connectTo, infoField, startRedis } from './redis-server.mjs';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);
const MINUTES = Number(process.env.BENCH_MINUTES ?? DEFAULT_BUCKETS);

const agents = Array.from({ length: 20 }, (_, i) => ({
  id: `a${i}`,
  name: `Agent ${i}`,
  status: i % 3 === 0 ? 'busy' : 'available',
  conversations: 2,
}));

const sample = (s) => ({
  estimatedWaitMs: (s % 3) * 30_000,
  queueLength: s % 4,
  freeSlots: 3,
  maxWaitMs: 90_000,
  expireAfterMs: 60_000,
  agents,
});

/** One busy minute, as bench/supervisor-stats.mjs: 40 offers over 5 triggers and 32 pages. */
function busyMinute(stats, at) {
  for (let i = 0; i < 40; i++) {
    const id = `c${at}-${i}`;
    const base = {
      id,
      trigger: `trigger-${i % 5}`,
      kind: 'button',
      reasons: [],
      pv: 'pv',
      path: `/shop/page-${i % 32}`,
      route: 'heartbeat',
      createdAt: at,
    };
    stats.triggerFired(base.trigger, at);
    if (i % 10 === 9) {
      stats.offerChanged({ ...base, state: 'withdrawn', endedAt: at + 2_000 });
      continue;
    }
    const shownAt = at + (i % 4) * 1000;
    stats.offerChanged({ ...base, state: 'shown', shownAt });
    const ends = ['accepted', 'dismissed', 'expired', 'withdrawn'][i % 4];
    const endedAt = shownAt + (i % 7) * 3_000;
    stats.offerChanged({ ...base, state: ends, shownAt, endedAt, conversationId: id });
    if (ends !== 'accepted') continue;
    stats.opened(id, 60);
    stats.assigned(id, endedAt + (i % 5) * 1_000);
    stats.firstReply(id, endedAt + 10_000);
    stats.ended(id, endedAt + 20_000);
  }
  for (let s = 0; s < 6; s++) stats.sample(sample(s), at + s * 10_000);
}

const server = await startRedis();
try {
  const connection = await connectTo(server.url);
  const { redis } = connection;
  const usedMemory = () => infoField(redis, 'memory', 'used_memory');
  const memoryUsage = (key) => redis.memory('USAGE', key, 'SAMPLES', '0');
  const commandsProcessed = () => infoField(redis, 'stats', 'total_commands_processed');
  const rows = [];

  // Console sessions.
  const config = configSchema.parse({
    upstream: 'http://127.0.0.1:9',
    secret: 'bench-secret-0123456789abcdef',
    state: { file: null },
    agents: { list: [{ id: 'alice', name: 'Alice', token: 'alice-token-0123456789' }] },
  });
  const clock = { now: () => Date.now() };
  const store = createRedisConsoleSessionStore({ connection, clock, max: SESSIONS });
  const sessions = createConsoleSessions(config, clock, store);
  const before = await usedMemory();
  let last;
  for (let i = 0; i < SESSIONS; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, SESSIONS - i) }, () =>
        sessions.login('alice-token-0123456789'),
      ),
    );
    last = batch.at(-1);
  }
  const sessionBytes = ((await usedMemory()) - before) / SESSIONS;
  const keys = await redis.keys('helpgate:cs:*');
  const one = keys.find((key) => !key.endsWith('cs:all')).slice('helpgate:'.length);
  rows.push([
    'console session, `used_memory` per session',
    `${sessionBytes.toFixed(0)} bytes (${SESSIONS.toLocaleString('en')} sessions, index included)`,
  ]);
  rows.push(['console session, `MEMORY USAGE cs:{key}`', `${await memoryUsage(one)} bytes`]);
  rows.push([
    'console session index `cs:all`, per session',
    `${((await memoryUsage('cs:all')) / SESSIONS).toFixed(0)} bytes`,
  ]);
  const seen = await commandsProcessed();
  await sessions.get(last.id);
  rows.push([
    'commands per console request (cookie lookup)',
    `${(await commandsProcessed()) - seen - 1}`,
  ]);
  await store.close();
  await redis.flushall();

  // Commands per observation, each kind alone (client side: commands sent, all pipelined).
  const T0 = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const stats = createRedisStats({ connection, clock: { now: () => T0 + 30_000 } });
  const kinds = [];
  const measure = async (name, observe) => {
    const sent = stats.commands();
    const processed = await commandsProcessed();
    observe();
    await stats.flush();
    const onServer = (await commandsProcessed()) - processed - 1;
    kinds.push([name, stats.commands() - sent, onServer]);
  };
  const base = {
    id: 'o',
    trigger: 'stuck',
    kind: 'button',
    reasons: [],
    pv: 'pv',
    path: '/checkout',
    route: 'heartbeat',
    createdAt: T0,
  };
  await measure('trigger fired', () => stats.triggerFired('stuck', T0));
  await measure('offer shown', () =>
    stats.offerChanged({ ...base, state: 'shown', shownAt: T0 + 1000 }),
  );
  await measure('offer dismissed (or expired, withdrawn)', () =>
    stats.offerChanged({ ...base, state: 'dismissed', shownAt: T0 + 1000, endedAt: T0 + 2000 }),
  );
  await measure('offer accepted (conversation queued)', () =>
    stats.offerChanged({
      ...base,
      state: 'accepted',
      shownAt: T0 + 1000,
      endedAt: T0 + 2000,
      conversationId: 'c1',
    }),
  );
  await measure('conversation opened (the promise)', () => stats.opened('c1', 60));
  await measure('assigned (promise judged)', () => stats.assigned('c1', T0 + 10_000));
  const track = await memoryUsage('st:t:c1');
  await measure('first reply', () => stats.firstReply('c1', T0 + 12_000));
  await measure('ended', () => stats.ended('c1', T0 + 20_000));
  await measure('ended again, or of an untracked conversation', () =>
    stats.ended('c1', T0 + 21_000),
  );
  await measure('capacity sample (20 agents)', () => stats.sample(sample(1), T0 + 25_000));
  const quiet = await memoryUsage(`st:${T0 / MINUTE_MS}`);
  await redis.flushall();

  // A full day of busy minutes.
  const start = T0 - (MINUTES - 1) * MINUTE_MS;
  const day = createRedisStats({ connection, clock: { now: () => T0 + 30_000 } });
  const dayBefore = await usedMemory();
  const feedBegan = performance.now();
  const sentBefore = day.commands();
  for (let m = 0; m < MINUTES; m++) {
    busyMinute(day, start + m * MINUTE_MS);
    await day.flush();
  }
  const feedMs = performance.now() - feedBegan;
  const events = MINUTES * (40 + 36 + 36 + 9 * 4 + 4 + 6);
  const dayBytes = (await usedMemory()) - dayBefore;
  const busy = await memoryUsage(`st:${T0 / MINUTE_MS}`);
  const ids = await memoryUsage(`st:${T0 / MINUTE_MS}:ids`);
  const times = [];
  // The first read fetches every bucket; the next ones (the page polls every 10 s) only the
  // minutes not yet settled.
  for (let run = 0; run < 10; run++) {
    const began = performance.now();
    const query = parseStatsQuery(new URLSearchParams({ since: '24h' }), T0 + 30_000, 1440);
    const view = await day.read(query.fromMinute, query.toMinute);
    JSON.stringify(summariseStats(view, query, query.series));
    times.push(performance.now() - began);
  }
  const cold = times.shift();
  times.sort((a, b) => a - b);

  console.log('| Redis: console sessions and statistics (local redis-server) | |');
  console.log('|---|---|');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  console.log(
    `| quiet minute bucket (one trigger, one offer …, one sample), \`MEMORY USAGE st:{m}\` | ${quiet} bytes |`,
  );
  console.log(
    `| busy minute bucket (40 offers, 5 triggers, 32 pages, 6 samples), \`MEMORY USAGE st:{m}\` | ${busy} bytes, and ${ids} bytes for its ids |`,
  );
  console.log(
    `| a visitor followed from acceptance to the end, \`MEMORY USAGE st:t:{id}\` | ${track} bytes |`,
  );
  console.log(
    `| ${MINUTES.toLocaleString('en')} busy minutes, \`used_memory\` | ${(dayBytes / 1024 / 1024).toFixed(1)} MB (${(dayBytes / MINUTES / 1024).toFixed(1)} KB a minute) |`,
  );
  console.log(
    `| feeding them (${events.toLocaleString('en')} observations, ${(day.commands() - sentBefore).toLocaleString('en')} commands) | ${((feedMs / events) * 1000).toFixed(0)} µs per observation |`,
  );
  console.log(
    `| api/stats since=24h, read and summarised | first ${cold.toFixed(0)} ms (1,440 buckets read); then median ${times[4].toFixed(0)} ms, worst ${times[8].toFixed(0)} ms of 9 (settled buckets kept) |`,
  );
  console.log('');
  console.log(
    '| Observation | Commands sent (round trips) | Commands Redis ran, those inside the scripts included |',
  );
  console.log('|---|---|---|');
  for (const [name, sent, processed] of kinds) console.log(`| ${name} | ${sent} | ${processed} |`);
  await connection.close();
} finally {
  await server.stop();
}
