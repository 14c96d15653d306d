// Claim 34: with the estimated-wait gate, an unanswered page offer is gone from the next page.
import t from 'tap';
import { expiredPageOfferIsLeftOut } from './_page-scenarios.js';

t.test('claim 34: after the response time the next page goes out without HELP (within gate)', (t) =>
  expiredPageOfferIsLeftOut(t, { mode: 'within', maxWait: '90s' }),
);
