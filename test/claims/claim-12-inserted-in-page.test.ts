// Claim 12: the HELP option is inserted into the web page being viewed (delivery inline).
import t from 'tap';
import { AGENTS, capacity, setAgent, startSite } from './_visitor.js';

t.test('claim 12: the heartbeat reply carries the HELP option for the page in view', async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
    gate: { mode: 'available' },
    offers: { delivery: 'inline', expireAfter: '60s' },
    triggers: [{ name: 'browsing', when: { heartbeats: 2 } }],
  });
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = site.visitor();
  const { html } = await visitor.open('/products');
  t.notMatch(html, 'data-helpgate-offer', 'the page itself went out without it');
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null);
  site.clock.advance(5_000);
  const { offer } = await visitor.beat();
  t.match(offer, { kind: 'button', expiresInMs: 60_000, reasons: ['2 heartbeats on this page'] });
  t.match(offer?.html, /^<button type="button" class="helpgate-help"/, 'markup to insert');

  const accepted = await visitor.answer(offer!.id, 'accept');
  t.equal(accepted.status, 200);
  const body = (await accepted.json()) as Record<string, unknown>;
  t.match(body, { queuePosition: 0, estimatedWaitSeconds: 0 }, 'an agent is free: no wait');
  t.type(body.conversationId, 'string');
  t.match(await capacity(site), { freeSlots: 0, queueLength: 0, samples: 1 });
});
