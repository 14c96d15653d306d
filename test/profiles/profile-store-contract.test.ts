// The profile store's contract (src/profiles/profile-store.ts), one test body run against each
// store: the memory store (state file off) and the Redis store against a real redis-server.
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/logger.js';
import { createProfileStore, type ProfileStore } from '../../src/profiles/profile-store.js';
import { recordAcceptance } from '../../src/profiles/record-acceptance.js';
import { createStateFile } from '../../src/profiles/state-file.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import { createRedisProfileStore } from '../../src/store/redis-profile-store.js';
import { startRedisServer } from '../fixtures/redis-server.js';

const logger = silentLogger();
const redisServer = await startRedisServer(t);
let prefixes = 0;

type Bounds = { maxProfiles?: number; maxBytes?: number };
/** Opens a store; a second call in one test opens another instance on the same data. */
type Open = (bounds?: Bounds) => Promise<ProfileStore>;

const subjects: Record<string, (t: Test) => Open> = {
  memory() {
    // One process holds one memory store: a second instance is the same one.
    let store: ProfileStore | undefined;
    return async (bounds = {}) =>
      (store ??= createProfileStore({
        state: createStateFile(null, { logger }),
        logger,
        ...bounds,
      }));
  },
  redis(t) {
    const keyPrefix = `profiles${++prefixes}:`;
    return async (bounds = {}) => {
      const connection = createRedisConnection({
        url: redisServer.url,
        keyPrefix,
        timeoutMs: 2_000,
        logger,
      });
      t.teardown(() => connection.close());
      await connection.ready();
      return createRedisProfileStore({ connection, logger, ...bounds });
    };
  },
};

function contract(name: string, body: (t: Test, open: Open) => Promise<void>): void {
  for (const [kind, make] of Object.entries(subjects)) {
    t.test(`${name} (${kind} store)`, async (t) => body(t, make(t)));
  }
}

contract('a profile is stored, merged, handed out as a copy and deleted', async (t, open) => {
  const store = await open();
  t.equal(await store.get('c-1'), undefined);
  await store.put('c-1', { assist: true, tags: [], n: 12345678901234 });
  const copy = (await store.get('c-1'))!;
  copy['assist'] = false;
  t.same(await store.get('c-1'), { assist: true, tags: [], n: 12345678901234 }, 'stored exactly');
  t.same(await store.merge('c-1', { tier: 'gold' }), {
    assist: true,
    tags: [],
    n: 12345678901234,
    tier: 'gold',
  });
  t.same(await store.merge('c-2', { tier: 'new' }), { tier: 'new' }, 'merge creates');
  t.equal(store.size(), 2);
  t.equal(await store.delete('c-1'), true);
  t.equal(await store.delete('c-1'), false);
  t.equal(await store.get('c-1'), undefined);
  t.equal(store.size(), 1);
  await t.rejects(store.put('c-3', JSON.parse('{"__proto__": {"x": 1}}')), TypeError);
  await t.rejects(store.put('with space', {}), TypeError);
});

contract(
  'bounded: past the limits the least recently written profile goes first',
  async (t, open) => {
    const store = await open({ maxProfiles: 3 });
    for (const id of ['a', 'b', 'c']) await store.put(id, { n: id });
    await store.merge('a', { seen: true });
    await store.put('d', { n: 'd' });
    t.equal(store.size(), 3);
    t.equal(await store.get('b'), undefined, 'b was the least recently written');
    t.same(await store.get('a'), { n: 'a', seen: true });
  },
);

contract('bounded: the byte budget holds too', async (t, open) => {
  const bytes = await open({ maxBytes: 100 });
  for (let i = 0; i < 10; i++) await bytes.put(`c-${i}`, { pad: 'x'.repeat(30) });
  t.ok(bytes.size() <= 2, `${bytes.size()} profiles kept`);
  t.ok(await bytes.get('c-9'), 'the latest is kept');
});

contract('accepting an offer sets acceptedBefore, keeping the other fields', async (t, open) => {
  const store = await open();
  await store.put('c-1', { tier: 'gold' });
  await recordAcceptance(store, 'c-1');
  await recordAcceptance(store, null);
  t.same(await store.get('c-1'), { tier: 'gold', acceptedBefore: true });
  t.equal(store.size(), 1, 'an anonymous visitor has no profile to mark');
});

contract('lost update: merges racing from two instances keep every field', async (t, open) => {
  // A read-modify-write merge lets one instance's write silently undo the other's.
  const [a, b] = [await open(), await open()];
  await a.put('c-1', { base: true });
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).merge('c-1', { [`f${i}`]: i })),
  );
  const merged = (await a.get('c-1'))!;
  t.equal(Object.keys(merged).length, 41, 'base plus 40 merged fields');
});
