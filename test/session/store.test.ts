// The session store's contract (src/session/store.ts), one test body run against each store:
// the memory store with a test clock, and the Redis store against a real redis-server, where
// expiry is Redis's own and time really passes (short time-to-lives keep it fast).
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/session/memory-store.js';
import { countView, newSession, type Session, startPageView } from '../../src/session/session.js';
import { MOVED_AWAY_MS, type SessionStore } from '../../src/session/store.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import { createRedisSessionStore } from '../../src/store/redis-session-store.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { manualClock } from './_helpers.js';

interface Subject {
  store: SessionStore;
  ttlMs: number;
  movedAwayMs: number;
  /** Lets `ms` pass for the store. */
  elapse(ms: number): Promise<void>;
  /** Brings `size()` up to date (the Redis store refreshes its estimate in the background). */
  settle(): Promise<void>;
}

const redisServer = await startRedisServer(t);
let prefixes = 0;

const subjects: Record<string, (t: Test) => Promise<Subject>> = {
  async memory() {
    const clock = manualClock();
    const ttlMs = 30 * 60_000;
    const store = createMemoryStore({ maxSessions: 1000, maxPinned: 1000, ttlMs, clock });
    return {
      store,
      ttlMs,
      movedAwayMs: MOVED_AWAY_MS,
      elapse: async (ms) => clock.advance(ms),
      settle: async () => {},
    };
  },
  async redis(t) {
    const ttlMs = 1_000;
    const movedAwayMs = 1_500;
    const connection = createRedisConnection({
      url: redisServer.url,
      keyPrefix: `contract${++prefixes}:`,
      timeoutMs: 500,
      logger: silentLogger(),
    });
    await connection.ready();
    const store = createRedisSessionStore({ connection, ttlMs, movedAwayMs });
    t.teardown(() => store.close());
    return {
      store,
      ttlMs,
      movedAwayMs,
      elapse: (ms) => sleep(ms),
      settle: async () => void (await store.refreshSize()),
    };
  },
};

function contract(name: string, body: (t: Test, subject: Subject) => Promise<void>): void {
  for (const [kind, make] of Object.entries(subjects)) {
    t.test(`${name} (${kind} store)`, async (t) => body(t, await make(t)));
  }
}

function session(id: string, pinned = false): Session {
  const s = newSession(id, 0);
  if (pinned) s.pinned = true;
  return s;
}

contract(
  'a stored session comes back as written; an unknown id resolves to nothing',
  async (t, { store }) => {
    const s = session('a', true);
    countView(s, '/checkout');
    startPageView(s, {
      pv: 'pv1',
      path: '/checkout',
      startedAt: 1,
      heartbeats: 2,
      lastHeartbeatAt: 3,
      timeOnPageMs: 4,
      lastSeq: 1,
      nextMs: 5_000,
      focus: { field: 'card', ms: 700 },
      errorFields: ['card'],
    });
    s.customerId = 'c-1';
    await store.set('a', s);
    t.same(await store.get('a'), s);
    t.equal(await store.get('nobody'), undefined);
  },
);

contract('an idle session expires after ttl; activity restarts the ttl', async (t, subject) => {
  const { store, ttlMs } = subject;
  await store.set('idle', session('idle'));
  await store.set('active', session('active'));
  await store.set('pinned', session('pinned', true));
  await subject.elapse(ttlMs * 0.6);
  await store.set('active', (await store.get('active'))!);
  t.ok(await store.get('idle'), 'still there before the ttl');
  await subject.elapse(ttlMs * 0.6);
  t.equal(await store.get('idle'), undefined, 'gone past the ttl');
  t.equal(await store.get('pinned'), undefined, 'pinned sessions expire too when idle');
  t.ok(await store.get('active'), 'the active one lives on');
  await subject.elapse(ttlMs * 0.6);
  t.equal(await store.get('active'), undefined);
});

contract('size counts the live sessions, pinned included', async (t, subject) => {
  const { store } = subject;
  for (const id of ['a', 'b', 'c']) await store.set(id, session(id));
  await store.set('p', session('p', true));
  await store.set('a', (await store.get('a'))!);
  await subject.settle();
  t.equal(store.size(), 4);
});

contract(
  'delete forgets a session; ping resolves while the store is reachable',
  async (t, { store }) => {
    await store.set('a', session('a'));
    await store.set('b', session('b', true));
    await store.delete('b');
    t.equal(await store.get('b'), undefined);
    t.ok(await store.get('a'));
    await t.resolves(store.ping());
  },
);

contract(
  'a checkout reads the session; the next checkout of the id waits until it is released',
  async (t, { store }) => {
    await store.set('a', session('a'));
    const first = await store.checkout('a');
    t.same(first.session, session('a'));
    const order: string[] = [];
    const second = store.checkout('a').then((checkout) => {
      order.push('second began');
      return checkout;
    });
    const other = await store.checkout('b');
    t.equal(
      other.session,
      undefined,
      'another id is not held up, and an unknown one reads as nothing',
    );
    await other.release();
    const changed = { ...first.session!, lastSeenAt: 7 };
    await first.save(changed);
    await sleep(20);
    order.push('first released');
    await first.release();
    const next = await second;
    t.same(order, ['first released', 'second began']);
    t.equal(next.session?.lastSeenAt, 7, 'it reads what the first saved');
    await next.release();
    await next.release();
    t.pass('releasing twice does nothing');
  },
);

contract('move gives a session a new id; the old one resolves to nothing', async (t, subject) => {
  const { store, movedAwayMs } = subject;
  await store.set('old', session('old', true));
  const moved = { ...(await store.get('old'))!, id: 'new' };
  await store.move('old', 'new', moved);
  t.equal(await store.get('old'), undefined);
  t.same(await store.get('new'), moved, 'a pinned session stays pinned');

  t.equal(await store.movedAway('old'), true);
  t.equal(await store.movedAway('new'), false);
  await store.set('old', session('old'));
  t.equal(await store.movedAway('old'), true, 'a session stored later under it changes nothing');
  await subject.elapse(movedAwayMs + 100);
  t.equal(await store.movedAway('old'), false, 'forgotten after a while');
});
