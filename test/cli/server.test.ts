// The listening side of `helpgate start`, in process: config reloads (SIGHUP) and shutdown.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { WebSocket, WebSocketServer } from 'ws';
import { type RunningServer, startServer } from '../../src/cli/server.js';
import { type ConfigInput, configSchema } from '../../src/config/schema.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { newSession, type Session } from '../../src/session/session.js';
import { TestClock } from '../fixtures/test-clock.js';

const SECRET = 'server-test-secret-0123456789';

function configOf(input: Partial<ConfigInput>) {
  return configSchema.parse({
    upstream: 'http://127.0.0.1:9',
    secret: SECRET,
    listen: { host: '127.0.0.1', port: 0 },
    state: { file: null },
    ...input,
  });
}

/** A logger whose lines a test can read. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function start(
  t: Test,
  input: Partial<ConfigInput>,
  options: { clock?: TestClock; logger?: Logger } = {},
): Promise<RunningServer> {
  const running = await startServer(configOf(input), {
    logger: options.logger ?? createLogger('silent'),
    metrics: createMetrics({ defaultMetrics: false }),
    ...(options.clock && { clock: options.clock }),
  });
  t.teardown(() => running.close());
  return running;
}

function session(id: string, pinned = false): Session {
  const s = newSession(id, 0);
  if (pinned) s.pinned = true;
  return s;
}

// Fault: SIGHUP closed the previous instance with the store it had made, emptying it: every
// visitor lost their session, offers, queue place and conversation.
t.test('a reload keeps the sessions held', async (t) => {
  const running = await start(t, {});
  const store = running.current().store;
  await store.set('visitor', session('visitor'));
  await store.set('chatting', session('chatting', true));
  await running.reload(configOf({ strip: ['.help'] }));
  t.equal(running.current().store, store);
  t.equal((await store.get('visitor'))?.id, 'visitor');
  t.equal((await store.get('chatting'))?.id, 'chatting');
});

// Fault: a reload closed the previous instance's WebSockets along with it.
t.test('a reload keeps WebSockets open', async (t) => {
  const upstream = http.createServer((_req, res) => res.end('ok'));
  const sockets = new WebSocketServer({ server: upstream });
  sockets.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo:${data}`)));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.teardown(() => {
    sockets.close();
    upstream.closeAllConnections();
    upstream.close();
  });
  const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const running = await start(t, { upstream: origin });
  const ws = new WebSocket(`${running.url.replace('http', 'ws')}/live`);
  await once(ws, 'open');
  await running.reload(configOf({ upstream: origin, strip: ['.help'] }));
  const reply = Promise.race([
    once(ws, 'message').then(([data]) => String(data)),
    once(ws, 'close').then(() => 'closed'),
  ]);
  ws.send('after the reload');
  t.equal(await reply, 'echo:after the reload');
  ws.close();
});

// Fault: SIGHUP kept the start-up session bounds while the README said the new ones applied.
t.test(
  'a reload applies session.ttl, maxSessions and maxPinned to the sessions held',
  async (t) => {
    const clock = new TestClock();
    const session10m = { ttl: '10m', maxSessions: 10, maxPinned: 10 };
    const running = await start(t, { session: session10m }, { clock });
    const store = running.current().store;
    for (const id of ['a', 'b', 'c', 'd', 'e']) await store.set(id, session(id));
    for (const id of ['p1', 'p2', 'p3']) await store.set(id, session(id, true));
    t.equal(store.size(), 8);

    await running.reload(configOf({ session: { ttl: '1m', maxSessions: 3, maxPinned: 2 } }));
    t.equal(running.current().store, store, 'the same store, sessions kept');
    t.equal(store.size(), 5, 'three ordinary sessions and two pinned ones are kept');
    t.equal(await store.get('a'), undefined, 'the least recently active go first');
    t.ok(await store.get('e'));
    t.ok(await store.get('p3'));
    t.equal((await store.get('p1'))?.pinned, true, 'the pinned overflow joins the ordinary LRU');

    clock.advance(61_000);
    t.equal(await store.get('e'), undefined, 'the new ttl applies to sessions already held');
    t.equal(await store.get('p3'), undefined);
  },
);

// Fault: shutdownGrace kept its start-up value after a reload.
t.test('a reload applies timeouts.shutdownGrace', async (t) => {
  const stalled = http.createServer(() => {
    // Never answers: the request through helpgate stays in flight.
  });
  stalled.listen(0, '127.0.0.1');
  await once(stalled, 'listening');
  t.teardown(() => {
    stalled.closeAllConnections();
    stalled.close();
  });
  const upstream = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
  const running = await start(t, { upstream, timeouts: { shutdownGrace: '20s' } });
  await running.reload(configOf({ upstream, timeouts: { shutdownGrace: '200ms' } }));

  const inFlight = fetch(`${running.url}/waiting`).catch((error: unknown) => error);
  await once(stalled, 'request');
  const started = Date.now();
  await running.close();
  const took = Date.now() - started;
  t.ok(took >= 150 && took < 2_000, `closed after ${took} ms`);
  t.type(await inFlight, Error, 'the request still in flight was cut');
});

// Fault: a reload ignored keys it cannot apply without a word.
t.test('a reload names each changed key that needs a restart, and applies the rest', async (t) => {
  const { logger, lines } = capturingLogger();
  const before = { session: { ttl: '30m' }, state: { file: null } };
  const running = await start(t, before, { logger });
  await running.reload(
    configOf({
      store: { kind: 'redis', url: 'redis://127.0.0.1:6379' },
      state: { file: '/tmp/helpgate-elsewhere.json' },
      session: { ttl: '5m' },
      log: { level: 'debug' },
      timeouts: { clientHeaders: '7s' },
      listen: { host: '127.0.0.1', port: 1, maxConnections: 42 },
    }),
  );
  const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
  t.same(warnings, [
    'listen.port changed; restart to apply',
    'store changed; restart to apply',
    'state.file changed; restart to apply',
  ]);
  t.equal(logger.level, 'debug', 'log.level applies at once');
  t.equal(running.server.headersTimeout, 7_000, 'timeouts.clientHeaders applies at once');
  t.equal(running.server.maxConnections, 42, 'listen.maxConnections applies at once');

  lines.length = 0;
  await running.reload(configOf(before));
  t.same(
    lines.filter((line) => line.level === 40),
    [],
    'back to the values it runs with, nothing to warn about',
  );
});

// Fault: an open chat event stream is an in-flight request, so shutdown waited the whole grace
// for it; DESIGN.md "Shutdown" closes event streams at once with a retry hint.
t.test(
  'shutdown ends open event streams at once, telling browsers when to reconnect',
  async (t) => {
    const adminToken = 'admin-token-0123456789abcdef';
    const running = await startServer(
      configOf({
        admin: { token: adminToken },
        timeouts: { shutdownGrace: '30s' },
      }),
      { logger: createLogger('silent'), metrics: createMetrics({ defaultMetrics: false }) },
    );
    const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http
        .get(`${running.url}/__helpgate/api/events`, {
          headers: { authorization: `Bearer ${adminToken}` },
        })
        .on('response', resolve)
        .on('error', reject),
    );
    t.equal(response.statusCode, 200);
    response.setEncoding('utf8');
    let body = '';
    response.on('data', (chunk: string) => {
      body += chunk;
    });
    const ended = once(response, 'close');
    const started = Date.now();
    await running.close();
    await ended;
    t.ok(Date.now() - started < 5_000, `closed in ${Date.now() - started} ms, not after the grace`);
    t.match(body, /retry: \d+\n\n$/, 'the last thing the stream says is when to reconnect');
  },
);
