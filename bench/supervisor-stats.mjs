// The supervisor's statistics at their bound: the memory of a full ring of per-minute buckets
// (an empty bucket, and one busy enough to hold every histogram, 5 triggers and 32 pages),
// and how long `GET api/stats` takes to read 24 hours of them. Run after `npm run build`:
//
//   node --expose-gc bench/supervisor-stats.mjs
//
// The ring is filled through the same calls the parts make (triggers, offers, assignments,
// replies, ends, capacity samples), one busy minute after another, on a manual clock.
import { performance } from 'node:perf_hooks';
import { createStats, DEFAULT_BUCKETS, MINUTE_MS } from '../dist/src/console/stats/create-stats.js';
import { parseStatsQuery } from '../dist/src/console/stats/parse-stats-query.js';
import { statsCsv } from '../dist/src/console/stats/stats-csv.js';
import { summariseStats } from '../dist/src/console/stats/summarise-stats.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const T0 = Date.UTC(2026, 0, 1);
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

const agents = Array.from({ length: 20 }, (_, i) => ({
  id: `a${i}`,
  name: `Agent ${i}`,
  status: i % 3 === 0 ? 'busy' : 'available',
  conversations: 2,
}));

/** One busy minute: 40 offers over 5 triggers and 32 pages, each way they can end. */
function busyMinute(stats, minute) {
  const at = T0 + minute * MINUTE_MS;
  for (let i = 0; i < 40; i++) {
    const id = `c${minute}-${i}`;
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
    stats.assigned(id, endedAt + (i % 5) * 20_000);
    stats.firstReply(id, endedAt + 110_000);
    stats.ended(id, endedAt + 200_000 + i * 1000);
  }
  for (let s = 0; s < 6; s++) {
    stats.sample(
      {
        estimatedWaitMs: (s % 3) * 30_000,
        queueLength: s % 4,
        freeSlots: 3,
        maxWaitMs: 90_000,
        expireAfterMs: 60_000,
        agents,
      },
      at + s * 10_000,
    );
  }
}

const empty = createStats();
const before = heap();
for (let minute = 0; minute < DEFAULT_BUCKETS; minute++) {
  empty.triggerFired('t', T0 + minute * MINUTE_MS);
}
const emptyBytes = heap() - before;

const full = createStats();
const start = heap();
for (let minute = 0; minute < DEFAULT_BUCKETS; minute++) busyMinute(full, minute);
const fullBytes = heap() - start;

const now = T0 + (DEFAULT_BUCKETS - 1) * MINUTE_MS + 30_000;
const search = new URLSearchParams({ since: '24h', step: '1m' });
const times = [];
let bytes = 0;
for (let run = 0; run < 20; run++) {
  const began = performance.now();
  const query = parseStatsQuery(search, now, full.bucketCount);
  const body = JSON.stringify(summariseStats(full, query, query.series));
  times.push(performance.now() - began);
  bytes = body.length;
}
times.sort((a, b) => a - b);
const csvBegan = performance.now();
const query = parseStatsQuery(search, now, full.bucketCount);
const csv = statsCsv(summariseStats(full, query, query.series), query.series);
const csvMs = performance.now() - csvBegan;

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`buckets kept: ${DEFAULT_BUCKETS} (one a minute, 24 h)`);
console.log(
  `ring of quiet buckets: ${kb(emptyBytes)} total, ${Math.round(emptyBytes / DEFAULT_BUCKETS)} bytes per bucket`,
);
console.log(
  `ring of busy buckets (5 triggers, 32 pages each): ${kb(fullBytes)} total, ${Math.round(fullBytes / DEFAULT_BUCKETS)} bytes per bucket`,
);
console.log(
  `api/stats since=24h step=1m (1,440 steps, JSON ${kb(bytes)}): fastest ${times[0].toFixed(1)} ms, median ${times[10].toFixed(1)} ms, worst ${times[19].toFixed(1)} ms of 20`,
);
console.log(`the same as CSV (${kb(csv.length)}): ${csvMs.toFixed(1)} ms`);
