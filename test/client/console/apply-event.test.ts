// The console's fold of the agents' stream: arrivals, unread counts, alerts until the first
// reply, typing that never outlives its chat, and a snapshot after a reconnect as the truth.
import t from 'tap';
import {
  alerting,
  applyEvent,
  type ConsoleEvent,
  type ConsoleState,
  type ConversationInfo,
  INITIAL_STATE,
  markRead,
  unreadCount,
} from '../../../src/client/console/apply-event.js';
import type { AgentConversationView } from '../../../src/conversations/agent-view.js';

const info = (id: string, over: Partial<ConversationInfo> = {}): ConversationInfo => ({
  id,
  state: 'assigned',
  agentId: 'alice',
  agent: { id: 'alice', name: 'Alice' },
  reasons: ['on /checkout for 47 s'],
  trigger: 'slow-checkout',
  path: '/checkout',
  acceptedOn: '/checkout',
  pagesBefore: [],
  timeOnPageSeconds: 47,
  field: null,
  formErrors: [],
  returns: 0,
  customerId: null,
  profile: null,
  queuedAt: '2026-01-01T00:00:00.000Z',
  assignedAt: '2026-01-01T00:00:00.000Z',
  waitedSeconds: 0,
  promisedWaitSeconds: 0,
  queuePosition: 0,
  estimatedWaitSeconds: null,
  transferNote: null,
  unanswered: true,
  endedAt: null,
  ...over,
});

const msg = (id: string, from: 'visitor' | 'agent', text = id) => ({
  id,
  from,
  text,
  at: '2026-01-01T00:00:01.000Z',
});

const fold = (
  events: ConsoleEvent[],
  state: ConsoleState = INITIAL_STATE,
  open: string | null = null,
) => events.reduce((s, e) => applyEvent(s, e, open), state);

t.test('an arrival counts as unread and alerts until my first reply', async (t) => {
  let s = fold([{ event: 'assigned', data: { conversation: info('c1', { messages: [] }) } }]);
  t.equal(unreadCount(s), 1, 'the tab title counts the new conversation');
  t.equal(alerting(s).length, 1);
  s = fold(
    [{ event: 'message', data: { conversationId: 'c1', message: msg('m1', 'visitor') } }],
    s,
  );
  t.equal(unreadCount(s), 2, 'a visitor message in a conversation not on screen');
  s = fold([{ event: 'message', data: { conversationId: 'c1', message: msg('m2', 'agent') } }], s);
  t.equal(alerting(s).length, 0, 'my reply ends the alert');
  t.equal(unreadCount(s), 0, 'and reads what came before');
});

t.test('a message arriving twice (subscription before snapshot) is shown once', async (t) => {
  const m = { event: 'message', data: { conversationId: 'c1', message: msg('m1', 'visitor') } };
  const s = fold([{ event: 'assigned', data: { conversation: info('c1') } }, m, m]);
  t.equal(s.conversations[0]!.messages.length, 1);
});

t.test('messages of the open conversation are read as they come', async (t) => {
  let s = fold([{ event: 'assigned', data: { conversation: info('c1') } }]);
  s = markRead(s, 'c1');
  s = fold(
    [{ event: 'message', data: { conversationId: 'c1', message: msg('m1', 'visitor') } }],
    s,
    'c1',
  );
  t.equal(s.conversations[0]!.unread, 0);
});

t.test('typing never carries over: a message, the end or a new chat clear it', async (t) => {
  let s = fold([
    { event: 'assigned', data: { conversation: info('c1') } },
    { event: 'typing', data: { conversationId: 'c1', from: 'visitor', typing: true } },
  ]);
  t.ok(s.conversations[0]!.visitorTyping);
  s = fold(
    [{ event: 'message', data: { conversationId: 'c1', message: msg('m1', 'visitor') } }],
    s,
  );
  t.notOk(s.conversations[0]!.visitorTyping, 'their message ends it');
  s = fold(
    [
      { event: 'typing', data: { conversationId: 'c1', from: 'visitor', typing: true } },
      {
        event: 'ended',
        data: { conversationId: 'c1', by: 'visitor', reason: 'the visitor ended the chat' },
      },
      { event: 'typing', data: { conversationId: 'c1', from: 'visitor', typing: true } },
    ],
    s,
  );
  t.notOk(s.conversations[0]!.visitorTyping, 'nor after the end');
  t.match(s.conversations[0]!.ended, { by: 'visitor' });
  s = fold([{ event: 'assigned', data: { conversation: info('c1') } }], s);
  t.notOk(s.conversations[0]!.visitorTyping, 'a conversation assigned again starts clean');
});

t.test("the visitor's page follows live; a transfer takes the chat off my list", async (t) => {
  let s = fold([
    { event: 'assigned', data: { conversation: info('c1') } },
    { event: 'page', data: { conversationId: 'c1', path: '/cart' } },
  ]);
  t.equal(s.conversations[0]!.info.path, '/cart');
  s = fold([{ event: 'transferred', data: { conversationId: 'c1', to: 'bob' } }], s);
  t.same(s.conversations, []);
});

t.test(
  'a snapshot after a reconnect replaces the screen: a colleague reply is not missed',
  async (t) => {
    // While the stream was down the visitor wrote and was answered (by a supervisor, say).
    let s = fold([
      {
        event: 'assigned',
        data: { conversation: info('c1', { messages: [msg('m1', 'visitor')] }) },
      },
    ]);
    s = markRead(s, 'c1');
    s = fold(
      [
        {
          event: 'snapshot',
          data: {
            queue: [info('q1', { state: 'queued', agentId: null })],
            conversations: [
              info('c1', {
                unanswered: false,
                messages: [msg('m1', 'visitor'), msg('m2', 'visitor'), msg('m3', 'agent', 'Done')],
              }),
            ],
          },
        },
      ],
      s,
    );
    t.same(
      s.conversations[0]!.messages.map((m) => m.id),
      ['m1', 'm2', 'm3'],
    );
    t.equal(s.conversations[0]!.unread, 1, 'the missed visitor message is unread');
    t.equal(s.queue.length, 1);
    s = fold([{ event: 'snapshot', data: { queue: [], conversations: [] } }], s);
    t.same(s.conversations, [], 'a conversation gone elsewhere is gone from the screen');
  },
);

// The console's mirror of the server's view, checked by the compiler both ways: a field added
// to one and not the other fails the typecheck.
export const serverViewFitsTheConsole = (view: AgentConversationView): ConversationInfo => view;
export const consoleViewFitsTheServer = (
  info: ConversationInfo & Pick<AgentConversationView, 'formErrorDetails' | 'earlier'>,
): AgentConversationView => info;
