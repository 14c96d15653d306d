import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { HelpgateError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import {
  classifyUpstreamError,
  errorPage,
  sendProxyError,
} from '../../src/proxy/send-proxy-error.js';
import {
  fetchText,
  type RunningProxy,
  startProxy,
  startUpstream,
  testConfig,
} from '../fixtures/proxy-server.js';

/** A TCP server that runs `onSocket` for every connection (for misbehaving upstreams). */
async function rawUpstream(t: Test, onSocket: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

async function proxyTo(t: Test, upstream: string, extra: Record<string, unknown> = {}) {
  const proxy = await startProxy(testConfig({ upstream, ...extra }));
  t.teardown(proxy.close);
  return proxy;
}

function warnings(proxy: RunningProxy) {
  return proxy.logs.filter((line) => line['level'] === 40);
}

/** Reads a response through the proxy, reporting whether it ended cleanly or was cut off. */
function readOutcome(url: string, onFirstChunk?: (res: http.IncomingMessage) => void) {
  return new Promise<{ status: number; body: string; outcome: 'complete' | 'aborted' }>(
    (resolve) => {
      const req = http.get(url, { agent: false }, (res) => {
        let body = '';
        let first = true;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (first) onFirstChunk?.(res);
          first = false;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, outcome: 'complete' }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body, outcome: 'aborted' }));
        res.on('aborted', () => resolve({ status: res.statusCode ?? 0, body, outcome: 'aborted' }));
      });
      req.on('error', () => resolve({ status: 0, body: '', outcome: 'aborted' }));
    },
  );
}

t.test('an upstream that refuses connections gives 502 with a page and a log line', async (t) => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const proxy = await proxyTo(t, `http://127.0.0.1:${port}`);
  const res = await fetchText(`${proxy.url}/shop/cart?token=secret`);
  t.equal(res.status, 502);
  t.match(res.headers['content-type'], /^text\/html/);
  t.equal(res.headers['cache-control'], 'no-store');
  t.match(res.body, /502 Bad Gateway/);
  t.match(res.body, /could not be reached/);
  t.notMatch(res.body, /\b(?:src|href)=/, 'the page loads nothing from elsewhere');
  const [line, ...more] = warnings(proxy);
  t.equal(more.length, 0, 'exactly one warning');
  t.match(line, {
    msg: 'upstream error',
    method: 'GET',
    path: '/shop/cart',
    code: 'HG_ERR_UPSTREAM_UNREACHABLE',
    upstreamCode: 'ECONNREFUSED',
  });
  t.notMatch(JSON.stringify(line), /token=secret/, 'the query string is not logged');
});

t.test('an upstream that resets the connection gives 502', async (t) => {
  const upstream = await startUpstream((req) => req.socket.destroy());
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url);
  const res = await fetchText(`${proxy.url}/reset`);
  t.equal(res.status, 502);
  t.match(warnings(proxy)[0], { code: 'HG_ERR_UPSTREAM_UNREACHABLE', path: '/reset' });
});

t.test('an upstream that answers garbage gives 502', async (t) => {
  const port = await rawUpstream(t, (socket) => {
    socket.once('data', () => socket.end('SPLAT garbage\r\n\r\n'));
  });
  const proxy = await proxyTo(t, `http://127.0.0.1:${port}`);
  const res = await fetchText(`${proxy.url}/`);
  t.equal(res.status, 502);
  t.match(warnings(proxy)[0], { code: 'HG_ERR_UPSTREAM_BAD_RESPONSE' });
});

t.test('an upstream header with a control character gives 502, not a crash', async (t) => {
  const port = await rawUpstream(t, (socket) => {
    socket.once('data', () =>
      socket.end('HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok'),
    );
  });
  const proxy = await proxyTo(t, `http://127.0.0.1:${port}`);
  const res = await fetchText(`${proxy.url}/`);
  t.equal(res.status, 502);
});

t.test('non-ASCII header bytes from the upstream pass through byte for byte', async (t) => {
  const port = await rawUpstream(t, (socket) => {
    socket.once('data', () =>
      socket.end(
        Buffer.concat([
          Buffer.from('HTTP/1.1 200 OK\r\nContent-Disposition: inline; filename="caf'),
          Buffer.from([0xe9]),
          Buffer.from('.txt"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
        ]),
      ),
    );
  });
  const proxy = await proxyTo(t, `http://127.0.0.1:${port}`);
  const res = await fetchText(`${proxy.url}/`);
  t.equal(res.status, 200);
  t.equal(res.headers['content-disposition'], 'inline; filename="caf\u00e9.txt"');
});

t.test('an upstream that sends no headers within timeouts.headers gives 504', async (t) => {
  const port = await rawUpstream(t, () => {});
  const proxy = await proxyTo(t, `http://127.0.0.1:${port}`, { timeouts: { headers: '200ms' } });
  const res = await fetchText(`${proxy.url}/slow`);
  t.equal(res.status, 504);
  t.match(res.body, /504 Gateway Timeout/);
  t.match(warnings(proxy)[0], {
    code: 'HG_ERR_UPSTREAM_TIMEOUT',
    upstreamCode: 'UND_ERR_HEADERS_TIMEOUT',
  });
});

t.test('an upstream connection not established within timeouts.connect gives 504', async (t) => {
  // A TCP server that never answers the TLS handshake: the connection never completes.
  const port = await rawUpstream(t, () => {});
  const proxy = await proxyTo(t, `https://127.0.0.1:${port}`, { timeouts: { connect: '200ms' } });
  const res = await fetchText(`${proxy.url}/`);
  t.equal(res.status, 504);
  t.match(warnings(proxy)[0], {
    code: 'HG_ERR_UPSTREAM_TIMEOUT',
    upstreamCode: 'UND_ERR_CONNECT_TIMEOUT',
  });
});

t.test(
  'an upstream body that stalls past timeouts.idle aborts the client connection',
  async (t) => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial ');
    });
    t.teardown(upstream.close);
    const proxy = await proxyTo(t, upstream.url, { timeouts: { idle: '200ms' } });
    const result = await readOutcome(`${proxy.url}/stall`);
    t.equal(result.status, 200);
    t.equal(result.body, 'partial ');
    t.equal(result.outcome, 'aborted', 'the browser sees a broken response, not a short one');
    t.match(warnings(proxy)[0], { upstreamCode: 'UND_ERR_BODY_TIMEOUT' });
  },
);

