import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { createHelpgate } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { rawRequest, startUpstream, testConfig } from '../fixtures/proxy-server.js';

/** helpgate (through the factory, upgrades wired) in front of an upstream that logs what it got. */
async function setup(t: Test) {
  const seen: string[] = [];
  const upstream = await startUpstream((req, res) => {
    seen.push(`${req.method} ${req.url} host=${req.headers.host}`);
    res.end('site');
  });
  upstream.server.on('upgrade', (req, socket) => {
    seen.push(`upgrade ${req.url} host=${req.headers.host}`);
    socket.end(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
  });
  const helpgate = createHelpgate(testConfig({ upstream: upstream.url }), {
    logger: silentLogger(),
  });
  const server = http.createServer((req, res) => helpgate.handleRequest(req, res));
  server.on('upgrade', (req, socket, head) => helpgate.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await helpgate.close();
    await upstream.close();
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

// Attack: two Host lines; helpgate builds links from the first while a server behind it that
// keeps the last one (or joins them) reads another host: cache keys and links disagree.
t.test('duplicate Host headers are answered 400 and reach nobody', async (t) => {
  const { port, seen } = await setup(t);
  for (const [target, hosts] of [
    ['/', 'Host: shop.example\r\nHost: evil.example\r\n'],
    ['/account', 'Host: shop.example\r\nhost: shop.example\r\n'],
    ['/__helpgate/healthz', 'HOST: shop.example\r\nHost: evil.example\r\n'],
  ] as const) {
    const response = await rawRequest(
      port,
      `GET ${target} HTTP/1.1\r\n${hosts}Connection: close\r\n\r\n`,
    );
    t.match(response, /^HTTP\/1\.1 400 /, `${target} gets 400`);
    t.match(response, /HG_ERR_BAD_REQUEST/);
    t.match(response, /more than one Host header/);
  }
  t.same(seen, [], 'the upstream saw none of them');

  const one = await rawRequest(
    port,
    'GET / HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n',
  );
  t.match(one, /^HTTP\/1\.1 200 /, 'one Host is fine');
  // Node's server answers an ordinary HTTP/1.1 request without Host itself (requireHostHeader).
  const none = await rawRequest(port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
  t.match(none, /^HTTP\/1\.1 400 /, 'an HTTP/1.1 request without Host gets 400');
  const old = await rawRequest(port, 'GET /old HTTP/1.0\r\n\r\n');
  t.match(old, /^HTTP\/1\.1 200 /, 'an HTTP/1.0 request may have none');
});

// Attack: a WebSocket handshake with two Host lines, or none (Node's own check for a missing
// Host skips upgrades), so the upstream's socket server reads a host helpgate never checked.
t.test(
  'an upgrade with duplicate or missing Host is answered 400 and reaches nobody',
  async (t) => {
    const { port, seen } = await setup(t);
    const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n';
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const twice = await rawRequest(
      port,
      `GET /live HTTP/1.1\r\nHost: shop.example\r\nHost: evil.example\r\n${upgrade}${key}\r\n`,
    );
    t.match(twice, /^HTTP\/1\.1 400 /);
    t.match(twice, /more than one Host header/);
    const none = await rawRequest(port, `GET /live HTTP/1.1\r\n${upgrade}${key}\r\n`);
    t.match(none, /^HTTP\/1\.1 400 /);
    t.match(none, /needs a Host header/);
    t.same(seen, [], 'the upstream saw no upgrade');

    const one = await rawRequest(
      port,
      `GET /live HTTP/1.1\r\nHost: shop.example\r\n${upgrade}${key}\r\n`,
    );
    t.match(one, /^HTTP\/1\.1 101 /, 'with one Host the upgrade reaches the upstream');
    t.same(seen, ['upgrade /live host=shop.example']);
  },
);
