// Claims 1–18 and 23–35 again, on the Redis store: the same test bodies, each site built with
// every shared part (sessions, capacity, learning, conversations) on a redis-server of its own,
// as `helpgate start` builds them for `store.kind: redis`. The help forms' claims (19–22, 28–31,
// 36–39) are the same offers drawn differently, so they stay on the memory store.
process.env.HELPGATE_TEST_STORE = 'redis';

const CLAIMS = [
  'claim-01-help-follows-automatically',
  'claim-02-saved-profile',
  'claim-03-time-on-page',
  'claim-04-time-on-field',
  'claim-05-heartbeat-measures-time',
  'claim-06-counting-messages',
  'claim-07-message-threshold',
  'claim-08-form-errors',
  'claim-09-returns',
  'claim-10-service-point',
  'claim-11-new-page-with-help',
  'claim-12-inserted-in-page',
  'claim-13-wait-for-an-agent',
  'claim-14-available-within-time',
  'claim-15-estimated-wait',
  'claim-16-learned-wait',
  'claim-17-withdraw-unanswered',
  'claim-18-learned-response-time',
  'claim-23-page-with-help-when-available',
  'claim-24-page-with-help-within-wait',
  'claim-25-page-with-help-learned-wait',
  'claim-26-next-page-without-help',
  'claim-27-learned-page-response-time',
  'claim-32-page-with-help-estimated-wait',
  'claim-33-learned-wait-for-page',
  'claim-34-expired-page-help',
  'claim-35-learned-expiry-with-wait-gate',
];

for (const claim of CLAIMS) await import(`../claims/${claim}.test.js`);
