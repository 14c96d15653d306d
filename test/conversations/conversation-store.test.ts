// The conversation store's contract (src/conversations/conversation-store.ts), one test body run
// against each store: the memory store with a test clock, and the Redis store against a real
// redis-server, where expiry is Redis's own and time really passes (a short keepFor keeps it
// fast). Ids are opaque: the body compares the ids the store gave out, never their form.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { ChatEvent, TypingEvent } from '../../src/conversations/chat-event.js';
import type { ConversationRecord } from '../../src/conversations/conversation-record.js';
import type {
  ConversationStore,
  LoggedChatEvent,
} from '../../src/conversations/conversation-store.js';
import {
  createMemoryConversationStore,
  type MemoryConversationStoreOptions,
} from '../../src/conversations/memory-conversation-store.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import { createRedisConversationStore } from '../../src/store/redis-conversation-store.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { TestClock } from '../fixtures/test-clock.js';

const DAY = 86_400_000;

interface Subject {
  log: ConversationStore;
  /** "Now" as the store's callers give it. */
  now(): number;
  /** Lets `ms` pass for the store. */
  elapse(ms: number): Promise<void>;
  /** Waits until `done()` holds (the Redis store delivers through its read, a moment later). */
  until(done: () => boolean): Promise<void>;
  /** Brings `size()` up to date. */
  settle(): Promise<void>;
  /** A keepFor short enough to wait out here. */
  shortKeepFor: number;
  /** An id of the store's form that it never gave out (beyond the last). */
  neverGiven: string;
}

type Options = Partial<MemoryConversationStoreOptions>;

const redisServer = await startRedisServer(t);
let prefixes = 0;

const defaults: MemoryConversationStoreOptions = {
  keepEvents: 500,
  keepMessages: 500,
  keepFor: DAY,
  maxConversations: 1000,
};

const subjects: Record<string, (t: Test, options: Options) => Promise<Subject>> = {
  async memory(_t, options) {
    const clock = new TestClock();
    const log = createMemoryConversationStore({ ...defaults, ...options });
    return {
      log,
      now: () => clock.now(),
      elapse: async (ms) => clock.advance(ms),
      until: async (done) => {
        if (!done()) throw new Error('the memory store delivers at once');
      },
      settle: async () => {},
      shortKeepFor: 60_000,
      neverGiven: '9999',
    };
  },
  async redis(t, options) {
    const connection = createRedisConnection({
      url: redisServer.url,
      keyPrefix: `contract${++prefixes}:`,
      timeoutMs: 500,
      logger: silentLogger(),
    });
    await connection.ready();
    const log = createRedisConversationStore({
      ...defaults,
      ...options,
      connection,
      timeoutMs: 500,
    });
    t.teardown(async () => {
      await log.close();
      await connection.close();
    });
    return {
      log,
      now: () => Date.now(),
      elapse: (ms) => sleep(ms),
      until: async (done) => {
        const deadline = Date.now() + 5_000;
        while (!done()) {
          if (Date.now() > deadline) throw new Error('not delivered within 5 s');
          await sleep(5);
        }
      },
      settle: async () => void (await log.refreshSize()),
      shortKeepFor: 1_000,
      neverGiven: '9999999999999-0',
    };
  },
};

function contract(
  name: string,
  body: (t: Test, make: (options?: Options) => Promise<Subject>) => Promise<void>,
): void {
  for (const [kind, make] of Object.entries(subjects)) {
    t.test(`${name} (${kind} store)`, async (t) => body(t, (options = {}) => make(t, options)));
  }
}

let messageIds = 0;
const message = (text: string, from: 'visitor' | 'agent' = 'visitor'): ChatEvent => ({
  type: 'message',
  data: { id: `m${++messageIds}`, from, text, at: new Date(0).toISOString() },
});
const queued = (position: number): ChatEvent => ({
  type: 'queued',
  data: { position, estimatedWaitSeconds: position * 180, revised: position !== 3, late: false },
});
const assigned = (name: string): ChatEvent => ({ type: 'assigned', data: { agent: { name } } });
const typing: TypingEvent = { type: 'typing', data: { from: 'agent', typing: true } };

function record(id: string): ConversationRecord {
  return {
    id,
    sid: `sid-${id}`,
    offerId: `offer-${id}`,
    context: {
      reasons: ['on /checkout for 45 s'],
      trigger: 'slow-checkout',
      path: '/checkout',
      pagesBefore: [],
      timeOnPageMs: 45_000,
      field: null,
      formErrors: [],
      returns: 0,
      customerId: null,
      profile: null,
    },
    acceptedAt: 0,
    promisedWaitSeconds: 180,
    path: '/checkout',
    seenAt: 0,
    transferNote: null,
    firstReplyAt: null,
    endedAt: null,
    endedBy: null,
  };
}

/** Creates the conversation when it is new, then appends the events. */
async function appendAll(log: ConversationStore, id: string, events: ChatEvent[], now: number) {
  if ((await log.record(id)) === undefined) await log.create(record(id), now);
  const logged: LoggedChatEvent[] = [];
  for (const event of events) logged.push((await log.append(id, event, now))!);
  return logged;
}

const ignore = { onEvent: () => {} };

