// Claim 33: claim 32's predetermined time is learned from earlier response times.
import t from 'tap';
import { learnedWaitDecidesThePage } from './_page-scenarios.js';

t.test('claim 33: the page carries HELP once the learned maxWait covers the estimated wait', (t) =>
  learnedWaitDecidesThePage(t),
);
