import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/logger.js';
import { createForwarder } from '../../src/proxy/forwarder.js';
import { PROXY_FIELDS } from '../../src/proxy/headers.js';
import { pipeToClient } from '../../src/proxy/pipe-to-client.js';
import { requestOrigin } from '../../src/proxy/request-origin.js';
import { packageFile } from '../../src/util/package-root.js';
import {
  fetchText,
  rawRequest,
  startProxy,
  startUpstream,
  testConfig,
} from '../fixtures/proxy-server.js';

interface Echo {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  bodyLength: number;
  bodySha: string;
  socket: string;
}

/** An upstream that answers every request with a JSON description of what it received. */
async function echoUpstream(t: Test) {
  const upstream = await startUpstream((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      const echo: Echo = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyLength: length,
        bodySha: hash.digest('hex'),
        socket: `${req.socket.remotePort}`,
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(echo));
    });
  });
  t.teardown(upstream.close);
  return upstream;
}

async function proxyTo(t: Test, upstream: string, extra: Record<string, unknown> = {}) {
  const proxy = await startProxy(testConfig({ upstream, ...extra }));
  t.teardown(proxy.close);
  return proxy;
}

t.test('method, path, query, body and headers reach the upstream unchanged', async (t) => {
  const upstream = await echoUpstream(t);
  const proxy = await proxyTo(t, upstream.url);
  const body = Buffer.from('{"name":"Zoë","qty":3}');
  const res = await fetchText(`${proxy.url}/api/cart/items?sku=A%2F1&x=1&x=2`, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/json',
      'x-custom': 'one',
      accept: 'application/json',
      authorization: 'Bearer abc',
    },
    body,
  });
  t.equal(res.status, 200);
  const echo = JSON.parse(res.body) as Echo;
  t.equal(echo.method, 'PATCH');
  t.equal(echo.url, '/api/cart/items?sku=A%2F1&x=1&x=2');
  t.equal(echo.headers['content-type'], 'application/json');
  t.equal(echo.headers['x-custom'], 'one');
  t.equal(echo.headers.authorization, 'Bearer abc');
  t.equal(echo.headers['content-length'], String(body.length));
  t.equal(echo.bodySha, createHash('sha256').update(body).digest('hex'));
});

t.test('a chunked upload of unknown length arrives whole', async (t) => {
  const upstream = await echoUpstream(t);
  const proxy = await proxyTo(t, upstream.url);
  const data = Buffer.alloc(3 * 1024 * 1024, 'abc');
  const echo = await new Promise<Echo>((resolve, reject) => {
    const req = http.request(`${proxy.url}/upload`, { method: 'POST', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve(JSON.parse(text) as Echo));
    });
    req.on('error', reject);
    req.write(data.subarray(0, 1000));
    req.end(data.subarray(1000));
  });
  t.equal(echo.headers['transfer-encoding'], 'chunked');
  t.equal(echo.bodyLength, data.length);
  t.equal(echo.bodySha, createHash('sha256').update(data).digest('hex'));
});

