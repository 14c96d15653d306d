// A simulated hour through the simulation engine: 1,000 visitors, 3 agents, the `within` gate,
// the real sessions, triggers, gate, learning, queue and conversations on a virtual clock. The
// gate must never show an offer while the estimated wait exceeds maxWait, and every visitor who
// accepts must reach an agent.
import t, { type Test } from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import type { SimulationResult } from '../../src/simulate/simulate.js';
import { simulate } from '../../src/simulate/simulate.js';
import { syntheticTraffic } from '../../src/simulate/synthetic-traffic.js';
import { testConfig } from '../fixtures/servers.js';

const LEARNED = {
  mode: 'within' as const,
  maxWait: 'learned',
  learned: { percentile: 50, minSamples: 20, fallback: '30s', min: '5s', max: '5m' },
};

t.test('an hour of 1,000 visitors and 3 agents, maxWait learned', (t) =>
  simulateHour(t, LEARNED, (result) => {
    t.equal(result.learned.maxWaitSource, 'learned', 'maxWait was learned from the response times');
  }),
);

t.test('an hour of 1,000 visitors and 3 agents, maxWait 6 min: a queue forms', (t) =>
  simulateHour(t, { mode: 'within', maxWait: '6m' }, (result) => {
    t.ok(
      result.figures.queued > 0,
      `${result.figures.queued} accepted visitors waited in the queue`,
    );
    const kept = result.figures.promisesKept ?? 0;
    t.ok(kept >= 0.9, `promises kept for ${Math.round(kept * 100)} % of them`);
  }),
);

t.test('the same config, traffic and seed give the same figures', async (t) => {
  const config = hourConfig({ mode: 'within', maxWait: '6m' });
  const run = () =>
    simulate(config, {
      traffic: syntheticTraffic(config, { visitors: 300, hours: 0.25, seed: 7 }),
      hours: 0.25,
      handleTimes: { kind: 'exponential' },
      seed: 7,
    });
  const [a, b] = [await run(), await run()];
  t.same(a.figures, b.figures);
  t.same(a.queuedVisitors, b.queuedVisitors);
});

function hourConfig(gate: ConfigInput['gate']) {
  return testConfig({
    agents: {
      defaultCapacity: 2,
      averageHandleTime: '3m',
      list: ['ann', 'ben', 'cat'].map((id) => ({ id, token: `${id}-token-0123456789ab` })),
    },
    gate,
    offers: { expireAfter: 'learned', maxPerSession: 1 },
    triggers: [{ name: 'lingering', when: { timeOnPage: '30s' } }],
  });
}

async function simulateHour(
  t: Test,
  gate: ConfigInput['gate'],
  check: (result: SimulationResult) => void,
): Promise<void> {
  const config = hourConfig(gate);
  const result = await simulate(config, {
    traffic: syntheticTraffic(config, { visitors: 1_000, hours: 1, seed: 20261128 }),
    hours: 1,
    handleTimes: { kind: 'constant' },
    seed: 20261128,
    checkGate: true,
  });
  const { figures } = result;
  t.comment(
    `${JSON.stringify(figures)}; learned maxWait ${result.learned.maxWaitMs / 1000} s, ` +
      `expiry ${result.learned.expireAfterMs / 1000} s; ${result.lateAnswers} answers too late; ` +
      `${Math.round(result.elapsedMs)} ms`,
  );
  t.ok(figures.shown > 100, `a busy hour: ${figures.shown} offers shown`);
  t.equal(result.gateViolations, 0, 'no offer was shown while the wait exceeded maxWait');
  t.ok(figures.accepted > 50, `${figures.accepted} visitors accepted`);
  t.equal(
    result.queuedVisitors.filter((visitor) => visitor.waitedMs === null).length,
    0,
    'every accepted visitor reached an agent',
  );
  check(result);
}
