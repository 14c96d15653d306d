// Two helpgate instances on one Redis session store: a visitor whose requests are spread over
// both keeps one session, and its triggers fire on time as with a single instance.
import t, { type Test } from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import { createRedisSessionStore } from '../../src/store/redis-session-store.js';
import type { HeartbeatReply } from '../claims/_visitor.js';
import { PAGE, Visitor } from '../claims/_visitor.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { startHelpgate, startServer } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

/** Two helpgates, each with its own connection to one redis-server, on one test clock. */
async function twoInstances(t: Test, config: Partial<ConfigInput>) {
  const redisServer = await startRedisServer(t);
  const upstream = await startServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  const clock = new TestClock();
  const instances = [];
  for (let i = 0; i < 2; i++) {
    const connection = createRedisConnection({
      url: redisServer.url,
      keyPrefix: 'helpgate:',
      timeoutMs: 2_000,
      logger: silentLogger(),
    });
    await connection.ready();
    const store = createRedisSessionStore({ connection, ttlMs: 30 * 60_000, clock });
    t.teardown(() => store.close());
    const input = { upstream: upstream.url, heartbeat: { interval: '5s' }, ...config };
    instances.push({ store, ...(await startHelpgate(t, input, { store, clock })) });
  }
  return { clock, instances: instances as [(typeof instances)[0], (typeof instances)[0]] };
}

t.test('heartbeats alternating between two instances: the trigger fires on time', async (t) => {
  const { clock, instances } = await twoInstances(t, {
    gate: { mode: 'always' },
    triggers: [{ name: 'lingering', when: { timeOnPage: '30s' } }],
  });
  const [a, b] = [new Visitor(instances[0].url), new Visitor(instances[1].url)];
  await a.open('/guide');
  // The same browser, its requests balanced over both instances.
  Object.assign(b, { cookie: a.cookie, pv: a.pv, path: a.path });
  let reply: HeartbeatReply | undefined;
  let messages = 0;
  while (!reply?.offer && messages < 20) {
    if (messages > 0) clock.advance(5_000);
    const via = messages % 2 === 0 ? a : b;
    via.seq = messages;
    reply = await via.beat();
    messages++;
  }
  t.equal(messages, 6, '6 messages × 5 s = 30 s on the page, over both instances');
  t.same(reply?.offer?.reasons, ['on /guide for 30 s']);
});

// Attack on consistency (lost update): a visitor's page load reaches one instance while its
// heartbeat reaches the other. Each reads the session, changes it and writes it back; without
// a lock across instances the later write drops the earlier one's change.
t.test(
  'a page on one instance and a heartbeat on the other at the same moment: neither change is lost',
  async (t) => {
    const { clock, instances } = await twoInstances(t, {});
    const [a, b] = [new Visitor(instances[0].url), new Visitor(instances[1].url)];
    await a.arrive('/guide');
    Object.assign(b, { cookie: a.cookie, pv: a.pv, path: a.path, seq: a.seq });
    const ROUNDS = 40;
    for (let round = 0; round < ROUNDS; round++) {
      clock.advance(5_000);
      // The same browser: another tab loads a page through A while this one beats through B.
      const page = fetch(`${instances[0].url}/other`, {
        headers: { 'sec-fetch-dest': 'document', cookie: a.cookie },
      }).then((res) => res.text());
      await Promise.all([page, b.beat()]);
    }
    const session = await instances[1].store.get(b.sid);
    t.equal(session?.views['/other'], ROUNDS, 'every page load counted');
    t.equal(session?.page?.heartbeats, ROUNDS + 1, 'every heartbeat counted');
  },
);
