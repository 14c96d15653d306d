// A simulated hour: 1,000 visitors, 3 agents, the `within` gate with learned thresholds, time
// from an injected clock. The gate must never show an offer while the estimated wait exceeds
// maxWait, and a visitor who accepts must not wait longer than the accept reply promised.
import t, { type Test } from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import type { LearnedFigures } from '../../src/learning/learning.js';
import { silentLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/session/memory-store.js';
import { createSessions } from '../../src/session/sessions.js';
import { offerParts } from '../fixtures/offer-parts.js';
import { hb, manualClock, testConfig } from '../session/_helpers.js';

const VISITORS = 1_000;
const HOUR_MS = 3_600_000;
const HANDLE_MS = 180_000;
const HEARTBEAT_MS = 5_000;

/** A small seeded PRNG (mulberry32), so every run simulates the same hour. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Visitor {
  sid: string;
  arriveAt: number;
  leaveAt: number;
  nextBeatAt: number;
  seq: number;
  answer?: { at: number; offerId: string; action: 'accept' | 'dismiss' };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const LEARNED = {
  mode: 'within' as const,
  maxWait: 'learned',
  learned: { percentile: 50, minSamples: 20, fallback: '30s', min: '5s', max: '5m' },
};

t.test('an hour of 1,000 visitors and 3 agents, maxWait learned', (t) =>
  simulateHour(t, LEARNED, (figures) => {
    t.equal(figures.maxWaitSource, 'learned', 'maxWait was learned from the response times');
  }),
);

t.test('an hour of 1,000 visitors and 3 agents, maxWait 6 min: a queue forms', (t) =>
  simulateHour(t, { mode: 'within', maxWait: '6m' }, (_figures, waits) => {
    t.ok(
      waits.some((wait) => wait > 0),
      'some accepted visitors waited in the queue (and none longer than promised)',
    );
  }),
);

async function simulateHour(
  t: Test,
  gate: ConfigInput['gate'],
  check: (figures: LearnedFigures, waits: number[]) => void,
): Promise<void> {
  const config = testConfig({
    agents: {
      defaultCapacity: 2,
      averageHandleTime: '3m',
      list: ['ann', 'ben', 'cat'].map((id) => ({ id, token: `${id}-token-0123456789ab` })),
    },
    gate,
    offers: { expireAfter: 'learned', maxPerSession: 1 },
    triggers: [{ name: 'lingering', when: { timeOnPage: '30s' } }],
  });
  const clock = manualClock();
  const start = clock.now();
  const store = createMemoryStore({ maxSessions: 5_000, maxPinned: 2_000, ttlMs: HOUR_MS, clock });
  const { capacity, learning } = offerParts(config);
  const sessions = createSessions({
    config,
    store,
    clock,
    logger: silentLogger(),
    capacity,
    learning,
  });
  for (const id of ['ann', 'ben', 'cat']) capacity.setAgent(id, { status: 'available' }, start);

  const rand = random(20261128);
  const visitors: Visitor[] = [];
  for (let i = 0; i < VISITORS; i++) {
    const arriveAt = start + Math.floor(rand() * 3_600) * 1_000;
    const stay = (20 + Math.floor(rand() * 580)) * 1_000;
    const sid = `visitor-${String(i).padStart(4, '0')}`;
    visitors.push({ sid, arriveAt, leaveAt: arriveAt + stay, nextBeatAt: 0, seq: 0 });
  }

  const promised = new Map<string, { acceptedAt: number; promisedMs: number }>();
  const waits: number[] = [];
  const broken: string[] = [];
  const counts = { shown: 0, accepted: 0, dismissed: 0, gateViolations: 0, late: 0 };
  capacity.onAssigned = (conversation) => {
    const promise = promised.get(conversation.id);
    if (!promise || conversation.assignedAt === null) return;
    const wait = conversation.assignedAt - promise.acceptedAt;
    waits.push(wait);
    if (wait > promise.promisedMs)
      broken.push(`${conversation.id}: ${wait} > ${promise.promisedMs}`);
  };

  // The hour, then until the last visitors have left and the queue has drained.
  const end = start + HOUR_MS + 600_000;
  for (let now = start; now < end || capacity.snapshot(now).queueLength > 0; now += 1_000) {
    if (now > end + HOUR_MS) break;
    clock.advance(now - clock.now());
    // Agents finish their conversations after exactly the average handle time.
    for (const agent of capacity.agents()) {
      for (const conversation of capacity.conversationsOf(agent.id)) {
        if (conversation.assignedAt !== null && now - conversation.assignedAt >= HANDLE_MS) {
          capacity.endConversation(conversation.id, now);
        }
      }
    }
    for (const visitor of visitors) {
      if (visitor.answer && visitor.answer.at === now) {
        const { offerId, action } = visitor.answer;
        const outcome = await sessions.answer(visitor.sid, offerId, action);
        if (!outcome.ok) counts.late++;
        else if (action === 'dismiss') counts.dismissed++;
        else if (outcome.ticket) {
          counts.accepted++;
          const { conversationId, queuePosition, estimatedWaitMs } = outcome.ticket;
          if (queuePosition === 0) waits.push(0);
          else promised.set(conversationId, { acceptedAt: now, promisedMs: estimatedWaitMs ?? 0 });
        }
      }
      if (now === visitor.arriveAt) {
        await sessions.pageServed(visitor.sid, '/shop');
        visitor.nextBeatAt = now + HEARTBEAT_MS;
      }
      if (now !== visitor.nextBeatAt || now > visitor.leaveAt) continue;
      visitor.nextBeatAt += HEARTBEAT_MS;
      // What the gate sees at this very moment, to check its decision against.
      const before = capacity.snapshot(now);
      const maxWait = learning.maxWait();
      const reply = await sessions.heartbeat(
        visitor.sid,
        hb(`pv-${visitor.sid}`, '/shop', visitor.seq++),
      );
      if (!reply.offer) continue;
      counts.shown++;
      const open =
        before.estimatedWaitMs !== null &&
        (before.freeSlots > 0 || before.estimatedWaitMs <= maxWait);
      if (!open) counts.gateViolations++;
      const roll = rand();
      if (roll < 0.55) {
        const responseMs = 3_000 + Math.floor(-Math.log(1 - rand()) * 15_000);
        const at = now + Math.ceil(responseMs / 1_000) * 1_000;
        visitor.answer = { at, offerId: reply.offer.id, action: 'accept' };
      } else if (roll < 0.7) {
        visitor.answer = { at: now + 8_000, offerId: reply.offer.id, action: 'dismiss' };
      }
    }
  }

  waits.sort((a, b) => a - b);
  const figures = learning.figures();
  t.comment(
    `offers shown ${counts.shown}, accepted ${counts.accepted}, dismissed ${counts.dismissed}, ` +
      `answers too late ${counts.late}; learned maxWait ${figures.maxWaitMs / 1000} s, ` +
      `expiry ${figures.expireAfterMs / 1000} s; waits after accepting (s): ` +
      `p50 ${percentile(waits, 50) / 1000}, p90 ${percentile(waits, 90) / 1000}, ` +
      `max ${(waits.at(-1) ?? 0) / 1000}; ${waits.filter((w) => w === 0).length} served at once`,
  );
  t.ok(counts.shown > 100, `a busy hour: ${counts.shown} offers shown`);
  t.equal(counts.gateViolations, 0, 'no offer was shown while the wait exceeded maxWait');
  t.ok(counts.accepted > 50, `${counts.accepted} visitors accepted`);
  t.equal(waits.length, counts.accepted, 'every accepted visitor reached an agent');
  t.same(broken, [], 'no accepted visitor waited longer than promised');
  check(figures, waits);
}
