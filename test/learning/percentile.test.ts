import t from 'tap';
import { percentileNearestRank } from '../../src/learning/percentile.js';
import { createSampleRing } from '../../src/learning/sample-ring.js';

const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

t.test('percentiles by nearest rank are samples, never interpolations', async (t) => {
  t.equal(percentileNearestRank(oneToTen, 50), 5, 'p50 of 1..10');
  t.equal(percentileNearestRank(oneToTen, 90), 9, 'p90 of 1..10');
  t.equal(percentileNearestRank(oneToTen, 100), 10, 'p100 is the largest');
  t.equal(percentileNearestRank(oneToTen, 70), 7, 'p70: 70 × 10 / 100 is rank 7, not 8');
  t.equal(percentileNearestRank(oneToTen, 51), 6, 'p51 rounds the rank up');
  t.equal(percentileNearestRank(oneToTen, 1), 1, 'p1 is the smallest');
  t.equal(percentileNearestRank([42], 1), 42, 'p1 of one sample');
  t.equal(percentileNearestRank([42], 100), 42, 'p100 of one sample');
  // The classic worked example: 15, 20, 35, 40, 50 → p30 = 20, p40 = 20, p50 = 35.
  const five = [50, 15, 40, 20, 35];
  t.equal(percentileNearestRank(five, 30), 20);
  t.equal(percentileNearestRank(five, 40), 20);
  t.equal(percentileNearestRank(five, 50), 35);
});

t.test('input order does not matter and the input is not changed', async (t) => {
  const shuffled = [7, 3, 10, 1, 9, 2, 8, 5, 4, 6];
  t.equal(percentileNearestRank(shuffled, 90), 9);
  t.same(shuffled, [7, 3, 10, 1, 9, 2, 8, 5, 4, 6]);
  t.equal(percentileNearestRank([1000, 200, 30], 50), 200, 'numeric, not lexical, order');
});

t.test('no samples or a percentile outside (0, 100] is an error, not a guess', async (t) => {
  t.throws(() => percentileNearestRank([], 50), RangeError);
  t.throws(() => percentileNearestRank(oneToTen, 0), RangeError);
  t.throws(() => percentileNearestRank(oneToTen, 101), RangeError);
  t.throws(() => percentileNearestRank(oneToTen, Number.NaN), RangeError);
});

t.test('a sample ring keeps only the newest samples', async (t) => {
  const ring = createSampleRing(3);
  for (const n of [1, 2, 3, 4, 5]) ring.push(n);
  t.equal(ring.size, 3);
  t.same(ring.latest(), [3, 4, 5], 'oldest dropped, order kept');
  t.same(ring.latest(2), [4, 5]);
  t.same(ring.latest(10), [3, 4, 5]);
  ring.resize(2);
  t.same(ring.latest(), [4, 5], 'shrinking keeps the newest');
  ring.resize(4);
  ring.push(6);
  ring.push(7);
  ring.push(8);
  t.same(ring.latest(), [5, 6, 7, 8], 'growing keeps what there was');
  t.same(createSampleRing(2, [1, 2, 3]).latest(), [2, 3], 'initial samples beyond the capacity');
  t.throws(() => createSampleRing(0), RangeError);
});
