// Claim 2: the saved customer profile says this customer should be helped.
import t from 'tap';
import { ADMIN_TOKEN, startSite } from './_visitor.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

t.test('claim 2: a customer whose saved profile asks for assistance is offered help', async (t) => {
  const site = await startSite(t, {
    profiles: { idFrom: { cookie: 'customer_id' } },
    triggers: [{ name: 'assisted-customer', when: { profile: { assist: true } } }],
  });
  const put = await fetch(`${site.url}/__helpgate/api/profiles/c-42`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ assist: true, tier: 'gold' }),
  });
  t.equal(put.status, 201);

  const visitor = site.visitor();
  await visitor.open('/');
  t.equal((await visitor.beat()).offer, null, 'an anonymous visitor matches no profile');

  // The site signs the customer in: its own Set-Cookie names the customer.
  site.upstreamHeaders.set('/login', { 'set-cookie': 'customer_id=c-42; Path=/; HttpOnly' });
  await visitor.open('/login');
  const reply = await visitor.beat();
  t.equal(reply.offer?.kind, 'button');
  t.same(reply.offer?.reasons, ['profile: assist = true']);
});

t.test(
  'claim 2: the site can mark a customer for assistance with X-Helpgate-Profile',
  async (t) => {
    const site = await startSite(t, {
      profiles: { idFrom: { header: 'x-customer-id' } },
      triggers: [{ name: 'assisted-customer', when: { profile: { assist: true } } }],
    });
    site.upstreamHeaders.set('/account', {
      'x-customer-id': 'c-7',
      'x-helpgate-profile': 'assist',
    });
    const visitor = site.visitor();
    await visitor.open('/');
    await visitor.beat();
    const { res } = await visitor.open('/account');
    t.equal(res.headers.get('x-customer-id'), null, 'the id header never reaches the browser');
    t.equal(res.headers.get('x-helpgate-profile'), null, 'nor does the profile header');

    const saved = await fetch(`${site.url}/__helpgate/api/profiles/c-7`, { headers: admin });
    t.same(await saved.json(), { assist: true }, 'the profile is saved');
    t.same((await visitor.beat()).offer?.reasons, ['profile: assist = true']);
  },
);
