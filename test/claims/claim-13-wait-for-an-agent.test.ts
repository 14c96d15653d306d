// Claim 13: no representative available → sending the HELP option waits until one is.
import t from 'tap';
import { AGENTS, setAgent, startSite } from './_visitor.js';

const CONFIG = {
  agents: { list: AGENTS, defaultCapacity: 1 },
  gate: { mode: 'available' as const },
  offers: { expireAfter: '60s' },
  triggers: [{ name: 'browsing', when: { heartbeats: 1 } }],
};

t.test(
  'claim 13: no agent free, no offer; an agent becomes available, the next heartbeat carries it',
  async (t) => {
    const site = await startSite(t, CONFIG);
    const visitor = site.visitor();
    await visitor.open('/products');
    for (let i = 0; i < 4; i++) {
      site.clock.advance(5_000);
      t.equal((await visitor.beat()).offer, null, 'every agent away: the offer is held');
    }
    await setAgent(site, 'alice', { status: 'busy' });
    site.clock.advance(5_000);
    t.equal((await visitor.beat()).offer, null, 'a busy agent takes no new visitors');
    await setAgent(site, 'alice', { status: 'available' });
    site.clock.advance(5_000);
    const { offer } = await visitor.beat();
    t.ok(offer, 'sent as soon as a slot is free');
    t.same(offer?.reasons, ['1 heartbeat on this page'], 'for the trigger that fired earlier');
  },
);

t.test('claim 13: two visitors are never both promised the last free slot', async (t) => {
  const site = await startSite(t, CONFIG);
  await setAgent(site, 'alice', { status: 'available' });
  const first = site.visitor();
  const second = site.visitor();
  await first.open('/a');
  await second.open('/b');
  site.clock.advance(5_000);
  const { offer } = await first.beat();
  t.ok(offer, 'the first visitor gets the only slot');
  t.equal((await second.beat()).offer, null, 'the second waits: the slot is reserved');
  t.equal((await first.answer(offer!.id, 'dismiss')).status, 200);
  site.clock.advance(5_000);
  t.ok((await second.beat()).offer, 'freed by the dismissal, it goes to the second');
});
