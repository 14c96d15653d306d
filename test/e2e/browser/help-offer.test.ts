/**
 * The HELP option in real Chromium: a trigger fires on the server and the beacon shows the
 * offer (claim 12); the beacon's handling of offers in heartbeat replies — rendering under a
 * strict Content-Security-Policy, accept, dismiss, withdraw — with replies fulfilled by the
 * test, so it is proven whatever the server decides.
 */
import type { Page, Route } from 'playwright-core';
import t, { type Test } from 'tap';
import { startDemoShop } from '../../../src/demo/shop.js';
import {
  assertCleanConsole,
  HB_PATH,
  launchBrowser,
  type SentHeartbeat,
  type WatchedPage,
  watchedPage,
} from '../../fixtures/browser.js';
import { startHelpgate, startServer } from '../../fixtures/servers.js';

const browser = await launchBrowser(t);

const STRICT_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Strict</title></head>
<body><h1>A page with a strict policy</h1>
<form><label for="q">Search</label> <input id="q" name="q" required></form>
</body></html>`;

/** A site whose pages carry `Content-Security-Policy: default-src 'self'`, behind helpgate. */
async function strictSiteThroughHelpgate(t: Test): Promise<string> {
  const site = await startServer(t, (req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'self'",
    });
    res.end(STRICT_PAGE);
  });
  const { url } = await startHelpgate(t, { upstream: site.url, heartbeat: { interval: '1s' } });
  return url;
}

/** An offer as the contract's heartbeat reply carries it. */
function offer(id: string, html: string) {
  return { id, kind: 'button', html, expiresInMs: 90_000, reasons: ['quick'] };
}

/** Answers the page's heartbeats in place of the server, with `reply(heartbeat)`. */
async function replyToHeartbeats(page: Page, reply: (hb: SentHeartbeat) => object): Promise<void> {
  await page.route(`**${HB_PATH}`, (route: Route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        next: 1000,
        offer: null,
        withdraw: [],
        ...reply(route.request().postDataJSON() as SentHeartbeat),
      }),
    }),
  );
}

/** Records the visitor's answers to offers; answered with `status` by the test. */
async function recordAnswers(page: Page, status: number, body: object = {}) {
  const answers: { method: string; path: string }[] = [];
  await page.route('**/__helpgate/offers/**', (route: Route) => {
    answers.push({
      method: route.request().method(),
      path: new URL(route.request().url()).pathname,
    });
    return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  });
  return answers;
}

/**
 * Where the offer panel sits: its widget host's CSS position, the panel's distance from the
 * viewport's edges, and whether the panel is in the host's shadow root.
 */
const PLACEMENT = `(() => {
  const host = document.querySelector('helpgate-widget');
  const el = host.shadowRoot.getElementById('helpgate-offer');
  const rect = el.getBoundingClientRect();
  return {
    position: getComputedStyle(host).position,
    right: innerWidth - rect.right,
    bottom: innerHeight - rect.bottom,
    inShadowRoot: el.getRootNode() === host.shadowRoot,
  };
})()`;

/** The demo shop behind helpgate, which offers HELP after 2 s on any page (gate always). */
async function shopOfferingHelpAfter2s(t: Test): Promise<string> {
  const shop = await startDemoShop();
  t.teardown(() => shop.close());
  const { url } = await startHelpgate(t, {
    upstream: shop.url,
    heartbeat: { interval: '1s' },
    triggers: [{ name: 'quick', when: { timeOnPage: '2s' } }],
    gate: { mode: 'always' },
  });
  return url;
}

const panel = (watched: WatchedPage) => watched.page.locator('#helpgate-offer');

t.test('a HELP button appears when a time-on-page trigger fires (claims 3, 12)', async (t) => {
  const url = await shopOfferingHelpAfter2s(t);
  const watched = await watchedPage(t, browser);
  await watched.page.goto(`${url}/catalogue`);
  t.equal(await panel(watched).count(), 0, 'no HELP before the trigger fires');

  const help = panel(watched).getByRole('button', { name: /help/i }).first();
  await help.waitFor({ state: 'visible', timeout: 6_000 });
  const shown = await watched.heartbeat((hb) => hb.offer?.state === 'shown');
  t.match(shown.offer, { id: /^[A-Za-z0-9_-]+$/, state: 'shown' }, 'the beacon says it is shown');
  await assertCleanConsole(t, watched);
});

t.test(
  'an offer in a heartbeat reply shows as a HELP panel on a strict-CSP page, reported shown',
  async (t) => {
    const url = await strictSiteThroughHelpgate(t);
    const watched = await watchedPage(t, browser);
    const { page } = watched;
    // Threat: offer markup carrying script, inline handlers or styles, or remote resources, run
    // or fetched in the visitor's page (and refused with console errors under a strict CSP).
    const hostile =
      '<p style="color:red" onclick="alert(1)">Need a hand?</p><style>p{}</style>' +
      '<script>alert(1)</script><img src="https://tracker.example/p.gif" onerror="alert(1)">' +
      '<a href="javascript:alert(1)">more</a><button style="x">Need help?</button>';
    await replyToHeartbeats(page, (hb) => (hb.seq === 0 ? { offer: offer('o-1', hostile) } : {}));
    // Without a conversation id (the chat panel takes over when there is one; see
    // chat-panel.test.ts), the accepted offer says so itself.
    const answers = await recordAnswers(page, 200, {
      queuePosition: 0,
      estimatedWaitSeconds: 0,
    });
    await page.goto(url);

    const box = panel(watched);
    await box.waitFor({ state: 'visible', timeout: 5_000 });
    // Without a title it is a region named "Help"; the forms with one are dialogs (help-forms).
    t.equal(await page.getByRole('region', { name: 'Help' }).count(), 1, 'a region named Help');
    const placement = await page.evaluate(PLACEMENT);
    t.same(
      placement,
      { position: 'fixed', right: 16, bottom: 16, inShadowRoot: true },
      'fixed, bottom-right, in the widget',
    );
    t.equal(await box.getByText('Need a hand?').count(), 1, 'the offer text is shown');
    const content = await box.innerHTML();
    t.notMatch(content, /onclick|onerror|<script|<style|<img|javascript:|color:red/i);
    t.equal(await box.getByRole('button').count(), 2, 'the offer button and the close button');

    const shown = await watched.heartbeat((hb) => hb.offer !== undefined);
    t.same(shown.offer, { id: 'o-1', state: 'shown' }, 'the next heartbeat says it is shown');

    await box.getByRole('button', { name: 'Need help?' }).click();
    await box.getByText('An agent is with you now').waitFor({ timeout: 5_000 });
    t.same(answers, [{ method: 'POST', path: '/__helpgate/offers/o-1/accept' }]);
    t.equal(await box.getByRole('button', { name: 'Close' }).count(), 1, 'still closable');
    const seen = watched.heartbeats.length;
    const after = await watched.heartbeat((hb) => watched.heartbeats.indexOf(hb) >= seen);
    t.equal(after.offer, undefined, 'an answered offer is no longer reported as shown');
    await assertCleanConsole(t, watched);
  },
);

t.test('a visitor who opens a second tab: the offer moves to the new tab', async (t) => {
  // helpgate follows one current page view per visitor. The tab opened last takes it over:
  // the first tab's offer is taken back, and its panel goes at its next heartbeat, so the
  // visitor never answers an offer that is gone; the new tab gets its own.
  const url = await shopOfferingHelpAfter2s(t);
  const first = await watchedPage(t, browser);
  await first.page.goto(`${url}/catalogue`);
  await panel(first).waitFor({ state: 'visible', timeout: 6_000 });
  const second = await watchedPage(t, browser, first);
  await second.page.goto(`${url}/cart`);
  await panel(second).waitFor({ state: 'visible', timeout: 6_000 });
  await panel(first).waitFor({ state: 'detached', timeout: 5_000 });
  t.equal(await panel(second).count(), 1, 'the new tab keeps its offer');
  await assertCleanConsole(t, first);
  await assertCleanConsole(t, second);
});

t.test('the close button dismisses; a withdrawal takes the offer off the page', async (t) => {
  const url = await strictSiteThroughHelpgate(t);
  const watched = await watchedPage(t, browser);
  const { page } = watched;
  const answers = await recordAnswers(page, 200);
  // The first offer until the visitor dismisses it, then a second one until it is reported
  // shown, which the server then takes back.
  let secondSent = false;
  await replyToHeartbeats(page, (hb) => {
    if (answers.length === 0) return { offer: offer('o-1', 'Can we help?') };
    if (hb.offer?.id === 'o-2') return { withdraw: ['o-2'] };
    if (secondSent) return {};
    secondSent = true;
    return { offer: offer('o-2', 'Can we help?') };
  });
  await page.goto(url);

  const box = panel(watched);
  await box.waitFor({ state: 'visible', timeout: 5_000 });
  t.equal(await box.getByRole('button', { name: 'HELP' }).count(), 1, 'a plain HELP button');
  await box.getByRole('button', { name: 'Close' }).click();
  t.equal(await box.count(), 0, 'gone at once');
  // The dismissal is sent as the box goes; the route sees it a moment later.
  for (let waited = 0; answers.length === 0 && waited < 5_000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.same(answers, [{ method: 'POST', path: '/__helpgate/offers/o-1/dismiss' }]);

  await watched.heartbeat((hb) => hb.offer?.id === 'o-2', 6_000);
  await box.waitFor({ state: 'detached', timeout: 5_000 });
  t.equal(answers.length, 1, 'a withdrawn offer is not dismissed by the visitor');
  await assertCleanConsole(t, watched);
});

t.test(
  'an accept the server refuses (404) takes the offer away without a page error',
  async (t) => {
    const url = await strictSiteThroughHelpgate(t);
    const watched = await watchedPage(t, browser);
    const { page } = watched;
    await replyToHeartbeats(page, (hb) =>
      hb.seq === 0 ? { offer: offer('o-unknown', 'Can we help?') } : {},
    );
    const answers = await recordAnswers(page, 404, {
      error: { code: 'HG_ERR_NOT_FOUND', message: 'not found' },
    });
    await page.goto(url);

    const box = panel(watched);
    await box.getByRole('button', { name: 'HELP' }).click({ timeout: 5_000 });
    await box.waitFor({ state: 'detached', timeout: 5_000 });
    t.equal(answers.length, 1);
    // Chromium itself logs every 4xx response of fetch() as "Failed to load resource"; that line
    // is the browser's, and the only one allowed here.
    const own = watched.problems.filter((p) => !/Failed to load resource.*404/.test(p));
    watched.problems.splice(0, watched.problems.length, ...own);
    await assertCleanConsole(t, watched);
  },
);

t.test(
  "forged page offer: a site's own content posing as an offer shows no link away and loads nothing from elsewhere",
  async (t) => {
    // Attack: a comment or review on the site (content helpgate passes through) carries the
    // page-offer markup, so the beacon shows the attacker's "help" with a phishing link or a
    // tracking pixel in the widget the visitor trusts.
    const forged =
      '&lt;h2&gt;Support&lt;/h2&gt;&lt;p&gt;Call us&lt;/p&gt;' +
      '&lt;a href=&quot;https://evil.example/login&quot;&gt;Sign in again&lt;/a&gt;' +
      '&lt;img src=&quot;https://evil.example/pixel.gif&quot;&gt;' +
      '&lt;audio controls src=&quot;https://evil.example/a.ogg&quot;&gt;&lt;/audio&gt;' +
      '&lt;button&gt;Talk&lt;/button&gt;';
    const site = await startServer(t, (req, res) => {
      if (req.url === '/favicon.ico') {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': "default-src 'self'",
      });
      res.end(
        STRICT_PAGE.replace(
          '</form>',
          `</form><div class="review" data-helpgate-offer="forged-1" data-html="${forged}">Nice shop</div>`,
        ),
      );
    });
    const { url } = await startHelpgate(t, { upstream: site.url, heartbeat: { interval: '1s' } });
    const watched = await watchedPage(t, browser);
    const { page } = watched;
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(url)) elsewhere.push(request.url());
    });
    await page.goto(url);
    const box = panel(watched);
    await box.waitFor({ state: 'visible', timeout: 5_000 });
    t.equal(await box.getByRole('link').count(), 0, 'no link away');
    t.equal(await box.locator('img, [src*="evil.example"]').count(), 0, 'nothing from elsewhere');
    t.equal(await box.getByText('Sign in again').count(), 1, 'its words stay mere text');
    await box.getByRole('button', { name: 'Talk' }).click();
    await box.waitFor({ state: 'detached', timeout: 5_000 });
    t.same(elsewhere, [], 'no request left the site');
    // The accept of an offer id the server never made is refused (404): the browser logs it.
    const own = watched.problems.filter((p) => !/Failed to load resource.*404/.test(p));
    watched.problems.splice(0, watched.problems.length, ...own);
    await assertCleanConsole(t, watched);
  },
);
