// The page-delivery scenarios that several claims share: claims 25 and 33 (a learned maxWait
// decides whether the requested page carries HELP), 26 and 34 (an unanswered page offer is
// gone from the next page), 27 and 35 (its lifetime is learned); the claims differ in the
// gate they name. Each visitor's browser has run the beacon before the page that carries HELP
// (DESIGN.md, "onRequest triggers": only a session a heartbeat has proven gets one in a page).
import type { Test } from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import {
  AGENTS,
  BUSY_TRIGGER,
  capacity,
  LEARNED_WAIT_SITE,
  learnFrom,
  pageOfferId,
  setAgent,
  startSite,
} from './_visitor.js';

type Gate = ConfigInput['gate'];

/** A learned maxWait lets the requested page carry HELP once it covers the wait. */
export async function learnedWaitDecidesThePage(t: Test): Promise<void> {
  const site = await startSite(t, {
    ...LEARNED_WAIT_SITE,
    triggers: [
      BUSY_TRIGGER,
      { name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } },
    ],
  });
  await setAgent(site, 'alice', { status: 'available', capacity: 2 });
  await learnFrom(site, [30_000, 100_000]);
  const visitor = await site.visitor().arrive('/');
  t.equal(
    pageOfferId((await visitor.open('/checkout')).html),
    null,
    'two samples: the 10 s fallback is below the wait',
  );
  await setAgent(site, 'bob', { status: 'available' });
  await learnFrom(site, [120_000]);
  // Handle times taken as exponential, mean 60 s, until learned: the first of three chats ends
  // within 50 s for nine visitors in ten.
  t.match(await capacity(site), { samples: 3, maxWaitSeconds: 100, estimatedWaitSeconds: 50 });
  t.ok(
    pageOfferId((await visitor.open('/checkout')).html),
    'learned 100 s (p50 of 30, 100, 120 s) ≥ the 50 s wait: in the page',
  );
}

/** A page offer unanswered for `offers.expireAfter` (30 s) is gone from the next page. */
export async function expiredPageOfferIsLeftOut(t: Test, gate: Gate): Promise<void> {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1 },
    gate,
    offers: { expireAfter: '30s' },
    triggers: [{ name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } }],
  });
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = await site.visitor().arrive('/');
  const id = pageOfferId((await visitor.open('/checkout')).html);
  t.ok(id, 'sent with the page');
  t.match((await visitor.open('/checkout')).html, /data-expires-in="30000"/, 'answerable 30 s');
  const shown = pageOfferId((await visitor.open('/checkout')).html)!;
  site.clock.advance(25_000);
  t.same((await visitor.beat()).withdraw, [], 'within 30 s it stays');
  site.clock.advance(5_000);
  t.same((await visitor.beat()).withdraw, [shown], 'unanswered for 30 s: taken off the page');
  t.equal(
    pageOfferId((await visitor.open('/cart')).html),
    null,
    'the next page has no HELP option',
  );
  t.equal((await visitor.answer(shown, 'accept')).status, 409, 'and it cannot be accepted');
  t.equal((await capacity(site)).freeSlots, 1, 'nor does it hold a slot');
}

/** A page offer lives for the learned response time (p90 × 2). */
export async function pageOfferLivesForLearnedTime(t: Test, gate: Gate): Promise<void> {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 3 },
    gate,
    offers: {
      expireAfter: 'learned',
      learnedExpiry: {
        percentile: 90,
        factor: 2,
        minSamples: 2,
        fallback: '2m',
        min: '30s',
        max: '10m',
      },
    },
    triggers: [
      BUSY_TRIGGER,
      { name: 'checkout-help', pages: ['/checkout'], when: { onRequest: true } },
    ],
  });
  await setAgent(site, 'alice', { status: 'available' });
  const visitor = await site.visitor().arrive('/');
  t.match((await visitor.open('/checkout')).html, /data-expires-in="120000"/, 'fallback 2 min');
  await visitor.open('/products'); // leaves the checkout: its offer is withdrawn
  await learnFrom(site, [10_000, 25_000]);
  t.match(await capacity(site), { samples: 2, expireAfterSeconds: 50 });
  const { html } = await visitor.open('/checkout');
  t.ok(pageOfferId(html));
  t.match(html, /data-expires-in="50000"/, 'p90 of 10 s and 25 s is 25 s; × 2 = 50 s');
  site.clock.advance(50_000);
  t.equal(pageOfferId((await visitor.open('/cart')).html), null, 'then the next page has none');
}
