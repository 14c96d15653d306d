// The offer lifecycle and DESIGN.md's offer rules, through the sessions service (gate always
// unless a test says otherwise; the gate itself has the claim 13–16 tests).
import t from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/session/memory-store.js';
import { createSessions } from '../../src/session/sessions.js';
import { offerParts } from '../fixtures/offer-parts.js';
import { hb, manualClock, testConfig } from '../session/_helpers.js';

const SID = 'AAAAAAAAAAAAAAAAAAAAAA';

function setup(overrides: Partial<ConfigInput> = {}) {
  const config = testConfig({
    triggers: [{ name: 'any-beat', when: { heartbeats: 1 } }],
    offers: { expireAfter: '60s' },
    gate: { mode: 'always' },
    ...overrides,
  });
  const clock = manualClock();
  const store = createMemoryStore({ maxSessions: 10, maxPinned: 10, ttlMs: 1_800_000, clock });
  const parts = offerParts(config);
  const sessions = createSessions({ config, store, clock, logger: silentLogger(), ...parts });
  let seq = 0;
  const beat = (pv: string, path = '/p') => {
    clock.advance(5_000);
    return sessions.heartbeat(SID, hb(pv, path, seq++));
  };
  return { sessions, store, clock, beat, ...parts };
}

t.test('one offer per trigger per page view; it pins the session while shown', async (t) => {
  const { sessions, store, clock, beat } = setup();
  const first = await beat('pv1');
  t.ok(first.offer);
  t.equal(first.offer?.expiresInMs, 60_000);
  t.equal(store.pinnedSize(), 1, 'a session with a shown offer is kept from eviction');
  t.equal((await beat('pv1')).offer, null, 'shown: no second offer');
  clock.advance(60_000);
  const expired = await beat('pv1');
  t.same(expired.withdraw, [first.offer?.id], 'an offer past its time is taken back');
  t.equal(expired.offer, null, 'the trigger does not offer again on the same page view');
  t.equal(store.pinnedSize(), 0);
  t.equal((await sessions.snapshot(SID))?.offers?.[0]?.state, 'expired');
  t.ok((await beat('pv2')).offer, 'a new page view may offer again');
});

t.test('a new page view withdraws the offer shown on the previous one', async (t) => {
  const { sessions, beat } = setup();
  const first = await beat('pv1', '/a');
  const next = await beat('pv2', '/b');
  t.same(next.withdraw, [first.offer?.id]);
  t.ok(next.offer, 'and the new page view gets its own');
  await sessions.pageServed(SID, '/c');
  t.equal((await sessions.snapshot(SID))?.offers?.at(-1)?.state, 'withdrawn', 'as does a page');
});

t.test('a visitor with two tabs: an offer shows only in the tab it was made for', async (t) => {
  // Tab A (/catalogue) heartbeats on after tab B (/checkout) became the current page view.
  // B's offer waits for an agent; when one comes free, A's heartbeat must not carry it (A's
  // page would show checkout help), and B's next heartbeat does.
  const { beat, capacity, clock } = setup({
    agents: { list: [{ id: 'alice', token: 'alice-token-0123456789' }] },
    gate: { mode: 'available' },
  });
  t.equal((await beat('pv-a', '/catalogue')).offer, null, 'no agent: pending');
  t.equal((await beat('pv-b', '/checkout')).offer, null, 'tab B: its own offer, pending');
  capacity.setAgent('alice', { status: 'available' }, clock.now());
  const a = await beat('pv-a', '/catalogue');
  t.same(a, { next: 5_000, offer: null, withdraw: [], conversation: null }, 'tab A gets nothing');
  const b = await beat('pv-b', '/checkout');
  t.match(b.offer, { id: /.+/ }, 'tab B gets its offer');
});

