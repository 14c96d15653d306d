// Two helpgate servers, built as `helpgate start` builds them, on one real redis-server: the
// agents, the help queue and the conversations are one, whichever instance a request reaches.
import type { Test } from 'tap';
import t from 'tap';
import { startServer as startHelpgateServer } from '../../src/cli/server.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { ADMIN_TOKEN, PAGE, Visitor } from '../claims/_visitor.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { startServer, testConfig } from '../fixtures/servers.js';
import { openSse } from '../fixtures/sse-client.js';
import { TestClock } from '../fixtures/test-clock.js';

const ALICE = 'alice-token-0123456789abcdef';

async function twoInstances(t: Test, more: Partial<ConfigInput> = {}) {
  const redis = await startRedisServer(t, { appendonly: true });
  const upstream = await startServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  const clock = new TestClock();
  const config = testConfig({
    upstream: upstream.url,
    listen: { host: '127.0.0.1', port: 0 },
    store: { kind: 'redis', url: redis.url, keyPrefix: 'hg:', timeout: '2s' },
    heartbeat: { interval: '5s' },
    // Every visitor of the test comes from 127.0.0.1.
    rateLimit: { perAddress: '100000/s' },
    gate: { mode: 'always' },
    admin: { token: ADMIN_TOKEN },
    triggers: [{ name: 'lingering', when: { timeOnPage: '10s' } }],
    agents: { list: [{ id: 'alice', token: ALICE, capacity: 3 }] },
    ...more,
  });
  const instances = [];
  for (let i = 0; i < 2; i++) {
    const running = await startHelpgateServer(config, { logger: silentLogger(), clock });
    t.teardown(() => running.close());
    instances.push(running);
  }
  const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
  const capacityOf = (instance: typeof a) => instance.current().capacity;
  // Both copies have applied the start-up commands (each instance's agents) before a test acts.
  await Promise.all(instances.map((i) => (capacityOf(i) as { ready?(): Promise<void> }).ready?.()));
  const another = async () => {
    const running = await startHelpgateServer(config, { logger: silentLogger(), clock });
    t.teardown(() => running.close());
    await (capacityOf(running) as { ready?(): Promise<void> }).ready?.();
    return running;
  };
  return { a, b, clock, capacityOf, redis, another };
}

