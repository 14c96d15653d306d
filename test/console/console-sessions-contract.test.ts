// The console sessions' contract, one test body run against each store: the memory store and
// the Redis store on a real redis-server, both on a test clock (Redis's own key expiry is
// checked by the key's time-to-live).
import t, { type Test } from 'tap';
import type { ConfigInput } from '../../src/config/schema.js';
import type { ConsoleSessionStore } from '../../src/console/console-session-store.js';
import {
  CONSOLE_SESSION_TTL_MS,
  createConsoleSessions,
} from '../../src/console/console-sessions.js';
import { createMemoryConsoleSessionStore } from '../../src/console/memory-console-session-store.js';
import { type EventStream, openEventStream } from '../../src/conversations/event-stream.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/store/redis-connection.js';
import { createRedisConsoleSessionStore } from '../../src/store/redis-console-session-store.js';
import { ADMIN_TOKEN, AGENTS } from '../claims/_visitor.js';
import { startRedisServer } from '../fixtures/redis-server.js';
import { startServer, testConfig } from '../fixtures/servers.js';
import { TestClock } from '../fixtures/test-clock.js';

const [alice, bob] = [AGENTS[0]!, AGENTS[1]!];
const base: Partial<ConfigInput> = { admin: { token: ADMIN_TOKEN } };
const config = testConfig({ ...base, agents: { list: AGENTS } });

const redisServer = await startRedisServer(t);
let prefixes = 0;

interface Subject {
  clock: TestClock;
  /** A store (another instance's, with Redis: its own connection on the same keys). */
  store(max?: number): Promise<ConsoleSessionStore>;
}

const subjects: Record<string, (t: Test) => Subject> = {
  memory() {
    const clock = new TestClock();
    let only: ConsoleSessionStore | undefined;
    return {
      clock,
      async store(max) {
        only ??= createMemoryConsoleSessionStore(clock, max);
        return only;
      },
    };
  },
  redis(t) {
    const clock = new TestClock();
    const keyPrefix = `console${++prefixes}:`;
    return {
      clock,
      async store(max) {
        const connection = createRedisConnection({
          url: redisServer.url,
          keyPrefix,
          timeoutMs: 500,
          logger: silentLogger(),
        });
        await connection.ready();
        const store = createRedisConsoleSessionStore({
          connection,
          clock,
          ...(max !== undefined && { max }),
        });
        t.teardown(async () => {
          await store.close();
          await connection.close();
        });
        return store;
      },
    };
  },
};

/** A real event stream on a real connection; `ended` resolves when the server closed it. */
async function openStream(t: Test): Promise<{ stream: EventStream; ended: Promise<void> }> {
  let opened: (stream: EventStream) => void = () => {};
  const server = await startServer(t, (_req, res) => opened(openEventStream(res)));
  const stream = new Promise<EventStream>((resolve) => {
    opened = resolve;
  });
  const response = await fetch(server.url);
  const ended = response.text().then(() => {});
  return { stream: await stream, ended };
}

const closedSoon = (ended: Promise<void>, ms = 2_000) =>
  Promise.race([
    ended.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]);

for (const [name, make] of Object.entries(subjects)) {
  t.test(`${name}: login, get and logout`, async (t) => {
    const subject = make(t);
    const sessions = createConsoleSessions(config, subject.clock, await subject.store());
    t.equal(await sessions.login('not-a-token-0123456789'), null, 'a wrong token gets nothing');
    const session = await sessions.login(alice.token);
    if (session === null) throw new Error('no session');
    t.same(session.who, { role: 'agent', agentId: 'alice' });
    t.match(session.id, /^[A-Za-z0-9_-]{43}$/);
    t.same(await sessions.get(session.id), session, 'read back whole');
    t.equal(await sessions.get('x'.repeat(43)), null, 'an unknown id');
    const admin = await sessions.login(ADMIN_TOKEN);
    t.same(admin?.who, { role: 'admin' });
    t.equal(await sessions.size(), 2);
    await sessions.logout(session.id);
    t.equal(await sessions.get(session.id), null, 'logged out');
    t.ok(await sessions.get(admin!.id), 'the other session lives on');
    t.equal(await sessions.size(), 1);
  });

  t.test(
    `${name}: a session ends ${CONSOLE_SESSION_TTL_MS / 3_600_000} h after login`,
    async (t) => {
      const subject = make(t);
      const sessions = createConsoleSessions(config, subject.clock, await subject.store());
      const session = (await sessions.login(alice.token))!;
      subject.clock.advance(CONSOLE_SESSION_TTL_MS - 1);
      t.ok(await sessions.get(session.id), 'alive until the end of the shift');
      subject.clock.advance(1);
      t.equal(await sessions.get(session.id), null, 'then gone');
      t.equal(await sessions.size(), 0);
    },
  );

  t.test(`${name}: bounded, the oldest session ends first`, async (t) => {
    const subject = make(t);
    const sessions = createConsoleSessions(config, subject.clock, await subject.store(3));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await sessions.login(alice.token))!.id);
      subject.clock.advance(1000);
    }
    t.equal(await sessions.size(), 3);
    t.equal(await sessions.get(ids[0]!), null, 'the first login went');
    for (const id of ids.slice(1)) t.ok(await sessions.get(id), 'the later ones stay');
  });

  t.test(`${name}: stolen-tab attack: a logout closes that session's event streams`, async (t) => {
    // Someone keeps an agent's console open after the agent logged out elsewhere.
    const subject = make(t);
    const sessions = createConsoleSessions(config, subject.clock, await subject.store());
    const one = (await sessions.login(alice.token))!;
    const two = (await sessions.login(alice.token))!;
    const first = await openStream(t);
    const second = await openStream(t);
    sessions.holdStream(one.who, first.stream, one.id);
    sessions.holdStream(two.who, second.stream, two.id);
    await sessions.logout(one.id);
    t.ok(await closedSoon(first.ended), "the logged-out session's stream is closed");
    t.equal(second.stream.closed, false, "the same agent's other session keeps its stream");
    second.stream.close();
  });

  t.test(
    `${name}: token removed by reload: sessions and streams of removed or changed tokens end`,
    async (t) => {
      // The operator removes an agent who left, and changes another's leaked token.
      const subject = make(t);
      const sessions = createConsoleSessions(config, subject.clock, await subject.store());
      const aliceSession = (await sessions.login(alice.token))!;
      const bobSession = (await sessions.login(bob.token))!;
      const adminSession = (await sessions.login(ADMIN_TOKEN))!;
      const aliceStream = await openStream(t);
      sessions.holdStream(aliceSession.who, aliceStream.stream);
      const changed = { ...bob, token: 'bob-new-token-0123456789' };
      sessions.configure(testConfig({ ...base, agents: { list: [changed] } }));
      t.ok(await closedSoon(aliceStream.ended), "Alice's stream (a Bearer one, say) is closed");
      t.equal(await sessions.get(aliceSession.id), null, 'Alice is gone');
      t.equal(await sessions.get(bobSession.id), null, "Bob's old token no longer counts");
      t.ok(await sessions.get(adminSession.id), "the admin's token did not change");
      t.equal(await sessions.login(bob.token), null, 'the old token cannot log in');
      t.ok(await sessions.login(changed.token), 'the new one can');
    },
  );
}
