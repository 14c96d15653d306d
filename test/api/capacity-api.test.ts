import t from 'tap';
import { ADMIN, ALICE, json, startCapacityApi } from './_capacity-server.js';

const figures = () => ({ maxWaitMs: 42_500, expireAfterMs: 90_000, samples: 37 });

t.test('api/capacity answers exactly as the contract', async (t) => {
  const api = await startCapacityApi(t, { figures });
  const read = async () => {
    const res = await api.call('GET', 'api/capacity', ADMIN);
    t.equal(res.status, 200);
    t.equal(res.headers.get('cache-control'), 'no-store');
    return (await res.json()) as Record<string, unknown>;
  };

  const idle = await read();
  t.same(Object.keys(idle).slice(0, 7), [
    'agentsAvailable',
    'freeSlots',
    'queueLength',
    'estimatedWaitSeconds',
    'maxWaitSeconds',
    'expireAfterSeconds',
    'samples',
  ]);
  t.match(idle, {
    agentsAvailable: 0,
    freeSlots: 0,
    queueLength: 0,
    estimatedWaitSeconds: null,
    maxWaitSeconds: 42.5,
    expireAfterSeconds: 90,
    samples: 37,
  });
  t.equal(idle.estimatedWaitSeconds, null, 'no agent available: the wait is unknown (null)');

  await api.call('PUT', 'api/agents/alice', ADMIN, json({ status: 'available' }));
  t.match(await read(), { agentsAvailable: 1, freeSlots: 3, estimatedWaitSeconds: 0 });

  // Alice (3 slots) full, one shown offer and one visitor waiting: the next newcomer is 3rd.
  const now = api.clock.now();
  for (let i = 0; i < 4; i++) {
    api.capacity.enqueue({ offerId: `o${i}`, sid: `s${i}`, reasons: [], path: '/' }, now);
  }
  api.capacity.reserve('shown', 's-shown', now + 60_000, now);
  t.same(await read(), {
    agentsAvailable: 1,
    freeSlots: 0,
    queueLength: 1,
    // Handle times taken as exponential, mean 180 s, until learned: nine in ten newcomers at
    // place 3 are served within 333 s (three of the chats have ended by then).
    estimatedWaitSeconds: 333,
    maxWaitSeconds: 42.5,
    expireAfterSeconds: 90,
    samples: 37,
    servingSlots: 3,
    conversations: 3,
    reserved: 1,
    averageHandleTimeSeconds: 180,
  });
  api.capacity.enqueue({ offerId: 'o4', sid: 's4', reasons: [], path: '/' }, now);
  t.match(await read(), { queueLength: 2, estimatedWaitSeconds: 412 }, 'position 4 of 3 slots');
});

t.test('estimatedWaitSeconds rounds up to whole seconds', async (t) => {
  const api = await startCapacityApi(t, {
    config: {
      admin: { token: ADMIN },
      agents: {
        averageHandleTime: '1500ms',
        list: [{ id: 'alice', token: ALICE, capacity: 1 }],
      },
    },
  });
  api.capacity.setAgent('alice', { status: 'available' }, api.clock.now());
  api.capacity.reserve('shown', 's', api.clock.now() + 60_000, api.clock.now());
  const body = (await (await api.call('GET', 'api/capacity', ADMIN)).json()) as {
    estimatedWaitSeconds: number;
  };
  const ms = api.capacity.snapshot(api.clock.now()).estimatedWaitMs!;
  t.not(ms % 1000, 0, `the estimate, ${ms} ms, is no whole number of seconds`);
  t.equal(body.estimatedWaitSeconds, Math.ceil(ms / 1000), 'it is promised rounded up, never down');
});

t.test('capacity figures without the admin token are refused', async (t) => {
  // Attack: a competitor or an agent reads the contact centre's load and staffing.
  const api = await startCapacityApi(t, { figures });
  for (const token of ['', 'wrong-token-0123456789abcdef']) {
    const res = await api.call('GET', 'api/capacity', token);
    t.equal(res.status, 401);
    t.equal(res.headers.get('www-authenticate'), 'Bearer');
  }
  t.equal((await api.call('GET', 'api/capacity', ALICE)).status, 403, 'an agent token: 403');
});
