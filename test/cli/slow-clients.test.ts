// Slow clients against the listening server: each holds a connection at most as long as the
// timeouts say (timeouts.clientHeaders, timeouts.body, timeouts.idle), and listen.maxConnections
// bounds how many it can hold at all.
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { type RunningServer, startServer } from '../../src/cli/server.js';
import { type ConfigInput, configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createVisitorCookies } from '../../src/session/visitor-cookie.js';

const SECRET = 'slow-clients-secret-0123456789';
/** Generous for a loaded machine, far below what an unbounded connection would take. */
const SLACK_MS = 1_500;

async function start(
  t: Test,
  input: Partial<ConfigInput>,
): Promise<{ running: RunningServer; logs: Array<Record<string, unknown>> }> {
  const logs: Array<Record<string, unknown>> = [];
  const config = configSchema.parse({
    upstream: 'http://127.0.0.1:9',
    secret: SECRET,
    listen: { host: '127.0.0.1', port: 0 },
    state: { file: null },
    ...input,
  });
  const running = await startServer(config, {
    logger: createLogger('warn', { write: (line: string) => logs.push(JSON.parse(line)) }),
    metrics: createMetrics({ defaultMetrics: false }),
  });
  t.teardown(() => running.close());
  return { running, logs };
}

interface RawClient {
  socket: net.Socket;
  /** Resolves when the server closes the connection: what it sent, and after how long. */
  closed: Promise<{ text: string; afterMs: number }>;
}

/** A TCP client that notes what the server sends and when it closes the connection. */
async function connect(t: Test, url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  t.teardown(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  const opened = Date.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) => {
    socket.once('close', () => resolve({ text, afterMs: Date.now() - opened }));
  });
  return { socket, closed };
}

/** Fails rather than waits when the server keeps the connection open. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: still open`)), ms),
    ),
  ]);
}

function heartbeatHead(length: number): string {
  const cookies = createVisitorCookies([SECRET]);
  return (
    'POST /__helpgate/hb HTTP/1.1\r\nHost: shop.example\r\n' +
    `Cookie: hg_sid=${cookies.sign(cookies.mint())}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`
  );
}

// Attack: a heartbeat that declares 8000 bytes and sends none holds a connection for minutes.
t.test(
  'slow-body attack: a heartbeat body that never arrives is cut after timeouts.body',
  async (t) => {
    const { running } = await start(t, { timeouts: { body: '300ms' } });
    const client = await connect(t, running.url);
    client.socket.write(heartbeatHead(8000));
    const { text, afterMs } = await within(client.closed, 300 + SLACK_MS, 'the connection');
    t.match(text, /^HTTP\/1\.1 408 /, 'answered 408');
    t.match(text, /HG_ERR_BODY_TIMEOUT/);
    t.match(text, /connection: close/i);
    t.ok(afterMs >= 250, `cut after ${afterMs} ms, not before the limit`);
  },
);

// Attack: the same heartbeat sent a byte at a time: each byte is activity, the whole is not.
t.test(
  'slow-body attack: a heartbeat trickled byte by byte is cut after timeouts.body',
  async (t) => {
    const { running } = await start(t, { timeouts: { body: '300ms', idle: '10s' } });
    const client = await connect(t, running.url);
    client.socket.write(heartbeatHead(8000));
    const trickle = setInterval(() => client.socket.write('{'), 100);
    t.teardown(() => clearInterval(trickle));
    const { text, afterMs } = await within(client.closed, 300 + SLACK_MS, 'the connection');
    clearInterval(trickle);
    t.match(text, /^HTTP\/1\.1 408 /);
    t.ok(afterMs >= 250, `cut after ${afterMs} ms`);
  },
);

// Attack: slowloris: a request head that never ends, or a connection that never sends one.
t.test('slowloris: a partial request head is cut after timeouts.clientHeaders', async (t) => {
  const { running } = await start(t, { timeouts: { clientHeaders: '300ms' } });
  const partial = await connect(t, running.url);
  partial.socket.write('GET / HTTP/1.1\r\nHost: shop.example\r\nX-Padding: a');
  const silent = await connect(t, running.url);
  const cut = await within(partial.closed, 300 + SLACK_MS, 'the partial head');
  t.match(cut.text, /^HTTP\/1\.1 408 /, 'answered 408');
  t.ok(cut.afterMs >= 250, `cut after ${cut.afterMs} ms`);
  const quiet = await within(silent.closed, 300 + SLACK_MS, 'the silent connection');
  t.ok(quiet.afterMs >= 250, `a connection that sends nothing is cut too (${quiet.afterMs} ms)`);
});

t.test(
  'a keep-alive connection idle longer than clientHeaders still serves its next request',
  async (t) => {
    const { running } = await start(t, { timeouts: { clientHeaders: '300ms' } });
    const client = await connect(t, running.url);
    const healthz = 'GET /__helpgate/healthz HTTP/1.1\r\nHost: shop.example\r\n\r\n';
    client.socket.write(healthz);
    await once(client.socket, 'data');
    await new Promise((resolve) => setTimeout(resolve, 700));
    client.socket.write(healthz.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
    const { text } = await within(client.closed, SLACK_MS, 'the connection');
    t.equal(text.match(/HTTP\/1\.1 200 /g)?.length, 2, 'both requests answered');
  },
);

/** An upstream that reads each upload whole and answers with its size. */
async function uploadSink(t: Test): Promise<{ url: string; aborted: Promise<void> }> {
  let onAborted: () => void = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAborted = resolve;
  });
  const server = http.createServer((req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    req.on('end', () => res.end(`received ${size}`));
    req.on('aborted', onAborted);
    req.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, aborted };
}

