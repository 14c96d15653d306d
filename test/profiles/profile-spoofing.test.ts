// The customer id through the whole request path: only the upstream names the customer.
import t from 'tap';
import { ADMIN_TOKEN, startSite } from '../claims/_visitor.js';

const triggers = [{ name: 'assisted', when: { profile: { assist: true } } }];

t.test('profile spoofing: a customer_id cookie sent by the browser is not trusted', async (t) => {
  // Attack: a visitor sets customer_id=<someone else> in their own browser to be treated as,
  // or to read signals about, another customer.
  const site = await startSite(t, { profiles: { idFrom: { cookie: 'customer_id' } }, triggers });
  await fetch(`${site.url}/__helpgate/api/profiles/victim`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: '{"assist":true}',
  });
  const visitor = site.visitor();
  await visitor.open('/');
  visitor.cookie += '; customer_id=victim';
  await visitor.open('/account');
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null, 'no profile matched');
  const view = await fetch(`${site.url}/__helpgate/api/sessions/${visitor.sid}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  t.equal(((await view.json()) as { customerId: unknown }).customerId, null);
});

t.test('profile spoofing: a browser cannot set X-Helpgate-Profile or the id header', async (t) => {
  // Attack: request headers that look like the upstream's signals are just request headers.
  const site = await startSite(t, { profiles: { idFrom: { header: 'x-customer-id' } }, triggers });
  const visitor = site.visitor();
  await visitor.open('/');
  await visitor.open('/account', { 'x-customer-id': 'victim', 'x-helpgate-profile': 'assist' });
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null);
  t.equal(site.helpgate.profiles.size(), 0, 'no profile was created');
});

t.test('signing out (the upstream clears its cookie) unbinds the customer', async (t) => {
  const site = await startSite(t, { profiles: { idFrom: { cookie: 'customer_id' } }, triggers });
  await site.helpgate.profiles.put('c-1', { assist: true });
  const visitor = site.visitor();
  await visitor.open('/');
  site.upstreamHeaders.set('/login', { 'set-cookie': 'customer_id=c-1; Path=/' });
  site.upstreamHeaders.set('/logout', { 'set-cookie': 'customer_id=; Path=/; Max-Age=0' });
  await visitor.open('/login');
  site.clock.advance(5_000);
  t.ok((await visitor.beat()).offer, 'signed in: the profile applies');
  await visitor.open('/logout');
  await visitor.open('/after');
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null, 'signed out: it no longer does');
});

t.test('saved profiles survive a restart of helpgate', async (t) => {
  const file = `${t.testdir()}/state.json`;
  const first = await startSite(t, { state: { file } });
  await first.helpgate.profiles.put('c-9', { assist: true });
  await first.helpgate.profiles.flush(); // what close() does on shutdown
  const second = await startSite(t, { state: { file } });
  const res = await fetch(`${second.url}/__helpgate/api/profiles/c-9`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  t.same(await res.json(), { assist: true });
});
