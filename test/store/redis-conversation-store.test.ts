// Conversations shared through one real redis-server by two store instances (A and B, each with
// its own connection, as two helpgate processes have): events cross instances, reconnects
// resume on either, concurrent appends are logged and folded once, a frozen Redis fails calls
// within the timeout and loses nothing, and nothing outlives keepFor.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { ChatEvent, TypingEvent } from '../../src/conversations/chat-event.js';
import type { ConversationRecord } from '../../src/conversations/conversation-record.js';
import type { LoggedChatEvent } from '../../src/conversations/conversation-store.js';
import { HelpgateError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import {
  createRedisConversationStore,
  type RedisConversationStore,
} from '../../src/store/redis-conversation-store.js';
import { startRedisServer } from '../fixtures/redis-server.js';

const TIMEOUT_MS = 200;
const redisServer = await startRedisServer(t);
let prefixes = 0;

/** Two instances on one Redis under a fresh prefix. */
async function instances(
  t: Test,
  options: { keepFor?: number; keepEvents?: number; streamsPerRead?: number } = {},
): Promise<{ a: RedisConversationStore; b: RedisConversationStore; prefix: string }> {
  const prefix = `cross${++prefixes}:`;
  const make = async () => {
    const connection = createRedisConnection({
      url: redisServer.url,
      keyPrefix: prefix,
      timeoutMs: TIMEOUT_MS,
      logger: silentLogger(),
      backoff: { firstMs: 20, maxMs: 200 },
    });
    await connection.ready();
    const store = createRedisConversationStore({
      connection,
      keepEvents: options.keepEvents ?? 1000,
      keepMessages: 500,
      keepFor: options.keepFor ?? 86_400_000,
      maxConversations: 1000,
      timeoutMs: TIMEOUT_MS,
      ...(options.streamsPerRead === undefined ? {} : { streamsPerRead: options.streamsPerRead }),
    });
    t.teardown(async () => {
      await store.close();
      await connection.close();
    });
    return store;
  };
  return { a: await make(), b: await make(), prefix };
}

async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await sleep(5);
  }
}

let messageIds = 0;
const message = (text: string): ChatEvent => ({
  type: 'message',
  data: { id: `m${++messageIds}`, from: 'agent', text, at: new Date(0).toISOString() },
});

function record(id: string): ConversationRecord {
  return {
    id,
    sid: `sid-${id}`,
    offerId: `offer-${id}`,
    context: {
      reasons: [],
      trigger: 't',
      path: '/',
      pagesBefore: [],
      timeOnPageMs: 0,
      field: null,
      formErrors: [],
      returns: 0,
      customerId: null,
      profile: null,
    },
    acceptedAt: 0,
    promisedWaitSeconds: null,
    path: '/',
    seenAt: 0,
    transferNote: null,
    firstReplyAt: null,
    endedAt: null,
    endedBy: null,
  };
}

/** A follower that records what it is given. */
function collector() {
  const events: LoggedChatEvent[] = [];
  const typing: TypingEvent[] = [];
  return {
    events,
    typing,
    onEvent(e: LoggedChatEvent | TypingEvent) {
      if ('id' in e) events.push(e);
      else typing.push(e);
    },
  };
}

t.test('an event appended through instance B reaches a follower on instance A', async (t) => {
  const { a, b } = await instances(t);
  await a.create(record('c1'), Date.now());
  const seen = collector();
  const followed = await a.follow('c1', null, seen);
  t.same(followed?.replay, { kind: 'events', events: [] });
  const sent = await b.append('c1', message('from B'), Date.now());
  await until(() => seen.events.length === 1);
  t.same(seen.events, [sent], 'the same id and event');
  b.signal('c1', { type: 'typing', data: { from: 'agent', typing: true } });
  await until(() => seen.typing.length === 1);
  t.same((await a.state('c1'))?.state.messages[0]?.text, 'from B', 'A reads the state B folded');
  followed?.stop();
});