t.test('an upstream that closes mid-body aborts the client connection', async (t) => {
  const port = await rawUpstream(t, (socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhalf');
      setImmediate(() => socket.destroy());
    });
  });
  const proxy = await proxyTo(t, `http://127.0.0.1:${port}`);
  const result = await readOutcome(`${proxy.url}/`);
  t.equal(result.outcome, 'aborted');
  const after = await fetchText(`${proxy.url}/`).catch(() => undefined);
  t.ok(after === undefined || after.status >= 200, 'helpgate still answers afterwards');
});

t.test('a client that disconnects mid-response cancels the upstream request', async (t) => {
  let upstreamClosed!: (finished: boolean) => void;
  const closed = new Promise<boolean>((resolve) => {
    upstreamClosed = resolve;
  });
  const upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first chunk');
    res.on('close', () => upstreamClosed(res.writableFinished));
  });
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url);
  await readOutcome(`${proxy.url}/long`, (res) => res.destroy());
  t.equal(await closed, false, 'the upstream saw its response cut off before it finished');
  t.equal(warnings(proxy).length, 0, 'a visitor leaving is not a warning');
});

t.test('a client that disconnects mid-upload cancels the upstream request', async (t) => {
  let upstreamAborted!: (complete: boolean) => void;
  const aborted = new Promise<boolean>((resolve) => {
    upstreamAborted = resolve;
  });
  const upstream = await startUpstream((req, res) => {
    req.resume();
    req.on('close', () => upstreamAborted(req.complete));
    req.on('end', () => res.end('done'));
  });
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url);
  const req = http.request(`${proxy.url}/upload`, {
    method: 'POST',
    agent: false,
    headers: { 'content-length': '100000' },
  });
  req.on('error', () => {});
  req.write('a'.repeat(1000));
  setTimeout(() => req.destroy(), 50);
  t.equal(await aborted, false, 'the upstream never got a complete request');
  const after = await fetchText(`${proxy.url}/`, { method: 'POST', body: 'x' });
  t.equal(after.body, 'done', 'helpgate keeps serving');
});

t.test('errors map to 502 / 504 / 400 in one place', async (t) => {
  const system = (code: string) => Object.assign(new Error(code), { code });
  t.equal(classifyUpstreamError(system('ECONNREFUSED')).status, 502);
  t.equal(classifyUpstreamError(system('ECONNRESET')).status, 502);
  t.equal(classifyUpstreamError(system('ENOTFOUND')).status, 502);
  t.equal(classifyUpstreamError(system('HPE_INVALID_CONSTANT')).status, 502);
  t.equal(classifyUpstreamError(system('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).status, 502);
  t.equal(classifyUpstreamError(system('UND_ERR_CONNECT_TIMEOUT')).status, 504);
  t.equal(classifyUpstreamError(system('UND_ERR_HEADERS_TIMEOUT')).status, 504);
  t.equal(classifyUpstreamError(system('UND_ERR_BODY_TIMEOUT')).status, 504);
  t.equal(classifyUpstreamError(system('UND_ERR_INVALID_ARG')).status, 400);
  t.equal(
    classifyUpstreamError(new Error('wrapped', { cause: system('ECONNREFUSED') })).code,
    'HG_ERR_UPSTREAM_UNREACHABLE',
  );
  t.equal(classifyUpstreamError('weird').code, 'HG_ERR_UPSTREAM_BAD_RESPONSE');
});

// Attack: text that reaches the error page (e.g. a reason naming part of the request) must not
// become markup in the visitor's browser.
t.test('error page text is escaped (HTML injection)', async (t) => {
  const page = errorPage(
    new HelpgateError('HG_ERR_BAD_REQUEST', { reason: '<script>alert(1)</script>' }),
  );
  t.notMatch(page, /<script>/);
  t.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

t.test('an error after the response started destroys the connection', async (t) => {
  const logger = createLogger('silent');
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('begun ', () =>
      sendProxyError(req, res, Object.assign(new Error('late'), { code: 'ECONNRESET' }), logger),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const result = await readOutcome(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  t.equal(result.status, 200);
  t.equal(result.outcome, 'aborted', 'no clean end after a partial body');
});
