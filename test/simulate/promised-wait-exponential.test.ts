// The promised wait holds for exponential handle times (the scenario and what is asserted: see
// _promised-wait.ts; one file per distribution, so the runner spreads them over its jobs).
import t from 'tap';
import { promisesHold, TABLE_HEADING } from './_promised-wait.js';

// Twenty simulated hours take about 50 s of CPU; on two cores shared with the rest of the
// suite that has taken close to the runner's 300 s.
t.setTimeout(900_000);

t.test('promises hold for exponential handle times', async (t) => {
  const row = await promisesHold(t, 'exponential', { kind: 'exponential' });
  t.comment(`${TABLE_HEADING}\n${row}`);
});
