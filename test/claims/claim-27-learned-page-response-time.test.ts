// Claim 27: claim 26's response time is learned from earlier visitors.
import t from 'tap';
import { pageOfferLivesForLearnedTime } from './_page-scenarios.js';

t.test('claim 27: a page offer is answerable for the learned response time', (t) =>
  pageOfferLivesForLearnedTime(t, { mode: 'available' }),
);
