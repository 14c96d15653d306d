import t from 'tap';
import {
  applyChatEvent,
  type ChatEvent,
  type ChatState,
  INITIAL_CHAT_STATE,
} from '../../src/conversations/chat-event.js';
import type { ConversationRecord } from '../../src/conversations/conversation-record.js';
import type {
  ConversationStore,
  LoggedChatEvent,
} from '../../src/conversations/conversation-store.js';
import { createMemoryConversationStore } from '../../src/conversations/memory-conversation-store.js';
import { TestClock } from '../fixtures/test-clock.js';

const DAY = 86_400_000;

function setup(options: Partial<Parameters<typeof createMemoryConversationStore>[0]> = {}) {
  const clock = new TestClock();
  const log = createMemoryConversationStore({
    keepEvents: 500,
    keepMessages: 500,
    keepFor: DAY,
    maxConversations: 1000,
    ...options,
  });
  return { clock, log };
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

function record(id: string): ConversationRecord {
  return {
    id,
    sid: `sid-${id}`,
    offerId: `offer-${id}`,
    context: {
      reasons: ['on /checkout for 45 s'],
      trigger: 'slow-checkout',
      path: '/checkout',
      pagesBefore: ['/', '/cart'],
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

t.test('the fold: queued → assigned → messages → ended, and nothing reopens it', async (t) => {
  let state: ChatState = INITIAL_CHAT_STATE;
  state = applyChatEvent(state, queued(2));
  t.match(state, { state: 'queued', position: 2, estimatedWaitSeconds: 360 });
  const before = state;
  state = applyChatEvent(state, { type: 'assigned', data: { agent: { name: 'Alice' } } });
  t.match(state, { state: 'assigned', position: null, agent: { name: 'Alice' } });
  t.equal(before.state, 'queued', 'the state it was given is left as it was');
  state = applyChatEvent(state, message('hello'));
  state = applyChatEvent(state, { type: 'ended', data: { by: 'agent', reason: 'done' } });
  state = applyChatEvent(state, queued(1));
  state = applyChatEvent(state, { type: 'assigned', data: { agent: { name: 'Bob' } } });
  t.match(state, { state: 'ended', ended: { by: 'agent' }, agent: { name: 'Alice' } });
  t.same(
    state.messages.map((m) => m.text),
    ['hello'],
  );
});

t.test('the fold keeps the newest messages only, up to the bound', async (t) => {
  let state = INITIAL_CHAT_STATE;
  for (let i = 0; i < 5; i++) state = applyChatEvent(state, message(`m${i}`), 3);
  t.same(
    state.messages.map((m) => m.text),
    ['m2', 'm3', 'm4'],
  );
});

t.test('a reconnect after an id replays exactly the events after it', async (t) => {
  const { clock, log } = setup();
  const logged = await appendAll(log, 'c1', [queued(3), queued(2), message('a'), message('b')], 0);
  t.equal(new Set(logged.map((e) => e.id)).size, 4, 'every event has its own id');
  const followed = await log.follow('c1', logged[1]!.id, { onEvent: () => {} });
  t.same(followed?.replay, { kind: 'events', events: logged.slice(2) });
  const fromStart = await log.follow('c1', null, { onEvent: () => {} });
  t.same(fromStart?.replay, { kind: 'events', events: logged }, 'no id: everything, in order');
  const atEnd = await log.follow('c1', logged[3]!.id, { onEvent: () => {} });
  t.same(atEnd?.replay, { kind: 'events', events: [] }, 'the last id: nothing to replay');
  t.equal(await log.follow('unknown', null, { onEvent: () => {} }), undefined);
  t.equal(clock.now() > 0, true);
});

t.test('an id older than the kept history gets a reset with the whole state', async (t) => {
  const { log } = setup({ keepEvents: 3 });
  const logged = await appendAll(
    log,
    'c1',
    [queued(2), { type: 'assigned', data: { agent: { name: 'Alice' } } }, message('a')],
    0,
  );
  await appendAll(log, 'c1', [message('b'), message('c')], 0);
  const old = await log.follow('c1', logged[0]!.id, { onEvent: () => {} });
  t.equal(old?.replay.kind, 'reset', 'the events after it were not all kept');
  if (old?.replay.kind === 'reset') {
    t.match(old.replay.state, { state: 'assigned', agent: { name: 'Alice' } });
    t.same(
      old.replay.state.messages.map((m) => m.text),
      ['a', 'b', 'c'],
      'the state still knows what the trimmed events did',
    );
    t.equal(old.replay.lastId, '5');
  }
  const fresh = await log.follow('c1', null, { onEvent: () => {} });
  t.equal(fresh?.replay.kind, 'reset', 'from the start, when the start is gone: a reset');
  const kept = await log.follow('c1', '3', { onEvent: () => {} });
  t.same(
    kept?.replay.kind === 'events' && kept.replay.events.map((e) => e.id),
    ['4', '5'],
    'the oldest kept boundary still replays',
  );
  for (const bogus of ['9', '-1', 'x', '1e3', '']) {
    const r = await log.follow('c1', bogus, { onEvent: () => {} });
    t.equal(r?.replay.kind, 'reset', `an id never given out (${JSON.stringify(bogus)}): a reset`);
  }
});

t.test('a follower gets every later event once, in order, and typing live', async (t) => {
  const { log } = setup();
  await appendAll(log, 'c1', [queued(1)], 0);
  const seen: string[] = [];
  const followed = await log.follow('c1', '1', {
    onEvent: (e) => seen.push('id' in e ? `${e.id}:${e.event.type}` : e.type),
  });
  log.signal('c1', { type: 'typing', data: { from: 'agent', typing: true } });
  await log.append('c1', message('hi', 'agent'), 0);
  followed?.stop();
  await log.append('c1', message('after stop'), 0);
  t.same(seen, ['typing', '2:message']);
  t.same((await log.state('c1'))?.lastId, '3', 'typing is never logged');
});

t.test(
  'a log is gone keepFor after its last event, and at most maxConversations are kept',
  async (t) => {
    const { clock, log } = setup({ keepFor: 60_000, maxConversations: 2 });
    await appendAll(log, 'a', [queued(1)], clock.now());
    clock.advance(30_000);
    await appendAll(log, 'b', [queued(1)], clock.now());
    clock.advance(31_000);
    await appendAll(log, 'b', [message('still here')], clock.now());
    t.equal(await log.state('a'), undefined, 'a: 61 s since its last event');
    t.ok(await log.state('b'));
    await appendAll(log, 'c', [queued(1)], clock.now());
    await appendAll(log, 'd', [queued(1)], clock.now());
    t.equal(log.size(), 2, 'bounded');
    t.equal(await log.state('b'), undefined, 'the least recently active went first');
    t.ok(await log.state('d'));
  },
);

t.test(
  'a record is a copy: changing what the store gave back changes nothing stored',
  async (t) => {
    const { log } = setup();
    await log.create(record('c1'), 0);
    const got = await log.record('c1');
    got!.context.reasons.push('forged');
    t.same((await log.record('c1'))?.context.reasons, ['on /checkout for 45 s']);
    const updated = await log.update('c1', { path: '/checkout/pay', firstReplyAt: 5 });
    t.match(updated, { path: '/checkout/pay', firstReplyAt: 5, offerId: 'offer-c1' });
    t.equal(await log.update('unknown', { path: '/' }), undefined);
    t.equal(await log.append('unknown', queued(1), 0), undefined, 'no log without a record');
  },
);
