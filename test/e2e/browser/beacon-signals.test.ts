/**
 * The beacon in real Chromium, on the demo shop behind helpgate: what each heartbeat says about
 * the visitor's focus (claim 4), page views and visibility, read from the requests the page
 * sends. Form errors (claim 8) are in form-errors.test.ts. First, a page the beacon goes into
 * that starts with a UTF-8 byte order mark.
 */
import t from 'tap';
import { startDemoShop } from '../../../src/demo/shop.js';
import {
  assertCleanConsole,
  HB_PATH,
  launchBrowser,
  shopThroughHelpgate,
  watchedPage,
} from '../../fixtures/browser.js';
import { startHelpgate, startServer } from '../../fixtures/servers.js';

const browser = await launchBrowser(t);

t.test(
  'a UTF-8 BOM page keeps its BOM first: Chromium reads it as UTF-8 in standards mode (mojibake and quirks mode)',
  async (t) => {
    // The beacon tag went before the BOM: Chromium read the page as windows-1252, in quirks mode.
    const page = `<!DOCTYPE html>\r\n<html lang="de"><head><title>Grüße – Menü</title></head><body><p id=p>Café Zürich</p><div class=help>Hilfe</div></body></html>`;
    // No charset anywhere but the BOM, as an IIS site serves a file saved by a Windows editor.
    const site = await startServer(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page)]));
    });
    const { url } = await startHelpgate(t, { upstream: site.url, strip: ['.help'] });
    const watched = await watchedPage(t, browser);
    await watched.page.goto(`${url}/menu`);
    const seen = (await watched.page.evaluate(
      `({ charset: document.characterSet, mode: document.compatMode, title: document.title,
          text: document.getElementById('p').textContent,
          help: document.querySelectorAll('.help').length,
          beacon: document.querySelectorAll('head > script[src*="beacon.js"]').length })`,
    )) as Record<string, unknown>;
    t.same(seen, {
      charset: 'UTF-8',
      mode: 'CSS1Compat',
      title: 'Grüße – Menü',
      text: 'Café Zürich',
      help: 0,
      beacon: 1,
    });
    await assertCleanConsole(t, watched);
  },
);

t.test('the beacon reports how long the visitor has been on a field (claim 4)', async (t) => {
  const url = await shopThroughHelpgate(t);
  const watched = await watchedPage(t, browser);
  await watched.page.goto(`${url}/checkout`);
  await watched.page.focus('#card-number');
  const hb = await watched.heartbeat((hb) => hb.focus !== null && hb.focus.ms >= 1000);
  t.same(hb.focus?.field, 'card-number', 'named by its id');
  t.match(hb, { path: '/checkout', visible: true, errors: [] });

  await watched.page.locator('#card-number').blur();
  const before = watched.heartbeats.length;
  const after = await watched.heartbeat((hb) => watched.heartbeats.indexOf(hb) >= before);
  t.equal(after.focus, null, 'nothing focused: focus is null');
  await assertCleanConsole(t, watched);
});

t.test('a single-page-app navigation starts a new page view with the new path', async (t) => {
  const url = await shopThroughHelpgate(t);
  const watched = await watchedPage(t, browser);
  const { page } = watched;
  await page.goto(`${url}/account/orders`);
  const first = await watched.heartbeat((hb) => hb.path === '/account/orders');

  await page.click('a[href="/account/orders/returns"]');
  t.equal(await page.title(), 'Returns - Cobblestone Goods', 'the app switched views itself');
  const next = await watched.heartbeat((hb) => hb.path === '/account/orders/returns');
  t.not(next.pv, first.pv, 'a new page view');
  t.equal(next.seq, 0, 'its own sequence');

  await page.goBack();
  const back = await watched.heartbeat((hb) => hb.pv !== first.pv && hb.pv !== next.pv);
  t.equal(back.path, '/account/orders', 'Back is a history navigation too');
  await assertCleanConsole(t, watched);
});

/** Makes the page's document report `state`, as a browser does when its tab is switched. */
const SET_VISIBILITY = `(state) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
}`;

t.test('a hidden tab keeps its page view but says visible: false', async (t) => {
  const url = await shopThroughHelpgate(t);
  const watched = await watchedPage(t, browser);
  const { page } = watched;
  await page.goto(`${url}/catalogue`);
  const shown = await watched.heartbeat((hb) => hb.visible);

  // Headless Chromium keeps every tab visible, so the page is told what a browser says when
  // its tab goes to the background.
  const setVisibility = (state: 'hidden' | 'visible') =>
    page.evaluate(`(${SET_VISIBILITY})(${JSON.stringify(state)})`);
  await setVisibility('hidden');
  const hidden = await watched.heartbeat((hb) => !hb.visible);
  t.equal(hidden.pv, shown.pv, 'the same page view');

  await setVisibility('visible');
  const seen = watched.heartbeats.length;
  const again = await watched.heartbeat((hb) => watched.heartbeats.indexOf(hb) >= seen);
  t.match(again, { pv: shown.pv, visible: true });
  await assertCleanConsole(t, watched);
});

t.test(
  "the beacon's own heartbeats, sendBeacon on pagehide included, pass the cross-site check",
  async (t) => {
    // hb refuses other sites' requests (403 HG_ERR_CROSS_SITE); the page's fetch() and the
    // sendBeacon() it makes as it goes are same-origin and must still be taken.
    const shop = await startDemoShop();
    t.teardown(() => shop.close());
    const admin = 'admin-token-0123456789abcdef';
    const { url } = await startHelpgate(t, {
      upstream: shop.url,
      heartbeat: { interval: '3s' },
      admin: { token: admin },
    });
    const heartbeats = async () => {
      const res = await fetch(`${url}/__helpgate/metrics`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      const text = await res.text();
      const count = (outcome: string) =>
        Number(
          new RegExp(`helpgate_heartbeats_total\\{outcome="${outcome}"\\} (\\d+)`).exec(
            text,
          )?.[1] ?? 0,
        );
      return { ok: count('ok'), rejected: count('rejected') };
    };

    const watched = await watchedPage(t, browser);
    const answered = watched.page.waitForResponse(
      (res) => new URL(res.url()).pathname === HB_PATH,
      { timeout: 10_000 },
    );
    await watched.page.goto(`${url}/catalogue`);
    t.equal((await answered).status(), 200, "the page's fetch() heartbeat is taken");
    // Leaving the page fires pagehide: the beacon's last heartbeat goes by sendBeacon(), which
    // the browser sends on after the page is gone (so only the server sees its answer).
    await watched.page.goto('about:blank');
    let seen = await heartbeats();
    for (let i = 0; i < 60 && seen.ok < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await heartbeats();
    }
    t.same(seen, { ok: 2, rejected: 0 }, 'the sendBeacon() heartbeat is taken too');
    t.equal(watched.heartbeats.length, 1, 'one by fetch()');
  },
);
