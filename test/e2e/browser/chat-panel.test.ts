/**
 * The visitor's chat panel (chat.js) in real Chromium, on a site behind helpgate whose pages
 * are hostile to widgets: a strict nonce-based policy (`default-src 'self'; script-src
 * 'nonce-…'`), `* { font: 30px serif !important; position: static !important }` and a
 * document one-key shortcut. The agent is driven through the agents' API, as the console
 * will drive it. Screenshots go to the folder `HELPGATE_SHOTS` names, when set.
 */
import type { Locator, Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { createHelpgate } from '../../../src/app.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/logger.js';
import { Visitor } from '../../claims/_visitor.js';
import {
  assertCleanConsole,
  launchBrowser,
  screenshot,
  type WatchedPage,
  watchedPage,
} from '../../fixtures/browser.js';
import { startServer, testConfig } from '../../fixtures/servers.js';
import { openSse } from '../../fixtures/sse-client.js';

const browser = await launchBrowser(t);

const ADMIN = 'admin-token-0123456789abcdef';
const ALICE = 'alice-token-0123456789';
const EVE = 'eve-token-0123456789abc';
const NONCE = 'chat-test-nonce-4f1a';
const XSS_NAME = 'Eve <img src=x onerror="window.__pwned=1">';

const page = (title: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/hostile.css"><script src="/shortcut.js" nonce="${NONCE}"></script>
</head><body><h1>${title}</h1><p><a href="/cart">Cart</a> <a href="/">Home</a></p>
<form action="/" method="get"><label for="q">Search</label> <input id="q" name="q">
<button type="submit">Search</button></form></body></html>`;

/** The upstream: every page strict and hostile; its shortcut counts keys reaching the document. */
function hostileSite(
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
) {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/hostile.css') {
    res.writeHead(200, { 'Content-Type': 'text/css' });
    return res.end('* { font: 30px serif !important; position: static !important; }');
  }
  if (path === '/shortcut.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    return res.end(
      "document.addEventListener('keydown', function (e) { if (e.key === 'k') window.__shortcuts = (window.__shortcuts || 0) + 1; });",
    );
  }
  if (path === '/favicon.ico') {
    res.writeHead(204);
    return res.end();
  }
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': `default-src 'self'; script-src 'nonce-${NONCE}'`,
  });
  res.end(page(path === '/' ? 'Home' : path.slice(1)));
}

interface Site {
  url: string;
  server: import('node:http').Server;
}

/**
 * The hostile site behind helpgate: help offered on the first heartbeat of any page, also
 * while every agent is busy (the queue), agents with one slot each.
 */
async function chatSite(t: Test, input: Partial<ConfigInput> = {}): Promise<Site> {
  const upstream = await startServer(t, hostileSite);
  const helpgate = createHelpgate(
    testConfig({
      upstream: upstream.url,
      heartbeat: { interval: '1s' },
      admin: { token: ADMIN },
      agents: {
        list: [
          { id: 'alice', name: 'Alice', token: ALICE },
          { id: 'eve', name: XSS_NAME, token: EVE },
        ],
        defaultCapacity: 1,
        averageHandleTime: '60s',
      },
      gate: { mode: 'within', maxWait: '10m' },
      triggers: [{ name: 'help', when: { heartbeats: 1 } }],
      // Eight tabs of one visitor heartbeat eight times a second.
      rateLimit: { perSession: '100/s', perAddress: '1000/s' },
      ...input,
    }),
    { logger: silentLogger() },
  );
  const { server, url } = await startServer(t, (req, res) => helpgate.handleRequest(req, res));
  t.teardown(() => helpgate.close());
  return { url, server };
}

async function api(site: Site, token: string, path: string, method = 'GET', body?: unknown) {
  const res = await fetch(`${site.url}/__helpgate/api/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300)
    throw new Error(`${method} api/${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : ((await res.json()) as Record<string, unknown>);
}

const available = (site: Site, id: string) =>
  api(site, ADMIN, `agents/${id}`, 'PUT', { status: 'available' });

/** A visitor without a browser who accepts help: they take a slot, or a place in the queue. */
async function otherVisitor(site: Site): Promise<string> {
  const visitor = new Visitor(site.url);
  await visitor.open('/busy');
  const { offer } = await visitor.beat();
  if (!offer) throw new Error('no offer for the other visitor');
  const accepted = (await (await visitor.answer(offer.id, 'accept')).json()) as {
    conversationId: string;
  };
  return accepted.conversationId;
}

/** Opens `path`, waits for the HELP offer and accepts it; resolves with the conversation id. */
async function acceptHelp(watched: WatchedPage, site: Site, path = '/'): Promise<string> {
  const { page } = watched;
  await page.goto(`${site.url}${path}`);
  const accepted = page.waitForResponse((r) => /\/offers\/[^/]+\/accept$/.test(r.url()));
  await page.getByRole('button', { name: /help/i }).first().click({ timeout: 8_000 });
  const reply = (await (await accepted).json()) as { conversationId: string };
  return reply.conversationId;
}

const chatParts = (page: Page) => {
  const dialog = page.getByRole('dialog', { name: 'Chat with us' });
  return {
    dialog,
    status: dialog.getByRole('status'),
    log: dialog.getByRole('log', { name: 'Conversation' }),
    field: dialog.getByRole('textbox', { name: 'Message' }),
    launcher: page.getByRole('button', { name: /^Chat/ }),
  };
};

/** Waits until `locator` shows text matching `pattern`. */
async function shows(locator: Locator, pattern: RegExp | string, timeout = 8_000): Promise<void> {
  try {
    await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
  } catch (error) {
    const seen = await locator.allTextContents().catch(() => []);
    throw new Error(`no ${String(pattern)} within ${timeout} ms; seen: ${JSON.stringify(seen)}`, {
      cause: error,
    });
  }
}

/** The texts of the messages in the log, in order. */
const messages = (log: Locator) => log.locator('.msg p').allTextContents();

/** The id of the focused element, looking into shadow roots. */
const focusedId = (page: Page) =>
  page.evaluate(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el ? el.id || el.className || el.localName : null;
  })()`) as Promise<string | null>;

t.test(
  'the whole path: help, the queue moving, the agent, messages both ways, the next page, the end',
  async (t) => {
    const site = await chatSite(t);
    await available(site, 'alice');
    const first = await otherVisitor(site);
    const second = await otherVisitor(site);
    const agent = await openSse(t, `${site.url}/__helpgate/api/events`, {
      authorization: `Bearer ${ALICE}`,
    });
    await agent.until('snapshot');

    const watched = await watchedPage(t, browser);
    const { page } = watched;
    const id = await acceptHelp(watched, site);
    const { status, log, field, dialog } = chatParts(page);
    // The figure is the promised wait (docs/estimated-wait.md); the words around it are the point.
    await shows(status, /^You are number 2 in line\. Estimated wait: about \d+ minutes\.$/);
    t.equal(await focusedId(page), 'hg-chat-input', 'accepting moves focus to the message field');
    await screenshot(page, 'chat-queued');

    await api(site, ALICE, `conversations/${first}`, 'DELETE');
    await shows(status, /You are next in line\. Estimated wait: about \d+ minutes?\./);
    await api(site, ALICE, `conversations/${second}`, 'DELETE');
    await shows(status, 'You are chatting with Alice.');

    await api(site, ALICE, `conversations/${id}/typing`, 'POST', { typing: true });
    await shows(dialog, 'Alice is typing…');
    await api(site, ALICE, `conversations/${id}/messages`, 'POST', {
      text: 'Hello, I am Alice. How can I help?',
    });
    await shows(log, 'Hello, I am Alice. How can I help?');
    t.equal(await dialog.getByText('Alice is typing…').count(), 0, 'her message ends her typing');

    await field.pressSequentially('Where is my ord');
    t.match((await agent.until('typing', 5_000)).data, {
      conversationId: id,
      from: 'visitor',
      typing: true,
    });
    await field.pressSequentially('er?');
    await field.press('Enter');
    t.match((await agent.until('message', 5_000)).data, {
      conversationId: id,
      message: { from: 'visitor', text: 'Where is my order?' },
    });
    await shows(log, 'Where is my order?');
    t.equal(await field.inputValue(), '', 'the field is emptied');
    await screenshot(page, 'chat-mid');

    await page.getByRole('link', { name: 'Cart' }).click();
    await page.waitForURL(/\/cart$/);
    await shows(log, 'Where is my order?');
    t.same(
      await messages(log),
      ['Hello, I am Alice. How can I help?', 'Where is my order?'],
      'the next page shows the history, each message once',
    );
    await shows(status, 'You are chatting with Alice.');
    t.match((await agent.until('page', 5_000)).data, { conversationId: id, path: '/cart' });

    await api(site, ALICE, `conversations/${id}`, 'DELETE');
    await shows(status, 'Alice ended the chat.');
    t.ok(await field.isDisabled(), 'nothing more can be sent');
    t.match(await api(site, ADMIN, 'capacity'), { freeSlots: 1, queueLength: 0 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    t.equal(await dialog.count(), 0, 'closed');
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'dropped stream: a reconnect through a 503 loses and duplicates nothing, and sends what waited',
  async (t) => {
    // A deploy or restart drops the stream and answers 503 for a while: a browser's EventSource
    // gives up for good on a 503, so the panel must reopen it itself, resume from the last id,
    // and send what the visitor typed meanwhile exactly once.
    const site = await chatSite(t);
    await available(site, 'alice');
    const watched = await watchedPage(t, browser);
    const { page } = watched;
    const streams: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (/\/chat\/[^/]+\/events$/.test(url.pathname)) streams.push(url.search);
    });
    const id = await acceptHelp(watched, site);
    const { status, log, field } = chatParts(page);
    await shows(status, 'You are chatting with Alice.');
    const say = (text: string) =>
      api(site, ALICE, `conversations/${id}/messages`, 'POST', { text });
    await say('one');
    await shows(log, 'one');

    await page.route('**/__helpgate/chat/*/events*', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: '{}' }),
    );
    await page.route('**/__helpgate/chat/*/messages', (route) => route.abort('connectionreset'));
    site.server.closeAllConnections();
    await say('two');
    await say('three');
    await field.fill('typed while offline');
    await field.press('Enter');
    await shows(page.getByText('Sending…'), 'Sending…');
    await shows(status, 'Reconnecting…');

    await page.unroute('**/__helpgate/chat/*/messages');
    await page.unroute('**/__helpgate/chat/*/events*');
    await shows(log, 'typed while offline', 15_000);
    await shows(status, /^You are chatting with Alice\.$/);
    t.same(
      await messages(log),
      ['one', 'two', 'three', 'typed while offline'],
      'every message once, in order',
    );
    const sent = (await api(site, ALICE, `conversations/${id}`)) as {
      messages: { text: string }[];
    };
    t.same(
      sent.messages.map((m) => m.text),
      ['one', 'two', 'three', 'typed while offline'],
      'the agent got the waiting message once',
    );
    t.match(streams.at(-1), /^\?lastEventId=\d+$/, 'resumed from the last id seen');
    // The browser's own lines about the refused requests are the only ones allowed.
    const own = watched.problems.filter(
      (p) => !/503|Failed to load resource|ERR_CONNECTION_RESET|EventSource/.test(p),
    );
    watched.problems.splice(0, watched.problems.length, ...own);
    await assertCleanConsole(t, watched);
  },
);

