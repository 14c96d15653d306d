// The handle-time distribution learned from finished and running chats (Kaplan–Meier with an
// exponential tail): its mean is not dragged down by the short chats that finish first.
import t from 'tap';
import { learnedHandleTimes } from '../../src/learning/handle-time-distribution.js';
import { drawHandleTime, type HandleTimeModel } from '../../src/simulate/handle-time-model.js';
import { seededRandom } from '../../src/util/seeded-random.js';

const MEAN = 180_000;
const SEEDS = 1000;

/**
 * Six busy slots from an empty start, each taking the next chat as one ends, stopped when the
 * 50th chat finishes: the finished chats and the ages of those still running.
 */
function chatsSoFar(model: HandleTimeModel, seed: number) {
  const random = seededRandom(seed);
  const slots = Array.from({ length: 6 }, () => ({
    start: 0,
    end: drawHandleTime(model, MEAN, random),
  }));
  const finished: number[] = [];
  for (;;) {
    const slot = slots.reduce((a, b) => (b.end < a.end ? b : a));
    finished.push(slot.end - slot.start);
    const now = slot.end;
    slot.start = now;
    slot.end = now + drawHandleTime(model, MEAN, random);
    if (finished.length === 50) {
      return { finished, running: slots.map((s) => now - s.start) };
    }
  }
}

for (const model of [
  { kind: 'exponential' },
  { kind: 'lognormal', cv: 1 },
  { kind: 'lognormal', cv: 2 },
] as HandleTimeModel[]) {
  const name = model.kind === 'lognormal' ? `lognormal CV ${model.cv}` : model.kind;
  t.test(`survivorship bias, ${name}: after 50 chats the mean is within 5 % of the truth`, (t) => {
    let learned = 0;
    let plain = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { finished, running } = chatsSoFar(model, seed);
      learned += learnedHandleTimes(finished, running).mean;
      plain += finished.reduce((a, b) => a + b, 0) / finished.length;
    }
    const learnedBias = learned / SEEDS / MEAN - 1;
    const plainBias = plain / SEEDS / MEAN - 1;
    t.comment(
      `bias over ${SEEDS} seeds: learned ${(learnedBias * 100).toFixed(1)} %, ` +
        `mean of finished chats ${(plainBias * 100).toFixed(1)} %`,
    );
    t.ok(Math.abs(learnedBias) <= 0.05, 'the learned mean is within 5 % of the true mean');
    t.ok(plainBias < -0.05, 'the mean of finished chats alone is biased low');
    t.end();
  });
}
