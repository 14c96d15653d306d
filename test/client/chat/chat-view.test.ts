// The chat panel's state: the server's fold of stream events, plus what only the browser
// needs (the last event id, typing, messages arriving twice from a replay or another tab).
import t from 'tap';
import {
  adoptView,
  applyStreamEvent,
  type ChatView,
  INITIAL_VIEW,
  type StreamEvent,
} from '../../../src/client/chat/chat-view.js';

const message = (id: string, text: string, from = 'agent') => ({
  type: 'message',
  id,
  data: { id: `m${id}`, from, name: from === 'agent' ? 'Alice' : undefined, text, at: '' },
});

const fold = (events: StreamEvent[], view: ChatView = INITIAL_VIEW) =>
  events.reduce(applyStreamEvent, view);

t.test('queued, revised, assigned: the place in line, then the agent', async (t) => {
  const queued = fold([
    { type: 'queued', id: '1', data: { position: 3, estimatedWaitSeconds: 180, revised: false } },
    { type: 'queued', id: '2', data: { position: 2, estimatedWaitSeconds: 120, revised: true } },
  ]);
  t.match(queued, {
    chat: { state: 'queued', position: 2, estimatedWaitSeconds: 120, late: false },
    lastId: '2',
  });
  const late = applyStreamEvent(queued, {
    type: 'queued',
    id: '3',
    data: { position: 2, estimatedWaitSeconds: 60, revised: true, late: true },
  });
  t.equal(late.chat.late, true, 'waited past the promise');
  const assigned = applyStreamEvent(late, {
    type: 'assigned',
    id: '4',
    data: { agent: { name: 'Alice' } },
  });
  t.match(assigned.chat, { state: 'assigned', position: null, agent: { name: 'Alice' } });
  t.equal(queued.chat.position, 2, 'the view before is not changed');
});

t.test(
  'duplicated delivery: a message seen already (replay overlap, another tab) shows once',
  async (t) => {
    // A leader tab changing hands replays from its last id while the old one's broadcast of the
    // same event is still queued: the visitor must not read the agent's answer twice.
    const once = fold([message('5', 'hello'), message('6', 'second')]);
    const twice = fold([message('5', 'hello'), message('6', 'second'), message('5', 'hello')]);
    t.same(
      twice.chat.messages.map((m) => m.text),
      ['hello', 'second'],
    );
    t.equal(applyStreamEvent(once, message('6', 'second')), once, 'nothing changed: same view');
  },
);

t.test('typing: only the agent, only while assigned, ended by their message', async (t) => {
  const assigned = fold([{ type: 'assigned', id: '1', data: { agent: { name: 'Alice' } } }]);
  const typing = applyStreamEvent(assigned, {
    type: 'typing',
    data: { from: 'agent', typing: true },
  });
  t.equal(typing.agentTyping, true);
  t.equal(typing.lastId, '1', 'typing has no id and moves nothing');
  t.equal(
    applyStreamEvent(typing, { type: 'typing', data: { from: 'visitor', typing: false } }),
    typing,
    "the visitor's own typing is not shown to them",
  );
  t.equal(applyStreamEvent(typing, message('2', 'here')).agentTyping, false);
  t.equal(
    applyStreamEvent(INITIAL_VIEW, { type: 'typing', data: { from: 'agent', typing: true } })
      .agentTyping,
    false,
    'not while queued',
  );
});

t.test('reset replaces the whole state with what the server holds', async (t) => {
  const before = fold([message('1', 'old'), message('2', 'older')]);
  const reset = applyStreamEvent(before, {
    type: 'reset',
    id: '40',
    data: {
      state: 'queued',
      messages: [
        { id: 'a', from: 'visitor', text: 'hi', at: '' },
        { id: 'a', from: 'visitor', text: 'hi', at: '' },
      ],
      queued: { position: 4, estimatedWaitSeconds: null, late: false },
      agent: null,
      ended: null,
    },
  });
  t.match(reset, {
    lastId: '40',
    chat: { state: 'queued', position: 4, estimatedWaitSeconds: null },
  });
  t.same(
    reset.chat.messages.map((m) => m.id),
    ['a'],
  );
});

t.test('ended: nothing reopens it; malformed events change nothing', async (t) => {
  const ended = fold([
    { type: 'assigned', id: '1', data: { agent: { name: 'Alice' } } },
    { type: 'ended', id: '2', data: { by: 'agent', reason: 'the agent ended the chat' } },
    { type: 'queued', id: '3', data: { position: 1, estimatedWaitSeconds: 1 } },
  ]);
  t.match(ended.chat, { state: 'ended', ended: { by: 'agent' } });
  for (const bad of [
    { type: 'message', id: '9', data: { text: 'no id' } },
    { type: 'message', id: '9', data: 'text' },
    { type: 'assigned', id: '9', data: null },
    { type: 'reset', id: '9', data: [] },
  ]) {
    t.same(applyStreamEvent(ended, bad).chat, ended.chat, JSON.stringify(bad));
  }
});

t.test("another tab's view is taken unless it knows less than this one", async (t) => {
  const mine = fold([message('1', 'kept here')]);
  const leader = fold([message('1', 'kept here'), message('2', 'new')]);
  t.same(adoptView(mine, JSON.parse(JSON.stringify(leader))), leader);
  t.equal(adoptView(mine, INITIAL_VIEW), mine, 'a tab that has heard nothing yet wipes nothing');
  t.equal(adoptView(mine, { chat: 'nonsense' }), mine);
});