t.test('request and response bodies stream without waiting for the end', async (t) => {
  // The upstream answers as soon as the first upload chunk arrives and keeps the response
  // open; the client sees that first response chunk while its own upload is still open.
  let firstUploadChunk!: () => void;
  const uploadStarted = new Promise<void>((resolve) => {
    firstUploadChunk = resolve;
  });
  const upstream = await startUpstream((req, res) => {
    req.once('data', () => {
      firstUploadChunk();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first ');
      req.on('end', () => res.end('last'));
      req.resume();
    });
  });
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url);
  const received = await new Promise<string>((resolve, reject) => {
    const req = http.request(`${proxy.url}/duplex`, { method: 'POST', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.once('data', (chunk: string) => {
        text += chunk;
        t.equal(text, 'first ', 'response bytes arrive before the upload finished');
        res.on('data', (more: string) => {
          text += more;
        });
        req.end('upload-end');
      });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.write('upload-start');
  });
  await uploadStarted;
  t.equal(received, 'first last');
});

t.test('requests reuse kept-alive upstream connections', async (t) => {
  const upstream = await echoUpstream(t);
  const proxy = await proxyTo(t, upstream.url);
  const first = JSON.parse((await fetchText(`${proxy.url}/a`)).body) as Echo;
  const second = JSON.parse((await fetchText(`${proxy.url}/b`)).body) as Echo;
  t.equal(second.socket, first.socket, 'the same upstream connection served both');
});

t.test('preserveHost sends the visitor Host, otherwise the upstream host', async (t) => {
  const upstream = await echoUpstream(t);
  const preserving = await proxyTo(t, upstream.url, { preserveHost: true });
  const own = await proxyTo(t, upstream.url, { preserveHost: false });
  const headers = { host: 'shop.example' };
  const a = JSON.parse((await fetchText(`${preserving.url}/`, { headers })).body) as Echo;
  const b = JSON.parse((await fetchText(`${own.url}/`, { headers })).body) as Echo;
  t.equal(a.headers.host, 'shop.example');
  t.equal(a.headers['x-forwarded-host'], 'shop.example');
  t.equal(b.headers.host, `127.0.0.1:${upstream.port}`);
  t.equal(b.headers['x-forwarded-host'], 'shop.example');
});

// Attack: a client claims another address or origin through X-Forwarded-* / Forwarded so the
// site logs, rate-limits or builds links with attacker-chosen values.
t.test('X-Forwarded spoofing by an untrusted client is overwritten', async (t) => {
  const upstream = await echoUpstream(t);
  const proxy = await proxyTo(t, upstream.url);
  const res = await fetchText(`${proxy.url}/`, {
    headers: {
      host: 'shop.example',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      forwarded: 'for=6.6.6.6;proto=https;host=evil.example',
    },
  });
  const echo = JSON.parse(res.body) as Echo;
  t.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
  t.equal(echo.headers['x-forwarded-proto'], 'http');
  t.equal(echo.headers['x-forwarded-host'], 'shop.example');
  t.equal(echo.headers.forwarded, undefined, 'Forwarded from an untrusted client is removed');
  const names = echo.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  t.equal(names.filter((n) => n === 'x-forwarded-for').length, 1, 'exactly one X-Forwarded-For');
});

/** Fields a client sends to pose as a proxy: odd spellings, a repeat, CGI-style underscores. */
const POSED_PROXY_FIELDS = [
  ['X-Real-IP', '6.6.6.6'],
  ['x-real-ip', '6.6.6.7'],
  ['TRUE-CLIENT-IP', '6.6.6.6'],
  ['Cf-Connecting-Ip', '6.6.6.6'],
  ['X-Client-IP', '6.6.6.6'],
  ['X-Forwarded-Port', '443'],
  ['X-Forwarded-Prefix', '/admin'],
  ['X-Forwarded-Scheme', 'https'],
  ['X-Forwarded-SSL', 'on'],
  ['X-Original-URL', '/admin'],
  ['X-Rewrite-URL', '/admin'],
  ['X-Forwarded-Server', 'evil.example'],
  ['X-Original-Host', 'evil.example'],
  ['X-ProxyUser-Ip', '6.6.6.6'],
] as const;
const UNDERSCORED = [
  ['X_Real_IP', '6.6.6.6'],
  ['x_forwarded_for', '6.6.6.6'],
  ['X-Forwarded_Proto', 'https'],
] as const;

/** What the echo upstream received for a request with exactly `fields`, sent through `proxy`. */
async function echoOfRaw(proxy: string, fields: ReadonlyArray<readonly [string, string]>) {
  const headers = ['Host', 'shop.example', ...fields.flat()];
  return JSON.parse((await fetchText(`${proxy}/account`, { headers })).body) as Echo;
}

/** The lower-case names of an echo's raw headers, CGI-style underscores read as hyphens. */
function receivedNames(echo: Echo): string[] {
  return echo.rawHeaders
    .filter((_, i) => i % 2 === 0)
    .map((name) => name.toLowerCase().replaceAll('_', '-'));
}

// Attack: a client sends X-Real-IP, X-Forwarded-SSL, X-Original-URL and kin itself, so an
// upstream framework that believes them takes it for another address, https or another URL.
t.test('proxy-field spoofing by an untrusted client: none reaches the upstream', async (t) => {
  const upstream = await echoUpstream(t);
  const proxy = await proxyTo(t, upstream.url);
  const echo = await echoOfRaw(proxy.url, [...POSED_PROXY_FIELDS, ...UNDERSCORED]);
  const names = receivedNames(echo);
  for (const [name] of POSED_PROXY_FIELDS) {
    t.notOk(names.includes(name.toLowerCase()), `${name} is removed`);
  }
  t.notOk(names.includes('x-real-ip'), 'not even spelled with underscores');
  t.equal(names.filter((n) => n === 'x-forwarded-for').length, 1, 'only one X-Forwarded-For');
  t.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
  t.equal(echo.headers['x-forwarded-proto'], 'http');

  // Every field of the documented list, not only the ones above.
  const all = await echoOfRaw(
    proxy.url,
    [...PROXY_FIELDS].map((name) => [name, 'posed'] as const),
  );
  t.same(
    receivedNames(all).filter((name) => PROXY_FIELDS.has(name)),
    [],
    'no field of the list passes',
  );
  const readme = readFileSync(packageFile('docs', 'proxy.md'), 'utf8').toLowerCase();
  for (const name of PROXY_FIELDS)
    t.ok(readme.includes(`\`${name}\``), `docs/proxy.md lists ${name}`);
});

t.test('a trusted proxy keeps the fields it sets, under every trustProxy form', async (t) => {
  const upstream = await echoUpstream(t);
  for (const trustProxy of [true, 1, ['127.0.0.0/8']]) {
    const proxy = await proxyTo(t, upstream.url, { trustProxy });
    const echo = await echoOfRaw(proxy.url, [...POSED_PROXY_FIELDS, ...UNDERSCORED]);
    const pairs: string[] = [];
    for (let i = 0; i < echo.rawHeaders.length; i += 2) {
      pairs.push(`${echo.rawHeaders[i]?.toLowerCase()}: ${echo.rawHeaders[i + 1]}`);
    }
    for (const [name, value] of POSED_PROXY_FIELDS) {
      t.ok(pairs.includes(`${name.toLowerCase()}: ${value}`), `${name}: ${value} passes`);
    }
    t.notOk(
      pairs.some((pair) => pair.includes('_')),
      'underscore spellings never pass: no proxy writes them',
    );
  }
});

t.test('a trusted proxy in front gets its chain appended to and its proto honoured', async (t) => {
  const upstream = await echoUpstream(t);
  const headers = {
    host: 'internal:8080',
    'x-forwarded-for': '6.6.6.6, 203.0.113.7',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'shop.example',
    forwarded: 'for=203.0.113.7',
  };
  const all = await proxyTo(t, upstream.url, { trustProxy: true });
  const a = JSON.parse((await fetchText(`${all.url}/`, { headers })).body) as Echo;
  t.equal(a.headers['x-forwarded-for'], '6.6.6.6, 203.0.113.7, 127.0.0.1');
  t.equal(a.headers['x-forwarded-proto'], 'https');
  t.equal(a.headers['x-forwarded-host'], 'shop.example');
  t.equal(a.headers.forwarded, 'for=203.0.113.7', 'a trusted peer keeps its Forwarded header');

  // One trusted hop: the load balancer's entry is the client; what it did not vouch for
  // (6.6.6.6, written by the client itself) is not passed on.
  const oneHop = await proxyTo(t, upstream.url, { trustProxy: 1 });
  const b = JSON.parse((await fetchText(`${oneHop.url}/`, { headers })).body) as Echo;
  t.equal(b.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');

  const cidr = await proxyTo(t, upstream.url, { trustProxy: ['127.0.0.0/8'] });
  const c = JSON.parse((await fetchText(`${cidr.url}/`, { headers })).body) as Echo;
  t.equal(c.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  t.equal(c.headers['x-forwarded-proto'], 'https');

  const other = await proxyTo(t, upstream.url, { trustProxy: ['10.0.0.0/8'] });
  const d = JSON.parse((await fetchText(`${other.url}/`, { headers })).body) as Echo;
  t.equal(d.headers['x-forwarded-for'], '127.0.0.1', 'a peer outside the list is not trusted');
  t.equal(d.headers['x-forwarded-proto'], 'http');
  t.equal(d.headers['x-forwarded-host'], 'internal:8080');
  t.equal(d.headers.forwarded, undefined);
});

t.test('hop-by-hop headers are removed in both directions', async (t) => {
  let seen: http.IncomingHttpHeaders = {};
  const upstream = await startUpstream((req, res) => {
    seen = req.headers;
    res.writeHead(200, {
      connection: 'X-Upstream-Secret, keep-alive',
      'keep-alive': 'timeout=5',
      'x-upstream-secret': 'internal',
      'proxy-connection': 'keep-alive',
      'x-kept': 'yes',
    });
    res.end('ok');
  });
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url);
  const response = await rawRequest(
    proxy.port,
    'GET /hop HTTP/1.1\r\nHost: shop.example\r\n' +
      'Connection: close, X-Client-Private\r\nX-Client-Private: 1\r\n' +
      'Keep-Alive: timeout=99\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n' +
      'Upgrade: h2c\r\nX-Kept: yes\r\n\r\n',
  );
  t.equal(seen['x-client-private'], undefined, 'a header named in Connection is not forwarded');
  t.equal(seen['keep-alive'], undefined);
  t.equal(seen['proxy-connection'], undefined);
  t.equal(seen.te, undefined);
  t.equal(seen.upgrade, undefined);
  t.equal(seen['x-kept'], 'yes');
  const head = response.slice(0, response.indexOf('\r\n\r\n')).toLowerCase();
  t.match(response, /^HTTP\/1\.1 200/);
  t.notMatch(head, /x-upstream-secret/);
  t.notMatch(head, /keep-alive: timeout=5/);
  t.notMatch(head, /proxy-connection/);
  t.match(head, /x-kept: yes/);
});

t.test('helpgate cookie is removed upstream; Range dropped when asked', async (t) => {
  const upstream = await echoUpstream(t);
  const proxy = await proxyTo(t, upstream.url);
  const mixed = await fetchText(`${proxy.url}/`, {
    headers: { cookie: 'a=1; hg_sid=secret.sig; b=2', range: 'bytes=0-10' },
  });
  const echo = JSON.parse(mixed.body) as Echo;
  t.equal(echo.headers.cookie, 'a=1; b=2');
  t.equal(echo.headers.range, 'bytes=0-10', 'Range passes when not dropped');
  const only = await fetchText(`${proxy.url}/`, { headers: { cookie: 'hg_sid=secret.sig' } });
  t.notOk('cookie' in (JSON.parse(only.body) as Echo).headers, 'an emptied Cookie is removed');

  // dropRange: a forwarder used directly, as the orchestrator does for rewritable pages.
  const config = testConfig({ upstream: upstream.url });
  const forwarder = createForwarder(config, { logger: silentLogger() });
  const server = http.createServer(async (req, res) => {
    const response = await forwarder.send(req, {
      origin: requestOrigin(req, config),
      dropRange: true,
    });
    pipeToClient(res, response, silentLogger());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    server.closeAllConnections();
    server.close();
    await forwarder.close();
  });
  const port = (server.address() as AddressInfo).port;
  const ranged = await fetchText(`http://127.0.0.1:${port}/page`, {
    headers: { range: 'bytes=0-10', 'if-range': '"v1"' },
  });
  const rangedEcho = JSON.parse(ranged.body) as Echo;
  t.equal(rangedEcho.headers.range, undefined);
  t.equal(rangedEcho.headers['if-range'], undefined);
});

t.test('several Set-Cookie headers from the upstream all reach the browser', async (t) => {
  const upstream = await startUpstream((_req, res) => {
    res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; HttpOnly', 'c=3, with comma; Path=/x']);
    res.end('ok');
  });
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url);
  const res = await fetchText(`${proxy.url}/`);
  t.same(res.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly', 'c=3, with comma; Path=/x']);
});

t.test('Location pointing at the upstream is rewritten to the public origin', async (t) => {
  const upstream = await startUpstream((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.writeHead(Number(url.searchParams.get('status')), {
      location: url.searchParams.get('to') ?? '/',
    });
    res.end();
  });
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url, { publicUrl: 'https://shop.example' });
  const same = `${upstream.url}/checkout?step=2#pay`;
  for (const status of [301, 302, 303, 307, 308, 201]) {
    const res = await fetchText(`${proxy.url}/r?status=${status}&to=${encodeURIComponent(same)}`);
    t.equal(res.status, status);
    t.equal(res.headers.location, 'https://shop.example/checkout?step=2#pay', `status ${status}`);
  }
  for (const location of ['/relative?x=1', 'next', 'https://other.example/x']) {
    const res = await fetchText(`${proxy.url}/r?status=302&to=${encodeURIComponent(location)}`);
    t.equal(res.headers.location, location, `${location} is left alone`);
  }
  const scheme = await fetchText(
    `${proxy.url}/r?status=302&to=${encodeURIComponent(`//127.0.0.1:${upstream.port}/p`)}`,
  );
  t.equal(scheme.headers.location, 'https://shop.example/p', 'scheme-relative form too');
});

t.test('without publicUrl, Location follows the Host the visitor used', async (t) => {
  const upstream = await startUpstream((_req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${upstreamPort}/login` });
    res.end();
  });
  const upstreamPort = upstream.port;
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url);
  const res = await fetchText(`${proxy.url}/`, { headers: { host: 'shop.example:8080' } });
  t.equal(res.headers.location, 'http://shop.example:8080/login');
});

t.test('HEAD answers carry the upstream headers and no body', async (t) => {
  const upstream = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '11' });
    res.end(req.method === 'HEAD' ? undefined : 'hello world');
  });
  t.teardown(upstream.close);
  const proxy = await proxyTo(t, upstream.url);
  const res = await fetchText(`${proxy.url}/file.txt`, { method: 'HEAD' });
  t.equal(res.status, 200);
  t.equal(res.headers['content-length'], '11');
  t.equal(res.body, '');
  const get = await fetchText(`${proxy.url}/file.txt`);
  t.equal(get.body, 'hello world', 'the kept-alive connection is still in step after HEAD');
});
