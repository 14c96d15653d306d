// Claim 4: the time the customer spends on one field of the page exceeds a predetermined time.
import t from 'tap';
import { startSite } from './_visitor.js';

t.test(
  'claim 4: continuous focus on one field past the predetermined time offers help',
  async (t) => {
    const site = await startSite(t, {
      triggers: [{ name: 'stuck-on-field', when: { timeOnField: '20s' } }],
    });
    const visitor = site.visitor();
    await visitor.open('/checkout/pay');
    // The visitor moves between fields: each new field starts its own continuous focus.
    let focusMs = 0;
    for (const field of ['name', 'email']) {
      focusMs = 0;
      for (let i = 0; i < 3; i++) {
        site.clock.advance(5_000);
        focusMs += 5_000;
        t.equal((await visitor.beat({ focus: { field, ms: focusMs } })).offer, null, field);
      }
    }
    focusMs = 0;
    let reply = null;
    for (let i = 0; i < 4; i++) {
      site.clock.advance(5_000);
      focusMs += 5_000;
      reply = await visitor.beat({ focus: { field: 'card-number', ms: focusMs } });
    }
    t.same(reply?.offer?.reasons, ['on field card-number for 20 s']);
  },
);

t.test(
  'claim 4: a reported focus time longer than the page view existed is not believed',
  async (t) => {
    const site = await startSite(t, {
      triggers: [{ name: 'stuck-on-field', when: { timeOnField: '60s' } }],
    });
    const visitor = site.visitor();
    await visitor.open('/checkout/pay');
    site.clock.advance(5_000);
    const reply = await visitor.beat({ focus: { field: 'card-number', ms: 3_600_000 } });
    t.equal(reply.offer, null);
  },
);
