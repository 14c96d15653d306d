import type http from 'node:http';
import t, { type Test } from 'tap';
import { WebSocket, WebSocketServer } from 'ws';
import { startProxy, startUpstream, testConfig, tlsFixture } from '../fixtures/proxy-server.js';

/** An upstream whose WebSocket endpoint echoes messages; it records each upgrade request. */
async function echoSocketUpstream(t: Test, tls = false) {
  const upgrades: http.IncomingMessage[] = [];
  let closedOne!: (url: string) => void;
  const firstClose = new Promise<string>((resolve) => {
    closedOne = resolve;
  });
  const upstream = await startUpstream((_req, res) => res.end('plain'), { tls });
  const wss = new WebSocketServer({ noServer: true });
  upstream.server.on('upgrade', (req, socket, head) => {
    upgrades.push(req);
    if (req.url?.startsWith('/forbidden')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => ws.send(`echo:${data.toString()}`));
      ws.on('close', () => closedOne(req.url ?? ''));
    });
  });
  t.teardown(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    await upstream.close();
  });
  return { upstream, upgrades, firstClose };
}

function open(url: string, options: { ca?: Buffer } = {}) {
  const ws = new WebSocket(url, { ...options, headers: { 'x-forwarded-for': '6.6.6.6' } });
  return new Promise<WebSocket>((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function roundTrip(ws: WebSocket, text: string) {
  return new Promise<string>((resolve) => {
    ws.once('message', (data) => resolve(data.toString()));
    ws.send(text);
  });
}

t.test('a WebSocket connection passes through to the upstream', async (t) => {
  const { upstream, upgrades, firstClose } = await echoSocketUpstream(t);
  const proxy = await startProxy(testConfig({ upstream: upstream.url }));
  t.teardown(proxy.close);
  const ws = await open(`${proxy.url.replace('http', 'ws')}/live?room=7`);
  t.equal(await roundTrip(ws, 'hello'), 'echo:hello');
  t.equal(await roundTrip(ws, 'x'.repeat(100_000)), `echo:${'x'.repeat(100_000)}`);
  const [request] = upgrades;
  t.equal(request?.url, '/live?room=7');
  t.equal(request?.headers['x-forwarded-for'], '127.0.0.1', 'the spoofed address was replaced');
  t.equal(request?.headers['x-forwarded-proto'], 'http');
  t.equal(request?.headers.host, `127.0.0.1:${proxy.port}`, 'the visitor Host is preserved');

  ws.close();
  t.equal(await firstClose, '/live?room=7', 'closing the browser side closes the upstream side');
});

// Attack: a WebSocket handshake carries X-Real-IP or X-Original-URL from the client, which the
// upstream's socket server takes for the client's address or the URL asked for.
t.test('proxy-field spoofing on a WebSocket handshake: the fields are removed', async (t) => {
  const { upstream, upgrades } = await echoSocketUpstream(t);
  const proxy = await startProxy(testConfig({ upstream: upstream.url }));
  t.teardown(proxy.close);
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/live`, {
    headers: { 'X-Real-IP': '6.6.6.6', 'x-original-url': '/admin', X_Client_IP: '6.6.6.6' },
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const names = upgrades[0]?.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  t.notOk(names?.includes('x-real-ip'), 'X-Real-IP is removed');
  t.notOk(names?.includes('x-original-url'), 'X-Original-URL is removed');
  t.notOk(names?.includes('x_client_ip'), 'X_Client_IP is removed');
  t.equal(upgrades[0]?.url, '/live');
  ws.close();
});

t.test('a WebSocket to an https upstream works with upstreamCa', async (t) => {
  const { upstream } = await echoSocketUpstream(t, true);
  const proxy = await startProxy(testConfig({ upstream: upstream.url, upstreamCa: tlsFixture.ca }));
  t.teardown(proxy.close);
  const ws = await open(`${proxy.url.replace('http', 'ws')}/secure`);
  t.equal(await roundTrip(ws, 'over tls'), 'echo:over tls');
  ws.close();
});

t.test('a refused upgrade reaches the browser as a failed handshake, not a hang', async (t) => {
  const { upstream } = await echoSocketUpstream(t);
  const proxy = await startProxy(testConfig({ upstream: upstream.url }));
  t.teardown(proxy.close);
  const error = await open(`${proxy.url.replace('http', 'ws')}/forbidden`).then(
    () => undefined,
    (e: Error) => e,
  );
  t.match(error?.message, /Unexpected server response: 502/);
  t.match(
    proxy.logs.find((l) => l['level'] === 40),
    { code: 'HG_ERR_UPSTREAM_UNREACHABLE' },
  );
});
