// Claim 5: the page is sent with a heartbeat that periodically sends a message to the site,
// and the time on the page, measured through it, exceeds a predetermined time.
import t from 'tap';
import { sessionView, startSite } from './_visitor.js';

t.test(
  'claim 5: the page carries a heartbeat, and its messages measure the time on the page',
  async (t) => {
    const site = await startSite(t, {
      triggers: [{ name: 'lingering', when: { timeOnPage: '30s' } }],
    });
    const visitor = site.visitor();
    const { html } = await visitor.open('/guide');
    t.match(
      html,
      /<script src="\/__helpgate\/beacon\.js\?v=[0-9a-f]{12}" defer data-interval="5000"/,
    );

    // Time passing without heartbeats measures nothing: the page may be long closed.
    site.clock.advance(120_000);
    const first = await visitor.beat();
    t.equal(
      first.offer,
      null,
      'the first message credits one interval, not the silent two minutes',
    );
    t.equal(first.next, 5000, 'the reply tells the heartbeat when to send the next message');

    let reply = first;
    let messages = 1;
    while (!reply.offer && messages < 20) {
      site.clock.advance(5_000);
      reply = await visitor.beat();
      messages++;
    }
    t.equal(messages, 6, '6 messages × 5 s = 30 s on the page');
    t.same(reply.offer?.reasons, ['on /guide for 30 s']);
    t.equal((await sessionView(site, visitor.sid)).page?.timeOnPageMs, 30_000);
  },
);