/** Waits until `check` holds (each instance applies the shared log as it reads it). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

function agentCall(base: string, method: string, path: string, body?: unknown, token = ALICE) {
  return fetch(`${base}/__helpgate/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-requested-with': 'helpgate',
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

t.test(
  '200 visitors accept at once over two instances for 3 free slots: 3 conversations, places 1–197 first come first served',
  async (t) => {
    const { a, b, clock, capacityOf } = await twoInstances(t);
    const set = await agentCall(a.url, 'PUT', 'api/agents/alice', { status: 'available' });
    t.equal(set.status, 200, 'alice is available, through instance A');
    await until(() => capacityOf(b).snapshot(clock.now()).freeSlots === 3, 'B sees 3 free slots');

    const visitors = Array.from({ length: 200 }, (_, i) => new Visitor(i % 2 ? b.url : a.url));
    await Promise.all(visitors.map((v) => v.open('/guide')));
    await Promise.all(visitors.map((v) => v.beat()));
    clock.advance(10_000);
    const offers = await Promise.all(visitors.map((v) => v.beat()));
    t.equal(offers.filter((o) => o.offer).length, 200, 'each visitor has an offer');

    // All at once, half through each instance (each visitor's own cookie, either instance).
    const replies = await Promise.all(
      visitors.map(async (v, i) => {
        const res = await v.answer(offers[i]!.offer!.id, 'accept');
        return (await res.json()) as { conversationId: string; queuePosition: number };
      }),
    );
    const assigned = replies.filter((r) => r.queuePosition === 0);
    t.equal(assigned.length, 3, 'exactly 3 conversations with an agent');
    const places = replies.map((r) => r.queuePosition).filter((p) => p > 0);
    t.same(
      [...places].sort((x, y) => x - y),
      Array.from({ length: 197 }, (_, i) => i + 1),
      'the other 197 hold places 1 to 197, each once',
    );
    const byPlace = replies
      .filter((r) => r.queuePosition > 0)
      .sort((x, y) => x.queuePosition - y.queuePosition);
    for (const instance of [a, b]) {
      await until(() => capacityOf(instance).queued().length === 197, 'both copies have the queue');
      t.same(
        capacityOf(instance)
          .queued()
          .map((c) => c.id),
        byPlace.map((r) => r.conversationId),
        'the queue each instance sees is the order the visitors were told',
      );
      t.equal(capacityOf(instance).conversationsOf('alice').length, 3);
    }

    // First come, first served: a slot freed on B goes to place 1, and everyone moves up.
    const ended = await agentCall(
      b.url,
      'DELETE',
      `api/conversations/${assigned[0]!.conversationId}`,
    );
    t.equal(ended.status, 204, 'alice ends a chat through instance B');
    await until(
      () => capacityOf(a).conversation(byPlace[0]!.conversationId)?.agentId === 'alice',
      'place 1 is assigned',
    );
    t.equal(capacityOf(a).ticket(byPlace[1]!.conversationId, clock.now())?.queuePosition, 1);
    const again = await agentCall(
      a.url,
      'DELETE',
      `api/conversations/${assigned[0]!.conversationId}`,
      undefined,
      ADMIN_TOKEN,
    );
    t.equal(again.status, 409, 'ending it again, through the other instance, is refused');
    t.equal(capacityOf(b).conversationsOf('alice').length, 3, 'and frees no second slot');
  },
);

t.test(
  'an agent connected to instance A is assigned a visitor whose requests go to instance B, and they chat',
  async (t) => {
    const { a, b, clock } = await twoInstances(t);
    t.equal(
      (await agentCall(a.url, 'PUT', 'api/agents/alice', { status: 'available' })).status,
      200,
    );
    const agent = await openSse(t, `${a.url}/__helpgate/api/events`, {
      authorization: `Bearer ${ALICE}`,
    });
    await agent.until('snapshot');

    const visitor = new Visitor(b.url);
    await visitor.open('/checkout');
    await visitor.beat();
    clock.advance(10_000);
    const offer = (await visitor.beat()).offer!;
    const accepted = (await (await visitor.answer(offer.id, 'accept')).json()) as {
      conversationId: string;
      queuePosition: number;
    };
    t.equal(accepted.queuePosition, 0, 'alice, on A, has a free slot for the visitor on B');
    const id = accepted.conversationId;
    t.match((await agent.until('assigned', 5_000)).data, {
      conversation: { id, acceptedOn: '/checkout' },
    });

    const chat = await openSse(t, `${b.url}/__helpgate/chat/${id}/events`, {
      cookie: visitor.cookie,
    });
    t.match((await chat.until('assigned', 5_000)).data, { agent: { name: 'alice' } });

    const sent = await agentCall(a.url, 'POST', `api/conversations/${id}/messages`, {
      text: 'Hello, can I help?',
    });
    t.equal(sent.status, 201, 'alice writes through A');
    t.match((await chat.until('message', 5_000)).data, {
      from: 'agent',
      text: 'Hello, can I help?',
    });

    const asked = await fetch(`${b.url}/__helpgate/chat/${id}/messages`, {
      method: 'POST',
      headers: { cookie: visitor.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Where is my order?' }),
    });
    t.equal(asked.status, 201, 'the visitor answers through B');
    const echo = await agent.until('message', 5_000);
    t.match(echo.data, { message: { from: 'agent' } }, 'alice sees her own message first');
    t.match((await agent.until('message', 5_000)).data, {
      conversationId: id,
      message: { from: 'visitor', text: 'Where is my order?' },
    });

    t.match((await chat.until('message', 5_000)).data, { from: 'visitor' }, 'its own, echoed');
    // A reconnect to the other instance resumes after the last event seen.
    const resumed = await openSse(t, `${a.url}/__helpgate/chat/${id}/events`, {
      cookie: visitor.cookie,
      'last-event-id': chat.lastId()!,
    });
    const typing = await fetch(`${a.url}/__helpgate/api/conversations/${id}/typing`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ typing: true }),
    });
    t.equal(typing.status, 204);
    t.same((await resumed.next(5_000)).data, { from: 'agent', typing: true });
  },
);

t.test(
  'Redis frozen, then restarted with append-only persistence: the agents and the queue are still there, for a new instance too',
  async (t) => {
    const { a, b, clock, capacityOf, redis, another } = await twoInstances(t);
    const set = await agentCall(
      a.url,
      'PUT',
      'api/agents/alice',
      { status: 'available', capacity: 1 },
      ADMIN_TOKEN,
    );
    t.equal(set.status, 200, 'the admin makes alice available with one slot');
    const visitors = [new Visitor(a.url), new Visitor(b.url)];
    for (const v of visitors) {
      await v.open('/guide');
      await v.beat();
    }
    clock.advance(10_000);
    const ids: string[] = [];
    for (const v of visitors) {
      const offer = (await v.beat()).offer!;
      ids.push(
        ((await (await v.answer(offer.id, 'accept')).json()) as { conversationId: string })
          .conversationId,
      );
    }
    await until(() => capacityOf(b).queued().length === 1, 'one with alice, one queued');

    redis.freeze();
    const page = await fetch(`${b.url}/guide`);
    t.equal(page.status, 200, 'pages load while Redis is frozen');
    // The same status again: a change whose answer is lost may still apply once Redis runs.
    const refused = await agentCall(a.url, 'PUT', 'api/agents/alice', { status: 'available' });
    t.equal(refused.status, 503, 'a change to capacity answers 503 meanwhile');
    redis.resume();

    await redis.restart();
    const health = async () => (await fetch(`${a.url}/__helpgate/healthz`)).status;
    for (let i = 0; i < 200 && (await health()) !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    t.equal(await health(), 200, 'healthz is back after the restart');
    const c = await another();
    for (const instance of [a, b, c]) {
      t.equal(capacityOf(instance).agent('alice')?.status, 'available');
      t.same(
        capacityOf(instance)
          .conversationsOf('alice')
          .map((x) => x.id),
        [ids[0]],
        'alice still holds the first visitor',
      );
      t.same(
        capacityOf(instance)
          .queued()
          .map((x) => x.id),
        [ids[1]],
        'the second still waits',
      );
    }
    // And the log goes on where it was: a change through the new instance reaches the others.
    const ended = await agentCall(c.url, 'DELETE', `api/conversations/${ids[0]}`);
    t.equal(ended.status, 204);
    await until(
      () => capacityOf(a).conversation(ids[1]!)?.agentId === 'alice',
      'the queued visitor is assigned, seen on A',
    );
  },
);

t.test(
  'what one instance learns, every instance learns, and a restarted one resumes without counting twice',
  async (t) => {
    const { a, b, another } = await twoInstances(t);
    const learning = (instance: typeof a) => instance.current().learning;
    for (let i = 0; i < 6; i++) learning(i % 2 ? b : a).recordResponse(1_000 * (i + 1));
    for (let i = 0; i < 12; i++) learning(a).recordHandleTime(60_000);
    await until(
      () =>
        [a, b].every(
          (x) =>
            learning(x).figures().samples === 6 && learning(x).figures().handleTimeSamples === 12,
        ),
      'both instances hold all 18 samples',
    );
    t.same(learning(b).figures(), learning(a).figures(), 'and the same figures');
    t.equal(learning(b).averageHandleTime(), 60_000, 'learned from the chats A ended');
    // Saved (debounced) with the id of the last sample: a new instance starts there.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const c = await another();
    await until(() => learning(c).figures().samples === 6, 'the third has the 6 responses');
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.equal(learning(c).figures().samples, 6, 'counted once');
    t.equal(learning(c).figures().handleTimeSamples, 12);
  },
);