t.test('a tab whose offer a newer tab took back is told to remove it', async (t) => {
  // The server keeps one current page view per visitor: opening tab B ends tab A's view and
  // withdraws the offer A shows. B's heartbeat reply names it, but A's beacon shows it; A's
  // next heartbeat must name it too, or the visitor could accept an offer that is gone.
  const { sessions, beat } = setup();
  const first = await beat('pv-a', '/catalogue');
  t.ok(first.offer, 'tab A shows an offer');
  await sessions.pageServed(SID, '/checkout');
  const b = await beat('pv-b', '/checkout');
  t.ok(b.offer, 'tab B gets its own');
  const a = await beat('pv-a', '/catalogue');
  t.same(a.withdraw, [first.offer?.id], 'tab A learns that its offer was taken back');
  t.equal(a.offer, null);
  const again = await beat('pv-b', '/checkout');
  t.same(again.withdraw, [], "tab B's offer stays");
  t.equal((await sessions.snapshot(SID))?.offers?.at(-1)?.state, 'shown');
});

t.test('maxPerSession counts shown offers', async (t) => {
  const { beat } = setup({ offers: { maxPerSession: 2 } });
  t.ok((await beat('pv1')).offer);
  t.ok((await beat('pv2')).offer);
  t.equal((await beat('pv3')).offer, null);
});

t.test('offers.enabled false is a dry run: decided and logged, never shown', async (t) => {
  const lines: string[] = [];
  const config = testConfig({
    triggers: [{ name: 'any-beat', when: { heartbeats: 1 } }],
    offers: { enabled: false },
    gate: { mode: 'always' },
  });
  const clock = manualClock();
  const store = createMemoryStore({ maxSessions: 10, maxPinned: 10, ttlMs: 60_000, clock });
  const logger = createLogger('info', { write: (line: string) => lines.push(line) });
  const sessions = createSessions({ config, store, clock, logger, ...offerParts(config) });
  const reply = await sessions.heartbeat(SID, hb('pv1', '/p', 0));
  await sessions.heartbeat(SID, hb('pv1', '/p', 1));
  t.equal(reply.offer, null);
  const fired = lines.map((l) => JSON.parse(l)).filter((l) => l.trigger === 'any-beat');
  t.equal(fired.length, 1, 'logged once per page view');
  t.match(fired[0], { msg: /dry run/, reasons: ['1 heartbeat on this page'] });
});

t.test('every transition is timestamped in the session', async (t) => {
  const { sessions, clock, beat, capacity } = setup({
    agents: { list: [{ id: 'alice', token: 'alice-token-0123456789' }] },
    gate: { mode: 'available' },
  });
  t.equal((await beat('pv1')).offer, null, 'no agent: pending');
  const pending = (await sessions.snapshot(SID))?.offers?.[0];
  t.match(pending, { state: 'pending', route: 'heartbeat', createdAt: clock.now() });
  t.notOk(pending?.shownAt, 'not sent yet');
  capacity.setAgent('alice', { status: 'available' }, clock.now());
  const { offer } = await beat('pv1');
  const shownAt = clock.now();
  clock.advance(3_000);
  t.match(await sessions.answer(SID, offer!.id, 'accept'), { ok: true });
  t.match((await sessions.snapshot(SID))?.offers?.[0], {
    state: 'accepted',
    createdAt: shownAt - 5_000,
    shownAt,
    endedAt: shownAt + 3_000,
    conversationId: /.+/,
  });
});

t.test('a dismissal holds further offers back for cooldownAfterDismiss', async (t) => {
  const { sessions, clock, beat } = setup({ offers: { cooldownAfterDismiss: '60s' } });
  const { offer } = await beat('pv1');
  t.match(await sessions.answer(SID, offer!.id, 'dismiss'), { ok: true });
  t.match(await sessions.answer(SID, offer!.id, 'dismiss'), { ok: false, reason: 'closed' });
  for (let s = 5; s < 60; s += 5) t.equal((await beat(`pv-${s}`)).offer, null, `${s} s: none`);
  clock.advance(5_000);
  t.ok((await beat('pv-later')).offer, 'after the cooldown, a new page view may offer again');
});

