import t from 'tap';
import {
  applyChatEvent,
  type ChatEvent,
  type ChatState,
  INITIAL_CHAT_STATE,
} from '../../src/conversations/chat-event.js';

let messageIds = 0;
const message = (text: string): ChatEvent => ({
  type: 'message',
  data: { id: `m${++messageIds}`, from: 'visitor', text, at: new Date(0).toISOString() },
});
const queued = (position: number): ChatEvent => ({
  type: 'queued',
  data: { position, estimatedWaitSeconds: position * 180, revised: position !== 3, late: false },
});

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