contract('a reconnect after an id replays exactly the events after it', async (t, make) => {
  const { log, now } = await make();
  const logged = await appendAll(
    log,
    'c1',
    [queued(3), queued(2), message('a'), message('b')],
    now(),
  );
  t.equal(new Set(logged.map((e) => e.id)).size, 4, 'every event has its own id');
  const followed = await log.follow('c1', logged[1]!.id, ignore);
  t.same(followed?.replay, { kind: 'events', events: logged.slice(2) });
  const fromStart = await log.follow('c1', null, ignore);
  t.same(fromStart?.replay, { kind: 'events', events: logged }, 'no id: everything, in order');
  const atEnd = await log.follow('c1', logged[3]!.id, ignore);
  t.same(atEnd?.replay, { kind: 'events', events: [] }, 'the last id: nothing to replay');
  t.equal(await log.follow('unknown', null, ignore), undefined);
  for (const f of [followed, fromStart, atEnd]) f?.stop();
  await log.create(record('empty'), now());
  const empty = await log.follow('empty', null, ignore);
  t.same(empty?.replay, { kind: 'events', events: [] }, 'a new conversation: nothing yet');
  empty?.stop();
});

contract('an id older than the kept history gets a reset with the whole state', async (t, make) => {
  // 250 events for 3 kept: a Redis stream trims whole nodes (`MAXLEN ~`), so it keeps at
  // least the last 3 and drops the oldest well before 250.
  const { log, now, neverGiven } = await make({ keepEvents: 3 });
  const texts = Array.from({ length: 248 }, (_, i) => `m${i}`);
  const logged = await appendAll(
    log,
    'c1',
    [queued(2), assigned('Alice'), ...texts.map((text) => message(text))],
    now(),
  );
  const old = await log.follow('c1', logged[0]!.id, ignore);
  t.equal(old?.replay.kind, 'reset', 'the events after it were not all kept');
  if (old?.replay.kind === 'reset') {
    t.match(old.replay.state, { state: 'assigned', agent: { name: 'Alice' } });
    t.same(
      old.replay.state.messages.map((m) => m.text),
      texts,
      'the state still knows what the trimmed events did',
    );
    t.equal(old.replay.lastId, logged.at(-1)!.id);
  }
  const fresh = await log.follow('c1', null, ignore);
  t.equal(fresh?.replay.kind, 'reset', 'from the start, when the start is gone: a reset');
  const kept = await log.follow('c1', logged.at(-4)!.id, ignore);
  t.same(
    kept?.replay.kind === 'events' && kept.replay.events.map((e) => e.id),
    logged.slice(-3).map((e) => e.id),
    'the last keepEvents are always kept and replay',
  );
  for (const f of [old, fresh, kept]) f?.stop();
  for (const bogus of [neverGiven, '9', '-1', 'x', '1e3', '', '1-1-1', '01-0']) {
    const r = await log.follow('c1', bogus, ignore);
    t.equal(r?.replay.kind, 'reset', `an id never given out (${JSON.stringify(bogus)}): a reset`);
    r?.stop();
  }
});

contract('a follower gets every later event once, in order, and typing live', async (t, make) => {
  const { log, now, until, elapse } = await make();
  const [first] = await appendAll(log, 'c1', [queued(1)], now());
  const seen: string[] = [];
  const followed = await log.follow('c1', first!.id, {
    onEvent: (e) => seen.push('id' in e ? `${e.id}:${e.event.type}` : e.type),
  });
  t.same(followed?.replay, { kind: 'events', events: [] });
  log.signal('c1', typing);
  await until(() => seen.length === 1);
  const hi = await log.append('c1', message('hi', 'agent'), now());
  const two = await log.append('c1', message('two', 'agent'), now());
  await until(() => seen.length === 3);
  followed?.stop();
  const after = await log.append('c1', message('after stop'), now());
  log.signal('c1', typing);
  await elapse(100);
  t.same(seen, ['typing', `${hi!.id}:message`, `${two!.id}:message`]);
  t.same((await log.state('c1'))?.lastId, after!.id, 'typing is never logged');
});

contract(
  'a log is gone keepFor after its last event, and at most maxConversations are kept',
  async (t, make) => {
    const probe = await make();
    const keepFor = probe.shortKeepFor;
    const { log, now, elapse, settle } = await make({ keepFor, maxConversations: 2 });
    await appendAll(log, 'a', [queued(1)], now());
    await elapse(keepFor * 0.4);
    await appendAll(log, 'b', [queued(1)], now());
    await elapse(keepFor * 0.65);
    await appendAll(log, 'b', [message('still here')], now());
    t.equal(await log.state('a'), undefined, 'a: past keepFor since its last event');
    t.equal(await log.record('a'), undefined);
    t.ok(await log.state('b'));
    await appendAll(log, 'c', [queued(1)], now());
    await appendAll(log, 'd', [queued(1)], now());
    await settle();
    t.equal(log.size(), 2, 'bounded');
    t.equal(await log.state('b'), undefined, 'the least recently active went first');
    t.ok(await log.state('d'));
  },
);

contract(
  'a record is a copy: changing what the store gave back changes nothing stored',
  async (t, make) => {
    const { log, now } = await make();
    await log.create(record('c1'), now());
    const got = await log.record('c1');
    t.same(got, record('c1'), 'the record comes back as written');
    got!.context.reasons.push('forged');
    t.same((await log.record('c1'))?.context.reasons, ['on /checkout for 45 s']);
    const updated = await log.update('c1', { path: '/checkout/pay', firstReplyAt: 5 });
    t.match(updated, { path: '/checkout/pay', firstReplyAt: 5, offerId: 'offer-c1' });
    t.same(await log.record('c1'), updated, 'the update is kept');
    t.equal(await log.update('unknown', { path: '/' }), undefined);
    t.equal(await log.record('unknown'), undefined);
    t.equal(await log.append('unknown', queued(1), now()), undefined, 'no log without a record');
    t.equal(await log.state('unknown'), undefined);
  },
);