t.test('a shown offer is withdrawn when no agent is available any more', async (t) => {
  const { beat, capacity, clock } = setup({
    agents: { list: [{ id: 'alice', token: 'alice-token-0123456789' }] },
    gate: { mode: 'available' },
  });
  capacity.setAgent('alice', { status: 'available' }, clock.now());
  const { offer } = await beat('pv1');
  t.ok(offer);
  capacity.setAgent('alice', { status: 'away' }, clock.now());
  const next = await beat('pv1');
  t.same(next.withdraw, [offer?.id], 'nobody could answer it');
  t.equal(capacity.snapshot(clock.now()).estimatedWaitMs, null);
});

t.test(
  'a queued visitor keeps their place while heartbeats come, and loses it after',
  async (t) => {
    // No agent is available, so both visitors who accept wait in the queue (gate "always").
    const { sessions, clock, beat, capacity } = setup({
      agents: { list: [{ id: 'alice', token: 'alice-token-0123456789' }] },
    });
    const other = 'BBBBBBBBBBBBBBBBBBBBBB';
    const mine = (await beat('pv1')).offer!;
    const theirs = (await sessions.heartbeat(other, hb('pv-b', '/p', 0))).offer!;
    t.match(await sessions.answer(SID, mine.id, 'accept'), { ok: true });
    t.match(await sessions.answer(other, theirs.id, 'accept'), { ok: true });
    t.equal(capacity.snapshot(clock.now()).queueLength, 2);
    // Then only this visitor's page keeps beating, for longer than session.ttl (30 min).
    for (let minute = 0; minute < 31; minute++) {
      clock.advance(55_000);
      await beat('pv1');
    }
    t.equal(capacity.snapshot(clock.now()).queueLength, 1, 'the silent visitor left the queue');
    capacity.setAgent('alice', { status: 'available' }, clock.now());
    const [conversation] = capacity.conversationsOf('alice');
    t.equal(conversation?.sid, SID, 'the agent gets the visitor who is still there');
  },
);

t.test(
  "answering another visitor's offer is refused as forbidden, an unknown one as unknown",
  async (t) => {
    // Offer ids travel in pages; one visitor must not answer (or read) another's offer.
    const { sessions, beat } = setup();
    const { offer } = await beat('pv1');
    const other = 'BBBBBBBBBBBBBBBBBBBBBB';
    await sessions.pageServed(other, '/x');
    t.match(await sessions.answer(other, offer!.id, 'accept'), { ok: false, reason: 'forbidden' });
    t.match(await sessions.offer(other, offer!.id), { ok: false, reason: 'forbidden' });
    t.match(await sessions.answer(other, 'no-such-offer', 'accept'), {
      ok: false,
      reason: 'unknown',
    });
    t.match(await sessions.answer(SID, offer!.id, 'accept'), { ok: true }, 'its owner may');
  },
);

t.test(
  'a late heartbeat of the page left behind does not take the next page its offer',
  async (t) => {
    // Next-page delivery: the offer goes out with /cart. The beacon of /catalogue sent one more
    // heartbeat as the visitor left; it arrives after /cart was served. It must neither claim
    // the offer for its page view nor end it; /cart's own first heartbeat takes it.
    const { sessions, beat } = setup({ offers: { delivery: 'next-page', expireAfter: '60s' } });
    t.equal((await beat('pv-catalogue', '/catalogue')).offer, null, 'next-page: nothing inline');
    const { offerHtml } = await sessions.pageServed(SID, '/cart');
    t.ok(offerHtml, 'the offer went out with /cart');
    const late = await beat('pv-catalogue', '/catalogue');
    t.same(late.withdraw, [], 'the late heartbeat of /catalogue takes nothing back');
    const own = await beat('pv-cart', '/cart');
    t.same(own.withdraw, [], "nor does /cart's first heartbeat");
    const offer = (await sessions.snapshot(SID))?.offers?.at(-1);
    t.match(offer, { state: 'shown', pv: 'pv-cart', path: '/cart' }, 'it belongs to /cart');
  },
);
