import t from 'tap';
import {
  type CapacityState as Capacity,
  type Conversation,
  createCapacityState as createCapacity,
} from '../../src/capacity/capacity-state.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { HandleTimeDistribution } from '../../src/learning/handle-time-distribution.js';
import { testConfig } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

const AHT = 180_000;
const token = (id: string) => `${id}-token-0123456789abcdef`;

/**
 * Every chat takes exactly AHT: the case where the promised wait is ⌈p / S⌉ × AHT for chats
 * that have just started, so these tests read the queue's arithmetic plainly.
 */
const constantAht: HandleTimeDistribution = {
  source: 'learned',
  mean: AHT,
  draw: () => AHT,
  remaining: (age) => Math.max(0, AHT - age),
};

type AgentInput = { id: string; name?: string; capacity?: number };

function configWith(agents: AgentInput[], more: Partial<ConfigInput> = {}) {
  return testConfig({
    agents: {
      defaultCapacity: 2,
      averageHandleTime: AHT,
      list: agents.map((a) => ({ ...a, token: token(a.id) })),
    },
    ...more,
  });
}

function setup(agents: AgentInput[], more: Partial<ConfigInput> = {}) {
  const clock = new TestClock();
  const handleTimes: number[] = [];
  const assigned: Conversation[] = [];
  let changes = 0;
  const capacity = createCapacity({
    config: configWith(agents, more),
    averageHandleTime: () => AHT,
    handleTimes: () => constantAht,
    onHandleTime: (ms) => handleTimes.push(ms),
    onChange: () => {
      changes += 1;
    },
    onAssigned: (c) => assigned.push(c),
  });
  return { clock, capacity, handleTimes, assigned, changes: () => changes };
}

let offers = 0;
function accept(capacity: Capacity, now: number, offerId = `offer-${++offers}`) {
  return capacity.enqueue({ offerId, sid: `sid-${offerId}`, reasons: ['slow'], path: '/p' }, now);
}

t.test('the snapshot promises EWT from queue position, slots and AHT', async (t) => {
  const { clock, capacity } = setup([{ id: 'a', capacity: 3 }]);
  t.equal(capacity.snapshot(clock.now()).estimatedWaitMs, null, 'agents start away: unknown');
  t.equal(capacity.agent('a')?.status, 'away');
  capacity.setAgent('a', { status: 'available' }, clock.now());
  t.equal(capacity.snapshot(clock.now()).estimatedWaitMs, 0, 'a free slot: no wait');
  for (let i = 0; i < 3; i++) accept(capacity, clock.now());
  // Full: the next newcomers stand at positions 1, 2, 3 (180 s), then 4 (360 s).
  const waits: (number | null)[] = [];
  for (let i = 0; i < 4; i++) {
    waits.push(capacity.snapshot(clock.now()).estimatedWaitMs);
    accept(capacity, clock.now());
  }
  t.same(waits, [180_000, 180_000, 180_000, 360_000]);
  const snapshot = capacity.snapshot(clock.now());
  t.match(snapshot, {
    agentsAvailable: 1,
    servingSlots: 3,
    conversations: 3,
    queueLength: 4,
    freeSlots: 0,
    estimatedWaitMs: 360_000,
  });
  capacity.setAgent('a', { status: 'away' }, clock.now());
  t.equal(capacity.snapshot(clock.now()).estimatedWaitMs, null, 'nobody serving: unknown again');
});

t.test('a shown offer holds a slot until its expiry, then lapses without any timer', async (t) => {
  const { clock, capacity } = setup([{ id: 'a', capacity: 2 }]);
  capacity.setAgent('a', { status: 'available' }, clock.now());
  capacity.reserve('o1', 's1', clock.now() + 60_000);
  t.match(capacity.snapshot(clock.now()), { reserved: 1, freeSlots: 1 });
  clock.advance(59_999);
  t.match(capacity.snapshot(clock.now()), { reserved: 1, freeSlots: 1 });
  clock.advance(1);
  t.match(capacity.snapshot(clock.now()), { reserved: 0, freeSlots: 2 }, 'lapsed at until');
  capacity.reserve('o2', 's2', clock.now() + 60_000);
  capacity.release('o2');
  t.match(capacity.snapshot(clock.now()), { reserved: 0, freeSlots: 2 }, 'dismissed: released');
});

