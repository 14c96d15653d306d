import type { OutgoingHttpHeaders } from 'node:http';
import t from 'tap';
import { takeCustomerSignals } from '../../src/profiles/customer-signals.js';

const NOW = Date.UTC(2026, 0, 1);
const byCookie = { cookie: 'customer_id' };

t.test("the customer id is read from the upstream's Set-Cookie", async (t) => {
  const headers: OutgoingHttpHeaders = {
    'set-cookie': ['theme=dark; Path=/', 'customer_id="c-42"; Path=/; HttpOnly; Secure'],
  };
  t.same(takeCustomerSignals(headers, byCookie, NOW), { customerId: 'c-42', assist: false });
  t.equal(
    (headers['set-cookie'] as string[]).length,
    2,
    "the site's own cookies reach the browser",
  );
  const named = (line: string) => takeCustomerSignals({ 'set-cookie': line }, byCookie, NOW);
  t.equal(named('customer_id=; Path=/').customerId, null, 'emptied: signed out');
  t.equal(named('customer_id=c-1; Max-Age=0').customerId, null, 'expired: signed out');
  t.equal(
    named('customer_id=c-1; Expires=Thu, 01 Jan 1970 00:00:00 GMT').customerId,
    null,
    'expired in the past: signed out',
  );
  t.equal(named('customer_id=c-1; Max-Age=3600').customerId, 'c-1');
  t.equal(named('xcustomer_id=c-1').customerId, undefined, 'another cookie');
  t.equal(named(`customer_id=${'x'.repeat(300)}`).customerId, undefined, 'an overlong id is no id');
});

t.test(
  'the id header and X-Helpgate-Profile are removed before the browser sees them',
  async (t) => {
    const headers: OutgoingHttpHeaders = {
      'x-customer-id': 'c-7',
      'x-helpgate-profile': 'other, ASSIST',
      'content-type': 'text/html',
    };
    t.same(takeCustomerSignals(headers, { header: 'X-Customer-Id' }, NOW), {
      customerId: 'c-7',
      assist: true,
    });
    t.same(headers, { 'content-type': 'text/html' });
    const none: OutgoingHttpHeaders = { 'x-helpgate-profile': 'nothing' };
    t.same(takeCustomerSignals(none, null, NOW), { customerId: undefined, assist: false });
    t.same(none, {}, 'removed even when profiles.idFrom is not configured');
  },
);
