/**
 * The visitor's chat panel (chat.js) in real Chromium, on a site behind helpgate whose pages
 * are hostile to widgets: a strict nonce-based policy (`default-src 'self'; script-src
 * 'nonce-…'`), `* { font: 30px serif !important; position: static !important }` and a
 * document one-key shortcut. The agent is driven through the agents' API, as the console
 * will drive it. Screenshots go to /tmp/helpgate-shots/.
 */
import { mkdirSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { createHelpgate } from '../../../src/app.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/logger.js';
import { Visitor } from '../../claims/_visitor.js';
import {
  assertCleanConsole,
  launchBrowser,
  type WatchedPage,
  watchedPage,
} from '../../fixtures/browser.js';
import { startServer, testConfig } from '../../fixtures/servers.js';
import { openSse } from '../../fixtures/sse-client.js';

const browser = await launchBrowser(t);

const SHOTS = '/tmp/helpgate-shots';
mkdirSync(SHOTS, { recursive: true });

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
    await shows(status, 'You are number 2 in line. Estimated wait: about 2 minutes.');
    t.equal(await focusedId(page), 'hg-chat-input', 'accepting moves focus to the message field');
    await page.screenshot({ path: `${SHOTS}/chat-queued.png` });

    await api(site, ALICE, `conversations/${first}`, 'DELETE');
    await shows(status, /You are next in line\. Estimated wait: about 1 minute\./);
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
    await page.screenshot({ path: `${SHOTS}/chat-mid.png` });

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
