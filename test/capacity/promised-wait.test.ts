// The promised wait: the confidence quantile of the time until enough slots free for a place in
// line, from the handle-time distribution and how long the running chats have lasted.
import t from 'tap';
import { promisedWaits } from '../../src/capacity/promised-wait.js';
import {
  exponentialHandleTimes,
  learnedHandleTimes,
} from '../../src/learning/handle-time-distribution.js';

const AHT = 180_000;

t.test('chats of exactly AHT, just started: ⌈p / S⌉ × AHT', async (t) => {
  const constant = { source: 'learned' as const, mean: AHT, draw: () => AHT, remaining: () => AHT };
  const waits = promisedWaits({
    agents: [{ capacity: 3, ages: [0, 0, 0] }],
    places: 7,
    distribution: constant,
    confidence: 0.9,
  });
  t.same(
    waits,
    [1, 1, 1, 2, 2, 2, 3].map((w) => w * AHT),
  );
  t.same(
    promisedWaits({ agents: [], places: 1, distribution: constant, confidence: 0.9 }),
    [],
    'nothing serves: no promise',
  );
});

t.test('exponential chats: place 1 behind one slot is promised the 90th percentile', async (t) => {
  const [wait] = promisedWaits({
    agents: [{ capacity: 1, ages: [60_000] }],
    places: 1,
    distribution: exponentialHandleTimes(AHT),
    confidence: 0.9,
  });
  // P(wait ≤ w) = 1 − e^(−w / AHT) = 0.9 at w = AHT × ln 10 ≈ 414 s, whatever the chat's age.
  t.ok(Math.abs(wait! / (AHT * Math.log(10)) - 1) < 0.1, `${wait} ms`);
  const [median] = promisedWaits({
    agents: [{ capacity: 1, ages: [60_000] }],
    places: 1,
    distribution: exponentialHandleTimes(AHT),
    confidence: 0.5,
  });
  t.ok(Math.abs(median! / (AHT * Math.LN2) - 1) < 0.1, `confidence 0.5: the median, ${median} ms`);
});

t.test('common random numbers: the same queue gets the same promise every time', async (t) => {
  const input = {
    agents: [
      { capacity: 2, ages: [10_000, 95_000] },
      { capacity: 2, ages: [300_000, 5_000] },
    ],
    places: 5,
    distribution: exponentialHandleTimes(AHT),
    confidence: 0.9,
  };
  t.same(promisedWaits(input), promisedWaits(input));
});

t.test('a learned distribution: a chat that has run long is expected to end sooner', async (t) => {
  // Chats of 60 s (six in ten) or 600 s: one that has passed 60 s has 540 s left, one just
  // started most likely ends after 60 s.
  const finished = Array.from({ length: 100 }, (_, i) => (i % 5 < 3 ? 60_000 : 600_000));
  const distribution = learnedHandleTimes(finished, []);
  const wait = (age: number) =>
    promisedWaits({
      agents: [{ capacity: 1, ages: [age] }],
      places: 1,
      distribution,
      confidence: 0.5,
    })[0]!;
  t.equal(wait(0), 60_000, 'just started: most end at 60 s');
  t.equal(wait(100_000), 500_000, 'past 60 s: it is a long one, 500 s left');
});
