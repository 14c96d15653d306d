import t from 'tap';
import { silentLogger } from '../../src/logger.js';
import { memoryStoreFor } from '../../src/session/memory-store.js';
import {
  MAX_RECENT_PAGE_VIEWS,
  MAX_VIEWED_PATH_CHARS,
  MAX_VIEWED_PATHS,
  returnsTo,
} from '../../src/session/session.js';
import { createSessions } from '../../src/session/sessions.js';
import { offerParts } from '../fixtures/offer-parts.js';
import { hb, manualClock, testConfig } from './_helpers.js';

const INTERVAL = 5_000;

function setup(ttl = '30m') {
  const config = testConfig({ heartbeat: { interval: '5s' }, session: { ttl } });
  const clock = manualClock();
  const store = memoryStoreFor(config, clock);
  const sessions = createSessions({
    config,
    store,
    clock,
    logger: silentLogger(),
    ...offerParts(config),
  });
  return { sessions, store, clock };
}

const SID = 'AAAAAAAAAAAAAAAAAAAAAA';

t.test('page views and returns (DESIGN.md "Page views")', async (t) => {
  t.test('the very first page is counted by its first heartbeat', async (t) => {
    const { sessions } = setup();
    const reply = await sessions.heartbeat(SID, hb('pv1', '/products', 0));
    t.same(reply, { next: INTERVAL, offer: null, withdraw: [], conversation: null });
    const s = (await sessions.snapshot(SID))!;
    t.same(s.views, { '/products': 1 });
    t.equal(returnsTo(s, '/products'), 0);
    t.equal(s.page?.path, '/products');
  });

  t.test('a served page is counted, and its own heartbeat does not count it again', async (t) => {
    const { sessions } = setup();
    await sessions.heartbeat(SID, hb('pv1', '/', 0));
    await sessions.pageServed(SID, '/cart');
    await sessions.heartbeat(SID, hb('pv2', '/cart', 0));
    await sessions.heartbeat(SID, hb('pv2', '/cart', 1));
    t.same((await sessions.snapshot(SID))!.views, { '/': 1, '/cart': 1 });
  });

  // Fault: a visitor who left their first page within one interval (so its only heartbeat was
  // the pagehide one, arriving after the next page was served) was counted as returning to
  // the next page, and a `returns` trigger fired early.
  t.test("the first page's pagehide heartbeat, arriving late, counts no page twice", async (t) => {
    const { sessions, clock } = setup();
    // /cart was served before the session existed; the visitor moved on within one interval.
    await sessions.pageServed(SID, '/checkout');
    await sessions.heartbeat(SID, { ...hb('pv-cart', '/cart', 0), visible: false });
    clock.advance(INTERVAL);
    await sessions.heartbeat(SID, hb('pv-checkout', '/checkout', 0));
    const s = (await sessions.snapshot(SID))!;
    t.same(s.views, { '/checkout': 1, '/cart': 1 }, 'each page counted once');
    t.equal(returnsTo(s, '/checkout'), 0, 'no return to the checkout');
    t.equal(s.page?.path, '/checkout', 'the checkout is the current page view');
  });

  t.test('a served page whose beacon never ran does not swallow a later navigation', async (t) => {
    const { sessions, clock } = setup();
    await sessions.heartbeat(SID, hb('pv1', '/', 0));
    await sessions.pageServed(SID, '/guide');
    clock.advance(30 * 60_000);
    await sessions.heartbeat(SID, hb('pv1', '/', 1));
    await sessions.heartbeat(SID, hb('pv2', '/guide', 0));
    t.same((await sessions.snapshot(SID))!.views, { '/': 1, '/guide': 2 });
  });

  t.test('reloads count as returns; the query string is not part of the path', async (t) => {
    const { sessions } = setup();
    await sessions.pageServed(SID, '/checkout');
    await sessions.pageServed(SID, '/checkout?step=2');
    await sessions.pageServed(SID, '/checkout#top');
    const s = (await sessions.snapshot(SID))!;
    t.same(s.views, { '/checkout': 3 });
    t.equal(returnsTo(s, '/checkout'), 2);
  });

  t.test('single-page-app navigations count; going back to a path is a return', async (t) => {
    const { sessions } = setup();
    await sessions.heartbeat(SID, hb('pv1', '/app', 0));
    await sessions.heartbeat(SID, hb('pv2', '/app/settings', 0));
    await sessions.heartbeat(SID, hb('pv3', '/app', 0));
    const s = (await sessions.snapshot(SID))!;
    t.same(s.views, { '/app/settings': 1, '/app': 2 });
    t.equal(returnsTo(s, '/app'), 1);
  });

  t.test('a late heartbeat of an earlier page view neither counts nor takes over', async (t) => {
    const { sessions } = setup();
    await sessions.heartbeat(SID, hb('pv1', '/a', 0));
    await sessions.heartbeat(SID, hb('pv2', '/b', 0));
    await sessions.heartbeat(SID, hb('pv1', '/a', 1));
    const s = (await sessions.snapshot(SID))!;
    t.same(s.views, { '/a': 1, '/b': 1 });
    t.equal(s.page?.pv, 'pv2');
  });

  t.test('a lost or expired session is replaced transparently', async (t) => {
    const { sessions, clock } = setup('10m');
    await sessions.pageServed(SID, '/a');
    await sessions.pageServed(SID, '/a');
    clock.advance(10 * 60_000 + 1);
    await sessions.pageServed(SID, '/a');
    const s = (await sessions.snapshot(SID))!;
    t.same(s.views, { '/a': 1 }, 'counting starts over');
    t.equal(s.createdAt, clock.now());
  });

  t.test('a page and a heartbeat arriving together are both recorded', async (t) => {
    const { sessions } = setup();
    await Promise.all([
      sessions.pageServed(SID, '/a'),
      sessions.heartbeat(SID, hb('pv1', '/b', 0)),
    ]);
    t.same((await sessions.snapshot(SID))!.views, { '/a': 1, '/b': 1 });
  });

  t.test(
    'a session remembers at most 200 paths and 50 page views, dropping the oldest',
    async (t) => {
      const { sessions } = setup();
      await sessions.pageServed(SID, '/keep');
      for (let i = 0; i < MAX_VIEWED_PATHS + 50; i++) {
        await sessions.heartbeat(SID, hb(`pv${i}`, `/p${i}`, 0));
        if (i % 10 === 0) await sessions.pageServed(SID, '/keep');
      }
      const s = (await sessions.snapshot(SID))!;
      t.equal(Object.keys(s.views).length, MAX_VIEWED_PATHS);
      t.equal(s.views['/p0'], undefined, 'the least recently viewed path went first');
      t.ok(s.views['/keep'], 'a path viewed again stays');
      t.equal(s.recentPageViews.length, MAX_RECENT_PAGE_VIEWS);
    },
  );

  t.test('session bloating with long paths is capped', async (t) => {
    // Attack: a client sends heartbeats for many distinct 2 KB paths to grow its session (and
    // with many sessions, the server's memory) without limit.
    const { sessions } = setup();
    for (let i = 0; i < 100; i++) {
      await sessions.heartbeat(SID, hb(`pv${i}`, `/${String(i).padStart(2047, 'x')}`, 0));
    }
    await sessions.pageServed(SID, `/${'y'.repeat(10_000)}`);
    const s = (await sessions.snapshot(SID))!;
    const chars = Object.keys(s.views).reduce((sum, path) => sum + path.length, 0);
    t.ok(chars <= MAX_VIEWED_PATH_CHARS, `${chars} characters of paths kept`);
    t.ok(JSON.stringify(s).length < 48 * 1024, 'the whole session stays small');
    t.ok(
      Object.keys(s.views).every((path) => path.length <= 2048),
      'over-long pathnames are recorded truncated',
    );
  });
});

