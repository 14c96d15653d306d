// Shared by the promised-wait acceptance tests (one file per distribution, so the runner can use
// both cores): an hour of 1,000 visitors, 3 agents × 2 slots, the `within` gate at a fixed 6 min
// (with a learned maxWait nobody queues, and no promise is tested), 20 seeds per distribution.
// At confidence 0.9, at least 90 % of the queued visitors pooled over the seeds are served
// within what their accept reply promised, and the median promise is at most 1.25× the ideal:
// the 90th percentile of the waits actually seen for the same place in line.
import type { Test } from 'tap';
import { percentileNearestRank } from '../../src/learning/percentile.js';
import type { HandleTimeModel } from '../../src/simulate/handle-time-model.js';
import { type QueuedVisitor, simulate } from '../../src/simulate/simulate.js';
import { syntheticTraffic } from '../../src/simulate/synthetic-traffic.js';
import { testConfig } from '../fixtures/servers.js';

const SEEDS = 20;
const config = testConfig({
  // Heartbeats every 15 s rather than 5 s: the same queue for less work.
  heartbeat: { interval: '15s' },
  agents: {
    defaultCapacity: 2,
    averageHandleTime: '3m',
    list: ['ann', 'ben', 'cat'].map((id) => ({ id, token: `${id}-token-0123456789ab` })),
  },
  gate: { mode: 'within', maxWait: '6m', confidence: 0.9 },
  offers: { expireAfter: 'learned', maxPerSession: 1 },
  triggers: [{ name: 'lingering', when: { timeOnPage: '30s' } }],
});

/** The table's heading (docs/estimated-wait.md). */
export const TABLE_HEADING =
  '| handle times | waited longer than promised | actual ÷ promised among them (p50 / p90 / max) | median promise ÷ ideal |';

/** Runs the 20 hours of one distribution, asserts, and returns the table row. */
export async function promisesHold(
  t: Test,
  name: string,
  handleTimes: HandleTimeModel,
): Promise<string> {
  const queued: QueuedVisitor[] = [];
  const perSeed: { seed: number; kept: number }[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const result = await simulate(config, {
      traffic: syntheticTraffic(config, { visitors: 1000, hours: 1, seed }),
      hours: 1,
      handleTimes,
      seed,
    });
    queued.push(...result.queuedVisitors);
    perSeed.push({ seed, kept: result.figures.promisesKept ?? 1 });
  }
  const judged = queued.filter((v) => v.verdict !== null);
  const kept = judged.filter((v) => v.verdict === 'kept').length / judged.length;
  const worst = perSeed.reduce((a, b) => (b.kept < a.kept ? b : a));
  // The ideal promise for a place: the 90th percentile of the waits seen at that place.
  const waitsAt = new Map<number, number[]>();
  for (const v of queued) {
    if (v.waitedMs !== null) waitsAt.set(v.place, [...(waitsAt.get(v.place) ?? []), v.waitedMs]);
  }
  const ratios = queued
    .filter((v) => v.promisedMs !== null && (waitsAt.get(v.place)?.length ?? 0) >= 5)
    .map((v) => v.promisedMs! / Math.max(1000, percentileNearestRank(waitsAt.get(v.place)!, 90)));
  const medianRatio = percentileNearestRank(ratios, 50);
  const late = judged.filter((v) => v.verdict === 'broken').map((v) => v.waitedMs! / v.promisedMs!);
  const lateFigures =
    late.length === 0
      ? '—'
      : [50, 90, 100].map((p) => percentileNearestRank(late, p).toFixed(2)).join(' / ');
  const row =
    `| ${name} | ${(100 - kept * 100).toFixed(1)} % (worst seed ${worst.seed}: ` +
    `${(100 - worst.kept * 100).toFixed(1)} %) | ${lateFigures} | ${medianRatio.toFixed(2)} |`;
  t.comment(`${judged.length} queued visitors: ${row}`);
  t.ok(kept >= 0.9, `promises kept for ${(kept * 100).toFixed(1)} % pooled over ${SEEDS} seeds`);
  t.ok(medianRatio <= 1.25, `the median promise is ${medianRatio.toFixed(2)}× the ideal`);
  return row;
}
