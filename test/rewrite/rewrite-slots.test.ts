import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import type { Config } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { createRewriter, type Rewriter } from '../../src/rewrite/rewrite-response.js';
import { createRewriteSlots, type SlotLimits } from '../../src/rewrite/rewrite-slots.js';
import { TestClock } from '../fixtures/test-clock.js';
import { BEACON, rewritingFront } from './_rewrite-helpers.js';

// Under overload, rewriting must not turn into a queue that grows with the load: at most a
// few pages are rewritten at once, a few more wait briefly, and the rest go out unmodified.

const PAGE =
  '<!doctype html><html><head><title>t</title></head><body><div class=help>?</div></body></html>';
const REWRITTEN = PAGE.replace('</head>', `${BEACON}</head>`).replace(
  '<div class=help>?</div>',
  '',
);
const changing = (n: number) => PAGE.replace('</body>', `<p>token ${n}</p></body>`);
const changingRewritten = (n: number) => REWRITTEN.replace('</body>', `<p>token ${n}</p></body>`);

/** Records what the slots answered, in order. */
function asker(slots: ReturnType<typeof createRewriteSlots>) {
  const log: string[] = [];
  const releases = new Map<string, () => void>();
  const ask = (name: string) =>
    slots.request(
      (release) => {
        log.push(`${name} ready`);
        releases.set(name, release);
      },
      () => log.push(`${name} refused`),
    );
  return { log, ask, release: (name: string) => releases.get(name)!() };
}

t.test('no more pages are rewritten at once than there are slots', async (t) => {
  const clock = new TestClock();
  const slots = createRewriteSlots(
    { maxActive: 2, maxWaiting: 3, maxWaitMs: 100, maxHoldMs: 1000 },
    clock,
  );
  const { log, ask, release } = asker(slots);
  for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) ask(name);
  t.same(log, ['a ready', 'b ready', 'f refused'], 'two run, three wait, the sixth is refused');
  t.equal(slots.active, 2);
  t.equal(slots.waiting, 3);

  release('a');
  release('a'); // a second release frees nothing more
  t.same(log.slice(3), ['c ready'], 'the longest waiting goes next');
  t.equal(slots.active, 2);

  clock.advance(99);
  slots.settle();
  t.equal(slots.waiting, 2, 'no one is refused before the wait is up');
  clock.advance(1);
  slots.settle();
  t.same(log.slice(4), ['d refused', 'e refused'], 'nobody waits longer than maxWaitMs');
  t.equal(slots.waiting, 0);

  release('b');
  release('c');
  t.equal(slots.active, 0);
  ask('g');
  t.same(log.slice(6), ['g ready'], 'a free slot is taken at once');
  release('g');
});

t.test('a request withdrawn while waiting holds no place', async (t) => {
  const clock = new TestClock();
  const slots = createRewriteSlots(
    { maxActive: 1, maxWaiting: 1, maxWaitMs: 100, maxHoldMs: 1000 },
    clock,
  );
  const { log, ask, release } = asker(slots);
  ask('a');
  const withdraw = ask('b');
  withdraw();
  t.equal(slots.waiting, 0);
  ask('c');
  t.same(log, ['a ready'], 'the place of the withdrawn request is free again');
  release('a');
  t.same(log, ['a ready', 'c ready'], 'the withdrawn request never gets the slot');
  release('c');
  t.equal(slots.active, 0);
});

t.test(
  'waiting requests are refused once their time is up, even with nothing else happening',
  async (t) => {
    // The timer is only the wake-up: the clock decides.
    const slots = createRewriteSlots(
      { maxActive: 1, maxWaiting: 1, maxWaitMs: 5, maxHoldMs: 1000 },
      { now: () => Date.now() },
    );
    const { log, ask, release } = asker(slots);
    ask('a');
    const refused = new Promise<void>((resolve) => {
      slots.request(
        () => log.push('b ready'),
        () => {
          log.push('b refused');
          resolve();
        },
      );
    });
    // The wake-up timer does not keep a process alive (a server does); this test must.
    const alive = setInterval(() => {}, 1000);
    await refused;
    clearInterval(alive);
    t.same(log, ['a ready', 'b refused']);
    release('a');
  },
);

t.test('a page that keeps its slot too long gives it to a waiting page', async (t) => {
  // A slow upstream trickling a page in must not hold rewriting up for everyone else.
  const clock = new TestClock();
  const slots = createRewriteSlots(
    { maxActive: 1, maxWaiting: 2, maxWaitMs: 5000, maxHoldMs: 1000 },
    clock,
  );
  const { log, ask, release } = asker(slots);
  ask('slow');
  ask('next');
  clock.advance(999);
  slots.settle();
  t.same(log, ['slow ready'], 'the slot is kept for maxHoldMs');
  clock.advance(1);
  slots.settle();
  t.same(log, ['slow ready', 'next ready'], 'then it goes to the page waiting');
  t.equal(slots.active, 1, 'still one page rewritten against the bound');
  release('slow'); // late: frees nothing more
  t.equal(slots.active, 1);
  release('next');
  t.equal(slots.active, 0);
});

// ── through HTTP ────────────────────────────────────────────────────────────────────────────

interface Front {
  port: number;
  rewriter: Rewriter;
  /** Lets the held upstream responses finish. */
  finishHeld(): void;
  /** How often the rewriter's `onRefused` hook was called. */
  refusalsTold(): number;
}

/**
 * An upstream whose `/held` page stops after its first bytes until `finishHeld`, and whose
 * other pages come at once; and a front that rewrites everything with the given slot limits.
 */
