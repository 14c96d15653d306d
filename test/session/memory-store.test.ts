import t from 'tap';
import { createMemoryStore } from '../../src/session/memory-store.js';
import { newSession, type Session } from '../../src/session/session.js';
import { MOVED_AWAY_MS } from '../../src/session/store.js';
import { manualClock } from './_helpers.js';

const TTL = 30 * 60_000;

function session(id: string, pinned = false): Session {
  const s = newSession(id, 0);
  if (pinned) s.pinned = true;
  return s;
}

t.test('past maxSessions the least recently active session is evicted', async (t) => {
  const store = createMemoryStore({
    maxSessions: 3,
    maxPinned: 2,
    ttlMs: TTL,
    clock: manualClock(),
  });
  for (const id of ['a', 'b', 'c']) await store.set(id, session(id));
  await store.set('a', (await store.get('a'))!); // a is active again
  await store.set('d', session('d'));
  t.equal(store.size(), 3);
  t.equal(await store.get('b'), undefined, 'b was the least recently active');
  t.ok(await store.get('a'));
  t.ok(await store.get('d'));
});

t.test('a pinned session (offer shown, queued, chatting) survives any LRU pressure', async (t) => {
  const store = createMemoryStore({
    maxSessions: 2,
    maxPinned: 2,
    ttlMs: TTL,
    clock: manualClock(),
  });
  await store.set('chatting', session('chatting', true));
  for (let i = 0; i < 100; i++) await store.set(`v${i}`, session(`v${i}`));
  t.equal((await store.get('chatting'))?.id, 'chatting');
  t.equal(store.size(), 3, 'two ordinary sessions plus the pinned one');
  t.equal(store.pinnedSize(), 1);

  // Unpinned again, it competes in the LRU like any other.
  const back = (await store.get('chatting'))!;
  back.pinned = false;
  await store.set('chatting', back);
  t.equal(store.pinnedSize(), 0);
  await store.set('x', session('x'));
  await store.set('y', session('y'));
  t.equal(await store.get('chatting'), undefined);
});

t.test(
  'maxPinned bounds the pinned pool: the least recently active pinned one loses protection',
  async (t) => {
    const store = createMemoryStore({
      maxSessions: 2,
      maxPinned: 2,
      ttlMs: TTL,
      clock: manualClock(),
    });
    for (const id of ['p1', 'p2', 'p3']) await store.set(id, session(id, true));
    t.equal(store.pinnedSize(), 2);
    t.ok(await store.get('p1'), 'demoted, not dropped');
    await store.set('v1', session('v1'));
    await store.set('v2', session('v2'));
    t.equal(await store.get('p1'), undefined, 'then evictable like any other');
    t.ok(await store.get('p2'));
    t.ok(await store.get('p3'));
  },
);

t.test('an idle session expires after ttl; activity restarts the ttl', async (t) => {
  const clock = manualClock();
  const store = createMemoryStore({ maxSessions: 10, maxPinned: 10, ttlMs: TTL, clock });
  await store.set('idle', session('idle'));
  await store.set('active', session('active'));
  await store.set('pinned', session('pinned', true));
  clock.advance(TTL - 1000);
  await store.set('active', (await store.get('active'))!);
  t.ok(await store.get('idle'), 'still there just before the ttl');
  clock.advance(1001);
  t.equal(await store.get('idle'), undefined, 'gone past the ttl');
  t.equal(await store.get('pinned'), undefined, 'pinned sessions expire too when idle');
  t.ok(await store.get('active'), 'the active one lives on');
  clock.advance(TTL);
  t.equal(await store.get('active'), undefined);
});

t.test('delete, ping and close', async (t) => {
  const store = createMemoryStore({
    maxSessions: 10,
    maxPinned: 10,
    ttlMs: TTL,
    clock: manualClock(),
  });
  await store.set('a', session('a'));
  await store.set('b', session('b', true));
  await store.delete('b');
  t.equal(await store.get('b'), undefined);
  await t.resolves(store.ping());
  await store.close();
  t.equal(store.size(), 0);
});

t.test('move gives a session a new id; the old one resolves to nothing', async (t) => {
  const clock = manualClock();
  const store = createMemoryStore({ maxSessions: 10, maxPinned: 10, ttlMs: TTL, clock });
  await store.set('old', session('old', true));
  const moved = { ...(await store.get('old'))!, id: 'new' };
  await store.move('old', 'new', moved);
  t.equal(await store.get('old'), undefined);
  t.equal((await store.get('new'))?.id, 'new');
  t.equal(store.size(), 1);
  t.equal(store.pinnedSize(), 1, 'a pinned session stays pinned');

  t.equal(await store.movedAway('old'), true);
  t.equal(await store.movedAway('new'), false);
  await store.set('old', session('old'));
  t.equal(await store.movedAway('old'), true, 'a session stored later under it changes nothing');
  clock.advance(MOVED_AWAY_MS + 1);
  t.equal(await store.movedAway('old'), false, `forgotten after ${MOVED_AWAY_MS} ms`);
});