t.test('two visitors cannot both be promised the last free slot', async (t) => {
  const { clock, capacity } = setup([{ id: 'a', capacity: 1 }]);
  capacity.setAgent('a', { status: 'available' }, clock.now());
  t.equal(capacity.snapshot(clock.now()).freeSlots, 1);
  capacity.reserve('first', 's1', clock.now() + 90_000);
  const second = capacity.snapshot(clock.now());
  t.equal(second.freeSlots, 0, 'the second visitor sees no free slot');
  t.equal(second.estimatedWaitMs, AHT, 'and waits behind the first');
  const ticket = accept(capacity, clock.now(), 'first');
  t.match(ticket, { queuePosition: 0, agentId: 'a', estimatedWaitMs: 0 });
  t.match(capacity.snapshot(clock.now()), { reserved: 0, conversations: 1, freeSlots: 0 });
});

t.test('a freed slot goes to the longest-waiting visitor first', async (t) => {
  const { clock, capacity, assigned } = setup([{ id: 'a', capacity: 1 }]);
  capacity.setAgent('a', { status: 'available' }, clock.now());
  const first = accept(capacity, clock.now())!;
  clock.advance(1_000);
  const second = accept(capacity, clock.now())!;
  const third = accept(capacity, clock.now())!;
  t.match(second, { queuePosition: 1, agentId: null, estimatedWaitMs: AHT });
  t.match(third, { queuePosition: 2, estimatedWaitMs: 2 * AHT });
  clock.advance(60_000);
  t.equal(capacity.endConversation(first.conversationId, clock.now()), true);
  t.match(capacity.ticket(second.conversationId, clock.now()), { queuePosition: 0, agentId: 'a' });
  t.match(capacity.ticket(third.conversationId, clock.now()), { queuePosition: 1 });
  t.same(
    assigned.map((c) => c.id),
    [first.conversationId, second.conversationId],
    'the hook heard both assignments, in order',
  );
  t.equal(capacity.conversation(second.conversationId)?.assignedAt, clock.now());
});

t.test('a queued visitor not heard from for session.ttl loses their place', async (t) => {
  const ttl = 600_000;
  const { clock, capacity, assigned } = setup([{ id: 'a', capacity: 1 }], {
    session: { ttl: ttl / 1000 },
  });
  const gone = accept(capacity, clock.now())!;
  const stays = accept(capacity, clock.now())!;
  const late = accept(capacity, clock.now())!;
  t.equal(capacity.snapshot(clock.now()).queueLength, 3);
  // Heartbeats keep two of them; the first left without a word.
  for (let at = 60_000; at <= ttl; at += 60_000) {
    clock.advance(60_000);
    capacity.touch(stays.conversationId, clock.now());
    capacity.touch(late.conversationId, clock.now());
  }
  t.equal(capacity.snapshot(clock.now()).queueLength, 3, 'exactly session.ttl: still there');
  clock.advance(1_000);
  capacity.touch(stays.conversationId, clock.now());
  capacity.touch(late.conversationId, clock.now());
  t.equal(capacity.snapshot(clock.now()).queueLength, 2, 'past it, the silent one is gone');
  t.equal(capacity.ticket(gone.conversationId, clock.now()), undefined);
  t.equal(capacity.conversation(gone.conversationId), undefined);
  t.match(capacity.ticket(stays.conversationId, clock.now()), { queuePosition: 1 });
  t.same(
    capacity.queued().map((c) => c.id),
    [stays.conversationId, late.conversationId],
  );
  capacity.setAgent('a', { status: 'available' }, clock.now());
  t.same(
    assigned.map((c) => c.id),
    [stays.conversationId],
    'the agent gets the first visitor still there',
  );
  // Once with an agent, a conversation lasts until it is ended, heartbeats or not.
  clock.advance(2 * ttl);
  t.equal(capacity.snapshot(clock.now()).conversations, 1);
  t.equal(capacity.snapshot(clock.now()).queueLength, 0, 'the silent third went too');
  t.match(capacity.ticket(stays.conversationId, clock.now()), { queuePosition: 0, agentId: 'a' });
});

