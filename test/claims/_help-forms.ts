// The HELP option in each of its forms, through the three methods that send it: the heartbeat
// reply of claim 1 (claims 19–22), the requested page while an agent is free, claim 23 (claims
// 28–31), and the requested page while the estimated wait is short enough, claim 32 (claims
// 36–39). The browser side of each form is in test/e2e/browser/help-forms.test.ts.
import type { Test } from 'tap';
import type { OfferKind } from '../../src/config/schema.js';
import {
  AGENTS,
  BUSY_TRIGGER,
  capacity,
  occupySlot,
  pageOfferId,
  setAgent,
  startSite,
  type Visitor,
} from './_visitor.js';

/** What each form looks like in the markup: matched against the reply's `html` and the page. */
export const FORM: Record<OfferKind, RegExp[]> = {
  button: [/>Need help\?<\/(button|a)>/],
  screen: [
    /Can we help\?/,
    /<p>An agent is ready to help you with this page\.<\/p>/,
    /Talk to an agent/,
  ],
  audio: [
    /<audio controls preload="\w+" src="\/__helpgate\/media\/help\.ogg"><\/audio>/,
    /<p>Need a hand\? Press Help to talk to us\.<\/p>/,
    /Talk to an agent/,
  ],
  video: [
    /<video controls playsinline preload="\w+" src="\/__helpgate\/media\/help\.webm" poster="\/__helpgate\/media\/help\.jpg">/,
    /<track kind="captions" src="\/__helpgate\/media\/help\.vtt" srclang="en" label="Captions" default>/,
    /Talk to an agent/,
  ],
};

function hasForm(t: Test, kind: OfferKind, html: string, where: string) {
  for (const part of FORM[kind]) t.match(html, part, `${where}: ${part.source}`);
}

/** Three tests, one per method: `claims` are this form's claims under claims 1, 23 and 32. */
export function helpFormClaims(
  t: Test,
  kind: OfferKind,
  claims: [number, number, number],
  name: string,
): void {
  const [inline, onRequest, estimatedWait] = claims;

  t.test(`claim ${inline}: the HELP option as ${name}, inserted in the page in view`, async (t) => {
    const site = await startSite(t, {
      offers: { expireAfter: '60s' },
      triggers: [{ name: 'browsing', when: { heartbeats: 1 }, offer: kind }],
    });
    const visitor = site.visitor();
    await visitor.open('/products');
    site.clock.advance(5_000);
    const { offer } = await visitor.beat();
    t.equal(offer?.kind, kind, "the trigger's offer: picks the form");
    hasForm(t, kind, offer?.html ?? '', 'heartbeat reply');
    t.equal((await visitor.answer(offer!.id, 'accept')).status, 200, 'it can be accepted');
  });

  t.test(
    `claim ${onRequest}: the requested page carries ${name} while an agent is free`,
    async (t) => {
      const site = await startSite(t, {
        agents: { list: AGENTS, defaultCapacity: 1 },
        gate: { mode: 'available' },
        offers: { expireAfter: '60s' },
        triggers: [
          { name: 'at-checkout', pages: ['/checkout'], when: { onRequest: true }, offer: kind },
        ],
      });
      await setAgent(site, 'alice', { status: 'available' });
      // A browser running the beacon (a heartbeat proved it) gets the offer in the page.
      const visitor = await site.visitor().arrive();
      const { html } = await visitor.open('/checkout');
      const id = pageOfferId(html);
      t.ok(id, 'the page carries an offer');
      t.match(html, `data-kind="${kind}"`);
      hasForm(t, kind, html, 'page');
      const accepted = await visitor.answer(id!, 'accept');
      t.equal(accepted.status, 200);
      t.match(await capacity(site), { freeSlots: 0 }, 'accepting takes the free agent');
    },
  );

  t.test(
    `claim ${estimatedWait}: ${name} in the page when the wait is short enough, and on the HELP page`,
    async (t) => {
      const site = await startSite(t, {
        agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '40s' },
        gate: { mode: 'within', maxWait: '120s' },
        offers: { expireAfter: '60s' },
        triggers: [
          BUSY_TRIGGER,
          { name: 'at-checkout', pages: ['/checkout'], when: { onRequest: true }, offer: kind },
        ],
      });
      await setAgent(site, 'alice', { status: 'available' });
      await occupySlot(site);
      const visitor: Visitor = await site.visitor().arrive();
      const { html } = await visitor.open('/checkout');
      const id = pageOfferId(html);
      // Exponential handle times of mean 40 s until some are learned: 99 s holds for nine in ten.
      t.ok(id, '99 s estimated ≤ 120 s: the page carries the offer');
      hasForm(t, kind, html, 'page');
      const help = await fetch(`${site.url}/__helpgate/help?offer=${id}`, {
        headers: { cookie: visitor.cookie },
      });
      t.equal(help.status, 200);
      hasForm(t, kind, await help.text(), 'HELP page');
      t.match(help.headers.get('content-security-policy'), "media-src 'self'; img-src 'self'");
    },
  );
}
