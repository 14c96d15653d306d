// Claim 6: the time on the page is measured by counting the heartbeat's messages.
import t from 'tap';
import { sessionView, startSite } from './_visitor.js';

t.test('claim 6: the time on the page is measured by counting heartbeat messages', async (t) => {
  const site = await startSite(t, {
    heartbeat: { interval: '10s' },
    triggers: [{ name: 'long-read', when: { heartbeats: 6 } }],
  });
  const visitor = site.visitor();
  await visitor.open('/article');
  // Messages count whatever the wall clock does: a heartbeat is a unit of time on the page.
  for (let n = 1; n <= 5; n++) {
    site.clock.advance(n % 2 === 0 ? 1_000 : 30_000);
    t.equal((await visitor.beat()).offer, null, `${n} messages`);
  }
  const view = await sessionView(site, visitor.sid);
  t.equal(view.page?.heartbeats, 5, 'the session counts the messages of this page view');
  site.clock.advance(10_000);
  const reply = await visitor.beat();
  t.same(reply.offer?.reasons, ['6 heartbeats on this page']);
});

t.test('claim 6: a new page view starts counting again', async (t) => {
  const site = await startSite(t, { triggers: [{ name: 'long-read', when: { heartbeats: 3 } }] });
  const visitor = site.visitor();
  await visitor.open('/a');
  for (let n = 0; n < 2; n++) {
    site.clock.advance(5_000);
    await visitor.beat();
  }
  await visitor.open('/b');
  site.clock.advance(5_000);
  t.equal((await visitor.beat()).offer, null, 'one message on /b, not three');
  t.equal((await sessionView(site, visitor.sid)).page?.heartbeats, 1);
});