t.test('an agent who turns available takes the queue in order', async (t) => {
  const { clock, capacity } = setup([{ id: 'a', capacity: 2 }]);
  const tickets = [accept(capacity, clock.now())!, accept(capacity, clock.now())!];
  t.same(
    tickets.map((x) => x.estimatedWaitMs),
    [null, null],
    'waiting with nobody available: unknown wait',
  );
  accept(capacity, clock.now());
  capacity.setAgent('a', { status: 'available' }, clock.now());
  t.same(
    capacity.conversationsOf('a').map((c) => c.id),
    tickets.map((x) => x.conversationId),
  );
  t.equal(capacity.snapshot(clock.now()).queueLength, 1);
  capacity.setAgent('a', { capacity: 3 }, clock.now());
  t.equal(capacity.snapshot(clock.now()).queueLength, 0, 'raising capacity frees a slot too');
});

t.test('busy and away keep their conversations but take no new ones', async (t) => {
  const { clock, capacity } = setup([{ id: 'a', capacity: 2 }]);
  capacity.setAgent('a', { status: 'available' }, clock.now());
  const held = accept(capacity, clock.now())!;
  capacity.setAgent('a', { status: 'busy' }, clock.now());
  const waiting = accept(capacity, clock.now())!;
  t.match(waiting, { queuePosition: 1, agentId: null });
  t.equal(capacity.agent('a')?.conversations, 1, 'busy: the chat goes on');
  t.match(capacity.snapshot(clock.now()), { agentsAvailable: 0, servingSlots: 0, freeSlots: 0 });
  capacity.setAgent('a', { status: 'away' }, clock.now());
  t.equal(capacity.conversation(held.conversationId)?.agentId, 'a', 'away: the chat goes on');
  capacity.endConversation(held.conversationId, clock.now());
  t.equal(capacity.snapshot(clock.now()).queueLength, 1, 'away takes no new one either');
});

t.test('routing goes to the least-loaded agent, ties in config order', async (t) => {
  const { clock, capacity } = setup([
    { id: 'a', capacity: 3 },
    { id: 'b', capacity: 3 },
    { id: 'c', capacity: 1 },
  ]);
  for (const id of ['a', 'b', 'c']) capacity.setAgent(id, { status: 'available' }, clock.now());
  const agentsOf = (n: number) =>
    Array.from({ length: n }, () => accept(capacity, clock.now())!.agentId);
  t.same(agentsOf(3), ['a', 'b', 'c']);
  t.same(agentsOf(4), ['a', 'b', 'a', 'b'], 'c is full at 1');
  t.equal(accept(capacity, clock.now())!.queuePosition, 1);
});

t.test('a full queue refuses the next visitor, and nothing changes', async (t) => {
  // An unbounded queue would let a flood of accepts grow memory without limit.
  const { clock, capacity } = setup([{ id: 'a', capacity: 1 }], {
    session: { maxPinned: 2 },
  });
  capacity.reserve('late', 's', clock.now() + 60_000);
  capacity.reserve('later', 's', clock.now() + 60_000);
  t.ok(accept(capacity, clock.now()));
  t.ok(accept(capacity, clock.now()));
  t.equal(accept(capacity, clock.now(), 'late'), null);
  t.match(capacity.snapshot(clock.now()), { queueLength: 2, reserved: 2 }, 'still reserved');
  t.equal(capacity.reserve('x', 's', clock.now() + 60_000), false, 'reservations are bounded too');
  clock.advance(60_000);
  t.equal(capacity.reserve('x', 's', clock.now() + 60_000, clock.now()), true, 'once one lapsed');
});

t.test('accepting the same offer twice gives the same conversation', async (t) => {
  const { clock, capacity } = setup([{ id: 'a' }]);
  const one = accept(capacity, clock.now(), 'same')!;
  const two = accept(capacity, clock.now(), 'same')!;
  t.equal(two.conversationId, one.conversationId);
  t.equal(capacity.snapshot(clock.now()).queueLength, 1);
});