// Attack: an upload to the site that stops half way holds helpgate's and the upstream's
// connections for ever.
t.test('a proxied upload that pauses longer than timeouts.idle is cut', async (t) => {
  const sink = await uploadSink(t);
  const { running } = await start(t, { upstream: sink.url, timeouts: { idle: '300ms' } });
  const client = await connect(t, running.url);
  client.socket.write(
    `POST /upload HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(100)}`,
  );
  const { text, afterMs } = await within(client.closed, 300 + SLACK_MS, 'the upload');
  t.notMatch(text, /received/, 'no answer from the site: the upload never ended');
  t.ok(afterMs >= 250, `cut after ${afterMs} ms`);
  await within(sink.aborted, SLACK_MS, 'the upstream request');
  t.pass('the upstream request was aborted too');
});

t.test('a large upload that keeps coming succeeds however long it takes in total', async (t) => {
  const sink = await uploadSink(t);
  const { running } = await start(t, { upstream: sink.url, timeouts: { idle: '300ms' } });
  const chunks = 12;
  const chunk = 'y'.repeat(64 * 1024);
  const client = await connect(t, running.url);
  client.socket.write(
    'POST /upload HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n' +
      `Content-Length: ${chunks * chunk.length}\r\n\r\n`,
  );
  // 1.2 s in total, four times the idle limit, with a chunk every 100 ms.
  for (let i = 0; i < chunks; i++) {
    client.socket.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { text } = await within(client.closed, 5_000, 'the upload');
  t.match(text, /^HTTP\/1\.1 200 /);
  t.match(text, `received ${chunks * chunk.length}`);
});

// Attack: opening connections until the process runs out of file descriptors.
t.test('listen.maxConnections turns the extra connection away', async (t) => {
  const { running, logs } = await start(t, { listen: { maxConnections: 2 } });
  const held = [await connect(t, running.url), await connect(t, running.url)];
  // Answered on both, so both are surely counted before the third one arrives.
  for (const client of held) {
    client.socket.write('GET /__helpgate/healthz HTTP/1.1\r\nHost: shop.example\r\n\r\n');
    await once(client.socket, 'data');
  }
  const extra = await connect(t, running.url);
  extra.socket.write('GET /__helpgate/healthz HTTP/1.1\r\nHost: shop.example\r\n\r\n');
  const refused = await within(extra.closed, SLACK_MS, 'the extra connection');
  t.equal(refused.text, '', 'closed without an answer');
  t.match(
    logs.map((line) => line.msg),
    ['listen.maxConnections reached: new connections are closed at once'],
  );

  held[0]?.socket.destroy();
  await held[0]?.closed;
  const next = await connect(t, running.url);
  next.socket.write(
    'GET /__helpgate/healthz HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n',
  );
  const served = await within(next.closed, SLACK_MS, 'the next connection');
  t.match(served.text, /^HTTP\/1\.1 200 /, 'a place that frees is taken again');
});
