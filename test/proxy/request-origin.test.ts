import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { requestOrigin } from '../../src/proxy/request-origin.js';
import { testConfig } from '../fixtures/proxy-server.js';

/** The parts of a request requestOrigin reads, for a peer at `remoteAddress`. */
function request(
  remoteAddress: string,
  headers: Record<string, string>,
  encrypted = false,
): IncomingMessage {
  return {
    socket: { remoteAddress, encrypted, localAddress: '127.0.0.1', localPort: 8080 },
    headers,
  } as unknown as IncomingMessage;
}

const spoofed = {
  host: 'internal:8080',
  'x-forwarded-for': '6.6.6.6, 198.51.100.9',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'shop.example',
};

const configFor = (trustProxy: boolean | number | string[], publicUrl: string | null = null) =>
  testConfig({ upstream: 'http://127.0.0.1:3000', trustProxy, publicUrl });

// Attack: a visitor sends X-Forwarded-* to pose as another address or origin.
t.test('X-Forwarded spoofing is ignored unless the peer is trusted', async (t) => {
  const origin = requestOrigin(request('203.0.113.5', spoofed), configFor(false));
  t.same(origin, {
    proto: 'http',
    host: 'internal:8080',
    origin: 'http://internal:8080',
    clientIp: '203.0.113.5',
    forwardedFor: '203.0.113.5',
  });
});

t.test('trustProxy true trusts every hop', async (t) => {
  const origin = requestOrigin(request('10.0.0.2', spoofed), configFor(true));
  t.equal(origin.clientIp, '6.6.6.6');
  t.equal(origin.forwardedFor, '6.6.6.6, 198.51.100.9, 10.0.0.2');
  t.equal(origin.origin, 'https://shop.example');
});

t.test('a hop count trusts that many proxies from the nearest', async (t) => {
  const one = requestOrigin(request('10.0.0.2', spoofed), configFor(1));
  t.equal(one.clientIp, '198.51.100.9');
  t.equal(one.forwardedFor, '198.51.100.9, 10.0.0.2');
  t.equal(one.proto, 'https');
  const two = requestOrigin(request('10.0.0.2', spoofed), configFor(2));
  t.equal(two.clientIp, '6.6.6.6');
  const none = requestOrigin(request('10.0.0.2', spoofed), configFor(0));
  t.equal(none.clientIp, '10.0.0.2');
  t.equal(none.proto, 'http');
});

t.test('a CIDR list trusts matching peers, IPv4 and IPv6 alike', async (t) => {
  const headers = { host: 'internal', 'x-forwarded-for': '198.51.100.9, 10.1.2.3' };
  const cidrs = configFor(['10.0.0.0/8', 'fd00::/8', '192.0.2.1']);
  t.equal(requestOrigin(request('10.9.9.9', headers), cidrs).clientIp, '198.51.100.9');
  t.equal(requestOrigin(request('fd12::1', headers), cidrs).clientIp, '198.51.100.9');
  t.equal(requestOrigin(request('192.0.2.1', headers), cidrs).clientIp, '198.51.100.9');
  t.equal(requestOrigin(request('192.0.2.2', headers), cidrs).clientIp, '192.0.2.2');
  t.equal(requestOrigin(request('fe80::1', headers), cidrs).clientIp, 'fe80::1');
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; they match IPv4 ranges.
  const mapped = requestOrigin(request('::ffff:10.4.4.4', headers), cidrs);
  t.equal(mapped.clientIp, '198.51.100.9');
  t.equal(mapped.forwardedFor, '198.51.100.9, 10.1.2.3, 10.4.4.4');
  const mappedRange = configFor(['::ffff:10.0.0.0/104']);
  t.equal(requestOrigin(request('10.4.4.4', headers), mappedRange).clientIp, '198.51.100.9');
});

// Fault: one bad trustProxy entry made every request, healthz included, answer 502.
t.test('a trust list entry that is no address never breaks a request', async (t) => {
  const headers = { host: 'internal', 'x-forwarded-for': '198.51.100.9' };
  // The schema refuses these; a config built in code can still carry them.
  const config = {
    ...configFor(false),
    trustProxy: ['10.0.0.256', 'beef', '10.0.0.0/99', '2001:db8::/129', 'fe80::zz', '10.0.0.0/8'],
  };
  const trusted = requestOrigin(request('10.9.9.9', headers), config);
  t.equal(trusted.clientIp, '198.51.100.9', 'the valid entry still applies');
  const untrusted = requestOrigin(request('203.0.113.5', headers), config);
  t.equal(untrusted.clientIp, '203.0.113.5', 'the invalid ones trust nobody');
});

// Attack: junk in X-Forwarded-For (headers, script) relayed to the site as an "address".
t.test('X-Forwarded-For garbage is never passed on as an address', async (t) => {
  const headers = { host: 'a', 'x-forwarded-for': '<script>, 198.51.100.9:4711, [2001:db8::1]:80' };
  const origin = requestOrigin(request('10.0.0.2', headers), configFor(true));
  t.equal(origin.forwardedFor, '198.51.100.9, 2001:db8::1, 10.0.0.2');
  t.equal(origin.clientIp, '198.51.100.9');
});

t.test('publicUrl wins over the request; TLS sockets are https', async (t) => {
  const fixed = requestOrigin(
    request('10.0.0.2', spoofed),
    configFor(true, 'https://shop.example'),
  );
  t.equal(fixed.origin, 'https://shop.example');
  t.equal(fixed.host, 'shop.example');
  const tls = requestOrigin(
    request('203.0.113.5', { host: 'shop.example:443' }, true),
    configFor(false),
  );
  t.equal(tls.origin, 'https://shop.example');
  t.equal(tls.host, 'shop.example');
});

// Attack: a Host header with a path or markup, used to poison redirects built from it.
t.test('an unusable Host header falls back to the listening address', async (t) => {
  const origin = requestOrigin(
    request('203.0.113.5', { host: 'evil.example/x"<' }),
    configFor(false),
  );
  t.equal(origin.origin, 'http://127.0.0.1:8080');
});