t.test('eight tabs of one visitor share one event stream, and all show the agent', async (t) => {
  // Six connections per origin over HTTP/1.1: a stream per tab would starve the site's pages.
  const site = await chatSite(t);
  await available(site, 'alice');
  const first = await watchedPage(t, browser);
  let streams = 0;
  first.page.context().on('request', (request) => {
    if (/\/chat\/[^/]+\/events$/.test(new URL(request.url()).pathname)) streams++;
  });
  const id = await acceptHelp(first, site);
  await shows(chatParts(first.page).status, 'You are chatting with Alice.');
  const tabs = [first];
  for (let i = 1; i < 8; i++) {
    const tab = await watchedPage(t, browser, first);
    await tab.page.goto(`${site.url}/tab-${i}`);
    tabs.push(tab);
  }
  for (const tab of tabs) await shows(chatParts(tab.page).status, 'You are chatting with Alice.');
  await api(site, ALICE, `conversations/${id}/messages`, 'POST', { text: 'Hello, every tab' });
  for (const tab of tabs) await shows(chatParts(tab.page).log, 'Hello, every tab');
  t.equal(streams, 1, 'one event stream for the eight tabs');

  // The tab holding the stream goes: another takes it over from the last id it was passed.
  await first.page.close();
  await api(site, ALICE, `conversations/${id}/messages`, 'POST', { text: 'Still here' });
  for (const tab of tabs.slice(1)) {
    const { log } = chatParts(tab.page);
    await shows(log, 'Still here');
    t.same(await messages(log), ['Hello, every tab', 'Still here']);
  }
  t.equal(streams, 2, 'one more stream, from the tab that took over');
  for (const tab of tabs.slice(1)) await assertCleanConsole(t, tab);
});

