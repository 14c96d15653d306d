import t from 'tap';
import { createMemoryStore } from '../../src/session/memory-store.js';
import { newSession, type Session } from '../../src/session/session.js';
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

// Expiry, delete, ping and move: the contract suite in store.test.ts runs them on both stores.

t.test('close forgets every session', async (t) => {
  const store = createMemoryStore({
    maxSessions: 10,
    maxPinned: 10,
    ttlMs: TTL,
    clock: manualClock(),
  });
  await store.set('a', session('a'));
  await store.set('b', session('b', true));
  await store.close();
  t.equal(store.size(), 0);
  t.equal(await store.get('a'), undefined);
});