t.test(
  'a config reload keeps statuses and re-queues a removed agent’s chats at the head',
  async (t) => {
    const { clock, capacity } = setup([
      { id: 'a', capacity: 2 },
      { id: 'b', capacity: 1 },
    ]);
    capacity.setAgent('a', { status: 'available' }, clock.now());
    capacity.setAgent('b', { status: 'available' }, clock.now());
    const first = accept(capacity, clock.now())!;
    const onB = accept(capacity, clock.now())!;
    const third = accept(capacity, clock.now())!;
    t.same([first.agentId, onB.agentId, third.agentId], ['a', 'b', 'a'], 'least loaded first');
    const onA = [first, third];
    const queued = accept(capacity, clock.now())!;
    capacity.setAgent('b', { capacity: 1 }, clock.now());

    clock.advance(1_000);
    capacity.configure(
      configWith([
        { id: 'b', name: 'Bea', capacity: 5 },
        { id: 'c', capacity: 4 },
      ]),
      clock.now(),
    );
    t.same(
      capacity.agents().map((a) => [a.id, a.name, a.status, a.capacity]),
      [
        ['b', 'Bea', 'available', 1],
        ['c', 'c', 'away', 4],
      ],
      'b keeps its status and its API capacity; c is new and away',
    );
    t.equal(capacity.snapshot(clock.now()).queueLength, 3);
    t.same(
      [onA[0], onA[1], queued].map(
        (x) => capacity.ticket(x!.conversationId, clock.now())?.queuePosition,
      ),
      [1, 2, 3],
      "a's chats are back at the head, in their order",
    );
    capacity.setAgent('c', { status: 'available' }, clock.now());
    t.same(
      capacity.conversationsOf('c').map((c) => c.id),
      [onA[0]!.conversationId, onA[1]!.conversationId, queued.conversationId],
    );
    t.equal(capacity.conversation(onB.conversationId)?.agentId, 'b', "b's chat stays with b");
  },
);

t.test('a finished conversation reports its handle time to learn from', async (t) => {
  const { clock, capacity, handleTimes } = setup([{ id: 'a', capacity: 1 }]);
  capacity.setAgent('a', { status: 'available' }, clock.now());
  const first = accept(capacity, clock.now())!;
  const waiting = accept(capacity, clock.now())!;
  clock.advance(95_000);
  capacity.endConversation(first.conversationId, clock.now());
  clock.advance(30_000);
  capacity.endConversation(waiting.conversationId, clock.now());
  t.same(handleTimes, [95_000, 30_000], 'from assignment, not from acceptance');
  const queuedOnly = accept(capacity, clock.now())!;
  const behind = accept(capacity, clock.now())!;
  t.equal(capacity.endConversation(behind.conversationId, clock.now()), true);
  t.same(handleTimes, [95_000, 30_000], 'a visitor who left the queue was never handled');
  t.equal(capacity.endConversation(behind.conversationId, clock.now()), false, 'already ended');
  t.equal(capacity.snapshot(clock.now()).queueLength, 0);
  t.equal(capacity.ticket(queuedOnly.conversationId, clock.now())?.queuePosition, 0);
});

t.test('setAgent refuses values the API would never pass, and unknown ids', async (t) => {
  const { clock, capacity, changes } = setup([{ id: 'a' }]);
  const before = changes();
  t.equal(capacity.setAgent('nobody', { status: 'available' }, clock.now()), undefined);
  t.throws(() => capacity.setAgent('a', { capacity: 0 }, clock.now()), RangeError);
  t.throws(() => capacity.setAgent('a', { capacity: 1.5 }, clock.now()), RangeError);
  t.equal(capacity.agent('a')?.capacity, 2, 'unchanged');
  t.equal(changes(), before, 'no change was announced');
});

t.test('every change is announced, so pending offers are re-checked at once', async (t) => {
  const { clock, capacity, changes } = setup([{ id: 'a' }]);
  t.equal(changes(), 0, 'nothing announced while being built');
  capacity.setAgent('a', { status: 'available' }, clock.now());
  capacity.reserve('o', 's', clock.now() + 1_000);
  capacity.release('o');
  capacity.release('o');
  const ticket = accept(capacity, clock.now())!;
  capacity.endConversation(ticket.conversationId, clock.now());
  t.equal(changes(), 5, 'status, reserve, release, accept, end (a second release is no change)');
});