t.test(
  "XSS: script in the agent's message and display name is shown as text, never run",
  async (t) => {
    // An agent's name from the config and any message text reach the visitor's page: parsed as
    // HTML they would run script in the site's origin.
    const site = await chatSite(t);
    await available(site, 'eve');
    const watched = await watchedPage(t, browser);
    const { page } = watched;
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const id = await acceptHelp(watched, site);
    const { status, log } = chatParts(page);
    await shows(status, `You are chatting with ${XSS_NAME}.`);
    const payload = '<script>alert(1)</script><img src=x onerror=alert(2)><b>bold</b>';
    await api(site, EVE, `conversations/${id}/messages`, 'POST', { text: payload });
    await shows(log, payload);
    t.same(await messages(log), [payload], 'the markup is the text of the message');
    t.match(await log.locator('.who').first().textContent(), XSS_NAME);
    const parsed = await page.evaluate(`(() => {
      const root = document.querySelector('helpgate-widget').shadowRoot;
      return root.querySelectorAll('script, img, b').length + (window.__pwned ? 100 : 0);
    })()`);
    t.equal(parsed, 0, 'no element was made from it');
    t.same(dialogs, []);
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'keyboard: the field and the launcher work by keyboard, Escape minimises and gives focus back',
  async (t) => {
    const site = await chatSite(t);
    await available(site, 'alice');
    const watched = await watchedPage(t, browser);
    const { page } = watched;
    await page.goto(`${site.url}/`);
    const help = page.getByRole('button', { name: /help/i }).first();
    await help.waitFor({ timeout: 8_000 });
    await help.focus();
    await page.keyboard.press('Enter');
    const { dialog, status, log, launcher } = chatParts(page);
    await shows(status, 'You are chatting with Alice.');
    t.equal(await focusedId(page), 'hg-chat-input', 'the message field has focus');
    t.equal(await launcher.getAttribute('aria-expanded'), 'true');
    t.equal(await launcher.getAttribute('aria-controls'), await dialog.getAttribute('id'));

    await page.keyboard.type('kkk by keyboard');
    await page.keyboard.press('Enter');
    await shows(log, 'kkk by keyboard');
    t.equal(
      await page.evaluate('window.__shortcuts || 0'),
      0,
      "no key reached the site's shortcut",
    );

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    t.equal(await launcher.getAttribute('aria-expanded'), 'false');
    t.equal(await focusedId(page), 'chat-launcher', 'focus goes back (the HELP button is gone)');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'visible' });
    t.equal(await focusedId(page), 'hg-chat-input', 'the launcher opens it by keyboard');
    await page.keyboard.press('Escape');
    t.equal(await focusedId(page), 'chat-launcher');

    // From a field of the page: Escape returns there.
    await page.getByLabel('Search').focus();
    await launcher.focus();
    await page.keyboard.press('Space');
    t.equal(await focusedId(page), 'hg-chat-input');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Escape');
    t.equal(await focusedId(page), 'chat-launcher', 'back to what opened it');
    await assertCleanConsole(t, watched);
  },
);

