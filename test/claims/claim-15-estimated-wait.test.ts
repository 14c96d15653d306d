// Claim 15: the HELP option waits while the estimated wait exceeds the predetermined time.
import t from 'tap';
import { AGENTS, BUSY_TRIGGER, capacity, occupySlot, setAgent, startSite } from './_visitor.js';

t.test('claim 15: held while EWT > maxWait, sent once EWT ≤ maxWait', async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
    gate: { mode: 'within', maxWait: '150s' },
    offers: { expireAfter: '60s' },
    triggers: [BUSY_TRIGGER, { name: 'browsing', pages: ['/products'], when: { heartbeats: 1 } }],
  });
  await setAgent(site, 'alice', { status: 'available' });
  await occupySlot(site); // with alice
  await occupySlot(site); // first in line: EWT 149 s ≤ 150 s let the offer out
  // Exponential handle times of mean 60 s until some are learned; the wait promised holds for
  // nine in ten: 149 s for one chat to end, 246 s for two in a row.
  t.match(await capacity(site), { queueLength: 1, estimatedWaitSeconds: 246 });

  const visitor = site.visitor();
  await visitor.open('/products');
  for (let i = 0; i < 3; i++) {
    site.clock.advance(5_000);
    t.equal((await visitor.beat()).offer, null, 'EWT 246 s > 150 s: held');
  }
  await setAgent(site, 'alice', { capacity: 2 });
  // The first of two chats to end: 73 s.
  t.match(await capacity(site), { queueLength: 0, freeSlots: 0, estimatedWaitSeconds: 73 });
  site.clock.advance(5_000);
  const { offer } = await visitor.beat();
  t.ok(offer, 'EWT 73 s ≤ 150 s: sent at the next heartbeat');
  const reply = (await (await visitor.answer(offer!.id, 'accept')).json()) as Record<
    string,
    unknown
  >;
  t.match(reply, { queuePosition: 1, estimatedWaitSeconds: 73 }, 'and the wait promised holds');
});
