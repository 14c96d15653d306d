// Claim 25: the predetermined wait of claim 24 is learned from earlier response times.
import t from 'tap';
import { learnedWaitDecidesThePage } from './_page-scenarios.js';

t.test('claim 25: the page carries HELP once the learned maxWait covers the wait', (t) =>
  learnedWaitDecidesThePage(t),
);
