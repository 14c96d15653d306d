// One test body, two stores: capacity on the memory store and on Redis (a real redis-server)
// keeps the same rules, and on Redis what must happen once happens once with two instances
// racing for it.
import type { Test } from 'tap';
import t from 'tap';
import { type Capacity, createCapacity } from '../../src/capacity/capacity.js';
import { exponentialHandleTimes } from '../../src/learning/handle-time-distribution.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisCapacity, SNAPSHOT_EVERY } from '../../src/store/redis-capacity.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { testConfig } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

const AHT = 60_000;
const config = testConfig({
  session: { ttl: '1m' },
  agents: {
    averageHandleTime: AHT,
    list: [
      { id: 'alice', token: 'alice-token-0123456789abcdef', capacity: 2 },
      { id: 'bob', token: 'bob-token-0123456789abcdefgh', capacity: 1 },
    ],
  },
});

const learned = {
  averageHandleTime: () => AHT,
  onHandleTime: () => {},
  handleTimes: () => exponentialHandleTimes(AHT),
};

/** Builds `count` instances of capacity on one store (the memory store has one only). */
type Store = (t: Test, clock: TestClock, count: number) => Promise<Capacity[]>;

const memory: Store = async () => [createCapacity({ config, ...learned })];

/** One instance of capacity on the redis-server at `url`, with a connection of its own. */
async function redisInstance(t: Test, url: string, clock: TestClock): Promise<Capacity> {
  const connection = createRedisConnection({
    url,
    keyPrefix: 'hg:',
    timeoutMs: 2_000,
    logger: silentLogger(),
  });
  await connection.ready();
  const capacity = createRedisCapacity({
    config,
    connection,
    timeoutMs: 2_000,
    clock,
    logger: silentLogger(),
    ...learned,
  });
  await capacity.ready();
  t.teardown(async () => {
    await capacity.close();
    await connection.close();
  });
  return capacity;
}

const redis: Store = async (t, clock, count) => {
  const server = await startRedisServer(t);
  const instances: Capacity[] = [];
  for (let i = 0; i < count; i++) instances.push(await redisInstance(t, server.url, clock));
  return instances;
};

/** Every instance has applied every change made so far (a shared log is read as it grows). */
async function settled(instances: Capacity[], clock: TestClock): Promise<void> {
  const key = (c: Capacity) => JSON.stringify([c.snapshot(clock.now()), c.queued(), c.agents()]);
  for (let i = 0; i < 500; i++) {
    if (instances.every((c) => key(c) === key(instances[0]!))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the instances never agreed');
}

let offers = 0;
const accept = (capacity: Capacity, now: number) => {
  const offerId = `offer-${++offers}`;
  return capacity.enqueue({ offerId, sid: `sid-${offerId}`, reasons: ['slow'], path: '/p' }, now);
};

for (const [name, store] of [
  ['memory', memory],
  ['redis', redis],
] as const) {
  t.test(`${name} store`, async (t) => {
    t.test('agents, slots and the queue: first come, first served', async (t) => {
      const clock = new TestClock();
      const [capacity] = await store(t, clock, 1);
      const c = capacity!;
      t.equal(c.snapshot(clock.now()).servingSlots, 0, 'agents start away');
      t.match(await c.setAgent('alice', { status: 'available' }, clock.now()), {
        status: 'available',
        capacity: 2,
      });
      t.equal(c.snapshot(clock.now()).freeSlots, 2);
      const tickets = [];
      for (let i = 0; i < 4; i++) tickets.push((await accept(c, clock.now()))!);
      t.same(
        tickets.map((ticket) => ticket.queuePosition),
        [0, 0, 1, 2],
      );
      t.equal(c.snapshot(clock.now()).freeSlots, 0);
      clock.advance(30_000);
      t.equal(await c.endConversation(tickets[0]!.conversationId, clock.now()), true);
      t.equal(c.conversation(tickets[2]!.conversationId)?.agentId, 'alice', 'the head is next');
      t.equal(c.ticket(tickets[3]!.conversationId, clock.now())?.queuePosition, 1);
      t.equal(await c.endConversation(tickets[0]!.conversationId, clock.now()), false, 'once');
      t.match(await c.transfer(tickets[1]!.conversationId, 'bob', clock.now()), {
        ok: false,
        reason: 'unavailable',
      });
      await c.setAgent('bob', { status: 'available' }, clock.now());
      t.equal(c.conversation(tickets[3]!.conversationId)?.agentId, 'bob', 'bob takes the queue');
    });

    t.test('a reservation that needs a free slot checks for one as it takes it', async (t) => {
      const clock = new TestClock();
      const [c] = await store(t, clock, 1);
      await c!.setAgent('bob', { status: 'available' }, clock.now());
      const until = clock.now() + 60_000;
      t.equal(await c!.reserve('o1', 's1', until, clock.now(), true), true, 'the free slot');
      t.equal(await c!.reserve('o2', 's2', until, clock.now(), true), false, 'none left');
      t.equal(await c!.reserve('o1', 's1', until + 1, clock.now(), true), true, 'renewed');
      await c!.release('o1');
      t.equal(c!.snapshot(clock.now()).freeSlots, 1, 'released');
    });

    t.test('a queued visitor not heard from for session.ttl loses their place', async (t) => {
      const clock = new TestClock();
      const [c] = await store(t, clock, 1);
      const gone = (await accept(c!, clock.now()))!;
      const kept = (await accept(c!, clock.now()))!;
      const left: string[] = [];
      c!.observe({ onAbandoned: (conversation) => left.push(conversation.id) });
      clock.advance(40_000);
      c!.touch(kept.conversationId, clock.now());
      clock.advance(30_000);
      await c!.sweep(clock.now());
      t.same(left, [gone.conversationId]);
      t.same(
        c!.queued().map((q) => q.id),
        [kept.conversationId],
      );
    });
  });
}

t.test('redis: two instances racing for one slot, one conversation end, one copy', async (t) => {
  const clock = new TestClock();
  const [a, b] = (await redis(t, clock, 2)) as [Capacity, Capacity];
  await a.setAgent('bob', { status: 'available' }, clock.now());
  await settled([a, b], clock);
  const until = clock.now() + 60_000;
  const held = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? b : a).reserve(`o${i}`, `s${i}`, until, clock.now(), true),
    ),
  );
  t.equal(held.filter(Boolean).length, 1, 'of 20 offers racing for the last slot, one holds it');

  const ticket = (await accept(a, clock.now()))!;
  t.equal(ticket.queuePosition, 0);
  await settled([a, b], clock);
  const ends = await Promise.all([
    a.endConversation(ticket.conversationId, clock.now()),
    b.endConversation(ticket.conversationId, clock.now()),
  ]);
  t.same([...ends].sort(), [false, true], 'ended once, by whichever came first');
  await settled([a, b], clock);
});

t.test('redis: a new instance starts from the snapshot and the log after it', async (t) => {
  const clock = new TestClock();
  const server = await startRedisServer(t);
  const make = () => redisInstance(t, server.url, clock);
  const first = await make();
  await first.setAgent('alice', { status: 'available' }, clock.now());
  // Past a snapshot, so the next instance loads one and applies what follows it.
  for (let i = 0; i < SNAPSHOT_EVERY + 20; i++) {
    await first.reserve(`o${i}`, `s${i}`, clock.now() + 60_000, clock.now());
    await first.release(`o${i}`);
  }
  for (let i = 0; i < 5; i++) await accept(first, clock.now());
  const second = await make();
  await settled([first, second], clock);
  t.same(second.queued(), first.queued(), 'the same queue');
  t.same(second.agents(), first.agents(), 'the same agents');
});
