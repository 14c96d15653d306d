// Claim 26: a page offer unanswered for the response time is gone from the next page.
import t from 'tap';
import { expiredPageOfferIsLeftOut } from './_page-scenarios.js';

t.test('claim 26: after the response time the next page goes out without HELP', (t) =>
  expiredPageOfferIsLeftOut(t, { mode: 'available' }),
);
