// The beacon, run against a minimal fake browser so its timing and messages can be checked
// without sleeping: timers, fetch and sendBeacon are the test's.
import { webcrypto } from 'node:crypto';
import vm from 'node:vm';
import t from 'tap';
import { installedBeacon } from '../../src/api/beacon-asset.js';

const BUNDLE = installedBeacon().body.toString('utf8');
const ORIGIN = 'https://shop.example';

interface Sent {
  at: number;
  url: string;
  init?: { method?: string; credentials?: string; headers?: Record<string, string>; body?: string };
  body: Record<string, unknown>;
}

interface FakeReply {
  status: number;
  body?: unknown;
  retryAfter?: string;
}

function fakeBrowser(options: { interval?: string; reply?: (sent: Sent) => FakeReply } = {}) {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const listeners = new Map<string, Array<(event: unknown) => void>>();
  const sent: Sent[] = [];
  const beacons: Sent[] = [];
  const reply: (sent: Sent) => FakeReply =
    options.reply ?? (() => ({ status: 200, body: { next: 5000, offer: null, withdraw: [] } }));

  class HTMLScriptElement {
    src = `${ORIGIN}/__helpgate/beacon.js?v=0123456789ab`;
    getAttribute(name: string) {
      return name === 'data-interval' ? (options.interval ?? '5000') : null;
    }
  }
  const location = { pathname: '/shop', href: `${ORIGIN}/shop` };
  const navigate = (url: string) => {
    const next = new URL(url, `${ORIGIN}${location.pathname}`);
    location.pathname = next.pathname;
  };
  const document = { currentScript: new HTMLScriptElement(), visibilityState: 'visible' };
  const sandbox: Record<string, unknown> = {
    HTMLScriptElement,
    document,
    location,
    URL,
    JSON,
    Math,
    Number,
    Uint8Array,
    crypto: webcrypto,
    history: {
      pushState: (_s: unknown, _t: string, url: string) => navigate(url),
      replaceState: (_s: unknown, _t: string, url: string) => navigate(url),
    },
    navigator: {
      sendBeacon(url: string, body: string) {
        beacons.push({ at: now, url, body: JSON.parse(body) });
        return true;
      },
    },
    setTimeout(fn: () => void, ms: number) {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(id: number) {
      timers.delete(id);
    },
    addEventListener(type: string, fn: (event: unknown) => void) {
      listeners.set(type, [...(listeners.get(type) ?? []), fn]);
    },
    fetch(url: string, init: Sent['init']) {
      const entry: Sent = { at: now, url, init, body: JSON.parse(init?.body ?? 'null') };
      sent.push(entry);
      const { status, body, retryAfter = null } = reply(entry);
      return Promise.resolve({
        status,
        ok: status >= 200 && status < 300,
        headers: {
          get: (name: string) => (name.toLowerCase() === 'retry-after' ? retryAfter : null),
        },
        json: () => Promise.resolve(body),
      });
    },
  };
  vm.createContext(sandbox);
  vm.runInContext(BUNDLE, sandbox);

  return {
    sent,
    beacons,
    document,
    history: sandbox.history as { pushState(s: unknown, t: string, url: string): void },
    /** Moves time forward, running due timers and letting replies settle. */
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= until);
        if (due.length === 0) break;
        due.sort((a, b) => a[1].at - b[1].at);
        const [id, timer] = due[0]!;
        timers.delete(id);
        now = timer.at;
        timer.fn();
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      }
      now = until;
    },
    fire(type: string, event: unknown = {}) {
      for (const fn of listeners.get(type) ?? []) fn(event);
    },
  };
}

t.test('the first heartbeat goes out one interval after the page view starts', async (t) => {
  const browser = fakeBrowser({ interval: '3000' });
  await browser.advance(2999);
  t.equal(browser.sent.length, 0);
  await browser.advance(1);
  t.equal(browser.sent.length, 1);
  const [first] = browser.sent;
  t.equal(first!.url, `${ORIGIN}/__helpgate/hb`, 'hb next to the script, under the prefix');
  t.equal(first!.init?.method, 'POST');
  t.equal(first!.init?.credentials, 'same-origin');
  t.equal(first!.init?.headers?.['Content-Type'], 'application/json');
  t.match(first!.body, { path: '/shop', seq: 0, visible: true });
  t.match(first!.body.pv, /^[A-Za-z0-9_-]{22}$/);
});