async function setup(
  t: Test,
  slots: Partial<SlotLimits>,
  clock = new TestClock(),
  cacheEntries = 0,
): Promise<Front> {
  const held: http.ServerResponse[] = [];
  let version = 0;
  const up = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (req.url === '/held') {
      res.write(PAGE.slice(0, 20));
      held.push(res);
      return;
    }
    // A page that differs near its end every time, as one with a fresh token would.
    if (req.url === '/changing') {
      res.end(changing(++version));
      return;
    }
    res.end(PAGE);
  });
  up.listen(0, '127.0.0.1');
  await once(up, 'listening');
  const upPort = (up.address() as AddressInfo).port;
  const config = {
    strip: ['.help'],
    rewrite: { maxBytes: 1024 * 1024, frames: false, cacheEntries },
  } as unknown as Config;
  let told = 0;
  const rewriter = createRewriter(config, {
    logger: silentLogger(),
    slots,
    clock,
    onRefused: () => told++,
  });
  const front = rewritingFront(rewriter, upPort, (req) =>
    req.headers['x-body-end'] === undefined ? {} : { bodyEnd: String(req.headers['x-body-end']) },
  );
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  const finishHeld = () => {
    for (const res of held.splice(0)) res.end(PAGE.slice(20));
  };
  t.teardown(() => {
    finishHeld();
    up.closeAllConnections();
    front.closeAllConnections();
    up.close();
    front.close();
  });
  return {
    port: (front.address() as AddressInfo).port,
    rewriter,
    finishHeld,
    refusalsTold: () => told,
  };
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Resolves once the rewriter has `n` pages in progress (those held upstream take a while). */
async function untilActive(rewriter: Rewriter, n: number, waiting = 0): Promise<void> {
  while (rewriter.stats().active !== n || rewriter.stats().waiting !== waiting) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

t.test(
  'with every slot taken and no room to wait, a page goes out unmodified at once',
  async (t) => {
    const front = await setup(t, { maxActive: 1, maxWaiting: 0 });
    const slow = get(front.port, '/held');
    await untilActive(front.rewriter, 1);
    t.equal(
      await get(front.port, '/page'),
      PAGE,
      'served as the upstream sent it, while the slot is busy',
    );
    t.equal(front.rewriter.stats().refused, 1);
    t.equal(front.refusalsTold(), 1, 'and the metrics are told');
    front.finishHeld();
    t.equal(await slow, REWRITTEN, 'the page holding the slot is rewritten');
    await untilActive(front.rewriter, 0);
    t.equal(await get(front.port, '/page'), REWRITTEN, 'a free slot rewrites again');
  },
);

t.test('a page waits for a slot, and is rewritten when one frees up in time', async (t) => {
  const front = await setup(t, { maxActive: 1, maxWaiting: 1, maxWaitMs: 1000 });
  const slow = get(front.port, '/held');
  await untilActive(front.rewriter, 1);
  const waiting = get(front.port, '/page');
  await untilActive(front.rewriter, 1, 1);
  front.finishHeld();
  t.equal(await slow, REWRITTEN);
  t.equal(await waiting, REWRITTEN, 'rewritten after its wait');
  t.equal(front.rewriter.stats().refused, 0);
});

t.test('a page that waited too long goes out unmodified', async (t) => {
  const clock = new TestClock();
  const front = await setup(t, { maxActive: 1, maxWaiting: 1, maxWaitMs: 1000 }, clock);
  const slow = get(front.port, '/held');
  await untilActive(front.rewriter, 1);
  const waiting = get(front.port, '/page');
  await untilActive(front.rewriter, 1, 1);
  clock.advance(1000);
  // The next page to arrive finds the wait over (it waits in turn, as there is room again).
  const next = get(front.port, '/page');
  t.equal(await waiting, PAGE, 'served as the upstream sent it');
  t.equal(front.rewriter.stats().refused, 1);
  front.finishHeld();
  t.equal(await slow, REWRITTEN);
  t.equal(await next, REWRITTEN);
});

t.test(
  "a page with a visitor's HELP option is rewritten even when every slot is taken",
  async (t) => {
    const front = await setup(t, { maxActive: 1, maxWaiting: 0 });
    const slow = get(front.port, '/held');
    await untilActive(front.rewriter, 1);
    const offer = '<div id=hg-offer>help?</div>';
    const page = await get(front.port, '/page', { 'x-body-end': offer });
    t.match(page, offer, 'the offer counted as shown is in the page');
    t.equal(front.rewriter.stats().refused, 0);
    front.finishHeld();
    await slow;
  },
);

t.test('a repeated URL whose page changed is not rewritten past the limit either', async (t) => {
  const front = await setup(t, { maxActive: 1, maxWaiting: 0 }, new TestClock(), 16);
  t.equal(await get(front.port, '/changing'), changingRewritten(1), 'rewritten and cached');
  const slow = get(front.port, '/held');
  await untilActive(front.rewriter, 1);
  t.equal(await get(front.port, '/changing'), changing(2), 'the new page, unmodified and whole');
  t.match(front.rewriter.stats(), { refused: 1, cacheMismatches: 1 });
  front.finishHeld();
  t.equal(await slow, REWRITTEN);
});

t.test('a repeated URL whose page changed waits for a slot like any page', async (t) => {
  const front = await setup(
    t,
    { maxActive: 1, maxWaiting: 1, maxWaitMs: 1000 },
    new TestClock(),
    16,
  );
  t.equal(await get(front.port, '/changing'), changingRewritten(1));
  const slow = get(front.port, '/held');
  await untilActive(front.rewriter, 1);
  const waiting = get(front.port, '/changing');
  await untilActive(front.rewriter, 1, 1);
  front.finishHeld();
  t.equal(await slow, REWRITTEN);
  t.equal(await waiting, changingRewritten(2), 'the new page, rewritten whole');
  t.match(front.rewriter.stats(), { refused: 0, cacheMismatches: 1 });
});
