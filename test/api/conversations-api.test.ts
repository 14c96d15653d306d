// GET api/conversations and DELETE api/conversations/{id}: closing a chat frees the agent for
// the next visitor in line.
import t from 'tap';
import {
  ADMIN_TOKEN,
  AGENTS,
  BUSY_TRIGGER,
  occupySlot,
  setAgent,
  startSite,
} from '../claims/_visitor.js';

interface Listed {
  id: string;
  agentId: string | null;
  reasons: string[];
  path: string;
}

t.test('ending a conversation hands the agent to the next visitor in line', async (t) => {
  const site = await startSite(t, {
    agents: { list: AGENTS, defaultCapacity: 1, averageHandleTime: '60s' },
    gate: { mode: 'within', maxWait: '5m' },
    triggers: [BUSY_TRIGGER],
  });
  await setAgent(site, 'alice', { status: 'available' });
  await occupySlot(site);
  const waiting = await occupySlot(site);
  const call = (method: string, path: string, token: string | null) =>
    fetch(`${site.url}/__helpgate/api/conversations${path}`, {
      method,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });

  const before = (await (await call('GET', '', ADMIN_TOKEN)).json()) as {
    queue: Listed[];
    conversations: Listed[];
  };
  t.equal(before.conversations.length, 1);
  t.equal(before.queue.length, 1);
  t.match(before.conversations[0], {
    agentId: 'alice',
    reasons: ['1 heartbeat on this page'],
    path: '/busy',
  });
  t.notMatch(JSON.stringify(before), /sid/, "visitors' session ids are not shown");
  const [held] = before.conversations;

  t.equal(
    (await call('DELETE', `/${held!.id}`, null)).status,
    401,
    'ending a chat without a token',
  );
  // An agent ending another agent's conversation (to grab its visitors) is refused.
  t.equal((await call('DELETE', `/${held!.id}`, AGENTS[1]!.token)).status, 403);
  const own = await call('GET', '', AGENTS[1]!.token);
  t.match(await own.json(), { conversations: [] }, "an agent's list holds its own chats only");
  t.equal((await call('DELETE', `/${held!.id}`, AGENTS[0]!.token)).status, 204, 'its agent may');
  t.equal((await call('DELETE', `/${held!.id}`, ADMIN_TOKEN)).status, 409, 'ended once');
  t.equal((await call('DELETE', '/no-such-id', ADMIN_TOKEN)).status, 404);

  const after = (await (await call('GET', '', ADMIN_TOKEN)).json()) as {
    queue: Listed[];
    conversations: Listed[];
  };
  t.equal(after.queue.length, 0);
  t.match(after.conversations, [{ agentId: 'alice' }], 'the visitor in line has alice now');
  const session = await site.helpgate.store.get(waiting.sid);
  t.equal(session?.conversationId, after.conversations[0]?.id);
});