t.test(
  'a follower that reconnects to the other instance with its last id resumes exactly after it',
  async (t) => {
    const { a, b } = await instances(t);
    await b.create(record('c1'), Date.now());
    const first = collector();
    const onA = await a.follow('c1', null, first);
    for (const text of ['one', 'two']) await b.append('c1', message(text), Date.now());
    await until(() => first.events.length === 2);
    onA?.stop();
    // Sent while the browser was away from both.
    const missed = await a.append('c1', message('three'), Date.now());
    const again = collector();
    const onB = await b.follow('c1', first.events.at(-1)!.id, again);
    t.same(onB?.replay, { kind: 'events', events: [missed] }, 'exactly what came after');
    const four = await a.append('c1', message('four'), Date.now());
    await until(() => again.events.length === 1);
    await sleep(50);
    t.same(again.events, [four], 'then live, nothing sent twice');
    onB?.stop();
  },
);

t.test(
  'concurrent appends: 2 × 100 from two instances give 200 events, each once, in one order',
  async (t) => {
    // Lost update: two instances folding the same state at once would each drop the other's event.
    const { a, b } = await instances(t);
    await a.create(record('c1'), Date.now());
    const onA = collector();
    const onB = collector();
    const fa = await a.follow('c1', null, onA);
    const fb = await b.follow('c1', null, onB);
    const sends = [];
    for (let i = 0; i < 100; i++) {
      sends.push(a.append('c1', message(`a${i}`), Date.now()));
      sends.push(b.append('c1', message(`b${i}`), Date.now()));
    }
    const logged = (await Promise.all(sends)) as LoggedChatEvent[];
    t.equal(new Set(logged.map((e) => e.id)).size, 200, '200 distinct ids');
    await until(() => onA.events.length >= 200 && onB.events.length >= 200);
    await sleep(50);
    const order = onA.events.map((e) => e.id);
    t.equal(order.length, 200, 'A saw each once');
    t.same(
      onB.events.map((e) => e.id),
      order,
      'B saw the same, in the same order',
    );
    const replay = await b.follow('c1', null, { onEvent: () => {} });
    t.same(
      replay?.replay.kind === 'events' && replay.replay.events.map((e) => e.id),
      order,
      'the log replays in that order',
    );
    replay?.stop();
    const texts = onA.events.map((e) => (e.event.type === 'message' ? e.event.data.text : ''));
    t.same(
      (await a.state('c1'))?.state.messages.map((m) => m.text),
      texts,
      'the state folded each event once, in the log order',
    );
    for (const prefix of ['a', 'b']) {
      const mine = texts.filter((text) => text.startsWith(prefix));
      t.same(
        mine,
        Array.from({ length: 100 }, (_, i) => `${prefix}${i}`),
        `each instance's own appends stay in the order it made them (${prefix})`,
      );
    }
    fa?.stop();
    fb?.stop();
  },
);

t.test(
  'frozen Redis: calls fail within the timeout; followers resume after SIGCONT without loss',
  async (t) => {
    const { a, b } = await instances(t);
    await a.create(record('c1'), Date.now());
    const seen = collector();
    const followed = await a.follow('c1', null, seen);
    const before = await b.append('c1', message('before'), Date.now());
    await until(() => seen.events.length === 1);
    redisServer.freeze();
    let resumed = false;
    t.teardown(() => {
      if (!resumed) redisServer.resume();
    });
    for (const call of [
      () => b.append('c1', message('frozen'), Date.now()),
      () => a.record('c1'),
      () => a.follow('c1', null, { onEvent: () => {} }),
    ]) {
      const started = Date.now();
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      t.ok(
        error instanceof HelpgateError && error.code === 'HG_ERR_STORE_UNAVAILABLE',
        'a typed store error',
      );
      t.ok(
        Date.now() - started < TIMEOUT_MS + 400,
        `within the timeout (${Date.now() - started} ms)`,
      );
    }
    // Long enough for the blocking read to time out and its connection to be dropped too.
    await sleep(2_500);
    redisServer.resume();
    resumed = true;
    // B's connection comes back by itself; one append at a time until one is answered.
    let after: LoggedChatEvent | undefined;
    const deadline = Date.now() + 10_000;
    while (after === undefined && Date.now() < deadline) {
      after = await b.append('c1', message('after'), Date.now()).catch(async () => {
        await sleep(20);
        return undefined;
      });
    }
    await until(() => seen.events.length >= 2);
    await sleep(50);
    t.same(
      seen.events.map((e) => e.id),
      [before!.id, after!.id],
      'the follower has every logged event once, and none that failed',
    );
    followed?.stop();
  },
);

