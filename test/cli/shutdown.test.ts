// Graceful shutdown of the real binary (DESIGN.md, "Shutdown"): stop accepting, let requests
// and WebSockets in flight finish for at most timeouts.shutdownGrace, exit 0 — at once when
// nothing is in flight.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { Agent, request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { packageFile } from '../../src/util/package-root.js';

const BIN = packageFile('bin', 'helpgate');

/**
 * "At once" leaves room for a loaded machine. It is measured to the "stopped" line, after which
 * the process only exits: that may take a moment more, as V8 finishes compiling undici's
 * WebAssembly parser when a freshly started process is still at it.
 */
const AT_ONCE_MS = 1_000;

interface Running {
  child: ChildProcess;
  url: string;
  /** When each log message was first seen (Date.now()). */
  seen: Map<string, number>;
}

/** Spawns `helpgate start` in front of `upstream` and resolves once it listens. */
async function startHelpgate(
  t: Test,
  upstream: string,
  extra = '',
  /** Sends SIGTERM in the very callback that reads the listening line. */
  stopWhenListening = false,
): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'helpgate-shutdown-'));
  const file = join(dir, 'helpgate.yaml');
  writeFileSync(
    file,
    `upstream: ${upstream}\nsecret: shutdown-test-secret-0123\n` +
      `listen: { host: 127.0.0.1, port: 0 }\nstate: { file: null }\n${extra}`,
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NODE_OPTIONS$|TAP|_TAPJS|TS_NODE)/.test(key)) env[key] = value;
  }
  const child = spawn(process.execPath, [BIN, 'start', '--config', file], { env });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const seen = new Map<string, number>();
  let buffer = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const entry = JSON.parse(buffer.slice(0, nl)) as { msg: string; url?: string };
        buffer = buffer.slice(nl + 1);
        if (!seen.has(entry.msg)) seen.set(entry.msg, Date.now());
        if (entry.msg === 'listening' && entry.url) {
          if (stopWhenListening) child.kill('SIGTERM');
          resolve(entry.url);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`helpgate exited early with ${code}`)));
  });
  return { child, url, seen };
}

/** Sends SIGTERM; resolves with the exit code and how long after the signal it stopped. */
async function terminate(running: Running): Promise<{ code: number | null; stoppedMs: number }> {
  const exited = once(running.child, 'exit');
  const sent = Date.now();
  running.child.kill('SIGTERM');
  const [code] = (await Promise.race([
    exited,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('helpgate still running 15 s after SIGTERM')), 15_000),
    ),
  ])) as [number | null];
  const stopped = running.seen.get('stopped');
  return { code, stoppedMs: stopped === undefined ? Number.NaN : stopped - sent };
}

/** An upstream whose WebSocket endpoint echoes; `slow` answers after `slowMs`. */
/** `/slow` requests the upstream has begun answering (a request in flight through helpgate). */
let slowRequests = 0;

async function upstreamServer(t: Test, slowMs = 300): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      slowRequests += 1;
      setTimeout(() => res.end('finished'), slowMs);
    } else res.end('ok');
  });
  const sockets = new WebSocketServer({ server });
  sockets.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const client of sockets.clients) client.terminate();
    sockets.close();
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function openSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/live`);
  await once(ws, 'open');
  ws.send('ping');
  await once(ws, 'message');
  return ws;
}

// Fault: the signal handlers were wired after the listening line, so an orchestrator that
// stopped helpgate as soon as it was ready killed it outright (no exit 0, no state saved).
t.test('SIGTERM the moment the listening line appears is a graceful stop', async (t) => {
  const upstream = await upstreamServer(t);
  for (let i = 0; i < 2; i++) {
    const running = await startHelpgate(t, upstream, '', true);
    const [code, signal] = await once(running.child, 'exit');
    t.same({ code, signal }, { code: 0, signal: null }, `exit 0, not killed (${i + 1} of 2)`);
  }
});

// Fault: after one proxied WebSocket, SIGTERM never completed and an orchestrator had to SIGKILL.
t.test('a proxied WebSocket that was closed does not hold up shutdown', async (t) => {
  const running = await startHelpgate(t, await upstreamServer(t));
  const ws = await openSocket(running.url);
  ws.close();
  await once(ws, 'close');
  const { code, stoppedMs } = await terminate(running);
  t.equal(code, 0);
  t.ok(stoppedMs < AT_ONCE_MS, `stopped ${stoppedMs} ms after SIGTERM`);
});

// Fault: a WebSocket left open kept helpgate running for ever, whatever shutdownGrace said.
t.test('a WebSocket still open is closed after shutdownGrace, then helpgate exits 0', async (t) => {
  const running = await startHelpgate(
    t,
    await upstreamServer(t),
    'timeouts: { shutdownGrace: 500ms }\n',
  );
  const ws = await openSocket(running.url);
  const closed = once(ws, 'close').then(() => Date.now());
  const sent = Date.now();
  const { code, stoppedMs } = await terminate(running);
  t.equal(code, 0);
  const closedMs = (await closed) - sent;
  t.ok(closedMs >= 450, `the WebSocket had its grace (closed after ${closedMs} ms)`);
  t.ok(stoppedMs >= 450 && stoppedMs < 500 + AT_ONCE_MS, `stopped ${stoppedMs} ms after SIGTERM`);
});

t.test(
  'with nothing in flight, an idle keep-alive connection does not delay the exit',
  async (t) => {
    const running = await startHelpgate(t, await upstreamServer(t));
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    t.teardown(() => agent.destroy());
    const page = await request(`${running.url}/`, { dispatcher: agent });
    t.equal(await page.body.text(), 'ok');
    const { code, stoppedMs } = await terminate(running);
    t.equal(code, 0);
    t.ok(stoppedMs < AT_ONCE_MS, `stopped ${stoppedMs} ms after SIGTERM`);
  },
);

// Fault: a keep-alive connection whose request finished during shutdown stayed open until the
// grace ran out, so every shutdown with traffic took shutdownGrace.
t.test(
  'an in-flight request finishes, then helpgate exits at once, not after the grace',
  async (t) => {
    const running = await startHelpgate(t, await upstreamServer(t, 300));
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    t.teardown(() => agent.destroy());
    const before = slowRequests;
    const inFlight = request(`${running.url}/slow`, { dispatcher: agent });
    // SIGTERM once the request is really in flight: on a loaded machine 100 ms may not be enough
    // for it to reach helpgate, and a connection with no request yet is not waited for.
    while (slowRequests === before) await new Promise((resolve) => setTimeout(resolve, 10));
    const stopping = terminate(running);
    const answer = await inFlight;
    t.equal(await answer.body.text(), 'finished', 'the in-flight request finishes');
    t.equal(answer.headers.connection, 'close', 'and tells the client not to come back on it');
    const { code, stoppedMs } = await stopping;
    t.equal(code, 0);
    t.ok(stoppedMs < 300 + AT_ONCE_MS, `stopped ${stoppedMs} ms after SIGTERM (grace 10 s)`);
  },
);
