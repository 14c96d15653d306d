// The replacement rule for a worker process that exits (workers > 1).
import t from 'tap';
import {
  MAX_DELAY_MS,
  quickExitsAfter,
  respawnDelay,
  STEADY_MS,
} from '../../src/cli/respawn-delay.js';

t.test('a worker that ran steadily is replaced at once', async (t) => {
  t.equal(quickExitsAfter(4, STEADY_MS), 0, 'a steady run ends the streak');
  t.equal(respawnDelay(0), 0);
});

// Fork loop: a worker that dies as it starts (a bad config file) must not be forked at full speed.
t.test('fork loop: workers that keep exiting soon after start wait longer each time', async (t) => {
  let quick = 0;
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    quick = quickExitsAfter(quick, 200);
    delays.push(respawnDelay(quick));
  }
  t.same(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  t.equal(Math.max(...delays), MAX_DELAY_MS);
});