t.test('nothing outlives keepFor: every key of a conversation expires', async (t) => {
  // Unbounded growth: a conversation nobody ends must not stay in Redis for ever.
  const { a, prefix } = await instances(t, { keepFor: 400 });
  await a.create(record('c1'), Date.now());
  await a.append('c1', message('hello'), Date.now());
  await a.update('c1', { path: '/pay' });
  t.not(await redisServer.cli('--scan', '--pattern', `${prefix}*`), '', 'keys while it is active');
  await sleep(600);
  t.equal(await redisServer.cli('--scan', '--pattern', `${prefix}*`), '', 'no key left');
  await a.refreshSize();
  t.equal(a.size(), 0);
});

t.test(
  'a blocking read carries many conversations, and more reads open past streamsPerRead',
  async (t) => {
    const { a, b } = await instances(t, { streamsPerRead: 20 });
    const seen = collector();
    const stops: (() => void)[] = [];
    for (let i = 0; i < 50; i++) {
      await b.create(record(`c${i}`), Date.now());
      const followed = await a.follow(`c${i}`, null, seen);
      stops.push(() => followed?.stop());
    }
    const again = await a.follow('c0', null, collector());
    t.equal(a.followedStreams(), 50, 'a stream is read once, whatever its followers');
    t.equal(a.readConnections(), 3, '50 streams, 20 per read');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => b.append(`c${i}`, message(`to ${i}`), Date.now())),
    );
    await until(() => seen.events.length === 50);
    for (const stop of stops) stop();
    t.equal(a.followedStreams(), 1, 'a stream with a follower left is still read');
    again?.stop();
    t.equal(a.followedStreams(), 0, 'a stopped follower is no longer read');
  },
);

t.test(
  'a log evicted under maxmemory while its state is kept: a reconnect gets a reset, not an error',
  async (t) => {
    // volatile-lru may take one key of a conversation and leave the other.
    const { a, prefix } = await instances(t);
    await a.create(record('c1'), Date.now());
    const [first] = [await a.append('c1', message('kept in the state'), Date.now())];
    await a.append('c1', message('second'), Date.now());
    await redisServer.cli('DEL', `${prefix}c:c1:log`);
    for (const after of [first!.id, null]) {
      const followed = await a.follow('c1', after, { onEvent: () => {} });
      t.equal(followed?.replay.kind, 'reset');
      if (followed?.replay.kind === 'reset') {
        t.same(
          followed.replay.state.messages.map((m) => m.text),
          ['kept in the state', 'second'],
        );
      }
      followed?.stop();
    }
  },
);

t.test('a follower that throws stops neither the other followers nor the read', async (t) => {
  // One broken response (a socket closed mid-write) must not end every visitor's live stream.
  const { a, b } = await instances(t);
  await b.create(record('c1'), Date.now());
  const broken = await a.follow('c1', null, {
    onEvent: () => {
      throw new Error('response closed');
    },
  });
  const seen = collector();
  const fine = await a.follow('c1', null, seen);
  await b.append('c1', message('one'), Date.now());
  b.signal('c1', { type: 'typing', data: { from: 'agent', typing: true } });
  await b.append('c1', message('two'), Date.now());
  await until(() => seen.events.length === 2 && seen.typing.length === 1);
  t.pass('both events and the typing reached the other follower');
  broken?.stop();
  fine?.stop();
});

t.test(
  'a conversation followed while the read waits is read at once, not after the wait',
  async (t) => {
    // A visitor who opens the chat while others are followed must not wait out a read (1 s).
    const { a, b } = await instances(t);
    await b.create(record('c1'), Date.now());
    await b.create(record('c2'), Date.now());
    const first = await a.follow('c1', null, collector());
    await sleep(100);
    const seen = collector();
    const second = await a.follow('c2', null, seen);
    await sleep(20);
    const started = Date.now();
    await b.append('c2', message('at once'), Date.now());
    await until(() => seen.events.length === 1);
    t.ok(Date.now() - started < 500, `delivered in ${Date.now() - started} ms`);
    first?.stop();
    second?.stop();
  },
);