t.test(
  'on a 360 px phone the open panel fits the screen, still, and minimised leaves the page usable',
  async (t) => {
    const site = await chatSite(t);
    await available(site, 'alice');
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    t.teardown(() => context.close());
    // watchedPage opens its page in the context of the page it is given.
    const watched = await watchedPage(t, browser, {
      page: await context.newPage(),
    } as WatchedPage);
    const { page } = watched;
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const id = await acceptHelp(watched, site);
    const { dialog, status, field, launcher } = chatParts(page);
    // The panel's script loads after the accept's reply: its element is there once it shows.
    await dialog.waitFor();
    t.equal(
      await page.evaluate(
        "getComputedStyle(document.querySelector('helpgate-widget').shadowRoot.getElementById('hg-chat')).animationName",
      ),
      'none',
      'no motion for a visitor who asked for less',
    );
    await shows(status, 'You are chatting with Alice.');
    await api(site, ALICE, `conversations/${id}/messages`, 'POST', {
      text: 'Hi! I see you are on the home page. What are you looking for?',
    });
    await field.fill('A blue teapot');
    await screenshot(page, 'chat-mobile-360');
    const box = await dialog.boundingBox();
    const screen = await page.evaluate(
      '({ x: 0, y: 0, width: visualViewport.width, height: visualViewport.height })',
    );
    t.same(box, screen, 'the whole screen, nothing off it');
    t.equal(
      await page.evaluate(
        "getComputedStyle(document.querySelector('helpgate-widget').shadowRoot.getElementById('hg-chat-input')).fontSize",
      ),
      '16px',
      'no zoom on focus (iOS zooms into fields under 16 px)',
    );

    await dialog.getByRole('button', { name: 'Minimise chat' }).tap();
    await dialog.waitFor({ state: 'hidden' });
    const launcherBox = await launcher.boundingBox();
    t.ok(launcherBox && launcherBox.width <= 160 && launcherBox.height <= 48, 'a small launcher');
    const search = await page.getByRole('button', { name: 'Search' }).boundingBox();
    const hit = await page.evaluate(
      `document.elementFromPoint(${search!.x + search!.width / 2}, ${search!.y + search!.height / 2}).textContent`,
    );
    t.equal(hit, 'Search', "the page's own button takes the tap");
    await screenshot(page, 'chat-mobile-360-minimised');
    await assertCleanConsole(t, watched);
  },
);
