import t from 'tap';
import { judgeOnAssignment, judgeOnLeaving } from '../../src/conversations/promise.js';

const facts = { acceptedAt: 1_000, promisedWaitSeconds: 60 };

t.test('a queued visitor served within the promise: kept; after it: broken', async (t) => {
  t.equal(judgeOnAssignment(facts, 1_000 + 60_000), 'kept', 'exactly on time counts as kept');
  t.equal(judgeOnAssignment(facts, 1_000 + 60_001), 'broken');
});

t.test('no promise made, or served at once: not judged', async (t) => {
  t.equal(judgeOnAssignment({ acceptedAt: 0, promisedWaitSeconds: null }, 5_000), null);
  t.equal(judgeOnAssignment({ acceptedAt: 0, promisedWaitSeconds: 0 }, 0), null);
});

t.test('a visitor who leaves the queue: broken only once the promise had passed', async (t) => {
  t.equal(judgeOnLeaving(facts, 1_000 + 30_000), null, 'left early: they did not wait to see');
  t.equal(judgeOnLeaving(facts, 1_000 + 61_000), 'broken');
});