t.test('time on page (DESIGN.md "Time on page")', async (t) => {
  t.test(
    'the first heartbeat credits one interval; later ones the time since the previous',
    async (t) => {
      const { sessions, clock } = setup();
      await sessions.heartbeat(SID, hb('pv1', '/pay', 0));
      t.equal((await sessions.snapshot(SID))!.page?.timeOnPageMs, INTERVAL);
      clock.advance(4_000);
      await sessions.heartbeat(SID, hb('pv1', '/pay', 1));
      clock.advance(5_000);
      await sessions.heartbeat(SID, hb('pv1', '/pay', 2));
      const page = (await sessions.snapshot(SID))!.page!;
      t.equal(page.timeOnPageMs, INTERVAL + 4_000 + 5_000);
      t.equal(page.heartbeats, 3);
    },
  );

  t.test(
    'a gap longer than the interval asked for (throttled, asleep) is capped at it',
    async (t) => {
      const { sessions, clock } = setup();
      await sessions.heartbeat(SID, hb('pv1', '/pay', 0));
      clock.advance(60_000);
      await sessions.heartbeat(SID, hb('pv1', '/pay', 1));
      t.equal((await sessions.snapshot(SID))!.page?.timeOnPageMs, 2 * INTERVAL);
    },
  );

  t.test('a hidden tab credits nothing but its heartbeats still count', async (t) => {
    const { sessions, clock } = setup();
    await sessions.heartbeat(SID, hb('pv1', '/pay', 0));
    for (let seq = 1; seq <= 3; seq++) {
      clock.advance(INTERVAL);
      await sessions.heartbeat(SID, hb('pv1', '/pay', seq, false));
    }
    clock.advance(INTERVAL);
    await sessions.heartbeat(SID, hb('pv1', '/pay', 4, true));
    const page = (await sessions.snapshot(SID))!.page!;
    t.equal(page.timeOnPageMs, 2 * INTERVAL, 'only the first and the visible last');
    t.equal(page.heartbeats, 5);
  });

  t.test('a page opened in a background tab starts with nothing', async (t) => {
    const { sessions } = setup();
    await sessions.heartbeat(SID, hb('pv1', '/pay', 0, false));
    t.equal((await sessions.snapshot(SID))!.page?.timeOnPageMs, 0);
  });

  t.test('a replayed or out-of-order heartbeat credits and counts nothing', async (t) => {
    const { sessions, clock } = setup();
    await sessions.heartbeat(SID, hb('pv1', '/pay', 0));
    clock.advance(INTERVAL);
    await sessions.heartbeat(SID, hb('pv1', '/pay', 1));
    for (let i = 0; i < 5; i++) {
      clock.advance(INTERVAL);
      await sessions.heartbeat(SID, hb('pv1', '/pay', 1));
      await sessions.heartbeat(SID, hb('pv1', '/pay', 0));
    }
    const page = (await sessions.snapshot(SID))!.page!;
    t.equal(page.timeOnPageMs, 2 * INTERVAL);
    t.equal(page.heartbeats, 2);
  });

  t.test('a new page view starts its own clock', async (t) => {
    const { sessions, clock } = setup();
    await sessions.heartbeat(SID, hb('pv1', '/a', 0));
    clock.advance(INTERVAL);
    await sessions.heartbeat(SID, hb('pv1', '/a', 1));
    clock.advance(INTERVAL);
    await sessions.heartbeat(SID, hb('pv2', '/b', 0));
    const page = (await sessions.snapshot(SID))!.page!;
    t.equal(page.pv, 'pv2');
    t.equal(page.timeOnPageMs, INTERVAL);
    t.equal(page.heartbeats, 1);
  });
});
