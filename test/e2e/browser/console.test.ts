/**
 * The agent console in real Chromium, beside a visitor in another browser context: log in, go
 * available, a visitor accepts help and the conversation arrives (reasons, page, alerts until
 * the first reply), messages both ways, the visitor's page followed live, the end; two chats at
 * once with a third visitor queued, a transfer; login refusals and logout; visitor-supplied
 * strings shown as text. Screenshots go to the folder `HELPGATE_SHOTS` names, when set.
 */
import type { Locator, Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { createHelpgate, type Helpgate } from '../../../src/app.js';
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

const browser = await launchBrowser(t);

const ADMIN = 'admin-token-0123456789abcdef';
const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789abc';
const XSS = '<img src=x onerror="window.__pwned=1">';

const html = (title: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>${title}</h1><p><a href="/cart">Cart</a> <a href="/checkout">Checkout</a></p>
<form action="/checkout" method="get"><label for="card">Card number</label>
<input id="card" name="card"><button type="submit">Pay</button></form></body></html>`;

interface Site {
  url: string;
  helpgate: Helpgate;
}

async function consoleSite(t: Test, input: Partial<ConfigInput> = {}): Promise<Site> {
  const upstream = await startServer(t, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') return res.writeHead(204).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'x-customer': 'c1' });
    res.end(html(path === '/' ? 'Shop' : path.slice(1)));
  });
  const helpgate = createHelpgate(
    testConfig({
      upstream: upstream.url,
      heartbeat: { interval: '1s' },
      admin: { token: ADMIN },
      agents: {
        list: [
          { id: 'alice', name: 'Alice', token: ALICE },
          { id: 'bob', name: 'Bob', token: BOB },
        ],
        defaultCapacity: 2,
        averageHandleTime: '60s',
        cannedReplies: [
          { key: 'hello', text: "Hi, I'm here to help. What are you stuck on?" },
          { key: 'card', text: 'Card payments need the billing address.' },
        ],
      },
      gate: { mode: 'within', maxWait: '10m' },
      triggers: [{ name: 'slow-checkout', when: { heartbeats: 2 } }],
      rateLimit: { perSession: '100/s', perAddress: '1000/s' },
      ...input,
    }),
    { logger: silentLogger() },
  );
  const { url } = await startServer(t, (req, res) => helpgate.handleRequest(req, res));
  t.teardown(() => helpgate.close());
  return { url, helpgate };
}

/** Counts the alert's tones: each beep starts oscillators (no speaker needed to count them). */
const COUNT_TONES = `window.__tones = 0;
const original = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.__tones++; return original.call(this); };`;

/** The console in its own browser context, logged in with `token` by the login form. */
async function agentConsole(t: Test, site: Site, token: string): Promise<WatchedPage> {
  const watched = await watchedPage(t, browser, undefined, {
    viewport: { width: 1000, height: 700 },
  });
  await watched.page.addInitScript({ content: COUNT_TONES });
  await watched.page.goto(`${site.url}/__helpgate/console`);
  await watched.page.getByLabel('Your token').fill(token);
  await watched.page.getByRole('button', { name: 'Log in' }).click();
  await watched.page.getByRole('heading', { name: 'helpgate console' }).waitFor();
  return watched;
}

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

/** A visitor in a browser accepts help on `path`; resolves with the conversation id. */
async function acceptHelp(watched: WatchedPage, site: Site, path: string): Promise<string> {
  const { page } = watched;
  // A page before, as a shopper comes: the console lists it among the pages before.
  await page.goto(`${site.url}/cart`);
  await page.goto(`${site.url}${path}`);
  const accepted = page.waitForResponse((r) => /\/offers\/[^/]+\/accept$/.test(r.url()));
  await page.getByRole('button', { name: /help/i }).first().click({ timeout: 10_000 });
  return ((await (await accepted).json()) as { conversationId: string }).conversationId;
}

/** A visitor without a browser who accepts help; resolves with the accept reply. */
async function scriptedVisitor(site: Site, path = '/busy', beat: Record<string, unknown> = {}) {
  const visitor = new Visitor(site.url);
  // A page before: the session exists when `path` is served, so the site's customer id binds.
  await visitor.open('/');
  await visitor.open(path);
  await visitor.beat(beat);
  const { offer } = await visitor.beat(beat);
  if (!offer) throw new Error('no offer for the scripted visitor');
  const res = await visitor.answer(offer.id, 'accept');
  return {
    visitor,
    reply: (await res.json()) as {
      conversationId: string;
      queuePosition: number;
      estimatedWaitSeconds: number | null;
    },
  };
}

/**
 * Waits until `expression` is true in the page. (waitForFunction would compile it inside the
 * page, which the console's policy forbids: no eval.)
 */
async function until(page: Page, expression: string, timeout = 8_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeout} ms: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const tones = (page: Page) => page.evaluate('window.__tones') as Promise<number>;

t.test(
  'the whole path: log in, available, a visitor accepts, alerts until I reply, both ways, the next page, the end',
  async (t) => {
    const site = await consoleSite(t);
    const agent = await agentConsole(t, site, ALICE);
    const ap = agent.page;
    t.equal(await ap.title(), 'helpgate console');
    await ap.getByRole('radio', { name: 'Available' }).check();
    await shows(ap.locator('.status-choice'), '2 of 2 slots free');
    t.equal(
      site.helpgate.capacity.agent('alice')?.status,
      'available',
      'the same state as the API',
    );

    const visitor = await watchedPage(t, browser);
    const vp = visitor.page;
    const id = await acceptHelp(visitor, site, '/checkout');
    const item = ap.locator('.conv-item button');
    await shows(item, '/checkout');
    await shows(ap.locator('.context'), '2 heartbeats on this page');
    await until(ap, 'document.title.startsWith("(1)")');
    t.equal(await item.getAttribute('class'), 'alerting', 'the new conversation alerts');
    await until(ap, 'window.__tones >= 2', 5_000);
    t.ok(await ap.evaluate('document.hasFocus()'), 'the sound plays while the console has focus');
    const status = ap.getByRole('status').filter({ hasText: 'New conversation' });
    await shows(status, 'New conversation: a visitor on /checkout');
    await until(ap, 'window.__tones >= 4', 12_000);
    t.pass('and again while nobody has replied');
    await screenshot(ap, 'console-arrival');

    const reply = ap.getByRole('textbox', { name: 'Reply' });
    await reply.focus();
    await reply.pressSequentially('/hel');
    await shows(ap.getByRole('listbox', { name: 'Canned replies' }), '/hello');
    await reply.press('Enter');
    t.equal(await reply.inputValue(), "Hi, I'm here to help. What are you stuck on?", 'canned');
    await reply.press('Enter');
    const chat = vp.getByRole('dialog', { name: 'Chat with us' });
    await shows(chat.getByRole('log', { name: 'Conversation' }), "Hi, I'm here to help.");
    await until(ap, 'document.title === "helpgate console"');
    t.not(await item.getAttribute('class'), 'alerting', 'my first reply ends the alert');
    const after = await tones(ap);

    const field = chat.getByRole('textbox', { name: 'Message' });
    await field.pressSequentially('The card is refused');
    await shows(ap.locator('.typing'), 'The visitor is typing…');
    await field.press('Enter');
    const log = ap.getByRole('log', { name: 'Conversation' });
    await shows(log, 'The card is refused');
    t.equal(await ap.locator('.typing').textContent(), '', 'typing ends with the message');
    await reply.pressSequentially('Let me check');
    await shows(chat, /Alice is typing/);
    await reply.press('Enter');
    await shows(chat.getByRole('log', { name: 'Conversation' }), 'Let me check');
    await screenshot(ap, 'console');
    // Beside the site on a laptop: about 700 px wide.
    await ap.setViewportSize({ width: 700, height: 700 });
    t.equal(
      await ap.evaluate('document.documentElement.scrollWidth'),
      700,
      'no sideways scrolling at 700 px',
    );
    await screenshot(ap, 'console-700');
    await ap.setViewportSize({ width: 1000, height: 700 });
    await screenshot(vp, 'console-visitor');

    await vp.getByRole('link', { name: 'Cart' }).click();
    await vp.waitForURL(/\/cart$/);
    await shows(ap.locator('#chat-title'), '/cart');
    t.pass("the visitor's page follows live");

    await ap.getByRole('button', { name: 'End chat' }).click();
    await shows(vp.getByRole('dialog', { name: 'Chat with us' }).getByRole('status'), /ended/);
    await shows(ap.locator('.status-choice'), '2 of 2 slots free');
    t.match(site.helpgate.capacity.snapshot(Date.now()), { freeSlots: 2, conversations: 0 });
    t.equal(await tones(ap), after, 'no alert after my reply');
    t.ok(id);
    await assertCleanConsole(t, agent);
    await assertCleanConsole(t, visitor);
  },
);

/** `POST chat/{id}/messages` as the visitor's panel sends it. */
async function visitorSays(site: Site, visitor: Visitor, id: string, text: string) {
  const res = await fetch(`${site.url}/__helpgate/chat/${id}/messages`, {
    method: 'POST',
    headers: { cookie: visitor.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (res.status !== 201) throw new Error(`visitor message: ${res.status} ${await res.text()}`);
}

t.test(
  'two chats at once, a third visitor queued with the promised wait, assigned when one ends; a transfer carries note and history',
  async (t) => {
    const site = await consoleSite(t);
    const alice = await agentConsole(t, site, ALICE);
    const ap = alice.page;
    await ap.getByRole('radio', { name: 'Available' }).check();
    await shows(ap.locator('.status-choice'), '2 of 2 slots free');
    const one = await scriptedVisitor(site, '/one');
    const two = await scriptedVisitor(site, '/two');
    const items = ap.locator('.conv-item button');
    await shows(items, '/two');
    t.equal(await items.count(), 2, 'both chats at once');
    await shows(ap.locator('.status-choice'), '0 of 2 slots free');

    const three = await scriptedVisitor(site, '/three');
    t.equal(three.reply.queuePosition, 1, 'the third visitor waits');
    const promised = three.reply.estimatedWaitSeconds;
    t.ok(promised !== null && promised > 0, `the visitor was promised ${promised} s`);
    const queue = ap.getByRole('list', { name: 'Visitors waiting' });
    await shows(queue, '/three');
    const minutes = Math.floor(promised! / 60);
    const words = `promised ${minutes} min ${String(promised! % 60).padStart(2, '0')} s`;
    await shows(queue, words);
    await shows(ap.getByRole('status'), 'A visitor is waiting; 1 in the queue');
    t.pass(`the console shows the same promise: ${words}`);
    t.equal(await queue.getByRole('button').count(), 0, 'the queue is to see, not to pick from');
    await screenshot(ap, 'console-queue');

    // Alt+↓ moves to the next conversation; the first one opened by itself.
    await shows(ap.locator('#chat-title'), '/one');
    await ap.keyboard.press('Alt+ArrowDown');
    await shows(ap.locator('#chat-title'), '/two');
    await ap.keyboard.press('Alt+r');
    t.equal(await ap.evaluate('document.activeElement.id'), 'reply', 'Alt+R focuses the reply');
    await ap.keyboard.press('Alt+e');
    await shows(ap.locator('.msg.system'), 'the agent ended the chat');
    await shows(items, '/three');
    await shows(ap.getByRole('heading', { name: 'Queue (0)' }), 'Queue (0)');
    t.pass('the queued visitor is assigned when a chat ends');

    // Transfer /one: with Bob away there is nobody to give it to.
    await visitorSays(site, one.visitor, one.reply.conversationId, 'My parcel never came');
    await items.filter({ hasText: '/one' }).click();
    await shows(ap.getByRole('log', { name: 'Conversation' }), 'My parcel never came');
    await ap.getByRole('button', { name: 'Transfer…' }).click();
    await shows(ap.locator('.transfer'), 'No colleague is available with a free slot right now.');
    await ap.locator('.transfer').getByRole('button', { name: 'Close' }).click();
    const bob = await agentConsole(t, site, BOB);
    const bp = bob.page;
    await bp.getByRole('radio', { name: 'Available' }).check();
    await shows(bp.locator('.status-choice'), '2 of 2 slots free');
    await ap.getByRole('button', { name: 'Transfer…' }).click();
    await ap.getByLabel('Transfer to').selectOption('bob');
    await ap.getByLabel('Note for them').fill('Wants a refund; parcel lost');
    await ap.locator('.transfer').getByRole('button', { name: 'Transfer' }).click();
    await shows(bp.locator('.conv-item button'), '/one');
    const bobLog = bp.getByRole('log', { name: 'Conversation' });
    await shows(bobLog, 'Wants a refund; parcel lost');
    await shows(bobLog, 'My parcel never came');
    t.pass('the receiver sees the note and the history');
    await until(
      ap,
      `![...document.querySelectorAll('.conv-item')].some(e => e.textContent.includes('/one'))`,
    );
    t.pass('and the conversation left my list');

    // A dropped stream (a deploy): while it is down a supervisor answers the visitor. After
    // the reconnect the console shows that answer, so Alice does not answer twice.
    await items.filter({ hasText: '/three' }).click();
    site.helpgate.closeStreams(1500);
    await shows(ap.getByRole('status'), 'Reconnecting');
    const admin = await fetch(
      `${site.url}/__helpgate/api/conversations/${three.reply.conversationId}/messages`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Answered by the supervisor' }),
      },
    );
    t.equal(admin.status, 201);
    await shows(ap.getByRole('log', { name: 'Conversation' }), 'Answered by the supervisor');
    t.pass('the reconnect re-read the conversation');
    t.ok(two);
    await assertCleanConsole(t, alice);
    await assertCleanConsole(t, bob);
  },
);

t.test('login: a wrong token is refused in words; logout ends the session', async (t) => {
  const site = await consoleSite(t);
  const watched = await watchedPage(t, browser);
  const { page } = watched;
  await page.goto(`${site.url}/__helpgate/console`);
  await page.getByLabel('Your token').fill('not-the-token-0123456789');
  await page.getByRole('button', { name: 'Log in' }).click();
  await shows(page.getByRole('alert'), "that token is not an agent's or the admin's token");
  t.equal(await page.getByLabel('Your token').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Your token').fill(ALICE);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('Your token').waitFor();
  const state = await page.evaluate(`fetch('/__helpgate/console/state').then((r) => r.status)`);
  t.equal(state, 401, 'the session is over');
  // The wrong try is logged by the browser as a failed request (401): that is all it says.
  t.same(
    watched.problems.filter((p) => !/401/.test(p)),
    [],
    'nothing else in the console',
  );
});

t.test('XSS: every visitor-supplied string in the console is shown as text', async (t) => {
  // A visitor puts markup in what the console shows (field names, form errors and their
  // reasons, the page path, messages, profile values) to run script in the agent's console.
  const site = await consoleSite(t, {
    triggers: [{ name: 'stuck', when: { heartbeats: 2, formErrors: 1, timeOnField: '1s' } }],
    profiles: { idFrom: { header: 'x-customer' } },
  });
  const put = await fetch(`${site.url}/__helpgate/api/profiles/c1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ note: XSS, [XSS]: true }),
  });
  t.equal(put.status, 201, 'the saved profile carries markup too');
  const alice = await agentConsole(t, site, ALICE);
  const ap = alice.page;
  await ap.getByRole('radio', { name: 'Available' }).check();
  const beat = {
    focus: { field: XSS, ms: 5_000 },
    errors: [{ field: XSS, message: XSS }],
  };
  // An earlier chat of the same customer: its first message comes with the next one.
  const before = await scriptedVisitor(site, '/before', beat);
  await visitorSays(site, before.visitor, before.reply.conversationId, `${XSS} earlier`);
  await fetch(`${site.url}/__helpgate/api/conversations/${before.reply.conversationId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  const { visitor, reply } = await scriptedVisitor(site, `/x${XSS}`, beat);
  await visitorSays(site, visitor, reply.conversationId, XSS);
  await ap.locator('.conv-item button').filter({ hasText: '/x' }).click();
  const log = ap.getByRole('log', { name: 'Conversation' });
  await shows(log, XSS);
  const context = ap.locator('.context');
  await shows(context, `field ${XSS}`);
  await shows(context, 'note');
  await shows(context, `${XSS} earlier`);
  const text = (await ap.locator('#console').textContent()) ?? '';
  const shown = text.split(XSS).length - 1;
  t.ok(shown >= 6, `the markup is shown as text (${shown} times)`);
  t.equal(await ap.locator('#console img').count(), 0, 'no element made from it');
  t.equal(await ap.evaluate('window.__pwned'), undefined, 'no script ran');
  await screenshot(ap, 'console-xss');
  await assertCleanConsole(t, alice);
});
