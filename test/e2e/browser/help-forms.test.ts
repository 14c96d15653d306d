/**
 * The HELP option in its four forms (claims 19–22) in real Chromium, through helpgate, on a
 * hostile page: a strict policy (`default-src 'self'`), a stylesheet that restyles every
 * element (`* { font: 30px serif !important; position: static !important }`) and a one-key
 * shortcut on the document. Each form appears when its trigger fires without taking the
 * visitor's focus, is found by role and name through the widget's open shadow root, works by
 * keyboard alone, is withdrawn when it expires, and leaves the console clean. Timers in the
 * page move with `page.clock`. Screenshots go to the folder `HELPGATE_SHOTS` names, when set.
 */
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import type { ConfigInput, OfferKind } from '../../../src/config/schema.js';
import {
  assertCleanConsole,
  launchBrowser,
  screenshot,
  type WatchedPage,
  watchedPage,
} from '../../fixtures/browser.js';
import { startHelpgate, startServer } from '../../fixtures/servers.js';

const browser = await launchBrowser(t);
const ADMIN = 'admin-token-0123456789abcdef';
/** How long an offer stays (the server's expireAfter; the beacon's own timer in the page). */
const EXPIRES_MS = 60_000;

const page = (title: string, body: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/hostile.css"><script src="/shortcut.js" defer></script></head>
<body><h1>${title}</h1>${body}</body></html>`;

const FORM = '<form><label for="q">Search</label> <input id="q" name="q"></form>';

/** What the hostile site serves: its pages and the media the offers point at. */
const SITE: Record<string, [string, string | Buffer]> = {
  '/': ['text/html; charset=utf-8', page('A hostile page', `${FORM}<p>Some text.</p>`)],
  '/narrow': [
    'text/html; charset=utf-8',
    page('Checkout', `<div class="spacer">Your order</div>${FORM}`),
  ],
  '/hostile.css': [
    'text/css',
    '* { font: 30px serif !important; position: static !important; color: #800 !important }\n' +
      '.spacer { height: 440px }',
  ],
  // The site's own shortcut: "k" anywhere on the page counts on <body>.
  '/shortcut.js': [
    'text/javascript',
    "document.addEventListener('keydown', function (e) { if (e.key === 'k') " +
      "document.body.setAttribute('data-shortcuts', String(Number(document.body.getAttribute('data-shortcuts') || 0) + 1)); });",
  ],
  '/media/hello.wav': ['audio/wav', wav(1)],
  // Long enough to be still playing when the test looks.
  '/media/long.wav': ['audio/wav', wav(20)],
  '/media/hello.vtt': [
    'text/vtt',
    'WEBVTT\n\n1\n00:00.000 --> 00:00.500\nHello from the <b>help desk</b>.\n\n' +
      '00:00.500 --> 00:01.000\nPress Talk to reach us.\n',
  ],
  '/media/poster.svg': [
    'image/svg+xml',
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180"><rect width="320" ' +
      'height="180" fill="#1d4ed8"/><text x="160" y="100" fill="#fff" font-size="24" ' +
      'text-anchor="middle" font-family="sans-serif">Help video</text></svg>',
  ],
};

/** One second of a 440 Hz tone as 8 kHz 16-bit PCM WAV: a real, tiny audio file. */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const data = Buffer.alloc(rate * seconds * 2);
  for (let i = 0; i < rate * seconds; i++) {
    data.writeInt16LE(Math.round(Math.sin((i / rate) * 2 * Math.PI * 440) * 6000), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const MEDIA = {
  audio: { src: '/media/hello.wav', transcript: 'Need a hand? Press Talk to reach us.' },
  video: { src: '/media/long.wav', captions: '/media/hello.vtt', poster: '/media/poster.svg' },
};

/**
 * The hostile site behind helpgate: each trigger fires on its form's first heartbeat, on the
 * page named after the form (`/?form=…` is the same page for the upstream), with an agent
 * available so accepting works.
 */
async function hostileSite(t: Test, content: object = MEDIA): Promise<string> {
  const site = await startServer(t, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const found = SITE[path.replace(/^\/(button|screen|audio|video)$/, '/')];
    if (found === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': found[0],
      'Content-Security-Policy': "default-src 'self'",
    });
    res.end(found[1]);
  });
  const forms: OfferKind[] = ['button', 'screen', 'audio', 'video'];
  const { url } = await startHelpgate(t, {
    upstream: site.url,
    heartbeat: { interval: '1s' },
    // The page's clock jumps minutes in a moment: its heartbeats come faster than 2/s.
    rateLimit: { perSession: '20/s' },
    admin: { token: ADMIN },
    agents: { list: [{ id: 'alice', token: 'alice-token-0123456789' }] },
    gate: { mode: 'available' },
    offers: { expireAfter: `${EXPIRES_MS}ms`, content } as ConfigInput['offers'],
    triggers: [
      ...forms.map((form) => ({
        name: form,
        pages: [`/${form}`],
        when: { heartbeats: 1 },
        offer: form,
      })),
      { name: 'narrow', pages: ['/narrow'], when: { heartbeats: 1 }, offer: 'screen' as const },
    ],
  });
  const res = await fetch(`${url}/__helpgate/api/agents/alice`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'available' }),
  });
  t.equal(res.status, 200, 'alice is available');
  return url;
}

/**
 * A page whose timers the test moves; the visitor has used the site's "k" shortcut once and is
 * typing in the search field.
 */
async function typingVisitor(
  t: Test,
  url: string,
  options: { reducedMotion?: 'reduce'; width?: number } = {},
): Promise<WatchedPage> {
  const watched = await watchedPage(t, browser, undefined, {
    reducedMotion: options.reducedMotion ?? 'no-preference',
    viewport: { width: options.width ?? 800, height: 600 },
  });
  await watched.page.clock.install();
  await watched.page.goto(url);
  await watched.page.keyboard.press('k');
  await watched.page.locator('#q').pressSequentially('blue sh');
  return watched;
}

/** Moves the page's clock one heartbeat on, so the beacon sends one (and the trigger fires). */
async function nextHeartbeat(page: Page): Promise<void> {
  await page.clock.runFor(1_100);
}

/** The focused element inside the widget (`null` when focus is in the page), as `tag:text`. */
const focusedInWidget = (page: Page) =>
  page.evaluate(`(() => {
    const el = document.querySelector('helpgate-widget')?.shadowRoot?.activeElement;
    return el ? el.localName + ':' + (el.getAttribute('aria-label') || el.textContent) : null;
  })()`) as Promise<string | null>;

/** `expression` about the widget's element `selector` (as `el`), evaluated in the page. */
const inWidget = (page: Page, selector: string, expression: string) =>
  page.evaluate(`((el) => (${expression}))(
    document.querySelector('helpgate-widget').shadowRoot.querySelector(${JSON.stringify(selector)}))`);

/** What the widget's polite live region says. */
const announced = (page: Page) =>
  page.evaluate(
    `document.querySelector('helpgate-widget').shadowRoot.querySelector('[aria-live=polite]').textContent`,
  ) as Promise<string>;

/** How often the site's "k" shortcut fired. */
const shortcuts = (page: Page) =>
  page.evaluate(`Number(document.body.getAttribute('data-shortcuts') || 0)`) as Promise<number>;

/** Presses Tab until `name` has focus in the widget (native media controls take a few). */
async function tabTo(t: Test, page: Page, name: string): Promise<void> {
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    if ((await focusedInWidget(page)) === `button:${name}`) return;
  }
  t.fail(`Tab never reached "${name}"`);
}

/**
 * What every form shares: the offer came while the visitor typed, took no focus, was
 * announced once; "k" typed in the widget fires no site shortcut; it expires on time.
 */
async function appearsWithoutTakingFocus(
  t: Test,
  watched: WatchedPage,
  name: string,
  announcement = name,
) {
  const { page } = watched;
  t.equal(await shortcuts(page), 1, "the site's shortcut works on its page");
  await nextHeartbeat(page);
  const offer = page.getByRole('dialog', { name }).or(page.getByRole('region', { name }));
  await offer.first().waitFor({ state: 'visible', timeout: 5_000 });
  await page.keyboard.type('oes');
  t.equal(await page.locator('#q').inputValue(), 'blue shoes', 'the visitor kept typing');
  t.equal(await focusedInWidget(page), null, 'focus stayed in the field');
  t.equal(await announced(page), announcement, 'announced politely');
  await watched.heartbeat((hb) => hb.offer?.state === 'shown');
}

/** The offer panel, in the widget's shadow root (CSS locators pierce open roots). */
const panel = (page: Page) => page.locator('#helpgate-offer');

/** An accepted offer gives way to the chat panel, which shows who the visitor talks to. */
async function acceptedIntoChat(t: Test, page: Page): Promise<void> {
  const chat = page.getByRole('dialog', { name: 'Chat with us' });
  await chat.getByText(/chatting with alice/i).waitFor({ timeout: 5_000 });
  t.equal(await panel(page).count(), 0, 'the offer gives way to the chat panel');
}

/** Jumps the page's clock past the offer's expiry (each due timer fires once): the panel goes. */
async function expires(t: Test, page: Page) {
  await page.clock.fastForward(EXPIRES_MS);
  await panel(page).waitFor({ state: 'detached', timeout: 5_000 });
  t.equal(await announced(page), '', 'nothing left to announce');
}

/** Chromium logs every failed media or fetch load itself; those lines are the browser's. */
function dropBrowser404s(watched: WatchedPage): void {
  const own = watched.problems.filter((p) => !/Failed to load resource.*404/.test(p));
  watched.problems.splice(0, watched.problems.length, ...own);
}

t.test(
  'claim 19: a HELP button appears, works by keyboard (Tab, Enter), expires, on a hostile page',
  async (t) => {
    const url = await hostileSite(t);
    const watched = await typingVisitor(t, `${url}/button`);
    const { page } = watched;
    await appearsWithoutTakingFocus(t, watched, 'Help', 'Need help?');
    const help = page.getByRole('button', { name: 'Need help?' });
    t.equal(await help.count(), 1, 'the button, by role and name');
    await screenshot(page, 'button');
    await expires(t, page);

    await page.reload();
    await nextHeartbeat(page);
    await help.waitFor({ timeout: 5_000 });
    await page.locator('#q').focus();
    await tabTo(t, page, 'Need help?');
    const before = await shortcuts(page);
    await page.keyboard.press('k');
    t.equal(await shortcuts(page), before, 'a key typed in the widget fires no site shortcut');
    await page.keyboard.press('Enter');
    await acceptedIntoChat(t, page);
    // The offer gave way: focus goes back where the visitor came from, never lost to <body>.
    t.equal(
      await page.evaluate('document.activeElement?.id'),
      'q',
      'focus is back in the field the visitor left for the offer',
    );
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'claim 20: a help screen is a non-modal dialog: Tab reaches it, Escape dismisses and gives focus back',
  async (t) => {
    const url = await hostileSite(t);
    const watched = await typingVisitor(t, `${url}/screen`);
    const { page } = watched;
    const dismissed: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/dismiss')) dismissed.push(r.method());
    });
    await appearsWithoutTakingFocus(t, watched, 'Can we help?');
    const dialog = page.getByRole('dialog', { name: 'Can we help?' });
    t.equal(await dialog.getByText('An agent is ready to help you with this page.').count(), 1);
    t.equal(await dialog.getByRole('button', { name: 'Talk to an agent' }).count(), 1);
    t.equal(await dialog.getByRole('button', { name: 'No thanks' }).count(), 1);
    t.notOk(await dialog.getAttribute('aria-modal'), 'not modal');
    const font = (await dialog.evaluate('(el) => getComputedStyle(el).fontFamily')) as string;
    t.notMatch(font, /^serif$/, "the page's * rule does not reach inside");
    await screenshot(page, 'screen');
    await expires(t, page);

    await page.reload();
    await nextHeartbeat(page);
    await dialog.waitFor({ timeout: 5_000 });
    await page.locator('#q').focus();
    await page.keyboard.press('Tab');
    t.equal(await focusedInWidget(page), 'button:Talk to an agent', 'Tab goes into the dialog');
    await screenshot(page, 'screen-focus');
    const before = await shortcuts(page);
    await page.keyboard.press('k');
    t.equal(await shortcuts(page), before, 'a key typed in the widget fires no site shortcut');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5_000 });
    t.equal(await page.evaluate('document.activeElement.id'), 'q', 'focus back in the field');
    t.same(dismissed, ['POST'], 'Escape dismissed the offer');
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'claim 21: an audio message shows a play control and its transcript, never plays by itself',
  async (t) => {
    const url = await hostileSite(t);
    const watched = await typingVisitor(t, `${url}/audio`);
    const { page } = watched;
    await appearsWithoutTakingFocus(t, watched, 'Can we help?');
    const dialog = page.getByRole('dialog', { name: 'Can we help?' });
    t.equal(
      await dialog.getByText('Need a hand? Press Talk to reach us.').count(),
      1,
      'transcript',
    );
    await page.waitForFunction(
      `document.querySelector('helpgate-widget').shadowRoot.querySelector('audio').readyState >= 1`,
    );
    t.same(
      await inWidget(page, 'audio', '[el.controls, el.paused, el.autoplay]'),
      [true, true, false],
      'a visible play control; it waits for the visitor',
    );
    await screenshot(page, 'audio');
    await expires(t, page);

    await page.reload();
    await nextHeartbeat(page);
    await dialog.waitFor({ timeout: 5_000 });
    await page.locator('#q').focus();
    await tabTo(t, page, 'Talk to an agent');
    await page.keyboard.press('Enter');
    await acceptedIntoChat(t, page);
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'claim 21: an audio message that cannot load (404) keeps its transcript and says so',
  async (t) => {
    const url = await hostileSite(t, {
      ...MEDIA,
      audio: { ...MEDIA.audio, src: '/media/gone.ogg' },
    });
    const watched = await typingVisitor(t, `${url}/audio`);
    const { page } = watched;
    await appearsWithoutTakingFocus(t, watched, 'Can we help?');
    const dialog = page.getByRole('dialog', { name: 'Can we help?' });
    await dialog.getByText('The audio message cannot be played here.').waitFor({ timeout: 5_000 });
    t.equal(
      await dialog.getByText('Need a hand? Press Talk to reach us.').count(),
      1,
      'transcript',
    );
    t.equal(await dialog.locator('audio').isVisible(), false, 'the dead player is gone');
    t.equal(await dialog.getByRole('button', { name: 'Talk to an agent' }).count(), 1);
    await screenshot(page, 'audio-404');
    dropBrowser404s(watched);
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'claim 22: a video message has captions showing and plays muted; Escape dismisses it',
  async (t) => {
    const url = await hostileSite(t);
    const watched = await typingVisitor(t, `${url}/video`);
    const { page } = watched;
    await appearsWithoutTakingFocus(t, watched, 'Can we help?');
    const video = page.getByRole('dialog', { name: 'Can we help?' }).locator('video');
    await page.waitForFunction(`(() => {
      const v = document.querySelector('helpgate-widget').shadowRoot.querySelector('video');
      return v.textTracks[0].cues && v.textTracks[0].cues.length > 0 && !v.paused;
    })()`);
    t.same(
      await inWidget(
        page,
        'video',
        `{ captions: el.textTracks[0].mode, muted: el.muted, playing: !el.paused,
          poster: el.poster.endsWith('/media/poster.svg') }`,
      ),
      { captions: 'showing', muted: true, playing: true, poster: true },
      'captions on, muted autoplay',
    );
    await screenshot(page, 'video');
    await expires(t, page);

    await page.reload();
    await nextHeartbeat(page);
    await video.waitFor({ timeout: 5_000 });
    await page.locator('#q').focus();
    await tabTo(t, page, 'Talk to an agent');
    await page.keyboard.press('Escape');
    await video.waitFor({ state: 'detached', timeout: 5_000 });
    t.equal(await page.evaluate('document.activeElement.id'), 'q', 'focus back in the field');
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'claim 22: with reduced motion the video waits on its poster; one that cannot load shows its captions',
  async (t) => {
    const url = await hostileSite(t);
    const watched = await typingVisitor(t, `${url}/video`, { reducedMotion: 'reduce' });
    const { page } = watched;
    await appearsWithoutTakingFocus(t, watched, 'Can we help?');
    await page.waitForFunction(
      `document.querySelector('helpgate-widget').shadowRoot.querySelector('video').readyState >= 1`,
    );
    t.same(
      await inWidget(page, 'video', '[el.paused, el.controls, !!el.poster]'),
      [true, true, true],
      'poster and play control, no motion',
    );

    const gone = await hostileSite(t, {
      ...MEDIA,
      video: { ...MEDIA.video, src: '/media/gone.webm' },
    });
    const broken = await typingVisitor(t, `${gone}/video`);
    await appearsWithoutTakingFocus(t, broken, 'Can we help?');
    const dialog = broken.page.getByRole('dialog', { name: 'Can we help?' });
    await dialog
      .getByText(
        'The video message cannot be played here. It says: Hello from the help desk. Press Talk to reach us.',
      )
      .waitFor({ timeout: 5_000 });
    await screenshot(broken.page, 'video-404');
    dropBrowser404s(broken);
    await assertCleanConsole(t, watched);
    await assertCleanConsole(t, broken);
  },
);

t.test('on a 360 px wide screen the offer does not cover the field being filled', async (t) => {
  const url = await hostileSite(t);
  const watched = await typingVisitor(t, `${url}/narrow`, { width: 360 });
  const { page } = watched;
  await nextHeartbeat(page);
  const dialog = page.getByRole('dialog', { name: 'Can we help?' });
  await dialog.waitFor({ timeout: 5_000 });
  const field = (await page.locator('#q').boundingBox())!;
  const panel = (await dialog.boundingBox())!;
  t.ok(field.y > 300, 'the field is in the lower half');
  t.ok(
    panel.y + panel.height <= field.y || panel.y >= field.y + field.height,
    `the panel (${panel.y}–${panel.y + panel.height}) clears the field (${field.y}–${field.y + field.height})`,
  );
  t.ok(panel.x >= 0 && panel.x + panel.width <= 360, 'within the screen');
  await screenshot(page, 'screen-360');
  await page.keyboard.press('Tab');
  t.equal(await focusedInWidget(page), 'button:Talk to an agent');
  t.equal((await dialog.boundingBox())?.y, panel.y, 'it does not jump away once focus is in it');
  await assertCleanConsole(t, watched);
});
