import t from 'tap';
import { createKeyedLock } from '../../src/util/keyed-lock.js';

t.test(
  'holders of one key take turns in the order they asked; other keys do not wait',
  async (t) => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const first = await lock.acquire('a');
    const waiting = ['second', 'third'].map((name) =>
      lock.acquire('a').then((unlock) => {
        order.push(name);
        return unlock;
      }),
    );
    const other = await lock.acquire('b');
    order.push('other key');
    other();
    await new Promise((resolve) => setImmediate(resolve));
    t.same(order, ['other key'], 'nobody else holds a while the first does');
    first();
    (await waiting[0]!)();
    (await waiting[1]!)();
    t.same(order, ['other key', 'second', 'third']);
  },
);

t.test('unbounded growth: a key is forgotten once its last holder lets go', async (t) => {
  const lock = createKeyedLock();
  const unlocks = await Promise.all(Array.from({ length: 1_000 }, (_, i) => lock.acquire(`k${i}`)));
  t.equal(lock.size, 1_000);
  for (const unlock of unlocks) unlock();
  t.equal(lock.size, 0);
  const a = await lock.acquire('x');
  const b = lock.acquire('x');
  a();
  a();
  (await b)();
  t.equal(lock.size, 0, 'letting go twice changes nothing');
});
