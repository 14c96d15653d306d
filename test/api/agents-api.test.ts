import t from 'tap';
import { ADMIN, ALICE, BOB, json, startCapacityApi } from './_capacity-server.js';

type ErrorBody = { error: { code: string } };
const codeOf = async (res: Response) => ((await res.json()) as ErrorBody).error.code;

t.test('an external system reports availability with the admin token', async (t) => {
  const api = await startCapacityApi(t);
  const before = await api.call('GET', 'api/agents/alice', ADMIN);
  t.equal(before.status, 200);
  t.same(await before.json(), {
    status: 'away',
    capacity: 3,
    id: 'alice',
    name: 'Alice',
    conversations: 0,
  });
  const res = await api.call(
    'PUT',
    'api/agents/bob',
    ADMIN,
    json({ status: 'available', capacity: 5 }),
  );
  t.equal(res.status, 200);
  t.match(await res.json(), { status: 'available', capacity: 5, id: 'bob', name: 'bob' });
  t.match(api.capacity.snapshot(api.clock.now()), { agentsAvailable: 1, freeSlots: 5 });
  const cap = await api.call('PUT', 'api/agents/bob', ADMIN, json({ capacity: 1 }));
  t.match(await cap.json(), { status: 'available', capacity: 1 }, 'status kept');
});

t.test('an agent reports its own status with its own token', async (t) => {
  const api = await startCapacityApi(t);
  const res = await api.call('PUT', 'api/agents/alice', ALICE, json({ status: 'available' }));
  t.equal(res.status, 200);
  t.match(await res.json(), { status: 'available', capacity: 3 });
  const read = await api.call('GET', 'api/agents/alice', ALICE);
  t.match(await read.json(), { status: 'available' });
  t.equal(api.capacity.agent('alice')?.status, 'available');
});

t.test('an admin lists every agent', async (t) => {
  const api = await startCapacityApi(t);
  const res = await api.call('GET', 'api/agents', ADMIN);
  t.equal(res.status, 200);
  t.same(await res.json(), {
    agents: [
      { status: 'away', capacity: 3, id: 'alice', name: 'Alice', conversations: 0 },
      { status: 'away', capacity: 2, id: 'bob', name: 'bob', conversations: 0 },
    ],
  });
  // An agent must not learn the roster of its colleagues.
  t.equal((await api.call('GET', 'api/agents', ALICE)).status, 403);
  t.equal((await api.call('GET', 'api/agents', '')).status, 401);
});

t.test('an agent setting another agent’s status is refused', async (t) => {
  // Attack: one agent marks a colleague away (or available while absent) to steer the queue.
  const api = await startCapacityApi(t);
  const res = await api.call('PUT', 'api/agents/bob', ALICE, json({ status: 'available' }));
  t.equal(res.status, 403);
  t.equal(await codeOf(res), 'HG_ERR_FORBIDDEN');
  t.equal(api.capacity.agent('bob')?.status, 'away', 'bob unchanged');
  t.equal((await api.call('GET', 'api/agents/bob', ALICE)).status, 403, 'nor read it');
});

t.test('an agent probing for other agent ids learns nothing', async (t) => {
  // Attack: enumerating agent ids through 404 versus 403 answers.
  const api = await startCapacityApi(t);
  for (const id of ['bob', 'nobody']) {
    const res = await api.call('PUT', `api/agents/${id}`, ALICE, json({ status: 'busy' }));
    t.equal(res.status, 403, id);
  }
  t.equal((await api.call('GET', 'api/agents/nobody', ADMIN)).status, 404, 'the admin is told');
  const put = await api.call('PUT', 'api/agents/nobody', ADMIN, json({ status: 'busy' }));
  t.equal(put.status, 404);
  t.equal(await codeOf(put), 'HG_ERR_AGENT_NOT_FOUND');
});

t.test('an agent raising its own capacity is refused', async (t) => {
  // Attack: an agent takes more chats than the operator allows (or hoards the queue).
  const api = await startCapacityApi(t);
  for (const body of [{ capacity: 50 }, { status: 'available', capacity: 4 }, { capacity: 'x' }]) {
    const res = await api.call('PUT', 'api/agents/alice', ALICE, json(body));
    t.equal(res.status, 403, JSON.stringify(body));
  }
  t.match(api.capacity.agent('alice'), { status: 'away', capacity: 3 }, 'nothing changed');
});

t.test('status change without a token is refused', async (t) => {
  // Attack: anyone on the internet switches agents available or away.
  const api = await startCapacityApi(t);
  const wrong = ['', 'wrong-token-0123456789abcdef', `${ALICE}x`, ADMIN.slice(0, -1)];
  for (const token of wrong) {
    for (const method of ['GET', 'PUT']) {
      const init = method === 'PUT' ? json({ status: 'available' }) : {};
      const res = await api.call(method, 'api/agents/alice', token, init);
      t.equal(res.status, 401, `${method} with ${token ? 'a wrong' : 'no'} token`);
      t.equal(res.headers.get('www-authenticate'), 'Bearer');
      t.equal(await codeOf(res), 'HG_ERR_UNAUTHORIZED');
    }
  }
  const basic = await api.call('PUT', 'api/agents/alice', '', {
    ...json({ status: 'available' }),
    headers: { authorization: `Basic ${Buffer.from(`x:${ALICE}`).toString('base64')}` },
  });
  t.equal(basic.status, 401, 'only Bearer carries a token');
  t.equal(api.capacity.agent('alice')?.status, 'away');
});

