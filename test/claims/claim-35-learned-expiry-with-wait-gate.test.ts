// Claim 35: claim 34's response time is learned from earlier visitors.
import t from 'tap';
import { pageOfferLivesForLearnedTime } from './_page-scenarios.js';

t.test('claim 35: a page offer is answerable for the learned response time (within gate)', (t) =>
  pageOfferLivesForLearnedTime(t, { mode: 'within', maxWait: '90s' }),
);
