// Claim 14: no representative free now, but one will be within the predetermined time.
import t from 'tap';
import { AGENTS, BUSY_TRIGGER, capacity, occupySlot, setAgent, startSite } from './_visitor.js';

const config = (maxWait: string) => ({
  agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
  gate: { mode: 'within' as const, maxWait },
  offers: { expireAfter: '60s' },
  triggers: [BUSY_TRIGGER, { name: 'browsing', pages: ['/products'], when: { heartbeats: 1 } }],
});

t.test('claim 14: an agent free within maxWait is enough to offer', async (t) => {
  const site = await startSite(t, config('150s'));
  await setAgent(site, 'alice', { status: 'available' });
  await occupySlot(site);
  // Before handle times are learned they are taken as exponential with mean 60 s: nine chats in
  // ten end within 60 s × ln 10 ≈ 138 s; the promise, with room for the estimate's own error, is 149 s.
  t.match(await capacity(site), { freeSlots: 0, estimatedWaitSeconds: 149, maxWaitSeconds: 150 });
  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  t.ok((await visitor.beat()).offer, 'a 149 s wait is within 150 s: offered now');
});

t.test('claim 14: beyond maxWait the offer waits until an agent is available', async (t) => {
  const site = await startSite(t, config('30s'));
  await setAgent(site, 'alice', { status: 'available' });
  await occupySlot(site);
  const visitor = site.visitor();
  await visitor.open('/products');
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null, 'a 149 s wait is more than 30 s: held');
  await setAgent(site, 'bob', { status: 'available' });
  site.clock.advance(5_000);
  t.ok((await visitor.beat()).offer, 'bob is free: offered');
});
