// Claim 7: the number of heartbeat messages is compared with a predetermined number.
import t from 'tap';
import { startSite } from './_visitor.js';

t.test(
  'claim 7: help is offered when the message count reaches the predetermined number',
  async (t) => {
    const site = await startSite(t, {
      triggers: [{ name: 'nine-beats', when: { heartbeats: 9 } }],
    });
    const visitor = site.visitor();
    await visitor.open('/checkout');
    for (let n = 1; n <= 8; n++) {
      site.clock.advance(5_000);
      t.equal((await visitor.beat()).offer, null, `${n} < 9`);
    }
    // Replayed messages (a sequence number already seen) are not new messages.
    const replay = await visitor.post({ pv: visitor.pv, path: '/checkout', seq: 3, visible: true });
    t.equal(((await replay.json()) as { offer: unknown }).offer, null);
    site.clock.advance(5_000);
    const reply = await visitor.beat();
    t.same(reply.offer?.reasons, ['9 heartbeats on this page'], 'fires at exactly 9 (≥)');
  },
);