t.test('status change with admin.token unset still needs the agent’s own token', async (t) => {
  // Attack: a deployment without an admin token must not accept an empty or "null" token.
  const api = await startCapacityApi(t, { config: { admin: { token: null } } });
  for (const token of ['', 'null', ADMIN]) {
    const res = await api.call('PUT', 'api/agents/bob', token, json({ status: 'available' }));
    t.equal(res.status, 401);
  }
  const own = await api.call('PUT', 'api/agents/bob', BOB, json({ status: 'available' }));
  t.equal(own.status, 200);
});

t.test('bad bodies are refused and change nothing', async (t) => {
  const api = await startCapacityApi(t);
  const cases: [string, RequestInit, number, string][] = [
    [
      'not JSON',
      { body: '{', headers: { 'content-type': 'application/json' } },
      400,
      'HG_ERR_API_BAD_JSON',
    ],
    ['an array', json([]), 400, 'HG_ERR_AGENT_BAD_BODY'],
    ['empty', json({}), 400, 'HG_ERR_AGENT_BAD_BODY'],
    ['an unknown key', json({ status: 'available', colour: 'red' }), 400, 'HG_ERR_AGENT_BAD_BODY'],
    ['an unknown status', json({ status: 'asleep' }), 400, 'HG_ERR_AGENT_BAD_BODY'],
    ['capacity 0', json({ capacity: 0 }), 400, 'HG_ERR_AGENT_BAD_BODY'],
    ['capacity 101', json({ capacity: 101 }), 400, 'HG_ERR_AGENT_BAD_BODY'],
    ['capacity 2.5', json({ capacity: 2.5 }), 400, 'HG_ERR_AGENT_BAD_BODY'],
    ['capacity "3"', json({ capacity: '3' }), 400, 'HG_ERR_AGENT_BAD_BODY'],
    ['status null', json({ status: null }), 400, 'HG_ERR_AGENT_BAD_BODY'],
    [
      '__proto__',
      {
        body: '{"__proto__":{"status":"available"}}',
        headers: { 'content-type': 'application/json' },
      },
      400,
      'HG_ERR_AGENT_BAD_BODY',
    ],
    [
      'text/plain',
      { body: '{"status":"available"}', headers: { 'content-type': 'text/plain' } },
      415,
      'HG_ERR_API_CONTENT_TYPE',
    ],
    ['no content type', { body: '{"status":"available"}' }, 415, 'HG_ERR_API_CONTENT_TYPE'],
  ];
  for (const [name, init, status, code] of cases) {
    const res = await api.call('PUT', 'api/agents/alice', ADMIN, init);
    t.equal(res.status, status, name);
    t.equal(await codeOf(res), code, name);
  }
  t.match(api.capacity.agent('alice'), { status: 'away', capacity: 3 }, 'nothing changed');
  const charset = await api.call('PUT', 'api/agents/alice', ADMIN, {
    body: '{"status":"busy"}',
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
  t.equal(charset.status, 200, 'a charset parameter is fine');
});

t.test('an oversized body is refused before it is read (413)', async (t) => {
  // Attack: a huge PUT body held in memory by the server.
  const api = await startCapacityApi(t);
  const padded = JSON.stringify({ status: 'available', pad: 'x'.repeat(5_000) });
  const res = await api.call('PUT', 'api/agents/alice', ADMIN, {
    body: padded,
    headers: { 'content-type': 'application/json' },
  });
  t.equal(res.status, 413);
  t.equal(await codeOf(res), 'HG_ERR_AGENT_TOO_LARGE');
  t.equal(api.capacity.agent('alice')?.status, 'away');
  const atLimit = JSON.stringify({ status: 'available' }).padEnd(4 * 1024, ' ');
  const ok = await api.call('PUT', 'api/agents/alice', ADMIN, {
    body: atLimit,
    headers: { 'content-type': 'application/json' },
  });
  t.equal(ok.status, 200, 'exactly 4 KiB is accepted');
});

t.test('an agent turning available takes the waiting visitors at once', async (t) => {
  const api = await startCapacityApi(t);
  const now = api.clock.now();
  const waiting = (await api.capacity.enqueue(
    { offerId: 'o1', sid: 's1', reasons: [], path: '/' },
    now,
  ))!;
  t.equal(waiting.queuePosition, 1);
  const res = await api.call('PUT', 'api/agents/alice', ALICE, json({ status: 'available' }));
  t.match(await res.json(), { status: 'available', conversations: 1 });
  t.match(api.capacity.ticket(waiting.conversationId, now), { queuePosition: 0, agentId: 'alice' });
});
