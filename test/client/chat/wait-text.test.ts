// The status line the visitor reads (and a screen reader announces) while waiting and after.
import t from 'tap';
import { statusText, waitWords } from '../../../src/client/chat/wait-text.js';
import { INITIAL_CHAT_STATE } from '../../../src/conversations/chat-event.js';

const queued = (position: number | null, estimatedWaitSeconds: number | null, late = false) => ({
  ...INITIAL_CHAT_STATE,
  position,
  estimatedWaitSeconds,
  late,
});

t.test('the wait in words', async (t) => {
  t.equal(waitWords(null), '');
  t.equal(waitWords(0), 'less than a minute');
  t.equal(waitWords(59), 'less than a minute');
  t.equal(waitWords(60), 'about 1 minute');
  t.equal(waitWords(89), 'about 1 minute');
  t.equal(waitWords(180), 'about 3 minutes');
});

t.test('the place in line and the wait, revised and late', async (t) => {
  t.equal(statusText(queued(null, null)), 'Connecting you to an agent…');
  t.equal(statusText(queued(3, 180)), 'You are number 3 in line. Estimated wait: about 3 minutes.');
  t.equal(statusText(queued(1, 30)), 'You are next in line. Estimated wait: less than a minute.');
  t.equal(
    statusText(queued(2, null)),
    'You are number 2 in line. An agent will be with you as soon as one is free.',
  );
  t.equal(
    statusText(queued(1, 60, true)),
    'Sorry for the wait. You are next in line. Estimated wait: about 1 minute.',
  );
});

t.test('who the visitor talks to, and who ended it', async (t) => {
  const base = { ...INITIAL_CHAT_STATE, position: null, agent: { name: 'Alice' } };
  t.equal(statusText({ ...base, state: 'assigned' }), 'You are chatting with Alice.');
  const ended = (by: 'visitor' | 'agent' | 'system') =>
    statusText({ ...base, state: 'ended', ended: { by, reason: '' } });
  t.equal(ended('visitor'), 'You ended the chat.');
  t.equal(ended('agent'), 'Alice ended the chat.');
  t.equal(ended('system'), 'The chat has ended.');
});
