/**
 * The supervisor page in real Chromium after a scripted scenario: its tiles show the numbers
 * the scenario made, its charts draw them, visitor paths and config names stay text, and the
 * page runs under its own strict policy without a complaint. Screenshots go where
 * HELPGATE_SHOTS says.
 */
import t from 'tap';
import { ADMIN_TOKEN } from '../../claims/_visitor.js';
import { EXPECTED, runScenario } from '../../console/_supervisor-scenario.js';
import {
  assertCleanConsole,
  launchBrowser,
  screenshot,
  watchedPage,
} from '../../fixtures/browser.js';

const browser = await launchBrowser(t);

const HOSTILE_NAME = 'Alice <img src=x onerror="window.__pwned=1">';

/**
 * Which of `colours` chart `id` drew (a series in that colour), from one readback of the
 * canvas: Chromium warns about repeated ones.
 */
const drawn = (id: string, colours: [number, number, number][]) => `(() => {
  const canvas = document.querySelector('[data-chart="${id}"] canvas');
  if (!canvas) return [];
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  return ${JSON.stringify(colours)}.map(([r, g, b]) => {
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - r) < 8 && Math.abs(data[i + 1] - g) < 8 &&
        Math.abs(data[i + 2] - b) < 8 && data[i + 3] > 200) return true;
    }
    return false;
  });
})()`;

const BLUE: [number, number, number] = [31, 95, 191];
const RED: [number, number, number] = [179, 38, 30];

t.test(
  'the supervisor page shows the scenario numbers in its tiles and draws its charts',
  async (t) => {
    const { site } = await runScenario(t);
    const watched = await watchedPage(t, browser, undefined, {
      viewport: { width: 1200, height: 800 },
      extraHTTPHeaders: { authorization: `Bearer ${ADMIN_TOKEN}` },
      reducedMotion: 'reduce',
    });
    const { page } = watched;
    await page.goto(`${site.url}/__helpgate/console/supervisor`);
    const tile = (id: string) => page.locator(`[data-figure="${id}"] .value`);
    await tile('offersShown').waitFor();
    const shown = {
      offersShown: EXPECTED.offersShown,
      offersAccepted: EXPECTED.offersAccepted,
      offersDismissed: EXPECTED.offersDismissed,
      offersExpired: EXPECTED.offersExpired,
      queued: EXPECTED.queued,
      promisesKept: EXPECTED.promisesKept,
      promisesBroken: EXPECTED.promisesBroken,
    };
    for (const [id, value] of Object.entries(shown)) {
      t.equal(await tile(id).textContent(), String(value), id);
    }
    t.equal(await tile('acceptanceRate').textContent(), '60 %');
    t.equal(
      await page.locator('[data-figure="acceptanceRate"] .basis').textContent(),
      '5 events',
      'the rate says what it rests on',
    );
    t.equal(await tile('unattended').textContent(), '1');
    t.equal(await tile('active').textContent(), '1');
    t.equal(await page.locator('.plot canvas').count(), 6, 'six charts');
    t.same(await page.evaluate(drawn('offers', [BLUE])), [true], 'offers shown drawn');
    t.same(
      await page.evaluate(drawn('response', [BLUE, RED])),
      [true, true],
      'response-time bars drawn, maxWait marked',
    );
    t.ok(await page.getByRole('heading', { name: 'Offers per step' }).isVisible(), 'a caption');
    t.ok(await page.getByRole('link', { name: 'Offers per step: series as CSV' }).isVisible());
    // A point of the offers chart links to the conversations accepted in its step.
    const res = await fetch(`${site.url}/__helpgate/api/stats?since=1h&step=1m`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { series } = (await res.json()) as { series: { offersAccepted: { values: number[] } } };
    const accepted = series.offersAccepted.values;
    const over = await page.locator('[data-chart="offers"] .u-over').boundingBox();
    if (!over) throw new Error('no plot area');
    const x = over.x + (accepted.findIndex((n) => n > 0) / (accepted.length - 1)) * over.width;
    await page.mouse.move(x - 2, over.y + over.height / 2);
    await page.mouse.click(x, over.y + over.height / 2);
    await page.getByText(/^Conversations accepted at/).waitFor();
    t.equal(
      await page.getByRole('link', { name: /^[\w-]{8}$/ }).count(),
      EXPECTED.offersAccepted,
      'three conversations behind the point',
    );
    await screenshot(page, 'supervisor');
    await page.evaluate('window.scrollTo(0, document.getElementById("h-charts").offsetTop - 8)');
    await screenshot(page, 'supervisor-charts');
    await page.evaluate('window.scrollTo(0, document.getElementById("h-triggers").offsetTop - 8)');
    await screenshot(page, 'supervisor-tables');

    // A range of 24 hours reads again, in steps of 15 minutes.
    const next = page.waitForResponse((res) => res.url().includes('since=24h&step=15m'));
    await page.getByRole('button', { name: '24 hours' }).click();
    t.equal((await next).status(), 200);
    t.equal(
      await page.getByRole('button', { name: '24 hours' }).getAttribute('aria-pressed'),
      'true',
    );
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'XSS: visitor paths and config names are shown as text on the supervisor page',
  async (t) => {
    // A visitor browses to a path full of markup, or a config names an agent with markup, hoping
    // the supervisor's page renders it as HTML.
    const { site } = await runScenario(t, HOSTILE_NAME);
    const watched = await watchedPage(t, browser, undefined, {
      extraHTTPHeaders: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { page } = watched;
    await page.goto(`${site.url}/__helpgate/console/supervisor`);
    const cell = page.locator('th.path', { hasText: 'img' });
    await cell.waitFor();
    t.equal(
      await cell.textContent(),
      '/checkout/%3Cimg%20src=x%20onerror=alert(1)%3E',
      'the path as text',
    );
    t.equal(
      await page.locator('.timeline .agent', { hasText: 'onerror' }).first().textContent(),
      HOSTILE_NAME,
      'the agent name as text',
    );
    t.equal(await page.locator('img').count(), 0, 'no element made of either');
    t.equal(await page.evaluate('window.__pwned'), undefined);
    await assertCleanConsole(t, watched);
  },
);

t.test('by keyboard alone, the admin token at the console login opens the charts', async (t) => {
  const { site } = await runScenario(t);
  const watched = await watchedPage(t, browser, undefined, {
    viewport: { width: 360, height: 800 },
  });
  const { page } = watched;
  await page.goto(`${site.url}/__helpgate/console`);
  // The login field has focus at once: type and press Enter.
  await page.keyboard.type(ADMIN_TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/__helpgate\/console\/supervisor$/);
  await page.locator(`[data-figure="offersShown"] .value`).waitFor();
  t.equal(
    await page.locator(`[data-figure="offersShown"] .value`).textContent(),
    String(EXPECTED.offersShown),
    'the figures, with the login cookie alone',
  );
  t.ok(
    await page.evaluate(
      'document.documentElement.scrollWidth <= document.documentElement.clientWidth',
    ),
    'no sideways scrolling at 360 px',
  );
  await assertCleanConsole(t, watched);
});
