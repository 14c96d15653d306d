import t, { type Test } from 'tap';
import { rawRequest, startProxy, startUpstream, testConfig } from '../fixtures/proxy-server.js';

/** The site and a second "evil" server that must never be contacted through helpgate. */
async function setup(t: Test) {
  const upstreamSaw: string[] = [];
  const evilSaw: string[] = [];
  const upstream = await startUpstream((req, res) => {
    upstreamSaw.push(`${req.method} ${req.url} host=${req.headers.host}`);
    res.end('site');
  });
  const evil = await startUpstream((req, res) => {
    evilSaw.push(`${req.method} ${req.url}`);
    res.end('evil');
  });
  let evilConnections = 0;
  evil.server.on('connection', () => {
    evilConnections++;
  });
  const proxy = await startProxy(testConfig({ upstream: upstream.url, preserveHost: false }));
  t.teardown(async () => {
    await proxy.close();
    await upstream.close();
    await evil.close();
  });
  return { proxy, evil, upstream, upstreamSaw, evilSaw, evilConnections: () => evilConnections };
}

// Attack: a path that starts with "//host" is taken for a URL with an authority by a naive
// proxy (new URL(path, base)) and sent to that host — an open proxy.
t.test('open proxy via a //host path stays on the upstream', async (t) => {
  const { proxy, evil, upstream, upstreamSaw, evilConnections } = await setup(t);
  const response = await rawRequest(
    proxy.port,
    `GET //127.0.0.1:${evil.port}/x HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n`,
  );
  t.match(response, /^HTTP\/1\.1 200/);
  t.match(response, /site$/);
  t.same(upstreamSaw, [`GET //127.0.0.1:${evil.port}/x host=127.0.0.1:${upstream.port}`]);
  t.equal(evilConnections(), 0, 'the evil server was never contacted');
});

// Attack: an absolute-form request target (as sent to forward proxies) naming another host.
t.test('open proxy via an absolute-form target goes to the upstream as a path', async (t) => {
  const { proxy, evil, upstreamSaw, evilConnections } = await setup(t);
  const response = await rawRequest(
    proxy.port,
    `GET http://127.0.0.1:${evil.port}/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:${evil.port}\r\nConnection: close\r\n\r\n`,
  );
  t.match(response, /^HTTP\/1\.1 200/);
  t.match(response, /site$/);
  t.equal(upstreamSaw.length, 1);
  t.match(upstreamSaw[0], /^GET \/x\?y=1 /);
  t.equal(evilConnections(), 0, 'the evil server was never contacted');
});

// Attack: CONNECT asks helpgate to open a raw tunnel to any host:port.
t.test('open proxy via CONNECT is answered 405', async (t) => {
  const { proxy, evil, upstreamSaw, evilConnections } = await setup(t);
  const response = await rawRequest(
    proxy.port,
    `CONNECT 127.0.0.1:${evil.port} HTTP/1.1\r\nHost: 127.0.0.1:${evil.port}\r\n\r\n`,
  );
  t.match(response, /^HTTP\/1\.1 405 /);
  t.match(response, /\r\nAllow: GET/);
  t.equal(upstreamSaw.length, 0);
  t.equal(evilConnections(), 0, 'the evil server was never contacted');
});

t.test('an unusable request target gets 400 and reaches nobody', async (t) => {
  const { proxy, upstreamSaw, evilConnections } = await setup(t);
  const response = await rawRequest(
    proxy.port,
    'OPTIONS * HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n',
  );
  t.match(response, /^HTTP\/1\.1 400 /);
  t.match(response, /HG_ERR_BAD_REQUEST/);
  t.equal(upstreamSaw.length, 0);
  t.equal(evilConnections(), 0);
});