t.test('then every `next` the server asks for, with a rising sequence', async (t) => {
  const browser = fakeBrowser({
    reply: () => ({ status: 200, body: { next: 8000, offer: null, withdraw: [] } }),
  });
  await browser.advance(5000);
  await browser.advance(8000);
  await browser.advance(8000);
  t.same(
    browser.sent.map((s) => [s.at, s.body.seq]),
    [
      [5000, 0],
      [13000, 1],
      [21000, 2],
    ],
  );
  t.equal(new Set(browser.sent.map((s) => s.body.pv)).size, 1, 'one page view');
});

t.test('a hidden tab says visible: false', async (t) => {
  const browser = fakeBrowser();
  browser.document.visibilityState = 'hidden';
  await browser.advance(5000);
  t.equal(browser.sent[0]!.body.visible, false);
});

t.test('a single-page-app navigation to another path starts a new page view', async (t) => {
  const browser = fakeBrowser();
  await browser.advance(5000);
  await browser.advance(2000);
  browser.history.pushState({}, '', '/shop?sort=price');
  await browser.advance(3000);
  t.equal(browser.sent.length, 2, 'a query change is the same page view');
  browser.history.pushState({}, '', '/shop/item/7');
  await browser.advance(4999);
  t.equal(browser.sent.length, 2, 'the new view waits one interval');
  await browser.advance(1);
  const last = browser.sent.at(-1)!;
  t.match(last.body, { path: '/shop/item/7', seq: 0 });
  t.not(last.body.pv, browser.sent[0]!.body.pv);
});

t.test('pagehide sends a last heartbeat with sendBeacon', async (t) => {
  const browser = fakeBrowser();
  await browser.advance(5000);
  browser.fire('pagehide');
  t.equal(browser.beacons.length, 1);
  t.equal(browser.beacons[0]!.url, `${ORIGIN}/__helpgate/hb`);
  t.match(browser.beacons[0]!.body, { pv: browser.sent[0]!.body.pv, seq: 1 });
  await browser.advance(60_000);
  t.equal(browser.sent.length, 1, 'no more heartbeats after the page is gone');
});

t.test('a failing network or server never reaches the page and heartbeats go on', async (t) => {
  let calls = 0;
  const browser = fakeBrowser({
    reply: () => {
      calls++;
      if (calls === 1) throw new TypeError('Failed to fetch');
      if (calls === 2) return { status: 500, body: { error: {} } };
      return { status: 200, body: 'not an object' };
    },
  });
  await browser.advance(5000 * 4);
  t.equal(browser.sent.length, 4);
});

t.test(
  'without a session cookie (cookies blocked) the beacon stops after the first 401',
  async (t) => {
    const browser = fakeBrowser({ reply: () => ({ status: 401, body: { error: {} } }) });
    await browser.advance(60_000);
    t.equal(browser.sent.length, 1);
  },
);

t.test('a 429 waits at least Retry-After', async (t) => {
  const browser = fakeBrowser({
    reply: () => ({ status: 429, body: { error: {} }, retryAfter: '30' }),
  });
  await browser.advance(5000);
  await browser.advance(29_999);
  t.equal(browser.sent.length, 1);
  await browser.advance(1);
  t.equal(browser.sent.length, 2);
});

t.test('store outage: a 503 waits at least Retry-After, and heartbeats go on after', async (t) => {
  // Beacons hammering an unreachable store every interval would slow its recovery.
  let down = true;
  const browser = fakeBrowser({
    reply: () =>
      down
        ? { status: 503, body: { error: {} }, retryAfter: '10' }
        : { status: 200, body: { next: 5000 } },
  });
  await browser.advance(5000);
  t.equal(browser.sent.length, 1);
  await browser.advance(9_999);
  t.equal(browser.sent.length, 1, 'no heartbeat before Retry-After');
  down = false;
  await browser.advance(1);
  t.equal(browser.sent.length, 2);
  await browser.advance(5000);
  t.equal(browser.sent.length, 3, 'back to the interval the server asks for');
});
